//! `bulwark image --scanners secret` on the real fixture images.
//!
//! debian-12-app has planted secrets (its README): an AWS key pair in
//! `/app/config/.aws/credentials`, an OpenSSH deploy key in `/app/deploy_key` that layer 4
//! deletes, `DB_PASSWORD` in the config's `Env`, and the SSH host private keys that
//! installing openssh-server generated. Every one must be found (100% recall), with its
//! layer; none may be printed in full in any format. The secret values the test compares
//! against are read from the layer blobs with the `tar` command, not through bulwark.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use bulwark_image::Digest;
use serde_json::Value;

const LAYER_APP: &str = "sha256:79429eb4f1d34267055bd12aa11a903f9b6c9703dd800a7a9059e05d1dcf3b74";
const LAYER_PACKAGES: &str =
    "sha256:89d73d6b6239b1d6e2e030d7e9ca69a0e625e57fcfbafa6bd124318f95e74773";
const LAYER_WHITEOUT: &str =
    "sha256:ef3856b52d1e3eb0964e72f427a8e4696639ffb08017b55d1973ecdee051a487";
/// Layer blobs (gzip) of debian-12-app, from the fixture README.
const BLOB_PACKAGES: &str = "52ed67bef6c60903ab739020e66e9ed87aef78e74354ff6988d364e08475c8b8";
const BLOB_APP: &str = "df86d63b2bbda358c46cc7d86f8c42e9acb167530b62c799b7e1019690e0ba4e";

fn images() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/images");
    assert!(
        dir.is_dir(),
        "{} is missing: ../shared/fixtures must sit beside the repository",
        dir.display()
    );
    dir
}

fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env_remove("BULWARK_CACHE_DIR")
        .output()
        .expect("run bulwark")
}

/// One file of a gzip layer blob of debian-12-app, via `tar`.
fn file_in_blob(blob: &str, path: &str) -> String {
    let out = Command::new("tar")
        .arg("xzOf")
        .arg(images().join("debian-12-app/blobs/sha256").join(blob))
        .arg(path)
        .output()
        .expect("run tar");
    assert!(out.status.success(), "tar could not read {path}");
    String::from_utf8(out.stdout).expect("text file")
}

/// The planted and generated secret values, as the layer tars hold them.
fn planted_secrets() -> Vec<String> {
    let credentials = file_in_blob(BLOB_APP, "app/config/.aws/credentials");
    let mut secrets: Vec<String> = credentials
        .lines()
        .filter(|l| l.starts_with("aws_"))
        .filter_map(|l| l.split_once('=').map(|(_, v)| v.trim().to_string()))
        .collect();
    assert_eq!(
        secrets.len(),
        2,
        "an access key id and a secret: {secrets:?}"
    );
    for (blob, path) in [
        (BLOB_APP, "app/deploy_key"),
        (BLOB_PACKAGES, "etc/ssh/ssh_host_ed25519_key"),
        (BLOB_PACKAGES, "etc/ssh/ssh_host_rsa_key"),
    ] {
        // The base64 body of the key: any of its lines printed would leak key material.
        let key = file_in_blob(blob, path);
        secrets.extend(
            key.lines()
                .filter(|l| !l.starts_with("-----"))
                .map(String::from),
        );
    }
    secrets.push("SuperSecret123!".into());
    secrets
}

/// `bulwark image IMAGE --scanners secret --no-cache --format FORMAT EXTRA...`.
fn scan_secrets(image: &Path, format: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "image",
        image.to_str().expect("utf-8"),
        "--scanners",
        "secret",
        "--no-cache",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    bulwark(&args)
}

fn scan_json(image: &Path) -> (Option<i32>, Value, String) {
    let out = scan_secrets(image, "json", &["--exit-code", "1"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let doc = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), doc, stdout)
}

