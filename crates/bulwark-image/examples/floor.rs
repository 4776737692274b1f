//! Benchmark floor: the least work any scanner must do on an image — decompress every layer
//! and walk its tar headers — with the same decoders, in parallel over layers like the scan.
//! No digest checks, no analyzers. Usage: `floor OCI_DIR_OR_ARCHIVE`.

use std::io::{BufRead, BufReader, Read};

use bulwark_image::{Compression, OpenOptions, Target};

fn main() {
    let target = std::env::args().nth(1).expect("usage: floor TARGET");
    let source = Target::parse(&target)
        .and_then(|t| t.open_image(&OpenOptions::default()))
        .unwrap_or_else(|e| panic!("{e}"));
    let n = source.meta().layers.len();
    let entries: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (source, target) = (&source, &target);
                s.spawn(move || {
                    // OCI layout: read the blob file directly, so no digest is computed. Archives
                    // from skopeo/docker save name uncompressed blobs by diff_id, which
                    // open_layer does not hash either.
                    let layer = &source.meta().layers[i];
                    let direct = layer
                        .blob_digest
                        .as_ref()
                        .map(|d| {
                            std::path::Path::new(&target)
                                .join("blobs/sha256")
                                .join(d.hex())
                        })
                        .filter(|p| p.is_file());
                    let blob: Box<dyn Read + Send> = match direct {
                        Some(p) => Box::new(std::fs::File::open(p).expect("open blob")),
                        None => source.open_layer(i).expect("open layer"),
                    };
                    let mut r = BufReader::with_capacity(256 << 10, blob);
                    let head = r.fill_buf().expect("read").to_vec();
                    let decoded: Box<dyn Read> = match Compression::detect(&head) {
                        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(r)),
                        Compression::Zstd => {
                            Box::new(zstd::stream::read::Decoder::with_buffer(r).expect("zstd"))
                        }
                        Compression::None => Box::new(r),
                    };
                    let mut archive = tar::Archive::new(decoded);
                    archive
                        .entries()
                        .expect("tar")
                        .map(|e| e.map(|_| 1u64).unwrap_or(0))
                        .sum::<u64>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    println!("{entries} entries");
}
