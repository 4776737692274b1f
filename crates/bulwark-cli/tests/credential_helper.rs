//! Registry credentials from a real Docker credential helper, end to end: Debian's
//! `docker-credential-pass` (package golang-docker-credential-helpers) backed by a `pass`
//! store encrypted with a throw-away GnuPG key, `~/.docker/config.json`-style `credHelpers`
//! and `credsStore` entries, and the htpasswd-protected CNCF registry that `scripts/test`
//! starts (`BULWARK_TEST_REGISTRY_BASIC`). The `bulwark` binary runs as a child process so
//! the helper's environment (GNUPGHOME, PASSWORD_STORE_DIR, DOCKER_CONFIG) is its own.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

mod common;

const USER: &str = "bulwark";
const PASSWORD: &str = "s3cret-test";

#[test]
fn credhelpers_and_credsstore_entries_run_the_real_pass_helper() {
    let host = basic_registry();
    let store = PassStore::new();
    store.put(&host, USER, PASSWORD);
    let image = format!("registry:{host}/library/alpine:3.19.4");

    // A per-registry helper.
    store.write_config(&format!(r#"{{"credHelpers": {{"{host}": "pass"}}}}"#));
    let out = store.bulwark(&["sbom", &image, "--insecure", &host, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_alpine(&out);

    // The default store for every registry.
    store.write_config(r#"{"credsStore": "pass"}"#);
    let out = store.bulwark(&["sbom", &image, "--insecure", &host, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_alpine(&out);
}

#[test]
fn wrong_or_missing_helper_credentials_are_auth_errors() {
    let host = basic_registry();
    let store = PassStore::new();
    let image = format!("registry:{host}/library/alpine:3.19.4");
    store.write_config(&format!(r#"{{"credHelpers": {{"{host}": "pass"}}}}"#));

    // The helper knows nothing about this registry: no credentials, so the registry's 401
    // becomes the "needs credentials" error.
    let out = store.bulwark(&["sbom", &image, "--insecure", &host]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--username"),
        "{}",
        text(&out.stderr)
    );

    // Stored but wrong: the registry rejects the helper's user.
    store.put(&host, USER, "not-the-password");
    let out = store.bulwark(&["sbom", &image, "--insecure", &host]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("rejected user \"bulwark\""),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());

    // A helper that is not installed names itself.
    store.write_config(&format!(
        r#"{{"credHelpers": {{"{host}": "bulwark-absent"}}}}"#
    ));
    let out = store.bulwark(&["sbom", &image, "--insecure", &host]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("docker-credential-bulwark-absent is not installed"),
        "{}",
        text(&out.stderr)
    );
}

/// A `pass` password store under a temp dir, encrypted to a fresh passphrase-less key.
struct PassStore {
    dir: TempDir,
}

impl PassStore {
    fn new() -> Self {
        for tool in ["gpg", "gpgconf", "pass", "docker-credential-pass"] {
            assert!(
                Command::new("sh")
                    .args(["-c", &format!("command -v {tool}")])
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success()),
                "{tool} is missing: install Debian's gnupg, pass and golang-docker-credential-helpers (.ci/run does)"
            );
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Self { dir };
        std::fs::create_dir(store.gnupg()).expect("GNUPGHOME");
        set_mode_700(&store.gnupg());
        std::fs::create_dir(store.dir.path().join("docker")).expect("DOCKER_CONFIG");
        store.run(
            "gpg",
            &[
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                "bulwark-test@example.invalid",
                "default",
                "default",
                "never",
            ],
            None,
        );
        store.run("pass", &["init", "bulwark-test@example.invalid"], None);
        store
    }

    fn gnupg(&self) -> PathBuf {
        self.dir.path().join("gnupg")
    }

    /// Stores credentials for `server` through the helper itself (`store` verb).
    fn put(&self, server: &str, user: &str, secret: &str) {
        let body = format!(r#"{{"ServerURL":"{server}","Username":"{user}","Secret":"{secret}"}}"#);
        self.run("docker-credential-pass", &["store"], Some(&body));
    }

    fn write_config(&self, json: &str) {
        std::fs::write(self.dir.path().join("docker/config.json"), json).expect("config.json");
    }

    fn env(&self, cmd: &mut Command) {
        cmd.env("GNUPGHOME", self.gnupg())
            .env("PASSWORD_STORE_DIR", self.dir.path().join("store"))
            .env("DOCKER_CONFIG", self.dir.path().join("docker"))
            .env("BULWARK_CACHE_DIR", self.dir.path().join("cache"))
            .env_remove("BULWARK_USERNAME")
            .env_remove("BULWARK_PASSWORD");
    }

    fn run(&self, program: &str, args: &[&str], stdin: Option<&str>) {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        self.env(&mut cmd);
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{program}: {e}"));
        if let Some(mut pipe) = child.stdin.take() {
            pipe.write_all(stdin.unwrap_or("").as_bytes())
                .expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }

    fn bulwark(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bulwark"));
        cmd.args(args).stdin(Stdio::null());
        self.env(&mut cmd);
        cmd.output().expect("run bulwark")
    }
}

impl Drop for PassStore {
    fn drop(&mut self) {
        // gpg started an agent for this GNUPGHOME; stop it before the directory goes.
        let _ = Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.gnupg())
            .status();
    }
}

fn set_mode_700(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700)).expect("chmod");
}

fn basic_registry() -> String {
    common::registry("BULWARK_TEST_REGISTRY_BASIC")
}

fn assert_alpine(out: &Output) {
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let names: Vec<&str> = report["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.contains(&"musl"), "{names:?}");
    assert!(names.contains(&"busybox"), "{names:?}");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
