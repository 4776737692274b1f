//! Fixtures shared by the report tests: one image artifact with two layers, layer references,
//! fixed report options, and the runner for the Python validators.

#![allow(dead_code)] // each test file uses its own subset

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use bulwark_image::{Digest, ImageConfig, ImageMeta, LayerInfo, SourceKind};
use bulwark_inventory::LayerRef;
use bulwark_report::{Artifact, SbomOptions};

pub const LAYER0: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
pub const LAYER1: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
pub const MANIFEST: &str =
    "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const CONFIG: &str = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

pub fn digest(s: &str) -> Digest {
    s.parse().expect("test digest")
}

pub fn image() -> Artifact {
    let layer = |index, diff_id: &str| LayerInfo {
        index,
        blob_digest: None,
        diff_id: digest(diff_id),
        media_type: Some("application/vnd.oci.image.layer.v1.tar+gzip".into()),
        size: Some(1024 * (index as u64 + 1)),
    };
    Artifact::image(ImageMeta {
        name: "registry.example.com/team/app:1.2".into(),
        source: SourceKind::Registry,
        manifest_digest: Some(digest(MANIFEST)),
        config_digest: digest(CONFIG),
        repo_tags: vec!["registry.example.com/team/app:1.2".into()],
        repo_digests: vec![format!("registry.example.com/team/app@{MANIFEST}")],
        config: ImageConfig {
            architecture: Some("amd64".into()),
            os: Some("linux".into()),
            ..Default::default()
        },
        config_raw: Vec::new(),
        layers: vec![layer(0, LAYER0), layer(1, LAYER1)],
    })
}

pub fn at(index: usize, diff_id: &str) -> Option<LayerRef> {
    Some(LayerRef {
        index,
        diff_id: Some(diff_id.into()),
    })
}

pub fn options() -> SbomOptions {
    SbomOptions {
        timestamp: Some(
            time::OffsetDateTime::from_unix_timestamp(1_762_077_600).expect("fixed time"),
        ),
        serial: Some(uuid::Uuid::from_u128(
            0x0123_4567_89ab_4def_8123_4567_89ab_cdef,
        )),
        tool_version: Some("0.0.0-test".into()),
        color: false,
        ..SbomOptions::default()
    }
}

/// Runs `tests/<script>` with `python3` from PATH (CI puts its venv first) and fails with its
/// output unless it exits 0.
pub fn run_validator(script: &str, args: impl IntoIterator<Item = OsString>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let output = Command::new("python3")
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("could not run python3 (needed for {script}): {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}
