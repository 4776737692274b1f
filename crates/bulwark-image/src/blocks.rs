//! Streams read in large blocks that the consumer uses in place and that are then handed
//! whole to a hashing thread: nothing is copied to be hashed. Under the tar walker, file
//! data no analyzer reads (most of a layer) is skipped by moving within the blocks (the tar
//! parser seeks) instead of being copied out to be thrown away; under a decompressor, the
//! blocks are its input buffer.
//!
//! Written here rather than taken from a crate: the digest must cover exactly the bytes
//! consumed, so the reader that feeds the parser or decompressor has to be the one that
//! feeds the hasher, and the tar crate only skips without copying through `Seek`.

use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::sync::mpsc;

use sha2::{Digest as _, Sha256};

use crate::hugebuf::{HugeBuf, HUGE_PAGE};
use crate::pool::Pool;

/// Bytes per block: one huge page (see [`HugeBuf`]), big enough that handing a block over
/// costs nothing next to hashing it.
pub(crate) const BLOCK: usize = HUGE_PAGE;
/// Streams are hashed on the walking thread until they pass this size (a thread costs more
/// than hashing a small layer).
const OFFLOAD_AFTER: u64 = 4 << 20;
/// Blocks queued for the hashing thread before the walker waits: bounds a stream's memory
/// to `IN_FLIGHT + 1` blocks.
const IN_FLIGHT: usize = 2;
/// Blocks kept for reuse by later streams, so their pages are faulted in once per scan.
const POOL_KEEP: usize = 8;

/// Freed blocks, shared by every stream of the process.
pub(crate) static POOL: Pool<HugeBuf> = Pool::new(POOL_KEEP);

/// An initialised (so readable into) block, reused when one is free.
fn take_block() -> HugeBuf {
    POOL.take(|_| true)
        .unwrap_or_else(|| HugeBuf::zeroed(BLOCK))
}

/// Returns a block for reuse (placeholders left by a move are not blocks).
fn give_block(block: HugeBuf) {
    if block.len() == BLOCK {
        POOL.give(block);
    }
}

/// How (and whether) a [`BlockReader`] hashes what passes through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hashing {
    /// No digest wanted.
    Off,
    /// Hash on a helper thread below the walker's priority: the stream is decompressed, so
    /// producing it is the slow part and hashing keeps up on a fraction of a core.
    Background,
    /// Hash at the walker's priority: for an uncompressed layer read from a file, hashing is
    /// slower than producing the data and is the critical path of the stream.
    Foreground,
}

/// Reads `inner` block by block; implements `Read`, `BufRead` and a forward-only `Seek`
/// (what the tar parser uses to skip file data), and hashes every byte exactly once,
/// used or skipped. A block goes to the hasher once it is full and used up.
pub(crate) struct BlockReader<R> {
    inner: R,
    block: HugeBuf,
    filled: usize,
    pos: usize,
    /// Stream offset of `block[0]`.
    offset: u64,
    eof: bool,
    hasher: Option<BlockHasher>,
}

impl<R: Read> BlockReader<R> {
    /// Wraps `inner`, hashing as `hashing` says.
    pub(crate) fn new(inner: R, hashing: Hashing) -> Self {
        let hasher = match hashing {
            Hashing::Off => None,
            Hashing::Background => Some(BlockHasher::new(true)),
            Hashing::Foreground => Some(BlockHasher::new(false)),
        };
        Self {
            inner,
            block: take_block(),
            filled: 0,
            pos: 0,
            offset: 0,
            eof: false,
            hasher,
        }
    }

    /// Makes sure unread bytes are buffered, reading once more from `inner` when needed
    /// (so a slow source is served as its data arrives); false at end of stream.
    fn fill(&mut self) -> io::Result<bool> {
        while self.pos == self.filled {
            if self.eof {
                return Ok(false);
            }
            if self.filled == BLOCK {
                let full = std::mem::take(&mut self.block);
                self.block = match &mut self.hasher {
                    Some(h) => h.consume(full, BLOCK),
                    None => full,
                };
                self.offset += BLOCK as u64;
                self.filled = 0;
                self.pos = 0;
            }
            match self.inner.read(&mut self.block[self.filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// The buffered bytes not yet used.
    fn buffered(&self) -> &[u8] {
        &self.block[self.pos..self.filled]
    }

    /// Reads to the end of the stream (the tar parser stops at the end-of-archive marker;
    /// the digest covers the padding after it too) and returns the inner reader, the
    /// stream's length and its SHA-256 (when hashing).
    pub(crate) fn finish(mut self) -> io::Result<(R, u64, Option<[u8; 32]>)> {
        self.pos = self.filled;
        while self.fill()? {
            self.pos = self.filled;
        }
        let length = self.offset + self.filled as u64;
        let digest = match self.hasher.take() {
            Some(h) => Some(h.finish(self.block, self.filled)?),
            None => {
                give_block(self.block);
                None
            }
        };
        Ok((self.inner, length, digest))
    }
}

impl<R: Read> Read for BlockReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.fill()? {
            return Ok(0);
        }
        let n = buf.len().min(self.filled - self.pos);
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl<R: Read> BufRead for BlockReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.fill()?;
        Ok(self.buffered())
    }

    fn consume(&mut self, amount: usize) {
        self.pos = (self.pos + amount).min(self.filled);
    }
}

impl<R: Read> Seek for BlockReader<R> {
    /// Only forward moves from the current position (and asking where it is): the stream
    /// cannot go back. Moving past the end is an `UnexpectedEof` error, so a truncated
    /// layer is caught where a file's data should be.
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let backwards = || {
            io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only moves forward",
            )
        };
        let SeekFrom::Current(delta) = to else {
            return Err(backwards());
        };
        let mut left = u64::try_from(delta).map_err(|_| backwards())?;
        while left > 0 {
            if !self.fill()? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "unexpected end of layer inside a file",
                ));
            }
            let step = left.min((self.filled - self.pos) as u64);
            self.pos += step as usize;
            left -= step;
        }
        Ok(self.offset + self.pos as u64)
    }
}

