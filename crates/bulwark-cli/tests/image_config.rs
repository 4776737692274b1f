//! `bulwark image --scanners config`: the image config checks of bulwark-checks on the real
//! debian-12-app fixture, whose config (fixture README) has no `User`, exposes 22/tcp and
//! 8080/tcp, sets `DB_PASSWORD` in `Env`, has no health check, and whose history installs
//! openssh-server.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn image() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/images/debian-12-app");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env_remove("BULWARK_CACHE_DIR")
        .output()
        .expect("run bulwark")
}

#[test]
fn image_config_checks_find_root_ssh_port_secret_env_and_no_healthcheck() {
    let image = image();
    let out = bulwark(&[
        "image",
        image.to_str().expect("utf-8"),
        "--scanners",
        "config",
        "--format",
        "json",
        "--no-cache",
        "--exit-code",
        "1",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(doc["vulnerabilities"].is_null() && doc["secrets"].is_null());
    let mut found: Vec<(String, String)> = doc["misconfigurations"]
        .as_array()
        .expect("misconfigurations")
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().expect("id").to_string(),
                f["subject"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    found.sort();
    found.dedup();
    let expected = [
        ("BW-DF-001", "config.User"),
        ("BW-DF-005", "history[1]"),
        ("BW-DF-006", "config.Healthcheck"),
        ("BW-DF-010", "config.Env"),
        ("BW-DF-013", "config.ExposedPorts"),
        ("BW-DF-015", "filesystem"),
    ];
    assert_eq!(
        found,
        expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    // The env check names the variable, never its value.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SuperSecret123!"));

    // --severity filters misconfigurations too.
    let out = bulwark(&[
        "image",
        image.to_str().expect("utf-8"),
        "--scanners",
        "config",
        "--format",
        "json",
        "--no-cache",
        "--severity",
        "LOW",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let ids: Vec<&str> = doc["misconfigurations"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|f| f["check_id"].as_str())
        .filter(|id| *id != "BW-DF-015")
        .collect();
    assert_eq!(ids, ["BW-DF-006"]);

    // Directories are for `bulwark config`.
    let out = bulwark(&["fs", image.to_str().expect("utf-8"), "--scanners", "config"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bulwark config"));
}

#[test]
fn sarif_with_secrets_and_misconfigurations_passes_the_official_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report.sarif");
    let out = bulwark(&[
        "image",
        image().to_str().expect("utf-8"),
        "--scanners",
        "secret,config",
        "--format",
        "sarif",
        "--no-cache",
        "--output",
        file.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "BW-DF-001"));
    assert!(results.iter().any(|r| r["ruleId"] == "aws-access-key-id"));
    common::assert_valid_sarif(&file);
}

/// CIS 4.8: every setuid/setgid regular file of the final filesystem is listed with its
/// mode and layer. The expectation is computed by Python's `tarfile` straight from the OCI
/// layout's layer blobs (whiteouts applied), not by bulwark.
#[test]
fn setuid_and_setgid_files_are_listed_with_their_layer() {
    let image = image();
    let script = r#"
import json, sys, tarfile, os
root = sys.argv[1]
def blob(d): return os.path.join(root, "blobs", *d.split(":"))
index = json.load(open(os.path.join(root, "index.json")))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
files = {}
for n, layer in enumerate(manifest["layers"]):
    with tarfile.open(blob(layer["digest"])) as t:
        for m in t.getmembers():
            path = "/" + m.name.lstrip("./").lstrip("/")
            d, base = os.path.split(path)
            if base == ".wh..wh..opq":
                files = {p: v for p, v in files.items() if not p.startswith(d.rstrip("/") + "/")}
                continue
            if base.startswith(".wh."):
                gone = os.path.join(d, base[4:])
                files = {p: v for p, v in files.items() if p != gone and not p.startswith(gone + "/")}
                continue
            files[path] = (m.isfile(), m.mode, m.uid, n)
for p, (isfile, mode, uid, n) in sorted(files.items()):
    if isfile and mode & 0o6000:
        print(f"{p} {mode & 0o7777:04o} {uid} {n}")
"#;
    let py = Command::new("python3")
        .args(["-c", script])
        .arg(&image)
        .output()
        .expect("python3");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    let expected: Vec<String> = String::from_utf8_lossy(&py.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert!(expected.len() >= 5, "{expected:?}");

    let out = bulwark(&[
        "image",
        image.to_str().expect("utf-8"),
        "--scanners",
        "config",
        "--format",
        "json",
        "--no-cache",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut got: Vec<String> = doc["misconfigurations"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|f| f["check_id"] == "BW-DF-015")
        .map(|f| {
            assert_eq!(f["cis"], "4.8");
            // "/usr/bin/su is setuid (mode 4755, owner uid 0, layer 0)"
            let m = f["message"].as_str().expect("message");
            let (path, rest) = m.split_once(" is ").expect("path");
            let mode = rest
                .split("mode ")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap();
            let uid = rest
                .split("owner uid ")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap();
            let layer = rest.split("layer ").nth(1).unwrap().trim_end_matches(')');
            format!("{path} {mode} {uid} {layer}")
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);
}
