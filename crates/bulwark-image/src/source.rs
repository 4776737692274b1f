//! What every image source provides: metadata up front, then layer blobs on demand, so a
//! cached layer is never fetched or read.

use std::io::BufRead;

use serde::{Deserialize, Serialize};

use crate::config::ImageConfig;
use crate::{Digest, ImageError};

/// Where an image came from, for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    DockerArchive,
    OciLayout,
    OciArchive,
    Registry,
    Rootfs,
}

/// One layer as the manifest (or docker-archive manifest) lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Position from the bottom (0 = base layer).
    pub index: usize,
    /// Digest of the blob as stored or transferred (compressed), when the format names one.
    pub blob_digest: Option<Digest>,
    /// Digest of the uncompressed tar, from the config's `rootfs.diff_ids`.
    pub diff_id: Digest,
    /// Media type from the manifest, when there is one.
    pub media_type: Option<String>,
    /// Blob size in bytes, when known.
    pub size: Option<u64>,
}

/// Everything known about an image before any layer is read.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageMeta {
    /// The name the user gave (path or reference).
    pub name: String,
    pub source: SourceKind,
    /// Digest of the image manifest, when the source has one.
    pub manifest_digest: Option<Digest>,
    /// Digest of the config blob (the image ID).
    pub config_digest: Digest,
    /// `RepoTags` (docker-archive), ref names (OCI) or the pulled tag (registry).
    pub repo_tags: Vec<String>,
    /// `repo@sha256:...` forms, when known.
    pub repo_digests: Vec<String>,
    pub config: ImageConfig,
    /// The raw config blob, kept for policies that want fields we do not model.
    #[serde(skip)]
    pub config_raw: Vec<u8>,
    pub layers: Vec<LayerInfo>,
}

impl ImageMeta {
    /// Layer `index`, or an error naming the image and how many layers it has.
    pub fn layer(&self, index: usize) -> Result<&LayerInfo, ImageError> {
        self.layers.get(index).ok_or_else(|| ImageError::Target {
            target: self.name.clone(),
            reason: format!(
                "layer {index} does not exist (the image has {})",
                self.layers.len()
            ),
        })
    }
}

/// An opened image: metadata plus a way to stream each layer's blob.
pub trait ImageSource: Send + Sync {
    /// Metadata of the image; cheap.
    fn meta(&self) -> &ImageMeta;

    /// Opens the blob of layer `index` as stored (possibly compressed), buffered (a
    /// decompressor reads straight from the buffer). When the source knows the blob digest,
    /// the returned reader verifies it and fails at end of stream on mismatch.
    fn open_layer(&self, index: usize) -> Result<Box<dyn BufRead + Send + '_>, ImageError>;
}

/// The platform to pick from a multi-arch index, `os/arch[/variant]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The platform of this machine, as Go/OCI names it.
    pub fn host() -> Self {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Self {
            os: "linux".into(),
            architecture: architecture.into(),
            variant: None,
        }
    }

    /// Parses `os/arch[/variant]`.
    pub fn parse(s: &str) -> Result<Self, ImageError> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Self {
                os: (*os).into(),
                architecture: (*arch).into(),
                variant: None,
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() => Ok(Self {
                os: (*os).into(),
                architecture: (*arch).into(),
                variant: Some((*variant).into()),
            }),
            _ => Err(ImageError::Target {
                target: s.into(),
                reason: "platform must be os/arch[/variant], e.g. linux/amd64".into(),
            }),
        }
    }

    /// True when an index entry's platform fields match this one (variant only if both set).
    pub fn matches(&self, os: &str, arch: &str, variant: Option<&str>) -> bool {
        self.os == os
            && self.architecture == arch
            && match (&self.variant, variant) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}
