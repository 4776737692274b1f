//! `bulwark db ...` and `bulwark image` as a CI gate, on the real fixtures: the database is
//! imported from ../shared/fixtures/advisories, images come from ../shared/fixtures/images.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn image(name: &str) -> String {
    shared().join("images").join(name).display().to_string()
}

fn advisory(rel: &str) -> String {
    shared().join("advisories").join(rel).display().to_string()
}

/// A cache dir with a database built from the Alpine v3.7 secdb and the Debian, PyPI and
/// crates.io snapshots.
struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Self {
        let env = Self {
            dir: TempDir::new().unwrap(),
        };
        std::fs::create_dir(env.dir.path().join("cwd")).unwrap();
        let out = env.run(&[
            "db",
            "import",
            &advisory("alpine-secdb/v3.7/main.yaml"),
            &advisory("osv/Debian/all.zip"),
            &advisory("osv/crates.io/all.zip"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        env
    }

    fn cwd(&self) -> PathBuf {
        self.dir.path().join("cwd")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .current_dir(self.cwd())
            .env("BULWARK_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .output()
            .unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)))
}

fn findings(doc: &Value) -> Vec<Value> {
    doc["vulnerabilities"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn exit_code_gates_on_unsuppressed_findings_only() {
    let env = Env::new();
    let alpine = image("alpine-3.7.3");
    // Findings and no --exit-code: 0. With it: the given code.
    let out = env.run(&["image", &alpine, "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("CVE-2019-14697"));
    let out = env.run(&["image", &alpine, "-q", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let out = env.run(&["image", &alpine, "-q", "--exit-code", "5"]);
    assert_eq!(out.status.code(), Some(5));
    // The secdb has no severities: UNKNOWN. Filtering to HIGH,CRITICAL leaves nothing.
    let out = env.run(&[
        "image",
        &alpine,
        "-q",
        "--exit-code",
        "1",
        "--severity",
        "HIGH,CRITICAL",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = env.run(&[
        "image",
        &alpine,
        "-q",
        "--exit-code",
        "1",
        "--severity",
        "UNKNOWN",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(findings(&json(&out))
        .iter()
        .all(|f| f["severity"] == "UNKNOWN"));
    // A fixed version exists, so --ignore-unfixed keeps it.
    let out = env.run(&[
        "image",
        &alpine,
        "-q",
        "--exit-code",
        "1",
        "--ignore-unfixed",
    ]);
    assert_eq!(out.status.code(), Some(1));
    // Bad --severity is a usage error.
    let out = env.run(&["image", &alpine, "-q", "--severity", "SEVERE"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("SEVERE"));
}

#[test]
fn exceptions_file_suppresses_until_it_expires() {
    let env = Env::new();
    let alpine = image("alpine-3.7.3");
    std::fs::write(
        env.cwd().join(".bulwarkignore.yaml"),
        "exceptions:\n  - id: CVE-2019-14697\n    package: musl\n    reason: static binaries only\n    owner: sec@example.com\n    expires: 2999-12-31\n  - id: CVE-2019-14697\n    reason: old waiver\n    owner: sec@example.com\n    expires: 2020-01-01\n",
    )
    .unwrap();
    let out = env.run(&["image", &alpine, "-q", "--exit-code", "1", "-f", "json"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("expired on 2020-01-01"), "{stderr}");
    let doc = json(&out);
    let musl: Vec<Value> = findings(&doc)
        .into_iter()
        .filter(|f| f["package"]["name"] == "musl")
        .collect();
    assert_eq!(musl.len(), 1);
    assert_eq!(musl[0]["suppressed"]["kind"], "exception");
    assert_eq!(musl[0]["suppressed"]["owner"], "sec@example.com");
    // musl-utils (same origin) is not covered by `package: musl`, so the gate still fails.
    let others = findings(&doc)
        .into_iter()
        .filter(|f| f["package"]["name"] != "musl" && f["suppressed"].is_null())
        .count();
    assert_eq!(
        out.status.code(),
        Some(if others > 0 { 1 } else { 0 }),
        "{stderr}"
    );

    // An entry without an owner is rejected: exit 2 naming the problem.
    std::fs::write(
        env.cwd().join("bad.yaml"),
        "exceptions:\n  - id: CVE-1\n    reason: r\n    expires: 2999-01-01\n",
    )
    .unwrap();
    let out = env.run(&["image", &alpine, "-q", "--ignorefile", "bad.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("owner"), "{}", text(&out.stderr));
}

#[test]
fn vex_not_affected_statements_suppress_findings() {
    let env = Env::new();
    let alpine = image("alpine-3.7.3");
    let vex = r#"{
      "@context": "https://openvex.dev/ns/v0.2.0",
      "@id": "https://example.com/vex/1",
      "author": "sec@example.com",
      "timestamp": "2026-11-01T00:00:00Z",
      "version": 1,
      "statements": [{
        "vulnerability": {"name": "CVE-2019-14697"},
        "products": [{"@id": "pkg:apk/alpine/musl"}, {"@id": "pkg:apk/alpine/musl-utils"}],
        "status": "not_affected",
        "justification": "vulnerable_code_not_in_execute_path"
      }]
    }"#;
    std::fs::write(env.cwd().join("app.vex.json"), vex).unwrap();
    let out = env.run(&[
        "image",
        &alpine,
        "-q",
        "--exit-code",
        "1",
        "--vex",
        "app.vex.json",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc = json(&out);
    assert!(!findings(&doc).is_empty());
    assert!(findings(&doc)
        .iter()
        .all(|f| f["suppressed"]["kind"] == "vex"));
    // Broken VEX: exit 2.
    std::fs::write(env.cwd().join("broken.json"), "{").unwrap();
    let out = env.run(&["image", &alpine, "-q", "--vex", "broken.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn formats_sarif_and_cyclonedx_carry_the_findings() {
    let env = Env::new();
    let alpine = image("alpine-3.7.3");
    let out = env.run(&["image", &alpine, "-q", "-f", "sarif"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sarif = json(&out);
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "CVE-2019-14697"));
    let out = env.run(&["image", &alpine, "-q", "-f", "cyclonedx"]);
    let cdx = json(&out);
    assert_eq!(cdx["specVersion"], "1.6");
    assert!(cdx["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["id"] == "CVE-2019-14697"));
    let out = env.run(&["image", &alpine, "-q", "-f", "spdx-json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("bulwark sbom"));
    let out = env.run(&["image", &alpine, "-q", "--scanners", "license"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not available yet"));
    let out = env.run(&["image", &alpine, "-q", "--scanners", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn db_status_and_a_killed_import_leave_the_database_usable() {
    let env = Env::new();
    let out = env.run(&["db", "status", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let before = json(&out);
    assert_eq!(before["meta"]["schema_version"], 3);
    assert_eq!(before["meta"]["sources"].as_array().unwrap().len(), 3);

    // Start a large import and kill it part-way: the old database stays the live one.
    let mut child = Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args([
            "db",
            "import",
            &advisory("osv/Go/all.zip"),
            &advisory("osv/PyPI/all.zip"),
        ])
        .current_dir(env.cwd())
        .env("BULWARK_CACHE_DIR", env.dir.path().join("cache"))
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let out = env.run(&["db", "status", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["meta"], before["meta"]);
    let out = env.run(&["image", &image("alpine-3.7.3"), "-q", "--exit-code", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    // The next import cleans up what the killed one left.
    let out = env.run(&["db", "import", &advisory("osv/npm/all.zip")]);
    assert_eq!(out.status.code(), Some(0));
    let left: Vec<String> = std::fs::read_dir(env.dir.path().join("cache/db"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["vulndb.sqlite"]);

    // A source that does not exist: exit 2, database unchanged.
    let out = env.run(&["db", "import", "/nonexistent/all.zip"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/all.zip"));
}

/// The Go findings of `debian-12-app` (its `/app/bin/registry` is built with Go 1.19.8 and
/// has no modules: all are `stdlib` advisories) equal the rows tests/data/vuln/expected_go.py
/// derives without Bulwark (`go version -m`, its own Go version order).
#[test]
fn go_findings_equal_the_independently_derived_ones() {
    let env = Env {
        dir: TempDir::new().unwrap(),
    };
    std::fs::create_dir(env.cwd()).unwrap();
    let out = env.run(&["db", "import", &advisory("osv/Go/all.zip")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = env.run(&[
        "image",
        &image("debian-12-app"),
        "-q",
        "--scanners",
        "vuln",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut ours = std::collections::BTreeSet::new();
    for f in findings(&json(&out)) {
        if f["ecosystem"] != "Go" {
            continue;
        }
        for adv in f["advisories"].as_array().unwrap() {
            ours.insert(format!(
                "Go\t{}\t{}\t{}\t{}",
                f["package"]["name"].as_str().unwrap(),
                f["package"]["version"].as_str().unwrap(),
                adv.as_str().unwrap(),
                f["fixed_version"].as_str().unwrap_or("-"),
            ));
        }
    }
    let tsv =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/vuln/debian-12-app-go.tsv");
    let want: std::collections::BTreeSet<String> = std::fs::read_to_string(tsv)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(want.len(), 80);
    let missing: Vec<_> = want.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    // One spelled out: html/template CSS sanitising, CVE-2023-24539, fixed in Go 1.19.9.
    assert!(ours.contains("Go\tstdlib\t1.19.8\tGO-2023-1751\t1.19.9"));
}