#[test]
fn every_planted_secret_is_found_with_its_layer_and_masked() {
    let image = images().join("debian-12-app");
    let (code, doc, stdout) = scan_json(&image);
    assert_eq!(code, Some(1), "secrets found and --exit-code 1");
    assert!(
        doc["vulnerabilities"].is_null(),
        "the vuln scanner did not run"
    );
    let findings = doc["secrets"]["findings"].as_array().expect("findings");
    let find = |location: &str, rule: &str| -> &Value {
        findings
            .iter()
            .find(|f| {
                let l = &f["location"];
                let at = l["path"].as_str().or(l["name"].as_str()).unwrap_or("");
                at == location && f["rule_id"] == rule
            })
            .unwrap_or_else(|| panic!("no {rule} finding at {location}: {findings:#?}"))
    };

    let key_id = find("/app/config/.aws/credentials", "aws-access-key-id");
    assert_eq!(key_id["severity"], "CRITICAL");
    assert_eq!(key_id["line"], 2);
    assert_eq!(key_id["layer"]["diff_id"], LAYER_APP);
    assert!(key_id["removed_in"].is_null());
    let secret = find("/app/config/.aws/credentials", "aws-secret-access-key");
    assert_eq!(secret["line"], 3);

    // Deleted by layer 4's whiteout, still readable in layer 3.
    let deploy = find("/app/deploy_key", "openssh-private-key");
    assert_eq!(deploy["layer"]["diff_id"], LAYER_APP);
    assert_eq!(deploy["removed_in"]["diff_id"], LAYER_WHITEOUT);
    assert_eq!(deploy["removed_in"]["index"], 3);

    for host_key in ["rsa", "ecdsa", "ed25519"] {
        let f = find(
            &format!("/etc/ssh/ssh_host_{host_key}_key"),
            "openssh-private-key",
        );
        assert_eq!(f["layer"]["diff_id"], LAYER_PACKAGES);
        assert!(f["removed_in"].is_null());
    }

    let env = find("DB_PASSWORD", "generic-password");
    assert_eq!(env["location"]["kind"], "env");
    assert_eq!(env["match"], "Supe****");
    // The fingerprint is the SHA-256 of a fixed domain prefix and the secret
    // (docs/SECRETS.md), so equal secrets can be correlated without keeping them.
    assert_eq!(
        format!(
            "sha256:{}",
            env["fingerprint"].as_str().expect("fingerprint")
        ),
        Digest::of(b"bulwark-secret-v1\0SuperSecret123!").to_string()
    );
    for f in findings {
        assert!(f["remediation"].as_str().is_some_and(|r| r.len() > 20));
    }

    // No planted secret appears in full in any output format.
    let secrets = planted_secrets();
    let mut outputs = vec![stdout];
    for format in ["table", "sarif"] {
        let out = scan_secrets(&image, format, &[]);
        assert_eq!(out.status.code(), Some(0), "without --exit-code");
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    for (i, text) in outputs.iter().enumerate() {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "output {i} leaks a secret");
        }
    }
    assert!(outputs[1].contains("removed in layer 3"), "{}", outputs[1]);
    assert!(outputs[1].contains("Not scanned for secrets:"));
}

#[test]
fn sarif_with_secrets_passes_the_official_schema() {
    let image = images().join("debian-12-app");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("secrets.sarif");
    let out = scan_secrets(
        &image,
        "sarif",
        &["--output", file.to_str().expect("utf-8")],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log: Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("JSON");
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["ruleId"] == "aws-access-key-id"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "app/config/.aws/credentials"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 2));
    common::assert_valid_sarif(&file);
}

/// The official Alpine minirootfs images and debian-12-app's Debian base layer hold no
/// credentials: no HIGH or CRITICAL finding there (docs/SECRETS.md lists what lower
/// severities find, with reasons).
#[test]
fn base_layers_have_no_high_severity_findings() {
    for name in [
        "alpine-3.7.3",
        "alpine-3.10.3",
        "alpine-3.19.4",
        "debian-12-app",
    ] {
        let (_, doc, _) = scan_json(&images().join(name));
        let findings = doc["secrets"]["findings"].as_array().expect("findings");
        let base: Vec<&Value> = findings
            .iter()
            .filter(|f| f["layer"]["index"] == 0)
            .filter(|f| matches!(f["severity"].as_str(), Some("HIGH" | "CRITICAL")))
            .collect();
        assert!(base.is_empty(), "{name}: {base:#?}");
    }
}

