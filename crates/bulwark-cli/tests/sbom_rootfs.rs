//! `bulwark sbom DIR` (or `rootfs:DIR`) catalogues a root filesystem directory the way
//! `bulwark rootfs` reads it. The directory is the real alpine-3.19.4 fixture's only layer,
//! unpacked with the `tar` command; its packages must be the image's own.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;

/// Runs bulwark with a cache of its own (rootfs scans never use it; image scans do).
fn bulwark(args: &[&str]) -> Output {
    let cache = std::env::temp_dir().join("bulwark-sbom-rootfs-test");
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env("BULWARK_CACHE_DIR", cache)
        .output()
        .expect("run bulwark")
}

/// The image's single layer, unpacked into `dir` by tar.
fn unpack_layer(image: &Path, dir: &Path) {
    let layers = common::layer_blobs(image);
    assert_eq!(layers.len(), 1);
    let status = Command::new("tar")
        .arg("-C")
        .arg(dir)
        .arg("-xzf")
        .arg(&layers[0])
        .status()
        .expect("run tar");
    assert!(status.success());
}

/// (name, version, arch, source, purl) of every package of a JSON SBOM.
fn packages(out: &Output) -> Vec<(String, String, String, String, String)> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    report["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
            (
                s("name"),
                s("version"),
                s("arch"),
                s("source_name"),
                s("purl"),
            )
        })
        .collect()
}

#[test]
fn sbom_of_a_root_filesystem_equals_the_sbom_of_its_image() {
    let image = common::fixture_image("alpine-3.19.4");
    let root = tempfile::tempdir().expect("temp dir");
    unpack_layer(&image, root.path());
    let dir = root.path().to_str().expect("UTF-8 path");

    let from_image = packages(&bulwark(&[
        "sbom",
        image.to_str().unwrap(),
        "--format",
        "json",
        "-q",
    ]));
    assert_eq!(from_image.len(), 15, "alpine 3.19.4 has 15 apk packages");
    let prefixed = format!("rootfs:{dir}");
    for target in [dir, prefixed.as_str()] {
        let from_dir = packages(&bulwark(&["sbom", target, "--format", "json", "-q"]));
        assert_eq!(from_dir, from_image, "{target}");
    }

    // File lists come from the apk database, as for the image.
    let out = bulwark(&["sbom", dir, "--format", "json", "--list-files", "-q"]);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let busybox = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "busybox")
        .expect("busybox");
    let files = busybox["files"].as_array().expect("busybox files");
    assert!(
        files
            .iter()
            .any(|f| f["path"] == "/bin/busybox" || f == "/bin/busybox"),
        "{files:?}"
    );

    // CycloneDX names the directory as a file-system component.
    let out = bulwark(&["sbom", dir, "--format", "cyclonedx", "-q"]);
    assert!(out.status.success());
    let bom: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(bom["metadata"]["component"]["name"], dir);
    assert_eq!(
        bom["components"].as_array().unwrap().len(),
        16,
        "the OS and 15 packages"
    );
}

#[test]
fn image_still_refuses_a_directory_that_is_not_an_image() {
    let root = tempfile::tempdir().expect("temp dir");
    let out = bulwark(&["image", root.path().to_str().unwrap(), "-q"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bulwark rootfs DIR"), "{err}");
}
