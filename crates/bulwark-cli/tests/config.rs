//! `bulwark config`: formats, exit codes, options, and errors that name file:line:col while
//! the other files are still reported. Inputs are the bulwark-checks corpus.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .output()
        .expect("bulwark runs")
}

fn data(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bulwark-checks/tests/data")
        .join(case)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn table_by_default_and_exit_code() {
    let dir = data("df-legacy-ubuntu-ssh");
    let out = bulwark(&["config", s(&dir)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("BW-DF-014") && text.contains("CIS 5.6"),
        "{text}"
    );
    // The corpus case's expected.txt lists these 10 (BW-DF-016 for the chpasswd line).
    assert!(text.contains("Total: 10 finding(s)"), "{text}");

    let out = bulwark(&["config", s(&dir), "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(1));
    // Clean input: exit 0 even with --exit-code.
    let out = bulwark(&[
        "config",
        s(&data("k8s-hardened-statefulset")),
        "--exit-code",
        "1",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn json_with_severity_filter_skip_and_regrade() {
    let dir = data("df-legacy-ubuntu-ssh");
    let out = bulwark(&[
        "config",
        s(&dir),
        "--format",
        "json",
        "--severity",
        "HIGH,CRITICAL",
        "--skip-check",
        "BW-DF-014",
        "--check-severity",
        "BW-DF-013=CRITICAL",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = doc["files"][0]["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings
        .iter()
        .map(|f| f["check_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["BW-DF-001", "BW-DF-016", "BW-DF-013"], "{doc}");
    assert_eq!(findings[2]["severity"], "CRITICAL");
    assert_eq!(findings[2]["default_severity"], "MEDIUM");
    assert_eq!(findings[2]["position"]["line"], 9);
    assert_eq!(doc["files"][0]["kind"], "dockerfile");
}

#[test]
fn unknown_options_exit_2() {
    let dir = data("df-node-app");
    for args in [
        &["config", s(&dir), "--skip-check", "BW-XX-999"][..],
        &["config", s(&dir), "--check-severity", "BW-DF-001=SEVERE"],
        &["config", s(&dir), "--format", "cyclonedx"],
        &["config", s(&dir), "--severity", "BAD"],
        &["config"],
    ] {
        let out = bulwark(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn malformed_files_are_reported_and_the_rest_still_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::copy(
        data("df-malformed-unknown/Dockerfile"),
        bad.join("Dockerfile"),
    )
    .unwrap();
    std::fs::copy(
        data("compose-traefik/compose.yaml"),
        tmp.path().join("compose.yaml"),
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("node_modules")).unwrap();
    std::fs::copy(
        data("df-python-flask/Dockerfile"),
        tmp.path().join("node_modules/Dockerfile"),
    )
    .unwrap();
    std::fs::write(tmp.path().join("values.yaml"), "replicas: 3\n").unwrap();
    let out = bulwark(&["config", s(tmp.path()), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "error: {}:3:4: unknown instruction: COPYY",
            bad.join("Dockerfile").display()
        )),
        "{err}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON still written");
    let files = doc["files"].as_array().unwrap();
    assert_eq!(
        files.len(),
        2,
        "node_modules and values.yaml skipped: {doc}"
    );
    assert!(files.iter().any(|f| f["error"]
        .as_str()
        .is_some_and(|e| e.contains(":3:4: unknown instruction"))));
    assert!(files
        .iter()
        .any(|f| f["kind"] == "compose" && !f["findings"].as_array().unwrap().is_empty()));

    // A missing path is an input error too.
    let out = bulwark(&["config", s(&tmp.path().join("nope"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

#[test]
fn sarif_validates_and_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("config.sarif");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-checks/tests/data");
    let out = bulwark(&[
        "config",
        s(&corpus),
        "--format",
        "sarif",
        "--output",
        s(&file),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the corpus holds malformed files"
    );
    assert!(out.stdout.is_empty());
    let log: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).expect("SARIF JSON");
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 100, "{}", results.len());
    assert!(results.iter().any(|r| r["ruleId"] == "BW-RT-006"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "compose-traefik/compose.yaml"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 12));
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes.len(), 5);
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);

    common::assert_valid_sarif(&file);
}