/// `bulwark fs DIR` on a source tree: Dockerfile ENV/ARG, compose `environment` (map and
/// list forms), Kubernetes env values (not `secretKeyRef`) and `.env` files. The files are
/// written here; the secret-looking values are made up.
#[test]
fn fs_finds_secrets_in_build_and_deploy_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let token = format!("npm_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5");
    let files = [
        (
            "Dockerfile",
            format!("FROM debian:bookworm\nARG NPM_TOKEN={token}\nENV DATABASE_PASSWORD=\"Xq7!pLm2#rT9vW\"\nENV LOG_LEVEL=debug\n"),
        ),
        (
            "compose.yaml",
            "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: \"Zk4#mP9qLw2!xR\"\n  web:\n    environment:\n      - MYSQL_ROOT_PASSWORD=Hy6$tG3nBv8@kQ\n".into(),
        ),
        (
            "k8s/deploy.yaml",
            "spec:\n  containers:\n    - name: app\n      env:\n        - name: DB_PASSWORD\n          value: \"Wm3@zQ8kLp5#tY\"\n        - name: API_TOKEN\n          valueFrom:\n            secretKeyRef: {name: s, key: token}\n".into(),
        ),
        (".env", "SECRET_KEY=Jd8#kL2mQ9pX4vB7\nPASSWORD=changeme\n".into()),
    ];
    for (name, text) in &files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let out = bulwark(&[
        "fs",
        dir.path().to_str().expect("utf-8"),
        "--scanners",
        "secret",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let mut found: Vec<(String, String, u64)> = doc["secrets"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().expect("path").to_string(),
                f["rule_id"].as_str().expect("rule").to_string(),
                f["line"].as_u64().expect("line"),
            )
        })
        .collect();
    found.sort();
    let expected: Vec<(String, String, u64)> = [
        ("/.env", "generic-secret", 1),
        ("/Dockerfile", "generic-password", 3),
        ("/Dockerfile", "npm-access-token", 2),
        ("/compose.yaml", "generic-password", 4),
        ("/compose.yaml", "generic-password", 7),
        ("/k8s/deploy.yaml", "kubernetes-env-secret", 5),
    ]
    .iter()
    .map(|(p, r, l)| (p.to_string(), r.to_string(), *l))
    .collect();
    assert_eq!(found, expected);
    let text = String::from_utf8_lossy(&out.stdout);
    for secret in [
        token.as_str(),
        "Xq7!pLm2#rT9vW",
        "Wm3@zQ8kLp5#tY",
        "Jd8#kL2mQ9pX4vB7",
    ] {
        assert!(!text.contains(secret), "{secret} printed in full");
    }
}

/// `--secret-config`: a custom rule, a disabled built-in rule and a path allow rule, on the
/// same kind of tree `bulwark fs` scans; a broken config is a usage error (exit 2).
#[test]
fn secret_config_adds_disables_and_allows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("src");
    std::fs::create_dir_all(tree.join("fixtures")).expect("mkdir");
    std::fs::write(
        tree.join("app.env"),
        "DB_PASSWORD=Xq7!pLm2#rT9vW\nINTERNAL=acme-7Hq2Lm9Zp4Xw\n",
    )
    .expect("write");
    std::fs::write(
        tree.join("fixtures/test.env"),
        "INTERNAL=acme-9Zz8Yy7Xx6Ww\n",
    )
    .expect("write");
    let config = dir.path().join("secrets.yaml");
    std::fs::write(
        &config,
        "rules:\n  - id: acme-internal-token\n    title: ACME internal token\n    severity: HIGH\n    regex: 'acme-[A-Za-z0-9]{12}'\n    keywords: [acme-]\ndisable-rules: [generic-password]\nallow-rules:\n  - id: test-fixtures\n    description: test data\n    path: '^fixtures/'\n",
    )
    .expect("config");
    let run = |config: &Path| {
        bulwark(&[
            "fs",
            tree.to_str().expect("utf-8"),
            "--scanners",
            "secret",
            "--format",
            "json",
            "--secret-config",
            config.to_str().expect("utf-8"),
        ])
    };
    let out = run(&config);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let found: Vec<(String, String)> = doc["secrets"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().expect("rule").to_string(),
                f["location"]["path"].as_str().expect("path").to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [("acme-internal-token".to_string(), "/app.env".to_string())]
    );
    assert_eq!(doc["secrets"]["skipped"]["excluded"], 1);

    let broken = dir.path().join("broken.yaml");
    std::fs::write(
        &broken,
        "rules:\n  - id: bad-rule\n    severity: LOW\n    regex: '('\n    keywords: [x]\n",
    )
    .expect("write");
    let out = run(&broken);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad-rule"), "{stderr}");
}
