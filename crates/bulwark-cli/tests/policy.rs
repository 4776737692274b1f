//! Policy as code through the CLI: `bulwark policy test` on the shipped example policies
//! (examples/policies) and on broken ones; `bulwark image --policy` on the real
//! debian-12-app fixture, whose README gives what the policies must find: no `User`
//! (root), `ExposedPorts` 22/tcp, openssh-server installed in layer 2, and
//! `app/deploy_key` added in layer 3 and whited out in layer 4 (0-based layers 2 and 3).
//! Then exceptions and check settings applied to policy and built-in findings alike.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn image() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/images/debian-12-app");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies")
}

fn bulwark_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .current_dir(dir)
        .env_remove("BULWARK_CACHE_DIR")
        .output()
        .expect("run bulwark")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn example_policy_tests_pass() {
    let dir = tempfile::tempdir().unwrap();
    let out = bulwark_in(
        dir.path(),
        &["policy", "test", examples().to_str().unwrap(), "-v"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let passes = stdout.lines().filter(|l| l.contains(": PASS (")).count();
    assert!(passes >= 14, "{stdout}");
    assert!(
        stdout.contains(&format!("PASS: {passes}/{passes}")),
        "{stdout}"
    );
}

#[test]
fn failing_erroring_and_broken_policy_tests() {
    let dir = tempfile::tempdir().unwrap();
    let policies = dir.path().join("p");
    fs::create_dir(&policies).unwrap();
    fs::write(
        policies.join("p.rego"),
        "package p\ndeny contains \"root\" if input.user == \"\"\n",
    )
    .unwrap();
    fs::write(
        policies.join("p_test.rego"),
        "package p_test\nimport data.p\ntest_ok if { \"root\" in p.deny with input as {\"user\": \"\"} }\ntest_wrong if { count(p.deny) == 0 with input as {\"user\": \"\"} }\n",
    )
    .unwrap();
    let out = bulwark_in(dir.path(), &["policy", "test", "p"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("data.p_test.test_wrong (p/p_test.rego): FAIL"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("test_ok"),
        "passing tests are quiet without -v: {stdout}"
    );
    assert!(
        stdout.contains("PASS: 1/2") && stdout.contains("FAIL: 1/2"),
        "{stdout}"
    );

    let out = bulwark_in(dir.path(), &["policy", "test", "p", "--run", "test_ok"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    fs::write(
        policies.join("broken.rego"),
        "package broken\ndeny contains msg if {\n",
    )
    .unwrap();
    let out = bulwark_in(dir.path(), &["policy", "test", "p"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("broken.rego"), "{}", text(&out));

    let out = bulwark_in(dir.path(), &["policy", "test", "missing-dir"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// (check id, severity, message) of every misconfiguration in a JSON report.
fn misconfigs(doc: &Value) -> Vec<(String, String, String, bool)> {
    doc["misconfigurations"]
        .as_array()
        .expect("misconfigurations")
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["suppressed"].is_object(),
            )
        })
        .collect()
}

fn scan(dir: &Path, extra: &[&str]) -> (Output, Value) {
    let image = image();
    let policies = examples();
    let mut args = vec![
        "image",
        image.to_str().unwrap(),
        "--scanners",
        "secret,config",
        "--policy",
        policies.to_str().unwrap(),
        "--no-cache",
        "--format",
        "json",
        "--exit-code",
        "1",
    ];
    args.extend_from_slice(extra);
    let out = bulwark_in(dir, &args);
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON ({e}): {}", text(&out)));
    (out, doc)
}

#[test]
fn image_policies_find_what_the_fixture_readme_says() {
    let dir = tempfile::tempdir().unwrap();
    let (out, doc) = scan(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let found = misconfigs(&doc);
    let policy: Vec<(&str, &str, &str)> = found
        .iter()
        .filter(|f| f.0.starts_with("ORG-"))
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2.as_str()))
        .collect();
    let ssh = policy
        .iter()
        .find(|f| f.0 == "ORG-PKG-001")
        .expect("openssh-server is banned");
    assert!(
        ssh.2
            .starts_with("banned package openssh-server 1:9.2p1-2+deb12u"),
        "{ssh:?}"
    );
    assert_eq!(
        policy
            .iter()
            .map(|f| (f.0, f.1, if f.0 == "ORG-PKG-001" { "" } else { f.2 }))
            .collect::<Vec<_>>(),
        vec![
            ("ORG-IMG-001", "HIGH", "the image runs as root (USER is not set to a non-root user)"),
            ("ORG-IMG-002", "MEDIUM", "port 22/tcp is exposed: no SSH in containers"),
            ("ORG-PKG-001", "HIGH", ""),
            ("ORG-SEC-001", "CRITICAL", "/app/deploy_key (openssh-private-key) was deleted in layer 3 but is still readable in layer 2"),
        ]
    );
    // Built-in image checks still run beside the policies.
    assert!(found.iter().any(|f| f.0 == "BW-DF-001"), "{found:?}");
    // The planted ENV password never reaches a report through the policy input.
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SuperSecret123!"));

    // SARIF carries policy results like built-in ones, and stays valid.
    let sarif = dir.path().join("out.sarif");
    let image = image();
    let out = bulwark_in(
        dir.path(),
        &[
            "image",
            image.to_str().unwrap(),
            "--scanners",
            "config",
            "--policy",
            examples().to_str().unwrap(),
            "--no-cache",
            "--format",
            "sarif",
            "--output",
            sarif.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    common::assert_valid_sarif(&sarif);
    assert!(fs::read_to_string(&sarif)
        .unwrap()
        .contains("\"ORG-IMG-001\""));
}

#[test]
fn exceptions_and_check_settings_cover_policies_and_builtin_checks() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(".bulwarkignore.yaml"),
        r#"exceptions:
  - id: ORG-IMG-002
    reason: the debug image keeps sshd until the migration
    owner: platform-team
    expires: 2099-12-31
  - id: bw-df-013
    reason: same port, built-in check
    owner: platform-team
    expires: 2099-12-31
  - id: ORG-UNUSED-1
    reason: stale
    owner: nobody
    expires: 2099-12-31
"#,
    )
    .unwrap();
    fs::write(
        dir.path().join(".bulwark-checks.yaml"),
        "checks:\n  ORG-SEC-001: {enabled: false, reason: covered by the secret scanner}\n  ORG-IMG-001: {severity: LOW}\n  BW-DF-006: {enabled: false, reason: health checks live in Kubernetes}\n",
    )
    .unwrap();
    let (out, doc) = scan(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let found = misconfigs(&doc);
    let get = |id: &str| found.iter().find(|f| f.0 == id);
    assert!(
        get("ORG-IMG-002").unwrap().3,
        "waived policy result: {found:?}"
    );
    assert!(
        get("BW-DF-013").unwrap().3,
        "waived built-in check: {found:?}"
    );
    assert!(!get("ORG-PKG-001").unwrap().3);
    assert!(
        get("ORG-SEC-001").is_none(),
        "disabled policy id: {found:?}"
    );
    assert!(
        get("BW-DF-006").is_none(),
        "disabled built-in check: {found:?}"
    );
    assert_eq!(get("ORG-IMG-001").unwrap().1, "LOW", "re-graded policy id");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("exception for ORG-UNUSED-1 (owner nobody) matched no finding"),
        "{stderr}"
    );
    assert!(!stderr.contains("ORG-IMG-002 (owner"), "{stderr}");

    // A typo in a built-in id is an error, not a silent no-op.
    fs::write(
        dir.path().join(".bulwark-checks.yaml"),
        "checks:\n  BW-DF-0006: {severity: LOW}\n",
    )
    .unwrap();
    let image = image();
    let out = bulwark_in(
        dir.path(),
        &[
            "image",
            image.to_str().unwrap(),
            "--scanners",
            "config",
            "--no-cache",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("unknown check id"), "{}", text(&out));
}

#[test]
fn config_command_honours_exceptions_with_path_globs() {
    let dir = tempfile::tempdir().unwrap();
    let svc = dir.path().join("services/api");
    fs::create_dir_all(&svc).unwrap();
    let dockerfile = "FROM debian:12\nUSER root\nCMD [\"sh\"]\n";
    fs::write(svc.join("Dockerfile"), dockerfile).unwrap();
    fs::create_dir_all(dir.path().join("tools")).unwrap();
    fs::write(dir.path().join("tools/Dockerfile"), dockerfile).unwrap();
    fs::write(
        dir.path().join(".bulwarkignore.yaml"),
        "exceptions:\n  - {id: BW-DF-001, path: 'services/**/Dockerfile', reason: build image, owner: ci, expires: 2099-01-01}\n",
    )
    .unwrap();
    let out = bulwark_in(
        dir.path(),
        &["config", "services", "tools", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut waived = Vec::new();
    for file in doc["files"].as_array().unwrap() {
        for f in file["findings"].as_array().unwrap() {
            if f["check_id"] == "BW-DF-001" {
                waived.push((
                    file["path"].as_str().unwrap().to_string(),
                    f["suppressed"]["owner"].as_str().map(str::to_string),
                ));
            }
        }
    }
    waived.sort();
    assert_eq!(
        waived,
        vec![
            (
                "services/api/Dockerfile".to_string(),
                Some("ci".to_string())
            ),
            ("tools/Dockerfile".to_string(), None),
        ]
    );
}

/// The input document of a real scan validates against docs/policy-input-v1.schema.json
/// (with Python's jsonschema, from the CI venv) and masks the planted ENV password.
#[test]
fn policy_input_document_matches_its_published_schema() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.json");
    let image = image();
    let out = bulwark_in(
        dir.path(),
        &[
            "image",
            image.to_str().unwrap(),
            "--scanners",
            "secret,config",
            "--no-cache",
            "--policy-input",
            input.to_str().unwrap(),
            "--output",
            dir.path().join("report.txt").to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let raw = fs::read_to_string(&input).unwrap();
    assert!(
        !raw.contains("SuperSecret123!"),
        "ENV secret leaked into the input"
    );
    let doc: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(doc["bulwark"]["input_version"], 1);
    assert_eq!(doc["kind"], "image");
    assert_eq!(doc["artifact"]["layers"].as_array().unwrap().len(), 4);
    assert_eq!(
        doc["artifact"]["config"]["cmd"],
        serde_json::json!(["python3", "/app/app.py"])
    );
    assert_eq!(
        doc["artifact"]["config"]["env"]["PYTHONPATH"],
        "/app/site-packages"
    );
    assert!(doc["packages"].as_array().unwrap().len() > 100);
    assert!(doc["vulnerabilities"].is_null(), "vuln scanner did not run");
    assert!(!doc["secrets"].as_array().unwrap().is_empty());
    let schema =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy-input-v1.schema.json");
    let check = Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))\n\
             jsonschema.Draft202012Validator.check_schema(schema)\n\
             errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))\n\
             [print(e.json_path, e.message) for e in errors[:20]]\n\
             sys.exit(1 if errors else 0)",
        ])
        .arg(&schema)
        .arg(&input)
        .output()
        .expect("python3 runs (CI puts its venv first on PATH)");
    assert!(check.status.success(), "{}", text(&check));
}
