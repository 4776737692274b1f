//! gzip (RFC 1952) members decoded without computing their CRC-32, for layers whose
//! content is verified by SHA-256 anyway (the blob digest and the diff_id).
//!
//! Written by hand around flate2's raw deflate decoder because flate2's gzip readers always
//! compute the CRC-32 of everything they output, which those digests make redundant: on the
//! base layer of a cold scan that is ~10 ms of the one stream that bounds the scan. Only the
//! header fields of RFC 1952 section 2.3 are parsed here (and skipped); each member's
//! length trailer (ISIZE) is still checked, so a cut or spliced stream is an error here
//! too, not only at the digest check.

use std::io::{self, BufRead, Read};

use flate2::bufread::DeflateDecoder;

/// Decodes every gzip member of `R` in turn, as `flate2::bufread::MultiGzDecoder` does,
/// but without the CRC-32. Data after the last member must be another member.
pub struct UncheckedGzDecoder<R: BufRead> {
    /// `None` only after an error.
    state: Option<State<R>>,
    /// Bytes the current member has produced (its ISIZE is this modulo 2^32).
    member_out: u64,
    members: u64,
}

enum State<R: BufRead> {
    /// At a member header (or the end of the stream, after at least one member).
    Header(R),
    Body(DeflateDecoder<R>),
    Done(R),
}

impl<R: BufRead> UncheckedGzDecoder<R> {
    /// Decodes the gzip stream `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            state: Some(State::Header(inner)),
            member_out: 0,
            members: 0,
        }
    }

    /// The underlying reader, after the last member (or wherever decoding stopped).
    pub fn into_inner(self) -> io::Result<R> {
        match self.state {
            Some(State::Header(r) | State::Done(r)) => Ok(r),
            Some(State::Body(d)) => Ok(d.into_inner()),
            None => Err(failed_earlier()),
        }
    }
}

impl<R: BufRead> Read for UncheckedGzDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state.take().ok_or_else(failed_earlier)? {
                State::Header(mut r) => {
                    if self.members > 0 && r.fill_buf()?.is_empty() {
                        self.state = Some(State::Done(r));
                        continue;
                    }
                    skip_header(&mut r)?;
                    self.members += 1;
                    self.member_out = 0;
                    self.state = Some(State::Body(DeflateDecoder::new(r)));
                }
                State::Body(mut d) => {
                    let n = d.read(buf)?;
                    if n > 0 || buf.is_empty() {
                        self.member_out += n as u64;
                        self.state = Some(State::Body(d));
                        return Ok(n);
                    }
                    // The member's deflate data ended: its trailer follows.
                    let mut r = d.into_inner();
                    let mut trailer = [0u8; 8];
                    r.read_exact(&mut trailer).map_err(|_| {
                        invalid(
                            io::ErrorKind::UnexpectedEof,
                            "gzip member trailer cut short",
                        )
                    })?;
                    let isize =
                        u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
                    // ISIZE is the length modulo 2^32 (RFC 1952): the truncation is the point.
                    if isize != self.member_out as u32 {
                        return Err(invalid(
                            io::ErrorKind::InvalidData,
                            "gzip member length does not match its trailer",
                        ));
                    }
                    self.state = Some(State::Header(r));
                }
                State::Done(r) => {
                    self.state = Some(State::Done(r));
                    return Ok(0);
                }
            }
        }
    }
}

const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const RESERVED: u8 = 0b1110_0000;

/// Reads past one member header, checking what can be checked: magic, method, flags.
fn skip_header(r: &mut impl BufRead) -> io::Result<()> {
    let mut fixed = [0u8; 10];
    r.read_exact(&mut fixed)
        .map_err(|_| invalid(io::ErrorKind::UnexpectedEof, "gzip header cut short"))?;
    if fixed[0] != 0x1f || fixed[1] != 0x8b {
        return Err(invalid(
            io::ErrorKind::InvalidData,
            "not a gzip member header",
        ));
    }
    if fixed[2] != 8 {
        return Err(invalid(
            io::ErrorKind::InvalidData,
            "gzip compression method is not deflate",
        ));
    }
    let flags = fixed[3];
    if flags & RESERVED != 0 {
        return Err(invalid(
            io::ErrorKind::InvalidData,
            "gzip header has reserved flag bits set",
        ));
    }
    if flags & FEXTRA != 0 {
        let mut len = [0u8; 2];
        r.read_exact(&mut len)
            .map_err(|_| invalid(io::ErrorKind::UnexpectedEof, "gzip header cut short"))?;
        skip_exact(r, u16::from_le_bytes(len).into())?;
    }
    if flags & FNAME != 0 {
        skip_zero_terminated(r)?;
    }
    if flags & FCOMMENT != 0 {
        skip_zero_terminated(r)?;
    }
    if flags & FHCRC != 0 {
        skip_exact(r, 2)?;
    }
    Ok(())
}

