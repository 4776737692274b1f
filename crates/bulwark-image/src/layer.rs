//! Streams one layer blob: detects its compression, decompresses, verifies the diff_id and
//! walks the tar entries once, handing each to a visitor. Nothing is written to disk.

use std::io::{self, BufRead, Read, Seek};

use serde::{Deserialize, Serialize};

use crate::blocks::{BlockReader, Hashing};
use crate::digest::drain;
use crate::gzip::UncheckedGzDecoder;
use crate::hugebuf::{HugeBuf, HUGE_PAGE};
use crate::pool::Pool;
use crate::{Digest, ImageError, Limits};

/// How a layer blob is compressed, from its first bytes (media types lie often enough
/// that the magic number is the authority).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Detects the compression from the first bytes of a blob.
    pub fn detect(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Self::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Self::Zstd
        } else {
            Self::None
        }
    }
}

/// What a layer entry is once whiteout conventions are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A hard link to `link`, a path earlier in the same layer.
    Hardlink,
    /// `.wh.<name>`: `path` (the hidden name) is deleted from lower layers.
    Whiteout,
    /// `.wh..wh..opq`: every lower-layer child of directory `path` is hidden.
    OpaqueDir,
    /// Devices, FIFOs and other special files.
    Other,
}

/// One layer entry, its path normalised (relative, no `./`, no trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryMeta {
    pub path: String,
    pub kind: EntryKind,
    /// Permission and setuid/setgid/sticky bits.
    pub mode: u32,
    pub size: u64,
    pub uid: u64,
    pub gid: u64,
    /// Symlink or hardlink target, as written (hardlink targets normalised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Receives the entries of a layer in archive order.
pub trait EntryVisitor {
    /// Called for every entry. `content` yields the file's bytes (empty for non-files); read
    /// it only if the entry is of interest. Reading is capped at the per-file limit.
    fn visit(&mut self, entry: &EntryMeta, content: &mut dyn Read) -> Result<(), ImageError>;
}

impl<F> EntryVisitor for F
where
    F: FnMut(&EntryMeta, &mut dyn Read) -> Result<(), ImageError>,
{
    fn visit(&mut self, entry: &EntryMeta, content: &mut dyn Read) -> Result<(), ImageError> {
        self(entry, content)
    }
}

/// Streams a layer blob once: decompresses it, checks its uncompressed digest against
/// `diff_id` (when given), enforces `limits`, and calls `visitor` for each entry.
/// `label` names the layer in errors.
pub fn walk_layer(
    mut blob: impl BufRead,
    diff_id: Option<&Digest>,
    label: &str,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
) -> Result<LayerStats, ImageError> {
    let head = blob
        .fill_buf()
        .map_err(|e| ImageError::stream(format!("reading {label}"), e))?;
    match Compression::detect(head) {
        // With a diff_id to check, the gzip CRC-32 would only repeat what SHA-256 verifies.
        Compression::Gzip if diff_id.is_some() => {
            let decoder = UncheckedGzDecoder::new(blob);
            let rest = walk_decoded(decoder, diff_id, false, label, limits, visitor)?;
            let blob = rest
                .0
                .into_inner()
                .map_err(|e| ImageError::stream(format!("reading {label}"), e))?;
            finish_blob(blob, label)?;
            Ok(rest.1)
        }
        Compression::Gzip => {
            let decoder = flate2::bufread::MultiGzDecoder::new(blob);
            let rest = walk_decoded(decoder, diff_id, false, label, limits, visitor)?;
            finish_blob(rest.0.into_inner(), label)?;
            Ok(rest.1)
        }
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::with_buffer(blob)
                .map_err(|e| ImageError::stream(format!("{label}: starting zstd"), e))?;
            let rest = walk_decoded(decoder, diff_id, false, label, limits, visitor)?;
            finish_blob(rest.0.finish(), label)?;
            Ok(rest.1)
        }
        Compression::None => {
            // Nothing to decompress: hashing is the slow part of this stream.
            let rest = walk_decoded(blob, diff_id, true, label, limits, visitor)?;
            finish_blob(rest.0, label)?;
            Ok(rest.1)
        }
    }
}

