//! Registry credentials: explicit options first, then the Docker client's `config.json`
//! (`credHelpers`, `credsStore`, `auths`), resolved the way the Docker CLI does.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine as _;
use serde::Deserialize;

use super::reference::{Reference, DOCKER_HUB_AUTH_KEY};
use super::RegistryOptions;
use crate::ImageError;

/// Largest `config.json` we read; real ones are a few KiB.
const MAX_DOCKER_CONFIG: u64 = 4 << 20;

/// A username and password (or token) for one registry, and where they came from, so an
/// authentication error can say which source to fix.
#[derive(Clone)]
pub(crate) struct Credentials {
    pub username: String,
    pub password: String,
    pub source: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("source", &self.source)
            .finish()
    }
}

/// Finds credentials for the registry of `reference`; `Ok(None)` means anonymous.
pub(crate) fn find_credentials(
    reference: &Reference,
    opts: &RegistryOptions,
) -> Result<Option<Credentials>, ImageError> {
    let auth_err = |reason: &str| ImageError::Auth {
        registry: reference.registry_name().to_string(),
        reason: reason.to_string(),
    };
    match (&opts.username, &opts.password) {
        (Some(u), Some(p)) => {
            return Ok(Some(Credentials {
                username: u.clone(),
                password: p.clone(),
                source: "the --username/--password options".into(),
            }))
        }
        (Some(_), None) => return Err(auth_err("a username was given without a password")),
        (None, Some(_)) => return Err(auth_err("a password was given without a username")),
        (None, None) => {}
    }
    let Some(path) = docker_config_path(opts) else {
        return Ok(None);
    };
    let Some(config) = DockerConfig::load(&path)? else {
        return Ok(None);
    };
    config.credentials_for(reference, &path)
}

/// `opts.docker_config`, else `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
fn docker_config_path(opts: &RegistryOptions) -> Option<PathBuf> {
    if let Some(p) = &opts.docker_config {
        return Some(p.clone());
    }
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// The parts of Docker's `config.json` that hold credentials.
#[derive(Debug, Default, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    /// base64 of `user:password`.
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default, rename = "identitytoken")]
    identity_token: Option<String>,
}

impl DockerConfig {
    /// Reads the config; a missing file is no config, a malformed one is an error naming it.
    fn load(path: &Path) -> Result<Option<Self>, ImageError> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ImageError::io(path, e)),
        };
        let mut bytes = Vec::new();
        file.take(MAX_DOCKER_CONFIG + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::io(path, e))?;
        if bytes.len() as u64 > MAX_DOCKER_CONFIG {
            return Err(ImageError::format(
                format!("docker config {}", path.display()),
                "larger than 4 MiB",
            ));
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ImageError::json(format!("docker config {}", path.display()), e))
    }

    /// Docker's order: a per-registry helper, else the default store, else the plain `auths`.
    /// A store that knows nothing about the registry falls back to `auths` (as podman does).
    fn credentials_for(
        &self,
        reference: &Reference,
        path: &Path,
    ) -> Result<Option<Credentials>, ImageError> {
        let helper = self
            .cred_helpers
            .iter()
            .find(|(key, _)| reference.registry_is(key))
            .map(|(_, helper)| helper)
            .or(self.creds_store.as_ref())
            .filter(|h| !h.is_empty());
        if let Some(helper) = helper {
            let program = format!("docker-credential-{helper}");
            if let Some(creds) = run_helper(Path::new(&program), reference, path)? {
                return Ok(Some(creds));
            }
        }
        Ok(self.auths_entry_for(reference, path))
    }

    fn auths_entry_for(&self, reference: &Reference, path: &Path) -> Option<Credentials> {
        let server = server_url(reference);
        // An exact key first (`https://index.docker.io/v1/`), then any key naming the same host.
        let entry = self.auths.get(&server).or_else(|| {
            self.auths
                .iter()
                .find(|(key, _)| reference.registry_is(key))
                .map(|(_, e)| e)
        })?;
        let source = format!("{} (auths)", path.display());
        if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
            if !u.is_empty() {
                return Some(Credentials {
                    username: u.clone(),
                    password: p.clone(),
                    source,
                });
            }
        }
        if let Some(encoded) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let engine = base64::engine::general_purpose::STANDARD;
            let lenient = base64::engine::general_purpose::STANDARD_NO_PAD;
            let decoded = engine
                .decode(encoded.trim())
                .or_else(|_| lenient.decode(encoded.trim().trim_end_matches('=')));
            match decoded.ok().and_then(|d| String::from_utf8(d).ok()) {
                Some(text) => {
                    if let Some((u, p)) = text.split_once(':') {
                        return Some(Credentials {
                            username: u.to_string(),
                            password: p.to_string(),
                            source,
                        });
                    }
                    tracing::warn!(config = %path.display(), "auth entry is not base64 of user:password; ignoring it");
                }
                None => {
                    tracing::warn!(config = %path.display(), "auth entry is not valid base64; ignoring it")
                }
            }
        }
        if entry.identity_token.is_some() {
            tracing::warn!(
                config = %path.display(),
                "identity tokens (OAuth refresh tokens) are not supported; pull anonymously or pass --username/--password"
            );
        }
        None
    }
}

/// The server URL Docker files credentials under: the v1 index URL for Hub, the host otherwise.
fn server_url(reference: &Reference) -> String {
    if reference.is_docker_hub() {
        DOCKER_HUB_AUTH_KEY.to_string()
    } else {
        reference.registry.clone()
    }
}

