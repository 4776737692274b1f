//! `bulwark image` marks every vulnerability with entrypoint reachability, and
//! `--reachable-only` drops the `not loaded` ones: on the fixture image debian-12-app (its
//! CMD runs Python: what is not proven loaded stays unknown, and is kept), and on a copy
//! whose config `umoci config` changed to start sshd (a native program: perl is not loaded).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn fixture_image() -> PathBuf {
    shared().join("images/debian-12-app")
}

/// A cache dir with the Debian and PyPI advisory snapshots imported.
struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Self {
        let env = Self {
            dir: TempDir::new().unwrap(),
        };
        let advisories = shared().join("advisories/osv");
        let out = env.run(&[
            "db",
            "import",
            &advisories.join("Debian/all.zip").display().to_string(),
            &advisories.join("PyPI/all.zip").display().to_string(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        env
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .current_dir(self.dir.path())
            .env("BULWARK_CACHE_DIR", self.dir.path().join("cache"))
            .env("HOME", self.dir.path())
            .output()
            .unwrap()
    }

    /// `bulwark image --format json` on `image` with `extra` flags: the findings.
    fn findings(&self, image: &Path, extra: &[&str]) -> Vec<Value> {
        let image = image.display().to_string();
        let mut args = vec!["image", "-q", "--scanners", "vuln", "--format", "json"];
        args.extend(extra);
        args.push(&image);
        let out = self.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["vulnerabilities"].as_array().cloned().unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The reachability status of the findings of package `name` (all the same: it is the
/// package's), and how many findings it has.
fn status_of(findings: &[Value], name: &str) -> (String, usize) {
    let mine: Vec<&Value> = findings
        .iter()
        .filter(|f| f["package"]["name"] == name)
        .collect();
    assert!(!mine.is_empty(), "no findings for {name}");
    let status = mine[0]["reachability"]["status"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(mine
        .iter()
        .all(|f| f["reachability"]["status"] == status.as_str()));
    (status, mine.len())
}

#[test]
fn python_entrypoint_marks_loaded_and_unknown_and_keeps_unknown_when_filtering() {
    let env = Env::new();
    let all = env.findings(&fixture_image(), &[]);
    assert!(all.iter().all(|f| f["reachability"].is_object()));
    assert_eq!(status_of(&all, "libexpat1").0, "loaded");
    let expat = all
        .iter()
        .find(|f| f["package"]["name"] == "libexpat1")
        .unwrap();
    assert_eq!(
        expat["reachability"]["chain"],
        serde_json::json!(["/usr/bin/python3.11", "libexpat.so.1"])
    );
    assert_eq!(
        expat["reachability"]["file"],
        "/usr/lib/x86_64-linux-gnu/libexpat.so.1.8.10"
    );
    assert_eq!(status_of(&all, "python3.11-minimal").0, "loaded");
    for unknown in ["libssl3", "perl-base", "requests", "urllib3"] {
        assert_eq!(status_of(&all, unknown).0, "unknown", "{unknown}");
    }
    // Nothing is "not loaded" for an interpreter, so the filter keeps every finding.
    let filtered = env.findings(&fixture_image(), &["--reachable-only"]);
    assert_eq!(filtered.len(), all.len());

    let out = env.run(&[
        "image",
        "-q",
        "--scanners",
        "vuln",
        &fixture_image().display().to_string(),
    ]);
    let table = text(&out.stdout);
    assert!(
        table.contains("loaded: python3.11 -> libexpat.so.1"),
        "{table}"
    );
    assert!(table.contains(
        "Reachability unknown for 12 packages: interpreted entrypoint (python3.11): only imports proven at start-up are followed"
    ), "{table}");
    assert!(
        text(&out.stderr).contains("note: entrypoint: module `http.server` (imported by /app/app.py) not found in the image"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn native_entrypoint_filters_what_it_does_not_load() {
    let env = Env::new();
    // A copy of the fixture whose config starts sshd, made by umoci.
    let layout = env.dir.path().join("sshd-image");
    let status = Command::new("cp")
        .arg("-r")
        .arg(fixture_image())
        .arg(&layout)
        .status()
        .unwrap();
    assert!(status.success());
    let status = Command::new("chmod")
        .args(["-R", "u+w"])
        .arg(&layout)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new("umoci")
        .args(["config", "--image"])
        .arg(format!("{}:latest", layout.display()))
        .args(["--config.cmd", "/usr/sbin/sshd", "--config.cmd=-D"])
        .output()
        .expect("umoci is needed (CI installs it; apt-get install umoci)");
    assert!(out.status.success(), "{}", text(&out.stderr));

    let all = env.findings(&layout, &[]);
    let (ssl, ssl_count) = status_of(&all, "libssl3");
    assert_eq!(ssl, "loaded");
    let (perl, perl_count) = status_of(&all, "perl-base");
    assert_eq!(perl, "not-loaded");
    assert_eq!(status_of(&all, "requests").0, "not-loaded");
    assert_eq!(status_of(&all, "libpcre2-8-0").0, "loaded");

    let filtered = env.findings(&layout, &["--reachable-only"]);
    assert!(filtered
        .iter()
        .all(|f| f["reachability"]["status"] == "loaded"));
    assert_eq!(status_of(&filtered, "libssl3").1, ssl_count);
    assert!(!filtered.iter().any(|f| f["package"]["name"] == "perl-base"));
    assert!(filtered.len() + perl_count <= all.len());

    let sarif = env.run(&[
        "image",
        "-q",
        "--scanners",
        "vuln",
        "--format",
        "sarif",
        &layout.display().to_string(),
    ]);
    let doc: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let ssl = results
        .iter()
        .find(|r| {
            r["message"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Package: libssl3 "))
        })
        .unwrap();
    assert_eq!(ssl["properties"]["reachability"], "loaded");
    assert_eq!(
        ssl["properties"]["reachabilityDetail"],
        "loaded by entrypoint: sshd -> libcrypto.so.3 -> libssl3"
    );
}

#[test]
fn reachable_only_needs_an_image() {
    let env = Env::new();
    let dir = TempDir::new().unwrap();
    let out = env.run(&[
        "rootfs",
        "--reachable-only",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--reachable-only needs an image"),
        "{}",
        text(&out.stderr)
    );
}