/// Counts from one layer walk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerStats {
    pub entries: u64,
    pub uncompressed_bytes: u64,
}

/// Reads the rest of the raw blob so its own digest check (if the source wrapped it in a
/// `VerifyingReader`) runs even when the decompressor stopped before the end.
fn finish_blob(rest: impl Read, label: &str) -> Result<(), ImageError> {
    drain(rest)
        .map(|_| ())
        .map_err(|e| unwrap_stream_error(format!("reading {label}"), e))
}

/// Turns an io::Error that carries one of our errors back into it (digest mismatches travel
/// through `Read` as io errors).
fn unwrap_stream_error(context: String, e: io::Error) -> ImageError {
    if e.get_ref().is_some_and(|inner| inner.is::<ImageError>()) {
        if let Some(inner) = e.into_inner() {
            if let Ok(err) = inner.downcast::<ImageError>() {
                return *err;
            }
        }
        return ImageError::format(context, "stream failed");
    }
    ImageError::stream(context, e)
}

/// Walks the decompressed tar; returns the decoder (drained) so the caller can finish the blob.
/// `hash_in_foreground`: see [`Hashing::Foreground`].
fn walk_decoded<D: Read>(
    decoded: D,
    diff_id: Option<&Digest>,
    hash_in_foreground: bool,
    label: &str,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
) -> Result<(D, LayerStats), ImageError> {
    let counted = CappedReader::new(decoded, limits.max_layer_bytes, label);
    let hashing = match (diff_id, hash_in_foreground) {
        (None, _) => Hashing::Off,
        (Some(_), true) => Hashing::Foreground,
        (Some(_), false) => Hashing::Background,
    };
    let mut blocks = BlockReader::new(counted, hashing);
    let mut stats = LayerStats::default();
    walk_entries(&mut blocks, label, limits, visitor, &mut stats)?;
    let (counted, length, digest) = blocks
        .finish()
        .map_err(|e| unwrap_stream_error(format!("reading {label}"), e))?;
    if let (Some(expected), Some(digest)) = (diff_id, digest) {
        expected.verify(digest, &format!("{label} (diff_id)"))?;
    }
    stats.uncompressed_bytes = length;
    Ok((counted.inner, stats))
}

/// Parses the tar entries of `stream` and hands each to `visitor`; file data the visitor
/// does not read is skipped by seeking, which the block reader turns into moving forward.
fn walk_entries<R: Read + Seek>(
    stream: &mut R,
    label: &str,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
    stats: &mut LayerStats,
) -> Result<(), ImageError> {
    let mut archive = tar::Archive::new(stream);
    let mut seen_files: std::collections::HashSet<String> = std::collections::HashSet::new();
    let entries = archive
        .entries_with_seek()
        .map_err(|e| unwrap_stream_error(format!("{label}: not a tar archive"), e))?;
    for entry in entries {
        let mut entry =
            entry.map_err(|e| unwrap_stream_error(format!("{label}: corrupt tar"), e))?;
        stats.entries += 1;
        if stats.entries > limits.max_entries {
            return Err(ImageError::TooLarge {
                what: format!("{label}: entry count"),
                limit: limits.max_entries,
                flag: "--max-entries",
            });
        }
        let raw_path = entry.path_bytes().into_owned();
        let raw_path = String::from_utf8_lossy(&raw_path).into_owned();
        let header = entry.header();
        let mode = header.mode().unwrap_or(0o644);
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let size = entry.size();
        let etype = header.entry_type();
        let link = entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned());
        let Some(path) = normalize_entry_path(&raw_path, label)? else {
            continue; // the root directory itself
        };
        let (kind, path) = classify(&path, etype);
        let Some(path) = path else { continue };
        let link = match (kind, link) {
            (EntryKind::Hardlink, Some(target)) => {
                let target = normalize_entry_path(&target, label)?.unwrap_or_default();
                if !seen_files.contains(&target) {
                    return Err(ImageError::format(
                        format!("{label}: hardlink {path:?}"),
                        format!("target {target:?} is not an earlier file of the same layer"),
                    ));
                }
                Some(target)
            }
            (EntryKind::Hardlink, None) => {
                return Err(ImageError::format(
                    format!("{label}: hardlink {path:?}"),
                    "no target",
                ));
            }
            (_, link) => link,
        };
        if matches!(kind, EntryKind::File | EntryKind::Hardlink) {
            seen_files.insert(path.clone());
        }
        let meta = EntryMeta {
            path,
            kind,
            mode,
            size,
            uid,
            gid,
            link,
        };
        let mut capped = FileCap {
            inner: &mut entry,
            left: limits.max_file_bytes,
            path: &meta.path,
            limit: limits.max_file_bytes,
        };
        visitor
            .visit(&meta, &mut capped)
            .map_err(|e| in_layer(e, label))?;
    }
    Ok(())
}