/// Runs `<program> get` with the server URL on stdin (the docker-credential-helpers protocol).
/// `Ok(None)` when the helper has no credentials for this server.
fn run_helper(
    program: &Path,
    reference: &Reference,
    config: &Path,
) -> Result<Option<Credentials>, ImageError> {
    let name = program.display().to_string();
    let fail = |reason: String| ImageError::Auth {
        registry: reference.registry_name().to_string(),
        reason: format!(
            "credential helper {name} (configured in {}) failed: {reason}",
            config.display()
        ),
    };
    let mut child = Command::new(program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                fail(format!("{name} is not installed or not on PATH; install it or remove it from the config"))
            } else {
                fail(e.to_string())
            }
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading stdin is judged by its exit status below.
        let _ = stdin.write_all(server_url(reference).as_bytes());
    }
    let output = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let msg = format!("{} {}", stdout.trim(), stderr.trim());
        if msg.to_ascii_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(fail(format!("{}: {}", output.status, msg.trim())));
    }

    #[derive(Deserialize)]
    struct HelperReply {
        #[serde(rename = "Username", default)]
        username: String,
        #[serde(rename = "Secret", default)]
        secret: String,
    }
    let reply: HelperReply = serde_json::from_str(stdout.trim())
        .map_err(|e| fail(format!("its output is not the expected JSON: {e}")))?;
    if reply.username == "<token>" {
        tracing::warn!(helper = %name, "identity tokens from credential helpers are not supported; ignoring them");
        return Ok(None);
    }
    if reply.username.is_empty() && reply.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credentials {
        username: reply.username,
        password: reply.secret,
        source: format!("credential helper {name}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(s: &str) -> Reference {
        s.parse().unwrap()
    }

    fn config(json: &str) -> DockerConfig {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn options_win_and_must_be_complete() {
        let opts = RegistryOptions {
            username: Some("u".into()),
            password: Some("p".into()),
            docker_config: Some("/nonexistent/config.json".into()),
            ..Default::default()
        };
        let c = find_credentials(&reference("host:5000/a"), &opts)
            .unwrap()
            .unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("u", "p"));
        assert!(!format!("{c:?}").contains("\"p\""));

        let half = RegistryOptions {
            username: Some("u".into()),
            ..Default::default()
        };
        let err = find_credentials(&reference("host:5000/a"), &half).unwrap_err();
        assert!(err.to_string().contains("without a password"), "{err}");

        let none = RegistryOptions {
            docker_config: Some("/nonexistent/config.json".into()),
            ..Default::default()
        };
        assert!(find_credentials(&reference("host:5000/a"), &none)
            .unwrap()
            .is_none());
    }

    #[test]
    fn auths_forms_and_key_normalisation() {
        let p = Path::new("/cfg.json");
        // `auth` is base64("bulwark:s3cret-test"); keys with scheme and path still match the host.
        let c = config(
            r#"{"auths": {
                "https://127.0.0.1:5001/v2/": {"auth": "YnVsd2FyazpzM2NyZXQtdGVzdA=="},
                "127.0.0.1:5002": {"username": "u2", "password": "p:2"},
                "https://index.docker.io/v1/": {"auth": "aHViOmh1YnBhc3M="}
            }}"#,
        );
        let got = |r: &str| {
            c.auths_entry_for(&reference(r), p)
                .map(|c| (c.username, c.password))
        };
        assert_eq!(
            got("127.0.0.1:5001/library/alpine"),
            Some(("bulwark".into(), "s3cret-test".into()))
        );
        assert_eq!(got("127.0.0.1:5002/x"), Some(("u2".into(), "p:2".into())));
        assert_eq!(got("alpine"), Some(("hub".into(), "hubpass".into())));
        assert_eq!(got("127.0.0.1:5000/x"), None);

        let hub_alias = config(r#"{"auths": {"docker.io": {"auth": "aHViOmh1YnBhc3M"}}}"#);
        assert_eq!(
            hub_alias
                .auths_entry_for(&reference("library/alpine"), p)
                .map(|c| c.username),
            Some("hub".into())
        );
        let garbage = config(r#"{"auths": {"h:1": {"auth": "!!!"}}}"#);
        assert!(garbage.auths_entry_for(&reference("h:1/a"), p).is_none());
    }

    #[test]
    fn malformed_config_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = DockerConfig::load(&path).unwrap_err();
        assert!(err.to_string().contains("config.json"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn credential_helper_protocol() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = |name: &str, body: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        };
        let cfg = Path::new("/cfg.json");
        // Echoes back the server URL it was asked about as the username.
        let ok = script(
            "docker-credential-ok",
            r#"[ "$1" = get ] || exit 3; read -r url; printf '{"ServerURL":"%s","Username":"%s","Secret":"pw"}' "$url" "$url""#,
        );
        let c = run_helper(&ok, &reference("127.0.0.1:5001/a"), cfg)
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("127.0.0.1:5001", "pw")
        );
        let c = run_helper(&ok, &reference("alpine"), cfg).unwrap().unwrap();
        assert_eq!(c.username, DOCKER_HUB_AUTH_KEY);

        let missing = script(
            "docker-credential-missing",
            "echo 'credentials not found in native keychain'; exit 1",
        );
        assert!(run_helper(&missing, &reference("h:1/a"), cfg)
            .unwrap()
            .is_none());

        let broken = script("docker-credential-broken", "echo boom >&2; exit 2");
        let err = run_helper(&broken, &reference("h:1/a"), cfg).unwrap_err();
        assert!(
            matches!(err, ImageError::Auth { .. }) && err.to_string().contains("boom"),
            "{err}"
        );

        let err = run_helper(
            &dir.path().join("docker-credential-absent"),
            &reference("h:1/a"),
            cfg,
        )
        .unwrap_err();
        assert!(err.to_string().contains("not installed"), "{err}");
    }
}
