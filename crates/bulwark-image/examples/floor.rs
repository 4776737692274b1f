//! Benchmark floor: the least work any scanner must do on an image — decompress every layer
//! and walk its tar headers — with the scan's decoders and its layer scheduling (one thread
//! per core, biggest blob first), nothing else: no digest checks, no analyzers.
//! Usage: `floor OCI_DIR_OR_ARCHIVE [raw]`. With `raw`, gzip layers are decoded without
//! their CRC-32, as the scan decodes layers whose digest it checks; without, with flate2's
//! standard `MultiGzDecoder` (CRC-32 checked), as a scanner that verifies no digest must.

use std::io::{BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use bulwark_image::{Compression, OpenOptions, Target, UncheckedGzDecoder};

fn main() {
    let target = std::env::args().nth(1).expect("usage: floor TARGET [raw]");
    let raw = std::env::args().nth(2).as_deref() == Some("raw");
    let source = Target::parse(&target)
        .and_then(|t| t.open_image(&OpenOptions::default()))
        .unwrap_or_else(|e| panic!("{e}"));
    let layers = &source.meta().layers;
    let mut order: Vec<usize> = (0..layers.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(layers[i].size.unwrap_or(0)));
    let next = AtomicUsize::new(0);
    let entries = AtomicU64::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads.min(layers.len()) {
            s.spawn(|| {
                while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    // OCI layout: read the blob file directly, so no digest is computed. Archives
                    // from skopeo/docker save name uncompressed blobs by diff_id, which
                    // open_layer does not hash either.
                    let direct = layers[i]
                        .blob_digest
                        .as_ref()
                        .map(|d| {
                            std::path::Path::new(&target)
                                .join("blobs/sha256")
                                .join(d.hex())
                        })
                        .filter(|p| p.is_file());
                    let mut r: Box<dyn BufRead + Send> = match direct {
                        Some(p) => Box::new(BufReader::with_capacity(
                            256 << 10,
                            std::fs::File::open(p).expect("open blob"),
                        )),
                        None => source.open_layer(i).expect("open layer"),
                    };
                    let head = r.fill_buf().expect("read").to_vec();
                    let decoded: Box<dyn Read> = match Compression::detect(&head) {
                        Compression::Gzip if raw => Box::new(UncheckedGzDecoder::new(r)),
                        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
                        Compression::Zstd => {
                            Box::new(zstd::stream::read::Decoder::with_buffer(r).expect("zstd"))
                        }
                        Compression::None => Box::new(r),
                    };
                    let mut archive = tar::Archive::new(decoded);
                    let n = archive
                        .entries()
                        .expect("tar")
                        .map(|e| e.map(|_| 1u64).unwrap_or(0))
                        .sum::<u64>();
                    entries.fetch_add(n, Ordering::Relaxed);
                }
            });
        }
    });
    println!("{} entries", entries.into_inner());
}
