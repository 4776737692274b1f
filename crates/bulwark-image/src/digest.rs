//! Content digests (`sha256:<hex>`) and a reader that verifies one while streaming.

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;
use std::sync::mpsc;

use sha2::{Digest as _, Sha256};

use crate::ImageError;

/// A validated `sha256:<64 lowercase hex>` content digest naming a blob, config or manifest.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Digest(String);

impl Digest {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
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
/// Large streams are hashed on a helper thread (see [`StreamHasher`]), so verifying a layer
/// costs its reader almost nothing beyond a copy: on the big base layer that bounds a scan,
/// SHA-256 would otherwise add a fifth to the decompression time.
pub struct VerifyingReader<R> {
    inner: R,
    hasher: StreamHasher,
    expected: Digest,
    what: String,
    done: bool,
}

impl<R: Read> VerifyingReader<R> {
    /// Wraps `inner`, expecting its whole content to hash to `expected`.
    pub fn new(inner: R, expected: Digest, what: impl Into<String>) -> Self {
        Self {
            inner,
            hasher: StreamHasher::new(),
            expected,
            what: what.into(),
            done: false,
        }
    }

    /// The wrapped reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Hashes at the reading thread's priority instead of below it: for a stream whose
    /// hashing is slower than producing it (an uncompressed layer read from a file), the
    /// hash is the critical path.
    pub fn in_foreground(mut self) -> Self {
        self.hasher.background = false;
        self
    }

    /// Unwraps the reader (the digest is only checked if the end was reached).
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.done = true;
            let digest = std::mem::take(&mut self.hasher).finish()?;
            let actual = format!("sha256:{}", hex::encode(digest));
            if actual != self.expected.as_str() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    ImageError::DigestMismatch {
                        what: self.what.clone(),
                        expected: self.expected.to_string(),
                        actual,
                    },
                ));
            }
            return Ok(0);
        }
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// SHA-256 of a stream, moved to a helper thread once the stream passes
/// [`OFFLOAD_AFTER`] bytes. Small blobs stay inline (a thread costs more than hashing them);
/// big ones are handed over in [`CHUNK`]-sized buffers through a bounded channel, so at
/// most `IN_FLIGHT + 1` chunks per stream are in memory and buffers are reused.
/// The std channel and thread are enough here: no pool (rayon workers must not block on a
/// channel) and no async runtime is involved.
pub struct StreamHasher {
    state: HasherState,
    /// Whether the helper thread runs below the reader's priority (the default: hashing
    /// keeps up with a decompressing reader on a fraction of a core).
    background: bool,
}

impl Default for StreamHasher {
    fn default() -> Self {
        Self {
            state: HasherState::default(),
            background: true,
        }
    }
}

#[derive(Default)]
enum HasherState {
    #[default]
    Empty,
    Inline {
        hasher: Sha256,
        bytes: u64,
    },
    Offloaded {
        chunk: Vec<u8>,
        to_worker: mpsc::SyncSender<Vec<u8>>,
        spare: mpsc::Receiver<Vec<u8>>,
        worker: std::thread::JoinHandle<[u8; 32]>,
    },
}

/// Streams shorter than this are hashed on the reading thread.
const OFFLOAD_AFTER: u64 = 4 << 20;
/// Size of the buffers handed to the hashing thread.
const CHUNK: usize = 1 << 20;
/// Chunks queued for the hashing thread before the reader waits.
const IN_FLIGHT: usize = 4;

