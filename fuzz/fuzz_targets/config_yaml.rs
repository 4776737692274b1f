//! Bytes → the positioned YAML loader (depth, document and alias-expansion limits), then
//! the compose, Kubernetes and docker inspect checks on the same documents.

#![no_main]

use std::path::Path;

use bulwark_checks::{check_bytes, CheckOptions, FileKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = CheckOptions::default();
    let _ = check_bytes(Path::new("manifest.yaml"), data, None, &opts);
    for kind in [FileKind::Compose, FileKind::Kubernetes, FileKind::DockerInspect] {
        let _ = check_bytes(Path::new("x.yaml"), data, Some(kind), &opts);
    }
    let _ = check_bytes(Path::new("inspect.json"), data, Some(FileKind::DockerInspect), &opts);
});