/// Fails once more than `limit` bytes have been read: the decompression-bomb guard.
struct CappedReader<R> {
    inner: R,
    read: u64,
    limit: u64,
    label: String,
}

impl<R> CappedReader<R> {
    fn new(inner: R, limit: u64, label: &str) -> Self {
        Self {
            inner,
            read: 0,
            limit,
            label: label.to_string(),
        }
    }
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(io::Error::other(ImageError::TooLarge {
                what: format!("{}: uncompressed size", self.label),
                limit: self.limit,
                flag: "--max-layer-size",
            }));
        }
        Ok(n)
    }
}

/// Caps how much of one file a visitor may read into memory.
struct FileCap<'a, R> {
    inner: &'a mut R,
    left: u64,
    limit: u64,
    path: &'a str,
}

impl<R: Read> Read for FileCap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // Only an error if there really is more data.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(ImageError::TooLarge {
                    what: format!("file {}", self.path),
                    limit: self.limit,
                    flag: "--max-file-size",
                })),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Names the layer in errors met while a visitor read one of its files, so a broken
/// layer of a many-layer image can be told apart.
fn in_layer(e: ImageError, label: &str) -> ImageError {
    match e {
        ImageError::Stream { context, source } => ImageError::Stream {
            context: format!("{label}: {context}"),
            source,
        },
        ImageError::TooLarge { what, limit, flag } => ImageError::TooLarge {
            what: format!("{label}: {what}"),
            limit,
            flag,
        },
        other => other,
    }
}

/// Reads a whole entry into memory through the per-file cap, turning a cap overflow back
/// into [`ImageError::TooLarge`].
pub fn read_entry(content: &mut dyn Read, path: &str) -> Result<Vec<u8>, ImageError> {
    let mut buf = Vec::new();
    content
        .read_to_end(&mut buf)
        .map_err(|e| unwrap_stream_error(format!("reading {path}"), e))?;
    Ok(buf)
}

/// A buffer for reading one whole file after another out of a layer. Small files go to a
/// heap buffer whose bytes stay initialised from file to file (a read costs one copy, no
/// zero-fill); files of a huge page or more, by their header's size, to a huge-page map
/// ([`HugeBuf`]), whose pages the kernel zeroes on first touch, 2 MiB at a time. Both go
/// back to process-wide pools when dropped, so the next layer reuses pages already faulted
/// in: fresh buffers for every executable of an image were page faults and memset for tens
/// of MiB per scan.
#[derive(Default)]
pub struct FileBuffer {
    /// Initialised storage for small files.
    small: Vec<u8>,
    /// Storage for big files (empty until one comes).
    big: HugeBuf,
    /// Whether the current file is in `big`, and its length.
    in_big: bool,
    len: usize,
}

