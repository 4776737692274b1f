//! The one error type of this crate: every way reading an image can fail.

use std::path::PathBuf;

/// Why an image could not be read. Every variant is an input or environment problem
/// the user can act on; none of them is a finding.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// A file or directory of the target could not be read.
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Reading a stream (layer, blob, archive member) failed part-way.
    #[error("{context}")]
    Stream {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The target string names nothing we can open.
    #[error("cannot open target {target:?}: {reason}")]
    Target { target: String, reason: String },
    /// A manifest, index or config is not what the format requires.
    #[error("invalid {what}: {reason}")]
    Format { what: String, reason: String },
    /// A JSON document of the image could not be parsed.
    #[error("invalid JSON in {what}")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    /// A blob's content does not hash to the digest that names it.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    /// A blob the manifest references is not in the image.
    #[error("missing blob {digest} ({what})")]
    MissingBlob { digest: String, what: String },
    /// A digest string is malformed or uses an algorithm we do not support.
    #[error("invalid digest {0:?}: expected sha256:<64 lowercase hex>")]
    InvalidDigest(String),
    /// A layer or manifest media type we cannot read.
    #[error("unsupported media type {0:?}")]
    UnsupportedMediaType(String),
    /// A configured size cap was exceeded (decompression bomb guard).
    #[error(
        "{what} exceeds the limit of {limit} bytes; raise it with {flag} if the image is trusted"
    )]
    TooLarge {
        what: String,
        limit: u64,
        flag: &'static str,
    },
    /// A layer entry's path would leave the image root.
    #[error("{layer}: entry {path:?} escapes the image root")]
    UnsafePath { layer: String, path: String },
    /// Symlink resolution looped or left the root.
    #[error("cannot resolve {path:?}: {reason}")]
    Symlink { path: String, reason: String },
    /// No manifest matches the requested platform.
    #[error("no image for platform {wanted} (available: {available})")]
    Platform { wanted: String, available: String },
    /// Talking to a registry failed.
    #[error("registry {registry}: {reason}")]
    Registry { registry: String, reason: String },
    /// Authentication against a registry failed.
    #[error("registry {registry}: authentication failed: {reason}")]
    Auth { registry: String, reason: String },
    /// The layer cache could not be opened or written.
    #[error("layer cache at {path}: {reason}")]
    Cache { path: PathBuf, reason: String },
}

impl ImageError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps a stream error with a short description of what was being read.
    pub fn stream(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Stream {
            context: context.into(),
            source,
        }
    }

    /// A format error about `what`.
    pub fn format(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Format {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// A JSON parse error about `what`.
    pub fn json(what: impl Into<String>, source: serde_json::Error) -> Self {
        Self::Json {
            what: what.into(),
            source,
        }
    }
}
