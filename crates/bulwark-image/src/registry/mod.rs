//! Registry source: pulls an image over the OCI distribution API.
//!
//! [`open_registry`] resolves a reference (`alpine`, `ghcr.io/org/app:1.2`, `host:5000/app@sha256:…`)
//! to one platform's manifest, verifies the manifest and config digests and fills [`ImageMeta`];
//! nothing else is downloaded until [`ImageSource::open_layer`] streams a layer blob, digest-verified
//! at end of stream. The rest of the pipeline is synchronous, so a [`RegistryImage`] owns the small
//! tokio runtime its HTTP runs on; call it from ordinary (or `spawn_blocking`) threads.
//!
//! ```no_run
//! use bulwark_image::registry::{open_registry, RegistryOptions};
//! use bulwark_image::ImageSource;
//!
//! let opts = RegistryOptions {
//!     insecure_registries: vec!["127.0.0.1:5000".into()],
//!     ..Default::default()
//! };
//! let image = open_registry("127.0.0.1:5000/library/alpine:3.19.4", &opts)?;
//! let layer = image.open_layer(0)?;
//! # let _ = layer;
//! # Ok::<(), bulwark_image::ImageError>(())
//! ```

mod auth;
mod manifest;
mod reference;
mod stream;
mod transport;

use std::fmt;
use std::io::BufRead;
use std::path::PathBuf;

pub use reference::{looks_like_reference, Reference};

use crate::manifest::{check_config_media_type, layers_from};
use crate::{
    Digest, ImageConfig, ImageError, ImageMeta, ImageSource, Platform, SourceKind, VerifyingReader,
};
use transport::{Session, MAX_CONFIG_BYTES};

/// How deep nested indexes are followed before giving up.
const MAX_INDEX_DEPTH: usize = 4;

/// How to reach registries: platform choice, plain-HTTP exceptions and credentials.
#[derive(Clone)]
pub struct RegistryOptions {
    /// Which image to take from a multi-platform index.
    pub platform: Platform,
    /// Hosts (`host:port`) allowed over plain HTTP and without TLS verification.
    pub insecure_registries: Vec<String>,
    /// Username; with `password`, overrides the Docker config.
    pub username: Option<String>,
    /// Password or access token for `username`.
    pub password: Option<String>,
    /// Docker client config with credentials; default `$DOCKER_CONFIG/config.json`, else
    /// `~/.docker/config.json`.
    pub docker_config: Option<PathBuf>,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        Self {
            platform: Platform::host(),
            insecure_registries: Vec::new(),
            username: None,
            password: None,
            docker_config: None,
        }
    }
}

impl fmt::Debug for RegistryOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryOptions")
            .field("platform", &self.platform)
            .field("insecure_registries", &self.insecure_registries)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("docker_config", &self.docker_config)
            .finish()
    }
}

/// An image in a registry: metadata resolved, layers streamed on demand.
pub struct RegistryImage {
    meta: ImageMeta,
    reference: Reference,
    session: Session,
    /// `Some` until drop, which shuts it down without blocking (safe even inside async code).
    runtime: Option<tokio::runtime::Runtime>,
}

impl fmt::Debug for RegistryImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryImage")
            .field("reference", &self.reference)
            .field("manifest_digest", &self.meta.manifest_digest)
            .finish_non_exhaustive()
    }
}

impl RegistryImage {
    /// The parsed reference this image was opened from.
    pub fn reference(&self) -> &Reference {
        &self.reference
    }
}