/// Buffers kept for reuse (one per core is what a scan uses).
const FILE_BUFFERS_KEPT: usize = 4;
/// Bigger buffers are freed, not kept: one huge file must not pin its memory for the
/// lifetime of a long-running process.
const FILE_BUFFER_KEEP_MAX: usize = 8 << 20;

/// Pooled storage of [`FileBuffer`]s, small and big.
pub(crate) static FILE_BUFFERS: Pool<Vec<u8>> = Pool::new(FILE_BUFFERS_KEPT);
pub(crate) static BIG_FILE_BUFFERS: Pool<HugeBuf> = Pool::new(FILE_BUFFERS_KEPT);

impl FileBuffer {
    /// The file read last.
    pub fn bytes(&self) -> &[u8] {
        if self.in_big {
            &self.big[..self.len]
        } else {
            &self.small[..self.len]
        }
    }

    /// Replaces the buffer's content with all of `content` (read through the per-file cap,
    /// whose overflow becomes [`ImageError::TooLarge`]). `size_hint` (callers pass the tar
    /// header's size, clamped to their per-file cap) is reserved up front; memory is only
    /// initialised as data arrives, so a header that lies about its size costs nothing.
    pub fn read_from(
        &mut self,
        content: &mut dyn Read,
        path: &str,
        size_hint: u64,
    ) -> Result<(), ImageError> {
        self.len = 0;
        // +1: the end of the stream is only seen with room for one more byte.
        let want = usize::try_from(size_hint)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        self.in_big = want >= HUGE_PAGE && self.make_big(want);
        let read = if self.in_big {
            self.read_big(content)
        } else {
            self.read_small(content, want)
        };
        read.map_err(|e| unwrap_stream_error(format!("reading {path}"), e))
    }

    /// Makes `big` at least `want` bytes (a pooled map, else a new one); false if no map
    /// of that size can be made.
    fn make_big(&mut self, want: usize) -> bool {
        if self.big.len() >= want {
            return true;
        }
        let pooled = BIG_FILE_BUFFERS.take(|b| b.len() >= want);
        match pooled.or_else(|| HugeBuf::mapped(want)) {
            Some(buf) => {
                self.big = buf;
                true
            }
            None => false,
        }
    }

    fn read_big(&mut self, content: &mut dyn Read) -> io::Result<()> {
        while !fill_from(content, &mut self.big, &mut self.len)? {
            // The header understated the size: move to a map twice as big.
            let mut bigger = HugeBuf::mapped(self.big.len().saturating_mul(2))
                .ok_or_else(|| io::Error::other("no memory for the file"))?;
            bigger[..self.len].copy_from_slice(&self.big[..self.len]);
            self.big = bigger;
        }
        Ok(())
    }

    fn read_small(&mut self, content: &mut dyn Read, want: usize) -> io::Result<()> {
        if self.small.capacity() == 0 {
            if let Some(pooled) = FILE_BUFFERS.take(|_| true) {
                self.small = pooled;
            }
        }
        // A hint too big to reserve is only a hint: the buffer then grows as data arrives.
        let _ = self
            .small
            .try_reserve(want.saturating_sub(self.small.len()));
        while !fill_from(content, &mut self.small, &mut self.len)? {
            // Initialise ahead of the data in steps, within what was reserved first.
            let step = self.small.len().clamp(64 << 10, 8 << 20);
            let room = self.small.capacity() - self.small.len();
            let grow = if room > 0 { room.min(step) } else { step };
            self.small.resize(self.small.len() + grow, 0);
        }
        Ok(())
    }
}

