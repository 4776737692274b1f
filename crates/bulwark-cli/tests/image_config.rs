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
    let expected = [
        ("BW-DF-001", "config.User"),
        ("BW-DF-005", "history[1]"),
        ("BW-DF-006", "config.Healthcheck"),
        ("BW-DF-010", "config.Env"),
        ("BW-DF-013", "config.ExposedPorts"),
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
