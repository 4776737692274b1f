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

/// Writes a two-layer docker-archive with Python's `tarfile` (no bulwark code involved):
/// layer 0 holds `app/Dockerfile`, `app/k8s/deploy.yaml`, `app/k8s/old.yaml` and a
/// manifest-looking YAML under `usr/share/doc` (package data); layer 1 deletes
/// `app/k8s/old.yaml` with a whiteout.
fn archive_with_config_files(dir: &std::path::Path) -> PathBuf {
    let script = r#"
import hashlib, io, json, sys, tarfile
out = sys.argv[1]
def layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        for name, body in files:
            info = tarfile.TarInfo(name); info.size = len(body); info.mode = 0o644
            t.addfile(info, io.BytesIO(body))
    return buf.getvalue()
dockerfile = b"FROM ubuntu\nRUN apt-get update\nUSER root\nCMD [\"app\"]\n"
deploy = b"""apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27.2
      securityContext:
        privileged: true
"""
l0 = layer([("app/Dockerfile", dockerfile), ("app/k8s/deploy.yaml", deploy),
            ("app/k8s/old.yaml", deploy), ("usr/share/doc/x/pod.yaml", deploy)])
l1 = layer([("app/k8s/.wh.old.yaml", b"")])
layers = [l0, l1]
config = {"architecture": "amd64", "os": "linux",
          "config": {"User": "app", "Healthcheck": {"Test": ["CMD", "true"]}},
          "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]},
          "history": [{"created_by": "COPY . /app"}, {"created_by": "RUN rm /app/k8s/old.yaml"}]}
cfg = json.dumps(config).encode()
with tarfile.open(out, "w") as t:
    def add(name, body):
        info = tarfile.TarInfo(name); info.size = len(body); t.addfile(info, io.BytesIO(body))
    add("config.json", cfg)
    add("l0.tar", l0); add("l1.tar", l1)
    add("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["demo/cfg:1"], "Layers": ["l0.tar", "l1.tar"]}]).encode())
"#;
    let out = dir.join("cfg.tar");
    let py = Command::new("python3")
        .args(["-c", script])
        .arg(&out)
        .output()
        .expect("python3");
    assert!(
        py.status.success(),
        "{}",
        String::from_utf8_lossy(&py.stderr)
    );
    out
}

/// `bulwark image --scanners config` checks the Dockerfiles and manifests stored in the
/// image, as `bulwark config` checks them on disk: only files of the final filesystem,
/// never package data; findings name the file, line and layer; exceptions' `path` globs
/// apply to them.
#[test]
fn config_files_stored_in_the_image_are_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = archive_with_config_files(dir.path());
    let scan = |cwd: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args([
                "image",
                archive.to_str().unwrap(),
                "--scanners",
                "config",
                "--format",
                "json",
                "--no-cache",
            ])
            .current_dir(cwd)
            .env_remove("BULWARK_CACHE_DIR")
            .output()
            .expect("run bulwark");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        doc["misconfigurations"].as_array().expect("list").clone()
    };
    let found = scan(dir.path());
    let stored: Vec<(String, String, bool)> = found
        .iter()
        .filter(|f| f["subject"].as_str().is_some_and(|s| s.starts_with('/')))
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_string(),
                f["subject"].as_str().unwrap().to_string(),
                f["suppressed"].is_object(),
            )
        })
        .collect();
    let has = |id: &str, prefix: &str| {
        stored
            .iter()
            .any(|(i, s, _)| i == id && s.starts_with(prefix))
    };
    // The Dockerfile: USER root on line 3 (BW-DF-001), apt-get update alone on line 2 (BW-DF-007).
    assert!(
        has("BW-DF-001", "/app/Dockerfile:3 (layer 0)"),
        "{stored:?}"
    );
    assert!(
        has("BW-DF-007", "/app/Dockerfile:2 (layer 0)"),
        "{stored:?}"
    );
    // The manifest: privileged on line 10 (BW-RT-001).
    assert!(
        has("BW-RT-001", "/app/k8s/deploy.yaml:10 (layer 0)"),
        "{stored:?}"
    );
    // Deleted in layer 1 and package data: never checked.
    assert!(
        !stored
            .iter()
            .any(|(_, s, _)| s.starts_with("/app/k8s/old.yaml") || s.starts_with("/usr/share")),
        "{stored:?}"
    );
    // The image config itself (User app, a health check) is fine: nothing else.
    assert!(
        found
            .iter()
            .all(|f| f["subject"].as_str().is_some_and(|s| s.starts_with('/'))),
        "{found:?}"
    );

    std::fs::write(
        dir.path().join(".bulwarkignore.yaml"),
        "exceptions:\n  - {id: BW-RT-001, path: 'app/k8s/*.yaml', reason: lab cluster, owner: sre, expires: 2099-01-01}\n",
    )
    .unwrap();
    let found = scan(dir.path());
    let rt = found
        .iter()
        .find(|f| f["check_id"] == "BW-RT-001")
        .expect("still reported");
    assert_eq!(rt["suppressed"]["owner"], "sre", "{rt}");
    assert!(found
        .iter()
        .filter(|f| f["check_id"] == "BW-DF-001")
        .all(|f| f["suppressed"].is_null()));
}