/// Reads into `buf[*len..]` until the stream ends (true) or `buf` is full (false).
fn fill_from(content: &mut dyn Read, buf: &mut [u8], len: &mut usize) -> io::Result<bool> {
    while *len < buf.len() {
        match content.read(&mut buf[*len..]) {
            Ok(0) => return Ok(true),
            Ok(n) => *len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

impl Drop for FileBuffer {
    fn drop(&mut self) {
        let small = std::mem::take(&mut self.small);
        if !small.is_empty() && small.len() <= FILE_BUFFER_KEEP_MAX {
            FILE_BUFFERS.give(small);
        }
        let big = std::mem::take(&mut self.big);
        if !big.is_empty() && big.len() <= FILE_BUFFER_KEEP_MAX {
            BIG_FILE_BUFFERS.give(big);
        }
    }
}

/// Normalises a tar path: strips `./` and trailing `/`, rejects absolute paths and `..`.
/// Returns `None` for the root directory itself.
pub fn normalize_entry_path(raw: &str, label: &str) -> Result<Option<String>, ImageError> {
    if raw.starts_with('/') {
        return Err(ImageError::UnsafePath {
            layer: label.to_string(),
            path: raw.to_string(),
        });
    }
    let mut parts = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(ImageError::UnsafePath {
                    layer: label.to_string(),
                    path: raw.to_string(),
                })
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        Ok(None)
    } else {
        Ok(Some(parts.join("/")))
    }
}

/// Decodes whiteout names and the tar entry type. Returns `None` as path for entries to skip
/// (aufs bookkeeping such as `.wh..wh.plnk`).
fn classify(path: &str, etype: tar::EntryType) -> (EntryKind, Option<String>) {
    let (dir, base) = match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    if base == ".wh..wh..opq" {
        return (EntryKind::OpaqueDir, Some(dir.to_string()));
    }
    if base.starts_with(".wh..wh.") {
        return (EntryKind::Other, None);
    }
    if let Some(hidden) = base.strip_prefix(".wh.") {
        let target = if dir.is_empty() {
            hidden.to_string()
        } else {
            format!("{dir}/{hidden}")
        };
        return (EntryKind::Whiteout, Some(target));
    }
    let kind = match etype {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            EntryKind::File
        }
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => EntryKind::Symlink,
        tar::EntryType::Link => EntryKind::Hardlink,
        _ => EntryKind::Other,
    };
    (kind, Some(path.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn collect(
        blob: &[u8],
        diff_id: Option<&Digest>,
        limits: &Limits,
    ) -> Result<Vec<(EntryMeta, Vec<u8>)>, ImageError> {
        let mut out = Vec::new();
        let mut v = |m: &EntryMeta, r: &mut dyn Read| {
            let data = read_entry(r, &m.path)?;
            out.push((m.clone(), data));
            Ok(())
        };
        walk_layer(blob, diff_id, "test layer", limits, &mut v)?;
        Ok(out)
    }

    #[test]
    fn file_buffer_holds_each_file_exactly_and_lies_about_size_cost_nothing() {
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut buf = FileBuffer::default();
        for (content, hint) in [
            (&big[..], big.len() as u64),
            (&b"short"[..], 5),
            (&big[..1000], 0), // no hint: grows as data arrives
            (&big[..], 10),    // hint too small
            (&b""[..], 0),
            (&big[..70_000], 1 << 40), // a header claiming a terabyte
        ] {
            buf.read_from(&mut &content[..], "f", hint).unwrap();
            assert_eq!(buf.bytes(), content);
        }
        // The heap buffer was only initialised as far as data needed (plus one step); big
        // files went to a map.
        assert!(
            buf.small.len() <= big.len() + (8 << 20),
            "{}",
            buf.small.len()
        );
        assert!(buf.big.len() >= big.len() && buf.big.len() % HUGE_PAGE == 0);
        // A header claiming a GiB gets a lazily allocated map: only written pages cost.
        let mut fresh = FileBuffer::default();
        fresh.read_from(&mut &b"tiny"[..], "f", 1 << 30).unwrap();
        assert_eq!(fresh.bytes(), b"tiny");
        // A file longer than its header said moves to a bigger map, keeping every byte.
        let mut grown = FileBuffer::default();
        let huge: Vec<u8> = (0..5 * HUGE_PAGE).map(|i| (i % 253) as u8).collect();
        grown
            .read_from(&mut &huge[..], "f", HUGE_PAGE as u64)
            .unwrap();
        assert_eq!(grown.bytes(), &huge[..]);
    }

    #[test]
    fn file_buffer_reports_the_cap_as_too_large() {
        let tar = tar_of(&[("etc/big", &[7u8; 5000])]);
        let limits = Limits {
            max_file_bytes: 100,
            ..Limits::default()
        };
        let mut buf = FileBuffer::default();
        let mut v = |m: &EntryMeta, r: &mut dyn Read| buf.read_from(r, &m.path, m.size.min(100));
        let err = walk_layer(&tar[..], None, "test layer", &limits, &mut v).unwrap_err();
        assert!(matches!(err, ImageError::TooLarge { .. }), "{err:?}");
    }

    #[test]
    fn walks_plain_gzip_and_zstd_layers() {
        let tar = tar_of(&[
            ("./etc/os-release", b"ID=x\n"),
            ("app/.wh.key", b""),
            ("usr/.wh..wh..opq", b""),
        ]);
        let diff = Digest::of(&tar);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, &tar).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(&tar[..], 1).unwrap();
        for blob in [&tar, &gz, &zst] {
            let got = collect(blob, Some(&diff), &Limits::default()).unwrap();
            let summary: Vec<_> = got
                .iter()
                .map(|(m, d)| (m.kind, m.path.as_str(), d.len()))
                .collect();
            assert_eq!(
                summary,
                vec![
                    (EntryKind::File, "etc/os-release", 5),
                    (EntryKind::Whiteout, "app/key", 0),
                    (EntryKind::OpaqueDir, "usr", 0)
                ]
            );
        }
    }

    #[test]
    fn diff_id_mismatch_is_an_error() {
        let tar = tar_of(&[("a", b"1")]);
        let err = collect(&tar, Some(&Digest::of(b"other")), &Limits::default()).unwrap_err();
        assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");
    }

    #[test]
    fn unsafe_paths_are_rejected() {
        for bad in ["../etc/passwd", "a/../../b", "/etc/passwd"] {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            // Builder refuses `..`, so write the name bytes directly.
            let name = h.as_old_mut();
            name.name[..bad.len()].copy_from_slice(bad.as_bytes());
            h.set_cksum();
            let mut data = h.as_bytes().to_vec();
            data.extend_from_slice(&[0u8; 1024]);
            let err = collect(&data, None, &Limits::default()).unwrap_err();
            assert!(matches!(err, ImageError::UnsafePath { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn bombs_hit_the_layer_and_file_caps() {
        let big = vec![0u8; 1 << 20];
        let tar = tar_of(&[("big", &big)]);
        let limits = Limits {
            max_layer_bytes: 100_000,
            ..Limits::default()
        };
        let err = collect(&tar, None, &limits).unwrap_err();
        assert!(matches!(err, ImageError::TooLarge { .. }), "{err}");
        let limits = Limits {
            max_file_bytes: 1000,
            ..Limits::default()
        };
        let err = collect(&tar, None, &limits).unwrap_err();
        assert!(err.to_string().contains("file big exceeds"), "{err}");
    }

    #[test]
    fn truncated_and_corrupt_streams_are_errors() {
        let tar = tar_of(&[("a", &[7u8; 5000])]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, &tar).unwrap();
        let gz = gz.finish().unwrap();
        assert!(collect(&gz[..gz.len() / 2], None, &Limits::default()).is_err());
        let mut bad = gz.clone();
        bad[20] ^= 0xff;
        assert!(collect(&bad, None, &Limits::default()).is_err());
        assert!(collect(&tar[..700], None, &Limits::default()).is_err());
    }
}
