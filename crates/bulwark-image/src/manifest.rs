//! OCI and Docker manifest, index and descriptor documents, and the media types we accept.

use serde::{Deserialize, Serialize};

use crate::{Digest, ImageError, Platform};

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker schema 2 manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// A content descriptor: what a manifest or index points at.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: Option<String>,
    pub digest: Digest,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub platform: Option<DescriptorPlatform>,
    #[serde(default)]
    pub annotations: Option<std::collections::BTreeMap<String, String>>,
}

/// The platform of an index entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DescriptorPlatform {
    pub architecture: String,
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

/// An image manifest (OCI or Docker schema 2) or an index (OCI index or Docker list).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    #[serde(default)]
    pub schema_version: Option<u32>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
}

impl Manifest {
    /// Parses a manifest or index document.
    pub fn parse(bytes: &[u8], what: &str) -> Result<Self, ImageError> {
        let m: Self = serde_json::from_slice(bytes).map_err(|e| ImageError::json(what, e))?;
        if m.schema_version == Some(1) {
            return Err(ImageError::UnsupportedMediaType(
                "Docker schema 1 manifest (deprecated; re-push the image with a current client)"
                    .into(),
            ));
        }
        Ok(m)
    }

    /// True if this document is an index rather than an image manifest.
    pub fn is_index(&self) -> bool {
        self.manifests.is_some() && self.config.is_none()
    }

    /// Picks the entry of an index that matches `platform`.
    pub fn select(&self, platform: &Platform) -> Result<&Descriptor, ImageError> {
        let entries = self.manifests.as_deref().unwrap_or_default();
        let images: Vec<&Descriptor> = entries
            .iter()
            .filter(|d| {
                d.annotations
                    .as_ref()
                    .and_then(|a| a.get("vnd.docker.reference.type"))
                    .is_none()
            })
            .collect();
        if let Some(d) = images.iter().find(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| platform.matches(&p.os, &p.architecture, p.variant.as_deref()))
        }) {
            return Ok(d);
        }
        if let [only] = images.as_slice() {
            if only.platform.is_none() {
                return Ok(only);
            }
        }
        let available: Vec<String> = images
            .iter()
            .filter_map(|d| d.platform.as_ref())
            .map(|p| match &p.variant {
                Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                None => format!("{}/{}", p.os, p.architecture),
            })
            .collect();
        Err(ImageError::Platform {
            wanted: platform.to_string(),
            available: if available.is_empty() {
                "none".into()
            } else {
                available.join(", ")
            },
        })
    }
}

/// Checks a layer media type is one we can read; `None` (docker-archive) is accepted.
pub fn check_layer_media_type(media_type: Option<&str>) -> Result<(), ImageError> {
    const KNOWN: &[&str] = &[
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ];
    match media_type {
        None => Ok(()),
        Some(m) if KNOWN.contains(&m) => Ok(()),
        Some(m) => Err(ImageError::UnsupportedMediaType(m.to_string())),
    }
}

/// Pairs manifest layers with the config's diff_ids, which must agree in count.
pub fn layers_from(
    descriptors: &[Descriptor],
    diff_ids: &[String],
) -> Result<Vec<crate::LayerInfo>, ImageError> {
    if descriptors.len() != diff_ids.len() {
        return Err(ImageError::format(
            "image",
            format!(
                "manifest lists {} layers but config rootfs.diff_ids has {}",
                descriptors.len(),
                diff_ids.len()
            ),
        ));
    }
    descriptors
        .iter()
        .zip(diff_ids)
        .enumerate()
        .map(|(index, (d, diff))| {
            check_layer_media_type(d.media_type.as_deref())?;
            Ok(crate::LayerInfo {
                index,
                blob_digest: Some(d.digest.clone()),
                diff_id: diff.parse()?,
                media_type: d.media_type.clone(),
                size: d.size,
            })
        })
        .collect()
}