/// SHA-256 of a stream handed over in whole blocks: inline at first, on a helper thread
/// once the stream is big enough to be worth one.
struct BlockHasher {
    state: HasherState,
    background: bool,
}

enum HasherState {
    Inline {
        hasher: Sha256,
        bytes: u64,
    },
    Offloaded {
        to_worker: mpsc::SyncSender<(HugeBuf, usize)>,
        spare: mpsc::Receiver<HugeBuf>,
        /// Blocks this stream has in circulation (queued, being hashed, or spare).
        owned: usize,
        worker: std::thread::JoinHandle<[u8; 32]>,
    },
    /// The helper thread vanished (it only could by panicking): the digest can no longer
    /// be right, so it is reported as a mismatch, never accepted.
    Poisoned,
}

impl BlockHasher {
    fn new(background: bool) -> Self {
        Self {
            state: HasherState::Inline {
                hasher: Sha256::new(),
                bytes: 0,
            },
            background,
        }
    }

    /// Hashes `block[..filled]` (now or on the helper thread) and returns a block to fill next.
    fn consume(&mut self, block: HugeBuf, filled: usize) -> HugeBuf {
        match &mut self.state {
            HasherState::Inline { hasher, bytes } => {
                hasher.update(&block[..filled]);
                *bytes += filled as u64;
                if *bytes > OFFLOAD_AFTER {
                    let hasher = std::mem::take(hasher);
                    self.offload(hasher);
                }
                block
            }
            HasherState::Offloaded {
                to_worker,
                spare,
                owned,
                ..
            } => {
                if to_worker.send((block, filled)).is_err() {
                    self.state = HasherState::Poisoned;
                    return take_block();
                }
                if let Ok(b) = spare.try_recv() {
                    return b;
                }
                if *owned < IN_FLIGHT + 1 {
                    *owned += 1;
                    return take_block();
                }
                // Every block is queued or being hashed: wait for one.
                spare.recv().unwrap_or_else(|_| take_block())
            }
            HasherState::Poisoned => block,
        }
    }

    /// Continues `hasher` on a helper thread; stays inline if no thread can be started.
    fn offload(&mut self, hasher: Sha256) {
        let (to_worker, from_reader) = mpsc::sync_channel::<(HugeBuf, usize)>(IN_FLIGHT);
        let (to_spare, spare) = mpsc::channel::<HugeBuf>();
        let mut moved = hasher.clone();
        let background = self.background;
        let spawned = std::thread::Builder::new()
            .name("sha256".into())
            .spawn(move || {
                if background {
                    crate::priority::lower_current_thread();
                }
                for (block, filled) in from_reader {
                    moved.update(&block[..filled]);
                    // The reader may be gone; then the block goes back to the pool.
                    if let Err(mpsc::SendError(block)) = to_spare.send(block) {
                        give_block(block);
                    }
                }
                moved.finalize().into()
            });
        self.state = match spawned {
            Ok(worker) => HasherState::Offloaded {
                to_worker,
                spare,
                owned: 1,
                worker,
            },
            Err(_) => HasherState::Inline { hasher, bytes: 0 },
        };
    }

