//! `bulwark sbom --list-files --format json`: every package lists its files, each with the
//! layer that wrote the copy in the final filesystem. Expectations come from the layer blobs
//! of the real `debian-12-app` fixture, listed here with the `tar` command (not with bulwark):
//! the topmost layer whose tar holds the stored path wins.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;

fn fixture() -> PathBuf {
    common::fixture_image("debian-12-app")
}

/// Entry names of each layer blob, in manifest order, without a leading `./`.
fn layer_listings(image: &Path) -> Vec<Vec<String>> {
    common::layer_blobs(image)
        .into_iter()
        .map(|blob| {
            let out = Command::new("tar")
                .arg("tzf")
                .arg(blob)
                .output()
                .expect("run tar");
            assert!(out.status.success());
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(|n| n.trim_start_matches("./").trim_end_matches('/').to_string())
                .collect()
        })
        .collect()
}

#[test]
fn list_files_gives_each_file_the_layer_of_its_surviving_copy() {
    let image = fixture();
    let cache = tempfile::tempdir().expect("temp dir");
    let report = sbom_json(&image, cache.path(), &["--list-files"]);
    let packages = report["packages"].as_array().expect("packages");
    let files_of = |name: &str| -> Vec<(String, Option<u64>, Option<String>)> {
        let p = packages
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("package {name} missing"));
        p["files"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: files is not a list"))
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().expect("path").to_string(),
                    f["layer"]["index"].as_u64(),
                    f["layer"]["diff_id"].as_str().map(String::from),
                )
            })
            .collect()
    };

    let listings = layer_listings(&image);
    let diff_ids: Vec<String> = report["artifact"]["image"]["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l["diff_id"].as_str().expect("diff_id").to_string())
        .collect();
    // (package, path as dpkg/RECORD lists it, path as stored in the layer tars)
    let cases = [
        ("bash", "/bin/bash", "usr/bin/bash"),
        ("openssh-server", "/usr/sbin/sshd", "usr/sbin/sshd"),
        ("openssh-server", "/etc/ssh/moduli", "etc/ssh/moduli"),
        (
            "python3.11-minimal",
            "/usr/bin/python3.11",
            "usr/bin/python3.11",
        ),
        (
            "requests",
            "/app/site-packages/requests/api.py",
            "app/site-packages/requests/api.py",
        ),
    ];
    for (package, listed, stored) in cases {
        let expected = listings
            .iter()
            .rposition(|names| names.iter().any(|n| n == stored))
            .unwrap_or_else(|| panic!("{stored} is in no layer"));
        let files = files_of(package);
        let (_, index, diff_id) = files
            .iter()
            .find(|(p, _, _)| p == listed)
            .unwrap_or_else(|| panic!("{package} does not list {listed}"));
        assert_eq!(*index, Some(expected as u64), "{package} {listed}");
        assert_eq!(diff_id.as_deref(), Some(diff_ids[expected].as_str()));
    }
    // Each listed file with a layer really is in that layer's tar (through Debian's
    // merged-/usr links: /bin -> usr/bin, /lib -> usr/lib, ...).
    for (path, index, _) in files_of("openssh-server").iter().chain(&files_of("bash")) {
        let Some(index) = index else { continue };
        let stored = path.trim_start_matches('/');
        let merged = ["bin/", "sbin/", "lib/", "lib64/"]
            .iter()
            .find(|top| stored.starts_with(*top))
            .map(|_| format!("usr/{stored}"));
        let names = &listings[*index as usize];
        assert!(
            names
                .iter()
                .any(|n| n == stored || Some(n) == merged.as_ref()),
            "{path} is not in layer {index}"
        );
    }
    // Without the flag, files stay null.
    let report = sbom_json(&image, cache.path(), &[]);
    assert!(report["packages"][0]["files"].is_null());
}

/// `bulwark sbom IMAGE --format json --cache-dir CACHE EXTRA...`, which must succeed.
fn sbom_json(image: &Path, cache: &Path, extra: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args([
            "sbom",
            image.to_str().expect("utf-8 path"),
            "--format",
            "json",
        ])
        .args(extra)
        .arg("--cache-dir")
        .arg(cache)
        .output()
        .expect("run bulwark");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}
