//! A blocking `Read` over a blob that downloads on the registry's tokio runtime: a task pulls
//! chunks into a bounded channel (so download overlaps decompression, and at most
//! `CHANNEL_CHUNKS` chunks are ever buffered), the reader hands them out on the caller's thread.

use std::io::{self, Read};

use bytes::{Buf, Bytes};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::transport::stream_error;

/// Chunks buffered between download and reader (chunks are a few KiB to a few hundred KiB).
const CHANNEL_CHUNKS: usize = 16;

/// Reads a blob that a background task downloads. Dropping it cancels the download.
pub(crate) struct BlobReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
    finished: bool,
}

impl BlobReader {
    /// Spawns the download of `stream` on `runtime`. The task also holds the registry to the
    /// descriptor's `size`, so a truncated or endless response fails with a clear message.
    pub fn spawn(
        runtime: &tokio::runtime::Handle,
        mut stream: oci_client::client::SizedStream,
        size: u64,
        what: String,
    ) -> Self {
        let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
        runtime.spawn(async move {
            let mut received = 0u64;
            while let Some(item) = stream.next().await {
                let item = item
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, stream_error(e, &what)))
                    .and_then(|chunk| {
                        received += chunk.len() as u64;
                        if received > size {
                            Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                format!("the registry sent more than the {size} bytes the manifest declares for {what}"),
                            ))
                        } else {
                            Ok(chunk)
                        }
                    });
                let failed = item.is_err();
                // A send error means the reader was dropped: stop downloading.
                if tx.send(item).await.is_err() || failed {
                    return;
                }
            }
            if received < size {
                let _ = tx
                    .send(Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the registry sent {received} of the {size} bytes of {what}"),
                    )))
                    .await;
            }
        });
        Self {
            rx,
            current: Bytes::new(),
            finished: false,
        }
    }
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.current.is_empty() {
            if self.finished {
                return Ok(0);
            }
            // `blocking_recv` would panic on a runtime thread; say how to fix the caller instead.
            if tokio::runtime::Handle::try_current().is_ok() {
                return Err(io::Error::other(
                    "a registry layer reader was read from async code; read it on a blocking thread (tokio::task::spawn_blocking)",
                ));
            }
            match self.rx.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(e)) => {
                    self.finished = true;
                    return Err(e);
                }
                // The task ended (end of blob, or runtime shut down: the digest check catches that).
                None => self.finished = true,
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current.advance(n);
        Ok(n)
    }
}