fn skip_exact(r: &mut impl BufRead, mut n: u64) -> io::Result<()> {
    while n > 0 {
        let available = r.fill_buf()?;
        if available.is_empty() {
            return Err(invalid(
                io::ErrorKind::UnexpectedEof,
                "gzip header cut short",
            ));
        }
        let step = available
            .len()
            .min(usize::try_from(n).unwrap_or(usize::MAX));
        r.consume(step);
        n -= step as u64;
    }
    Ok(())
}

fn skip_zero_terminated(r: &mut impl BufRead) -> io::Result<()> {
    loop {
        let available = r.fill_buf()?;
        if available.is_empty() {
            return Err(invalid(
                io::ErrorKind::UnexpectedEof,
                "gzip header cut short",
            ));
        }
        match available.iter().position(|&b| b == 0) {
            Some(at) => {
                r.consume(at + 1);
                return Ok(());
            }
            None => {
                let all = available.len();
                r.consume(all);
            }
        }
    }
}

fn invalid(kind: io::ErrorKind, what: &str) -> io::Error {
    io::Error::new(kind, what.to_string())
}

fn failed_earlier() -> io::Error {
    io::Error::other("the gzip stream failed earlier")
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::{Compression, GzBuilder};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn decode(stream: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        UncheckedGzDecoder::new(stream).read_to_end(&mut out)?;
        Ok(out)
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 253) as u8).collect()
    }

    #[test]
    fn decodes_what_flate2_decodes_including_header_fields_and_many_members() {
        let one = data(300_000);
        assert_eq!(decode(&gzip(&one)).unwrap(), one);
        assert_eq!(decode(&gzip(b"")).unwrap(), b"");
        // Every optional header field at once.
        let mut e = GzBuilder::new()
            .filename("layer.tar")
            .comment("made by a test")
            .extra(vec![1, 2, 3, 4])
            .mtime(7)
            .write(Vec::new(), Compression::default());
        e.write_all(&one).unwrap();
        let mut fancy = e.finish().unwrap();
        assert_eq!(decode(&fancy).unwrap(), one);
        // A header CRC (FHCRC): flag bit 1 and two bytes right after the fixed header.
        let mut hcrc = gzip(b"abc");
        hcrc[3] |= FHCRC;
        hcrc.splice(10..10, [0xaa, 0xbb]);
        assert_eq!(decode(&hcrc).unwrap(), b"abc");
        // Two members decode as their concatenation, as `cat a.gz b.gz` does.
        fancy.extend(gzip(b"second member"));
        let mut both = one.clone();
        both.extend_from_slice(b"second member");
        assert_eq!(decode(&fancy).unwrap(), both);
        let mut reference = Vec::new();
        flate2::bufread::MultiGzDecoder::new(&fancy[..])
            .read_to_end(&mut reference)
            .unwrap();
        assert_eq!(reference, both);
    }

    #[test]
    fn broken_streams_are_errors() {
        let good = gzip(&data(100_000));
        // Cut inside the deflate data, inside the trailer, inside the header.
        for cut in [good.len() / 2, good.len() - 3, 5] {
            assert!(decode(&good[..cut]).is_err(), "cut at {cut}");
        }
        // A wrong length trailer.
        let mut bad_len = good.clone();
        let n = bad_len.len();
        bad_len[n - 1] ^= 1;
        let err = decode(&bad_len).unwrap_err();
        assert!(err.to_string().contains("length"), "{err}");
        // Garbage after the last member, reserved flags, another method, no magic.
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"garbage!!!!!");
        assert!(decode(&trailing).is_err());
        let mut reserved = good.clone();
        reserved[3] = 0xe0;
        assert!(decode(&reserved).is_err());
        let mut method = good.clone();
        method[2] = 7;
        assert!(decode(&method).is_err());
        assert!(decode(b"").is_err());
        assert!(decode(b"\x1f\x8b").is_err());
        // Corrupt deflate data.
        let mut corrupt = good.clone();
        for b in &mut corrupt[20..40] {
            *b ^= 0x5a;
        }
        assert!(decode(&corrupt).is_err());
    }

    #[test]
    fn a_wrong_crc_is_not_its_concern() {
        // The digest check covers it; flate2's decoder would reject this one.
        let mut bad_crc = gzip(b"hello layer");
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 0xff;
        assert_eq!(decode(&bad_crc).unwrap(), b"hello layer");
        let mut out = Vec::new();
        assert!(flate2::bufread::MultiGzDecoder::new(&bad_crc[..])
            .read_to_end(&mut out)
            .is_err());
    }

    #[test]
    fn into_inner_is_positioned_after_the_last_member() {
        let stream = gzip(b"payload");
        let mut d = UncheckedGzDecoder::new(&stream[..]);
        let mut out = Vec::new();
        d.read_to_end(&mut out).unwrap();
        let rest = d.into_inner().unwrap();
        assert!(rest.is_empty());
    }
}