impl Drop for RegistryImage {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Opens `reference` in its registry: authenticates, resolves the platform, verifies and reads
/// the manifest and config. Blocks; must not be called from async code.
pub fn open_registry(reference: &str, opts: &RegistryOptions) -> Result<RegistryImage, ImageError> {
    // reqwest is built without a default crypto provider (the workspace keeps aws-lc out).
    // Another part of the process may have installed one already; that one is kept.
    static RUSTLS_PROVIDER: std::sync::Once = std::sync::Once::new();
    RUSTLS_PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let parsed: Reference = reference.parse()?;
    let registry_err = |reason: String| ImageError::Registry {
        registry: parsed.registry_name().to_string(),
        reason,
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(registry_err(
            "open_registry blocks and was called from async code; call it via tokio::task::spawn_blocking".into(),
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("bulwark-registry")
        .enable_all()
        .build()
        .map_err(|e| registry_err(format!("cannot start the HTTP runtime: {e}")))?;

    let (session, meta) = runtime.block_on(async {
        let session = Session::connect(&parsed, opts).await?;
        let meta = resolve(&session, &parsed, reference, &opts.platform).await?;
        Ok::<_, ImageError>((session, meta))
    })?;
    Ok(RegistryImage {
        meta,
        reference: parsed,
        session,
        runtime: Some(runtime),
    })
}

impl ImageSource for RegistryImage {
    fn meta(&self) -> &ImageMeta {
        &self.meta
    }

    fn open_layer(&self, index: usize) -> Result<Box<dyn BufRead + Send + '_>, ImageError> {
        let layer = self.meta.layer(index)?;
        let (Some(digest), Some(size)) = (&layer.blob_digest, layer.size) else {
            // Every registry layer gets both in `resolve`.
            return Err(ImageError::format(
                "layer",
                "registry layer without digest or size",
            ));
        };
        let runtime = self.runtime.as_ref().ok_or_else(|| ImageError::Registry {
            registry: self.reference.registry_name().to_string(),
            reason: "the image was closed".into(),
        })?;
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(ImageError::Registry {
                registry: self.reference.registry_name().to_string(),
                reason: "open_layer blocks and was called from async code; call it via tokio::task::spawn_blocking".into(),
            });
        }
        let what = format!("layer {index} blob {digest}");
        let stream = runtime.block_on(self.session.open_blob(digest, &what))?;
        let reader = stream::BlobReader::spawn(runtime.handle(), stream, size, what.clone());
        Ok(Box::new(VerifyingReader::new(reader, digest.clone(), what)))
    }
}

/// Fetches the manifest (choosing from an index by platform) and config and builds the metadata.
async fn resolve(
    session: &Session,
    reference: &Reference,
    name: &str,
    platform: &Platform,
) -> Result<ImageMeta, ImageError> {
    let top = session.get_manifest(&reference.manifest_ref()).await?;
    let top_digest = Digest::of(&top.bytes);
    if let Some(wanted) = &reference.digest {
        check_digest(wanted, &top_digest, &format!("manifest of {reference}"))?;
    }
    if let Some(header) = top
        .header_digest
        .as_deref()
        .filter(|h| h.starts_with("sha256:"))
    {
        check_header_digest(header, &top_digest)?;
    }

    let mut image = manifest::parse(&top.bytes, top.content_type.as_deref())?;
    let mut manifest_digest = top_digest.clone();
    // Indexes may nest (an index entry pointing at another index); follow a few levels.
    let mut depth = 0;
    while image.is_index() {
        depth += 1;
        if depth > MAX_INDEX_DEPTH {
            return Err(ImageError::format(
                "image index",
                format!("indexes nested more than {MAX_INDEX_DEPTH} deep"),
            ));
        }
        let digest = image.select(platform)?.digest.clone();
        let child = session.get_manifest(digest.as_str()).await?;
        let child_digest = Digest::of(&child.bytes);
        check_digest(
            &digest,
            &child_digest,
            &format!("{platform} manifest of {reference}"),
        )?;
        image = manifest::parse(&child.bytes, child.content_type.as_deref())?;
        manifest_digest = child_digest;
    }

    let config_desc = image.config_descriptor()?;
    check_config_media_type(config_desc.media_type.as_deref())?;
    let config_digest = config_desc.digest.clone();
    let config_size = config_desc.required_size("config descriptor")?;
    if config_size > MAX_CONFIG_BYTES as u64 {
        return Err(ImageError::format(
            "image config",
            format!("declared size {config_size} is over the 16 MiB limit"),
        ));
    }
    let config_raw = session
        .get_blob(&config_digest, MAX_CONFIG_BYTES, "image config")
        .await?;
    check_digest(&config_digest, &Digest::of(&config_raw), "image config")?;
    let config = ImageConfig::parse(&config_raw)?;
    if let (Some(os), Some(arch)) = (&config.os, &config.architecture) {
        // A single-platform image is used whatever its platform, as `docker pull` does.
        if !platform.matches(os, arch, config.variant.as_deref()) {
            tracing::warn!(%reference, "image is for {os}/{arch}, not the requested {platform}");
        }
    }

    // Streaming a layer needs its size; and only layers the registry serves can be pulled.
    for (index, desc) in image.layer_descriptors().iter().enumerate() {
        desc.required_size(&format!("layer {index}"))?;
        manifest::check_pullable_layer(desc)?;
    }
    let diff_ids = config
        .rootfs
        .as_ref()
        .map(|r| r.diff_ids.as_slice())
        .unwrap_or_default();
    let layers = layers_from(image.layer_descriptors(), diff_ids)?;

    Ok(ImageMeta {
        name: name.to_string(),
        source: SourceKind::Registry,
        manifest_digest: Some(manifest_digest),
        config_digest,
        repo_tags: reference
            .tag
            .iter()
            .map(|t| format!("{}:{t}", reference.name()))
            .collect(),
        // The digest the reference resolved to (the index's, for multi-platform images), which
        // pulls this same image again on this platform.
        repo_digests: vec![format!("{}@{top_digest}", reference.name())],
        config,
        config_raw,
        layers,
    })
}

fn check_digest(expected: &Digest, actual: &Digest, what: &str) -> Result<(), ImageError> {
    if expected == actual {
        Ok(())
    } else {
        Err(ImageError::DigestMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        })
    }
}

/// The registry's `Docker-Content-Digest` must name the bytes it sent.
fn check_header_digest(header: &str, actual: &Digest) -> Result<(), ImageError> {
    match header.trim().parse::<Digest>() {
        Ok(d) => check_digest(&d, actual, "manifest (Docker-Content-Digest header)"),
        Err(_) => Ok(()),
    }
}
