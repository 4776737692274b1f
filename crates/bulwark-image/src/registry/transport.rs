//! HTTP to one registry: the `/v2/` probe that picks the scheme, authentication, manifests and
//! blobs, and the translation of every failure into an `ImageError` that says what to do.
//!
//! Who does what, and why not oci-client for everything:
//! - oci-client does the token dance (WWW-Authenticate challenge → token request with basic
//!   credentials) and serves blobs, refreshing expired tokens on its own.
//! - reqwest (the same version and features oci-client uses, so nothing extra is compiled) does
//!   the probe and the manifest requests: oci-client's manifest calls read the whole response
//!   into memory with no size cap, its scheme/TLS settings cannot be chosen per registry after
//!   probing, and its `auth()` is the only place that reports a rejected token request (later
//!   calls swallow it into an anonymous request).

use std::time::Duration;

use futures_util::StreamExt;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{DigestError, OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::RegistryOperation;
use reqwest::StatusCode;

use super::auth::{self, Credentials};
use super::manifest::ACCEPT;
use super::{Reference, RegistryOptions};
use crate::{Digest, ImageError};

/// Largest manifest or index we read into memory.
pub(crate) const MAX_MANIFEST_BYTES: usize = 4 << 20;
/// Largest image config we read into memory.
pub(crate) const MAX_CONFIG_BYTES: usize = 16 << 20;
/// Error bodies are only read for their message.
const MAX_ERROR_BODY_BYTES: usize = 64 << 10;
const USER_AGENT: &str = concat!("bulwark/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
const READ_TIMEOUT: Duration = Duration::from_secs(120);

/// How requests to the registry are authorised after the probe.
enum HttpAuth {
    Anonymous,
    Basic(String, String),
    Bearer(String),
}

/// What the manifest endpoint returned, unparsed.
pub(crate) struct FetchedManifest {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    /// The `Docker-Content-Digest` header, when the registry sent one.
    pub header_digest: Option<String>,
}

/// A connection to one registry repository, authenticated for pulling.
pub(crate) struct Session {
    reference: Reference,
    base_url: String,
    http: reqwest::Client,
    oci: oci_client::Client,
    oci_ref: oci_client::Reference,
    auth: HttpAuth,
    credentials: Option<Credentials>,
}

impl Session {
    /// Probes `/v2/` (HTTPS; for `--insecure` hosts HTTPS without verification, then plain
    /// HTTP, as Docker does) and authenticates when the registry challenges.
    pub async fn connect(
        reference: &Reference,
        opts: &RegistryOptions,
    ) -> Result<Self, ImageError> {
        let registry = &reference.registry;
        let insecure = opts
            .insecure_registries
            .iter()
            .any(|h| reference.registry_is(h));
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .danger_accept_invalid_certs(insecure)
            .build()
            .map_err(|e| registry_error(reference, format!("cannot set up HTTP: {}", chain(&e))))?;

        let schemes: &[&str] = if insecure {
            &["https", "http"]
        } else {
            &["https"]
        };
        let mut failures = Vec::new();
        let mut probe = None;
        for scheme in schemes {
            let url = format!("{scheme}://{registry}/v2/");
            match http.get(&url).send().await {
                Ok(resp) => {
                    probe = Some((*scheme, resp));
                    break;
                }
                Err(e) => failures.push(format!("{url}: {}", transport_chain(&e))),
            }
        }
        let Some((scheme, ping)) = probe else {
            let hint = if insecure {
                String::new()
            } else {
                format!(
                    "; if it is a plain-HTTP registry or uses a self-signed certificate, use --insecure {registry}"
                )
            };
            return Err(registry_error(
                reference,
                format!("cannot connect: {}{hint}", failures.join("; ")),
            ));
        };
        tracing::debug!(%registry, scheme, status = %ping.status(), "registry probe");

        // oci-client's TLS switch is per client, not per host: this client only talks to this
        // registry, its token realm and blob redirects, so with --insecure those skip
        // verification too.
        let oci = oci_client::Client::try_from(ClientConfig {
            protocol: if scheme == "http" {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            accept_invalid_certificates: insecure && scheme == "https",
            platform_resolver: None,
            connect_timeout: Some(CONNECT_TIMEOUT),
            read_timeout: Some(READ_TIMEOUT),
            user_agent: USER_AGENT,
            ..Default::default()
        })
        .map_err(|e| {
            registry_error(
                reference,
                format!("cannot set up the client: {}", chain(&e)),
            )
        })?;
        let oci_ref = oci_client::Reference::with_tag(
            registry.clone(),
            reference.repository.clone(),
            "latest".into(),
        );
        let mut session = Self {
            reference: reference.clone(),
            base_url: format!("{scheme}://{registry}"),
            http,
            oci,
            oci_ref,
            auth: HttpAuth::Anonymous,
            credentials: None,
        };

        match ping.status() {
            s if s.is_success() => Ok(session),
            StatusCode::UNAUTHORIZED => {
                session.credentials = auth::find_credentials(reference, opts)?;
                session.authenticate().await?;
                Ok(session)
            }
            StatusCode::NOT_FOUND => Err(registry_error(
                reference,
                format!("{scheme}://{registry}/v2/ returned 404: this host does not serve the registry API"),
            )),
            s => Err(registry_error(
                reference,
                format!("{scheme}://{registry}/v2/ answered HTTP {s}; is the registry up?"),
            )),
        }
    }

    /// Basic credentials are used as they are; a Bearer challenge is answered with a token from
    /// its realm, asked for with the credentials (or anonymously).
    async fn authenticate(&mut self) -> Result<(), ImageError> {
        let oci_auth = match &self.credentials {
            Some(c) => RegistryAuth::Basic(c.username.clone(), c.password.clone()),
            None => RegistryAuth::Anonymous,
        };
        match self
            .oci
            .auth(&self.oci_ref, &oci_auth, RegistryOperation::Pull)
            .await
        {
            Ok(Some(token)) => self.auth = HttpAuth::Bearer(token),
            Ok(None) => {
                if let Some(c) = &self.credentials {
                    self.auth = HttpAuth::Basic(c.username.clone(), c.password.clone());
                }
            }
            Err(OciDistributionError::AuthenticationFailure(reason)) => {
                let reason = error_detail(reason.trim().as_bytes());
                return Err(self.auth_error(match &self.credentials {
                    Some(c) => format!(
                        "the token server rejected user {:?} (credentials from {}): {reason}; check the username and password",
                        c.username, c.source
                    ),
                    None => format!(
                        "the token server refused anonymous access: {reason}; pass --username and --password, or run `docker login {}`",
                        self.reference.registry_name()
                    ),
                }));
            }
            Err(e) => {
                return Err(
                    self.registry_error(format!("requesting a bearer token failed: {}", chain(&e)))
                )
            }
        }
        Ok(())
    }

    /// GETs a manifest or index by tag or digest, reading at most 4 MiB.
    pub async fn get_manifest(&self, manifest_ref: &str) -> Result<FetchedManifest, ImageError> {
        let url = format!(
            "{}/v2/{}/manifests/{manifest_ref}",
            self.base_url, self.reference.repository
        );
        let request = self
            .http
            .get(&url)
            .header(reqwest::header::ACCEPT, ACCEPT.join(", "));
        let request = match &self.auth {
            HttpAuth::Anonymous => request,
            HttpAuth::Basic(u, p) => request.basic_auth(u, Some(p)),
            HttpAuth::Bearer(t) => request.bearer_auth(t),
        };
        let mut resp = request
            .send()
            .await
            .map_err(|e| self.registry_error(format!("GET {url}: {}", transport_chain(&e))))?;
        let status = resp.status();
        if status != StatusCode::OK {
            let body = read_bounded(&mut resp, MAX_ERROR_BODY_BYTES)
                .await
                .unwrap_or_default();
            let detail = error_detail(&body);
            let sep = if manifest_ref.starts_with("sha256:") {
                '@'
            } else {
                ':'
            };
            let shown = format!("{}{sep}{manifest_ref}", self.reference.name());
            return Err(match status {
                StatusCode::NOT_FOUND => self.registry_error(format!(
                    "{shown} not found ({detail}); check the repository name and tag"
                )),
                _ => self.status_error(status, &url, &detail),
            });
        }
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type");
        let header_digest = header("docker-content-digest");
        let bytes = read_bounded(&mut resp, MAX_MANIFEST_BYTES)
            .await
            .map_err(|e| self.registry_error(format!("reading the manifest from {url}: {e}")))?;
        Ok(FetchedManifest {
            bytes,
            content_type,
            header_digest,
        })
    }

    /// Reads a small blob (the config) whole, at most `limit` bytes. The caller verifies it.
    pub async fn get_blob(
        &self,
        digest: &Digest,
        limit: usize,
        what: &str,
    ) -> Result<Vec<u8>, ImageError> {
        let mut stream = self.open_blob(digest, what).await?;
        if stream.content_length.is_some_and(|n| n > limit as u64) {
            return Err(self.too_big(what, limit));
        }
        let mut buf = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| stream_error(e, what))?;
            if buf.len() + chunk.len() > limit {
                return Err(self.too_big(what, limit));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    }

    /// Starts streaming a blob; errors up to the response headers are reported here.
    pub async fn open_blob(
        &self,
        digest: &Digest,
        what: &str,
    ) -> Result<oci_client::client::SizedStream, ImageError> {
        self.oci
            .pull_blob_stream(&self.oci_ref, digest.as_str())
            .await
            .map_err(|e| self.blob_error(e, digest, what))
    }

    fn blob_error(&self, e: OciDistributionError, digest: &Digest, what: &str) -> ImageError {
        let missing = || ImageError::MissingBlob {
            digest: digest.to_string(),
            what: format!(
                "{what} in {}; the registry does not have it",
                self.reference.name()
            ),
        };
        match e {
            OciDistributionError::UnauthorizedError { url } => {
                self.status_error(StatusCode::UNAUTHORIZED, &url, "UNAUTHORIZED")
            }
            OciDistributionError::RegistryError { envelope, url } => {
                let codes =
                    |c: &[OciErrorCode]| envelope.errors.iter().any(|e| c.contains(&e.code));
                if codes(&[
                    OciErrorCode::BlobUnknown,
                    OciErrorCode::NotFound,
                    OciErrorCode::NameUnknown,
                ]) {
                    missing()
                } else if codes(&[OciErrorCode::Unauthorized]) {
                    self.status_error(StatusCode::UNAUTHORIZED, &url, &envelope.to_string())
                } else if codes(&[OciErrorCode::Denied]) {
                    self.status_error(StatusCode::FORBIDDEN, &url, &envelope.to_string())
                } else {
                    self.registry_error(format!("GET {url}: {envelope}"))
                }
            }
            OciDistributionError::ServerError { code: 404, .. } => missing(),
            OciDistributionError::ServerError { code, url, message } => {
                match StatusCode::from_u16(code) {
                    Ok(status) => self.status_error(status, &url, &truncate(&message)),
                    Err(_) => self.registry_error(format!("GET {url}: HTTP {code}")),
                }
            }
            OciDistributionError::DigestError(DigestError::VerificationError {
                expected,
                actual,
            }) => ImageError::DigestMismatch {
                what: what.to_string(),
                expected,
                actual,
            },
            other => self.registry_error(format!("fetching {what} {digest}: {}", chain(&other))),
        }
    }

    /// Turns a non-success status into advice: credentials for 401/403, patience for 429.
    fn status_error(&self, status: StatusCode, url: &str, detail: &str) -> ImageError {
        let repo = &self.reference.repository;
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => self.auth_error(match (&self.credentials, &self.auth) {
                (None, _) => format!(
                    "{repo} needs credentials ({detail}); pass --username and --password, or run `docker login {}`",
                    self.reference.registry_name()
                ),
                (Some(c), HttpAuth::Bearer(_)) => format!(
                    "user {:?} (credentials from {}) may not pull {repo}: {detail}",
                    c.username, c.source
                ),
                (Some(c), _) => format!(
                    "the registry rejected user {:?} (credentials from {}): {detail}; check the username and password",
                    c.username, c.source
                ),
            }),
            StatusCode::TOO_MANY_REQUESTS => self.registry_error(format!(
                "rate limited ({detail}); log in to raise the limit or retry later"
            )),
            _ => self.registry_error(format!("GET {url}: HTTP {status} ({detail})")),
        }
    }

    fn too_big(&self, what: &str, limit: usize) -> ImageError {
        self.registry_error(format!(
            "{what} is larger than {} MiB; refusing to read it into memory",
            limit >> 20
        ))
    }

    fn registry_error(&self, reason: String) -> ImageError {
        registry_error(&self.reference, reason)
    }

    fn auth_error(&self, reason: String) -> ImageError {
        ImageError::Auth {
            registry: self.reference.registry_name().to_string(),
            reason,
        }
    }
}

fn registry_error(reference: &Reference, reason: String) -> ImageError {
    ImageError::Registry {
        registry: reference.registry_name().to_string(),
        reason,
    }
}

/// Maps an error from oci-client's blob stream, keeping its digest check readable.
pub(crate) fn stream_error(e: std::io::Error, what: &str) -> ImageError {
    if let Some(DigestError::VerificationError { expected, actual }) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<DigestError>())
    {
        return ImageError::DigestMismatch {
            what: what.to_string(),
            expected: expected.clone(),
            actual: actual.clone(),
        };
    }
    ImageError::stream(format!("downloading {what}"), e)
}

/// Reads a response body, failing once it exceeds `limit` (checked before and while reading).
async fn read_bounded(resp: &mut reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(format!(
            "larger than {} KiB; refusing to read it",
            limit >> 10
        ));
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| chain(&e))? {
        if buf.len() + chunk.len() > limit {
            return Err(format!(
                "larger than {} KiB; refusing to read it",
                limit >> 10
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// The registry's error envelope (`{"errors":[{"code","message"}]}`) as one line, else the body.
fn error_detail(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Envelope {
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    match serde_json::from_slice::<Envelope>(body) {
        Ok(env) if !env.errors.is_empty() => env
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.code, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        _ if body.is_empty() => "no details".into(),
        _ => truncate(String::from_utf8_lossy(body).trim()),
    }
}

/// At most 300 characters of server-provided text.
fn truncate(s: &str) -> String {
    match s.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A request failure without reqwest's "error sending request for url (…)", which the
/// caller already names.
fn transport_chain(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    match std::error::Error::source(e) {
        Some(cause) => chain(cause),
        None => chain(e),
    }
}

/// An error and its causes on one line (reqwest's own message names only the URL).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let msg = c.to_string();
        if !out.contains(&msg) {
            out.push_str(": ");
            out.push_str(&msg);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_details_are_one_bounded_line() {
        assert_eq!(
            error_detail(br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}"#),
            "MANIFEST_UNKNOWN: manifest unknown"
        );
        assert_eq!(error_detail(b""), "no details");
        assert_eq!(error_detail(&[b'x'; 1000]).chars().count(), 301);
    }

    #[test]
    fn digest_errors_from_the_stream_stay_digest_errors() {
        let io = std::io::Error::other(DigestError::VerificationError {
            expected: "sha256:a".into(),
            actual: "sha256:b".into(),
        });
        assert!(matches!(
            stream_error(io, "layer 0"),
            ImageError::DigestMismatch { .. }
        ));
    }
}