    /// The digest of everything consumed plus `last[..filled]`.
    fn finish(self, last: HugeBuf, filled: usize) -> io::Result<[u8; 32]> {
        match self.state {
            HasherState::Inline { mut hasher, .. } => {
                hasher.update(&last[..filled]);
                give_block(last);
                Ok(hasher.finalize().into())
            }
            HasherState::Offloaded {
                to_worker,
                spare,
                worker,
                ..
            } => {
                let sent = filled == 0 || to_worker.send((last, filled)).is_ok();
                drop(to_worker);
                let digest = worker.join();
                for block in spare.try_iter() {
                    give_block(block);
                }
                match digest {
                    Ok(d) if sent => Ok(d),
                    _ => Err(io::Error::other("the hashing thread stopped")),
                }
            }
            HasherState::Poisoned => Err(io::Error::other("the hashing thread stopped")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Data that is not periodic in the block size.
    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn digest_and_length_cover_every_byte_read_or_skipped() {
        for len in [
            0,
            1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            OFFLOAD_AFTER as usize,
            OFFLOAD_AFTER as usize + 1,
            OFFLOAD_AFTER as usize + 3 * BLOCK + 777,
            12 * BLOCK + 5,
        ] {
            for hashing in [Hashing::Foreground, Hashing::Background] {
                let bytes = data(len);
                // Source reads in odd sizes, like a decompressor.
                let source = OddReads(&bytes[..], 0);
                let mut r = BlockReader::new(source, hashing);
                let mut got = Vec::new();
                let mut buf = [0u8; 700];
                let mut at = 0u64;
                // Alternate reading and skipping, as the tar walker does.
                loop {
                    let n = r.read(&mut buf).unwrap();
                    got.extend_from_slice(&buf[..n]);
                    at += n as u64;
                    if n == 0 {
                        break;
                    }
                    let skip = (len as u64 - at).min(100_003);
                    assert_eq!(r.seek(SeekFrom::Current(skip as i64)).unwrap(), at + skip);
                    got.extend_from_slice(&bytes[at as usize..(at + skip) as usize]);
                    at += skip;
                }
                assert_eq!(got, bytes, "length {len}");
                let (_, length, digest) = r.finish().unwrap();
                assert_eq!(length, len as u64);
                let expected: [u8; 32] = Sha256::digest(&bytes).into();
                assert_eq!(digest, Some(expected), "length {len} {hashing:?}");
            }
        }
    }

    #[test]
    fn a_consumer_reading_from_the_buffer_sees_every_byte_once() {
        let bytes = data(OFFLOAD_AFTER as usize + 2 * BLOCK + 99);
        let mut r = BlockReader::new(OddReads(&bytes[..], 0), Hashing::Background);
        let mut got = Vec::new();
        loop {
            let available = r.fill_buf().unwrap();
            if available.is_empty() {
                break;
            }
            // Use part of what is offered, as a decompressor does.
            let n = available.len().div_ceil(2);
            got.extend_from_slice(&available[..n]);
            r.consume(n);
        }
        assert_eq!(got, bytes);
        let (_, length, digest) = r.finish().unwrap();
        assert_eq!(length, bytes.len() as u64);
        assert_eq!(digest, Some(Sha256::digest(&bytes).into()));
    }

    #[test]
    fn finish_hashes_what_was_never_read() {
        let bytes = data(OFFLOAD_AFTER as usize * 2 + 3);
        let mut r = BlockReader::new(&bytes[..], Hashing::Background);
        let mut head = [0u8; 512];
        r.read_exact(&mut head).unwrap();
        let (_, length, digest) = r.finish().unwrap();
        assert_eq!(length, bytes.len() as u64);
        assert_eq!(digest, Some(Sha256::digest(&bytes).into()));
    }

    #[test]
    fn seeking_past_the_end_or_backwards_is_an_error() {
        let bytes = data(BLOCK + 10);
        let mut r = BlockReader::new(&bytes[..], Hashing::Off);
        let err = r.seek(SeekFrom::Current(BLOCK as i64 + 11)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        let mut r = BlockReader::new(&bytes[..], Hashing::Off);
        assert_eq!(r.seek(SeekFrom::Current(5)).unwrap(), 5);
        assert!(r.seek(SeekFrom::Current(-1)).is_err());
        assert!(r.seek(SeekFrom::Start(0)).is_err());
        assert_eq!(r.stream_position().unwrap(), 5);
        let (_, length, digest) = r.finish().unwrap();
        assert_eq!((length, digest), (bytes.len() as u64, None));
    }

    #[test]
    fn a_failing_source_is_an_error_not_a_short_stream() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Err(io::Error::other("corrupt deflate stream"));
                }
                let n = buf.len().min(self.0);
                buf[..n].fill(1);
                self.0 -= n;
                Ok(n)
            }
        }
        let r = BlockReader::new(Failing(3 * BLOCK + 5), Hashing::Foreground);
        let Err(err) = r.finish() else {
            panic!("a failing source must not finish")
        };
        assert!(err.to_string().contains("corrupt deflate"), "{err}");
        // The bytes before the error are served first; the error comes where they end.
        let mut r = BlockReader::new(Failing(5), Hashing::Off);
        let mut buf = [0u8; 10];
        assert_eq!(r.read(&mut buf).unwrap(), 5);
        let err = r.read(&mut buf).unwrap_err();
        assert!(err.to_string().contains("corrupt deflate"), "{err}");
    }

    /// Hands out 1, 2, ... 4099 bytes per read, cycling.
    struct OddReads<'a>(&'a [u8], usize);
    impl Read for OddReads<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.1 = self.1 % 4099 + 1;
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
}
