//! What was scanned, as report headers name it.

use bulwark_image::ImageMeta;
use serde::Serialize;

/// What was scanned, for report headers.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The name the user gave (image reference, archive path or directory).
    pub name: String,
    /// Image or plain filesystem.
    pub kind: ArtifactKind,
    /// Image metadata (digests, tags, layers), when the artifact is an image.
    pub image: Option<ImageMeta>,
}

/// The kind of thing scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    /// A container image (registry, OCI layout, docker archive).
    ContainerImage,
    /// A root filesystem or source tree on disk.
    Filesystem,
    /// An SBOM document read back (`bulwark sbom-scan`).
    Sbom,
}

impl Artifact {
    /// An image artifact named as its metadata names it.
    pub fn image(meta: ImageMeta) -> Self {
        Self {
            name: meta.name.clone(),
            kind: ArtifactKind::ContainerImage,
            image: Some(meta),
        }
    }

    /// An SBOM file artifact.
    pub fn sbom(path: impl Into<String>) -> Self {
        Self {
            name: path.into(),
            kind: ArtifactKind::Sbom,
            image: None,
        }
    }

    /// A directory artifact.
    pub fn filesystem(path: impl Into<String>) -> Self {
        Self {
            name: path.into(),
            kind: ArtifactKind::Filesystem,
            image: None,
        }
    }

    /// The version reports give the artifact: the manifest digest, else the image ID.
    pub(crate) fn version(&self) -> Option<&str> {
        let image = self.image.as_ref()?;
        Some(
            image
                .manifest_digest
                .as_ref()
                .unwrap_or(&image.config_digest)
                .as_str(),
        )
    }
}

impl ArtifactKind {
    /// Human wording for table headers.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::ContainerImage => "container image",
            Self::Filesystem => "filesystem",
            Self::Sbom => "SBOM",
        }
    }
}
