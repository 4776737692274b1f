//! A scan that fails on one layer still caches the layers it read: the next attempt, with
//! the broken layer mended, reads only that one. Layers are real tars written by the `tar`
//! crate; the broken one is the good tar cut short.

use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};

use bulwark_image::{
    Digest, ImageConfig, ImageError, ImageMeta, ImageSource, LayerCache, LayerInfo, SourceKind,
};
use bulwark_inventory::{scan_image, AnalyzerRegistry, ScanOptions};

fn tar_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, text.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// Two uncompressed layers; the second is truncated while `broken` is set.
struct Image {
    meta: ImageMeta,
    blobs: Vec<Vec<u8>>,
    broken: AtomicBool,
}

impl ImageSource for Image {
    fn meta(&self) -> &ImageMeta {
        &self.meta
    }
    fn open_layer(&self, index: usize) -> Result<Box<dyn BufRead + Send + '_>, ImageError> {
        let blob = &self.blobs[index];
        let cut = if index == 1 && self.broken.load(Ordering::Relaxed) {
            blob.len() / 3
        } else {
            blob.len()
        };
        Ok(Box::new(&blob[..cut]))
    }
}

#[test]
fn layers_read_before_a_failure_stay_cached() {
    let blobs = vec![
        // The bigger blob is taken first, so it is always read before the other fails.
        tar_of(&[
            ("etc/os-release", "ID=alpine\nVERSION_ID=3.19.4\n"),
            ("etc/motd", &"x".repeat(4096)),
        ]),
        tar_of(&[("app/requirements.txt", "flask==2.0.1\n")]),
    ];
    let layers = blobs
        .iter()
        .enumerate()
        .map(|(index, blob)| LayerInfo {
            index,
            blob_digest: None,
            diff_id: Digest::of(blob),
            media_type: None,
            size: Some(blob.len() as u64),
        })
        .collect();
    let image = Image {
        meta: ImageMeta {
            name: "test".into(),
            source: SourceKind::DockerArchive,
            manifest_digest: None,
            config_digest: Digest::of(b"{}"),
            repo_tags: Vec::new(),
            repo_digests: Vec::new(),
            config: ImageConfig::default(),
            config_raw: b"{}".to_vec(),
            layers,
        },
        blobs,
        broken: AtomicBool::new(true),
    };
    let dir = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(dir.path()).unwrap();
    let registry = AnalyzerRegistry::sbom();
    let opts = ScanOptions {
        cache: Some(&cache),
        ..ScanOptions::default()
    };
    assert!(
        scan_image(&image, &registry, &opts).is_err(),
        "the cut layer fails"
    );
    image.broken.store(false, Ordering::Relaxed);
    let outcome = scan_image(&image, &registry, &opts).unwrap();
    assert_eq!(
        outcome.cached_layers, 1,
        "the base layer came from the cache"
    );
    assert_eq!(outcome.inventory.os.as_ref().unwrap().id, "alpine");
    assert!(outcome.inventory.packages.iter().any(|p| p.name == "flask"));
}
