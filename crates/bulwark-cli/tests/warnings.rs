//! Warnings raised inside the libraries reach the user: what they ignore or cannot honour
//! is printed on stderr as `warning: ...`, beside a scan that goes on. Run against the real
//! registries that `scripts/test` starts (`BULWARK_TEST_REGISTRY`, `..._BASIC`).

use std::process::{Command, Output};

use tempfile::TempDir;

mod common;
use common::registry;

/// `bulwark ARGS` with its own Docker config directory (holding `config_json`, if any) and
/// cache, and no credentials from the environment.
fn bulwark(dir: &TempDir, config_json: Option<&str>, args: &[&str]) -> Output {
    let docker = dir.path().join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    if let Some(json) = config_json {
        std::fs::write(docker.join("config.json"), json).unwrap();
    }
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env("DOCKER_CONFIG", &docker)
        .env("BULWARK_CACHE_DIR", dir.path().join("cache"))
        .env_remove("BULWARK_USERNAME")
        .env_remove("BULWARK_PASSWORD")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_docker_config_entry_that_is_not_base64_is_reported_and_skipped() {
    let host = registry("BULWARK_TEST_REGISTRY_BASIC");
    let dir = TempDir::new().unwrap();
    let config = format!(r#"{{"auths": {{"{host}": {{"auth": "%%% not base64 %%%"}}}}}}"#);
    let image = format!("registry:{host}/library/alpine:3.19.4");
    let out = bulwark(&dir, Some(&config), &["sbom", &image, "--insecure", &host]);
    let err = stderr(&out);
    // Without usable credentials the registry refuses the pull, and the warning says why
    // the configured ones were not used.
    assert_eq!(out.status.code(), Some(2), "{err}");
    let warning = err
        .lines()
        .find(|l| l.starts_with("warning: auth entry is not valid base64; ignoring it"))
        .unwrap_or_else(|| panic!("no warning in: {err}"));
    assert!(warning.contains("config.json"), "{warning}");
    assert!(err.contains("--username"), "{err}");
}

#[test]
fn an_image_for_another_platform_is_reported_and_scanned() {
    let host = registry("BULWARK_TEST_REGISTRY");
    let dir = TempDir::new().unwrap();
    let image = format!("registry:{host}/library/alpine:3.19.4");
    let args = [
        "sbom",
        &image,
        "--insecure",
        &host,
        "--platform",
        "linux/arm64",
    ];
    let out = bulwark(&dir, None, &[&args[..], &["--format", "json"]].concat());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.lines()
            .any(|l| l
                .starts_with("warning: image is for linux/amd64, not the requested linux/arm64")),
        "{err}"
    );
    let sbom: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        sbom.to_string().contains("musl"),
        "the image is still catalogued"
    );

    // Quiet does not hide warnings, as it does not hide the command's own.
    let out = bulwark(&dir, None, &[&args[..], &["-q"]].concat());
    assert!(stderr(&out).contains("warning: image is for linux/amd64"));
}
