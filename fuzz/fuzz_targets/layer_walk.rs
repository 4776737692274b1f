//! Bytes → `walk_layer` (compression detection, gzip/zstd, tar, whiteouts, caps), then the
//! merged view and symlink resolution of what was walked. Small limits keep bombs cheap.

#![no_main]

use std::io::Read;

use bulwark_image::{
    walk_layer, Digest, EntryMeta, FileBuffer, ImageError, Limits, MergedView,
};
use libfuzzer_sys::fuzz_target;

const LIMITS: Limits = Limits {
    max_layer_bytes: 8 << 20,
    max_image_bytes: 8 << 20,
    max_file_bytes: 1 << 20,
    max_entries: 10_000,
};

fuzz_target!(|data: &[u8]| {
    // Odd lengths also go through the diff_id check (it cannot match, so must fail cleanly).
    let diff_id = (data.len() % 2 == 1).then(|| Digest::of(b"fuzz"));
    let mut entries = Vec::new();
    // One buffer for every file, reserved from the header's size as the scan does.
    let mut buf = FileBuffer::default();
    let mut visit = |m: &EntryMeta, r: &mut dyn Read| -> Result<(), ImageError> {
        buf.read_from(r, &m.path, m.size.min(LIMITS.max_file_bytes))?;
        entries.push(m.clone());
        Ok(())
    };
    if walk_layer(data, diff_id.as_ref(), "fuzz layer", &LIMITS, &mut visit).is_err() {
        return;
    }
    let view = MergedView::build([entries.as_slice()]);
    for e in &entries {
        let _ = view.resolve(&e.path);
        if let Some(link) = &e.link {
            let _ = view.resolve(link);
        }
    }
});
