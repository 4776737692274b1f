//! Helpers shared by the CLI integration tests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixture image `name` of `../shared/fixtures/images`; fails clearly when the shared
/// fixtures are not beside the repository.
#[allow(dead_code)] // not every test crate that includes this module reads fixture images
pub fn fixture_image(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/images")
        .join(name);
    assert!(
        dir.exists(),
        "{} is missing: ../shared/fixtures must sit beside the repository",
        dir.display()
    );
    dir
}

/// The layer blobs of the OCI layout `image`, bottom first, from its first manifest.
#[allow(dead_code)] // not every test crate that includes this module reads layers
pub fn layer_blobs(image: &Path) -> Vec<PathBuf> {
    let read = |p: PathBuf| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("JSON")
    };
    let blob = |digest: &str| image.join("blobs/sha256").join(&digest[7..]);
    let index = read(image.join("index.json"));
    let manifest = read(blob(
        index["manifests"][0]["digest"].as_str().expect("digest"),
    ));
    manifest["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| blob(l["digest"].as_str().expect("digest")))
        .collect()
}

/// Validates a SARIF file with `crates/bulwark-report/tests/validate_sarif.py` (the official
/// OASIS 2.1.0 schema plus code-scanning rules) and fails with its output unless it passes.
/// Uses `python3` from PATH (CI puts its venv first).
#[allow(dead_code)] // not every test crate that includes this module writes SARIF
pub fn assert_valid_sarif(file: &Path) {
    let validator =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-report/tests/validate_sarif.py");
    let check = Command::new("python3")
        .arg(&validator)
        .arg(file)
        .output()
        .expect("python3 runs (CI puts its venv first on PATH)");
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}

/// The address of a test registry that `scripts/test` started (`var` is one of the
/// `BULWARK_TEST_REGISTRY*` variables); fails clearly when the registries are not running.
#[allow(dead_code)] // only the registry tests read it
pub fn registry(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: run the tests with `bash scripts/test`, which starts the registries"
        )
    })
}
