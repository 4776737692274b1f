//! Content digests (`sha256:<hex>`) and a reader that verifies one while streaming.

use std::fmt;
use std::io::{self, BufRead, Read};
use std::str::FromStr;

use sha2::{Digest as _, Sha256};

use crate::blocks::{BlockReader, Hashing};
use crate::ImageError;

/// A validated `sha256:<64 lowercase hex>` content digest naming a blob, config or manifest.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self::from_sha256(Sha256::digest(bytes).into())
    }

    /// The digest whose raw SHA-256 is `sha256`.
    fn from_sha256(sha256: [u8; 32]) -> Self {
        Self(format!("sha256:{}", hex::encode(sha256)))
    }

    /// Checks that content whose raw SHA-256 is `sha256` is what this digest names; a
    /// mismatch is an error naming `what`.
    pub(crate) fn verify(&self, sha256: [u8; 32], what: &str) -> Result<(), ImageError> {
        let actual = Self::from_sha256(sha256);
        if actual == *self {
            return Ok(());
        }
        Err(ImageError::DigestMismatch {
            what: what.to_string(),
            expected: self.to_string(),
            actual: actual.into(),
        })
    }

    /// The full `sha256:<hex>` form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Only the hex part, as used for blob file names.
    pub fn hex(&self) -> &str {
        &self.0[7..]
    }

    /// A short form (12 hex digits) for tables.
    pub fn short(&self) -> &str {
        &self.0[7..19]
    }
}

impl FromStr for Digest {
    type Err = ImageError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hex = s
            .strip_prefix("sha256:")
            .ok_or_else(|| ImageError::InvalidDigest(s.to_string()))?;
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(ImageError::InvalidDigest(s.to_string()));
        }
        Ok(Self(s.to_string()))
    }
}

impl TryFrom<String> for Digest {
    type Error = ImageError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Digest> for String {
    fn from(d: Digest) -> String {
        d.0
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A reader that hashes everything read through it and fails at end of stream when the
/// content does not match `expected`, so a tampered blob can never be consumed silently.
///
/// It reads in large blocks (see [`BlockReader`]) and is itself a `BufRead`, so a
/// decompressor reads straight from the blocks, which then go to a hashing thread below
/// the reader's priority: verifying a compressed layer costs its reader nothing but the
/// hand-over.
pub struct VerifyingReader<R> {
    /// `None` once the end was reached and the digest checked.
    blocks: Option<BlockReader<R>>,
    expected: Digest,
    what: String,
}

impl<R: Read> VerifyingReader<R> {
    /// Wraps `inner`, expecting its whole content to hash to `expected`.
    pub fn new(inner: R, expected: Digest, what: impl Into<String>) -> Self {
        Self {
            blocks: Some(BlockReader::new(inner, Hashing::Background)),
            expected,
            what: what.into(),
        }
    }

    /// At the end of the stream: compares the digest, once.
    fn verify(&mut self) -> io::Result<()> {
        let Some(blocks) = self.blocks.take() else {
            return Ok(());
        };
        let (_, _, digest) = blocks.finish()?;
        // The blocks always hash here; no digest would be a mismatch, never a pass.
        self.expected
            .verify(digest.unwrap_or_default(), &self.what)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }
}

impl<R: Read> BufRead for VerifyingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let at_end = match &mut self.blocks {
            None => true,
            Some(blocks) => blocks.fill_buf()?.is_empty(),
        };
        if at_end {
            self.verify()?;
            return Ok(&[]);
        }
        Ok(match &mut self.blocks {
            Some(blocks) => blocks.fill_buf()?,
            None => &[],
        })
    }

    fn consume(&mut self, amount: usize) {
        if let Some(blocks) = &mut self.blocks {
            blocks.consume(amount);
        }
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// Drains a reader to its end, so a wrapping [`VerifyingReader`] checks its digest even when
/// the consumer stopped early (e.g. at the tar end-of-archive marker).
pub fn drain(mut r: impl Read) -> io::Result<u64> {
    io::copy(&mut r, &mut io::sink())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_and_rejects_invalid() {
        let d = Digest::of(b"hello");
        assert_eq!(
            d.as_str(),
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(d.as_str().parse::<Digest>().is_ok());
        for bad in [
            "sha256:abc",
            "md5:2cf24dba",
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
            "sha256:2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824",
            "sha256:../../etc/passwd",
        ] {
            assert!(bad.parse::<Digest>().is_err(), "{bad}");
        }
    }

    #[test]
    fn large_stream_mismatch_is_caught_after_offload() {
        let data = vec![7u8; 9 << 20];
        let mut good = VerifyingReader::new(&data[..], Digest::of(&data), "big blob");
        assert_eq!(drain(&mut good).unwrap(), data.len() as u64);
        let mut tampered = data.clone();
        tampered[(5 << 20) + 5] = 8;
        let mut bad = VerifyingReader::new(&tampered[..], Digest::of(&data), "big blob");
        let err = drain(&mut bad).unwrap_err();
        assert!(
            err.to_string().contains("digest mismatch for big blob"),
            "{err}"
        );
    }

    #[test]
    fn verifying_reader_accepts_match_and_rejects_mismatch() {
        let mut ok = VerifyingReader::new(&b"hello"[..], Digest::of(b"hello"), "blob");
        assert_eq!(drain(&mut ok).unwrap(), 5);
        let mut bad = VerifyingReader::new(&b"hellO"[..], Digest::of(b"hello"), "blob x");
        let err = drain(&mut bad).unwrap_err();
        assert!(
            err.to_string().contains("digest mismatch for blob x"),
            "{err}"
        );
    }
}
