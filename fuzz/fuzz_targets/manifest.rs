//! Bytes → manifest / index / config parsing, and what the sources do next with a parsed
//! document: platform selection and pairing layers with diff_ids.

#![no_main]

use bulwark_image::manifest::{check_layer_media_type, layers_from, Manifest};
use bulwark_image::{ImageConfig, Platform};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let config = ImageConfig::parse(data).ok();
    if let Some(c) = &config {
        let _ = c.layer_created_by(0);
    }
    let Ok(manifest) = Manifest::parse(data, "fuzz") else {
        return;
    };
    if manifest.is_index() {
        let _ = manifest.select(&Platform::host());
        let _ = manifest.select(&Platform {
            os: "linux".into(),
            architecture: "arm".into(),
            variant: Some("v7".into()),
        });
    }
    let layers = manifest.layers.as_deref().unwrap_or_default();
    for l in layers {
        let _ = check_layer_media_type(l.media_type.as_deref());
    }
    let diff_ids = config
        .and_then(|c| c.rootfs)
        .map(|r| r.diff_ids)
        .unwrap_or_default();
    let _ = layers_from(layers, &diff_ids);
});