impl StreamHasher {
    /// A hasher with nothing hashed yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `data` to the stream.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            HasherState::Empty => {
                let mut hasher = Sha256::new();
                hasher.update(data);
                self.state = HasherState::Inline {
                    hasher,
                    bytes: data.len() as u64,
                };
            }
            HasherState::Inline { hasher, bytes } => {
                hasher.update(data);
                *bytes += data.len() as u64;
                if *bytes > OFFLOAD_AFTER {
                    let hasher = std::mem::take(hasher);
                    self.offload(hasher);
                }
            }
            HasherState::Offloaded {
                chunk,
                to_worker,
                spare,
                ..
            } => {
                let mut data = data;
                while !data.is_empty() {
                    let take = (CHUNK - chunk.len()).min(data.len());
                    chunk.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if chunk.len() == CHUNK {
                        let next = spare
                            .try_recv()
                            .map(|mut b| {
                                b.clear();
                                b
                            })
                            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
                        let full = std::mem::replace(chunk, next);
                        if to_worker.send(full).is_err() {
                            self.poison();
                            return;
                        }
                    }
                }
            }
        }
    }

    /// The digest of everything added.
    pub fn finish(self) -> io::Result<[u8; 32]> {
        match self.state {
            HasherState::Empty => Ok(Sha256::digest([]).into()),
            HasherState::Inline { hasher, .. } => Ok(hasher.finalize().into()),
            HasherState::Offloaded {
                chunk,
                to_worker,
                worker,
                ..
            } => {
                let sent = chunk.is_empty() || to_worker.send(chunk).is_ok();
                drop(to_worker);
                match worker.join() {
                    Ok(digest) if sent => Ok(digest),
                    _ => Err(io::Error::other("the hashing thread stopped")),
                }
            }
        }
    }

    /// Moves hashing to a helper thread, continuing from `hasher`'s state; stays inline
    /// if no thread can be started.
    fn offload(&mut self, hasher: Sha256) {
        let (to_worker, from_reader) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (to_spare, spare) = mpsc::channel::<Vec<u8>>();
        let mut moved = hasher.clone();
        let background = self.background;
        let spawned = std::thread::Builder::new()
            .name("sha256".into())
            .spawn(move || {
                // Hashing a decompressed stream keeps up at a fraction of a core: it must
                // not take a core from the stream that bounds the scan.
                if background {
                    crate::priority::lower_current_thread();
                }
                for chunk in from_reader {
                    moved.update(&chunk);
                    // The reader may be gone; then the buffer is simply freed.
                    let _ = to_spare.send(chunk);
                }
                moved.finalize().into()
            });
        self.state = match spawned {
            Ok(worker) => HasherState::Offloaded {
                chunk: Vec::with_capacity(CHUNK),
                to_worker,
                spare,
                worker,
            },
            Err(_) => HasherState::Inline { hasher, bytes: 0 },
        };
    }

    /// The worker vanished mid-stream (it only could by panicking): the digest can no
    /// longer be right, so make sure it is reported as a mismatch, never accepted.
    fn poison(&mut self) {
        self.state = HasherState::Inline {
            hasher: poisoned(),
            bytes: 0,
        };
    }
}

/// A hasher state that can never produce a blob's digest: it has hashed a marker no
/// blob stream starts with, so the comparison fails and the blob is rejected.
fn poisoned() -> Sha256 {
    let mut h = Sha256::new();
    h.update(b"bulwark: hashing thread unavailable");
    h
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
    fn offloaded_hashing_equals_inline_across_sizes() {
        // Sizes around the offload threshold and chunk boundaries, fed in odd-sized reads
        // (tar reads 512-byte headers, decoders hand out what they have).
        let data: Vec<u8> = (0..(OFFLOAD_AFTER as usize + 3 * CHUNK + 777))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        for len in [
            0,
            1,
            OFFLOAD_AFTER as usize,
            OFFLOAD_AFTER as usize + 1,
            OFFLOAD_AFTER as usize + CHUNK,
            data.len(),
        ] {
            let mut h = StreamHasher::new();
            for piece in data[..len].chunks(4093) {
                h.update(piece);
            }
            let expected: [u8; 32] = Sha256::digest(&data[..len]).into();
            assert_eq!(h.finish().unwrap(), expected, "length {len}");
        }
    }

    #[test]
    fn large_stream_mismatch_is_caught_after_offload() {
        let data = vec![7u8; OFFLOAD_AFTER as usize * 2];
        let mut good = VerifyingReader::new(&data[..], Digest::of(&data), "big blob");
        assert_eq!(drain(&mut good).unwrap(), data.len() as u64);
        let mut tampered = data.clone();
        tampered[OFFLOAD_AFTER as usize + 5] = 8;
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
