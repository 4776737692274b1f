//! OCI and Docker manifest, index and descriptor documents, and the media types we accept.
//!
//! Shared by every source that reads manifests (OCI layouts and registries), so each check here
//! applies to both: schema 1 and unknown document types are refused, index selection skips
//! attestations and artifacts and lists what is available, and descriptors carry only sha256
//! digests and non-negative sizes (anything else fails to parse, naming the document).

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

/// Prefix of the Docker schema 1 manifest media types (plain and signed).
const DOCKER_SCHEMA_1_PREFIX: &str = "application/vnd.docker.distribution.manifest.v1";

/// Image config blobs; anything else is an OCI artifact (Helm chart, signature, …), not an image.
const CONFIG_MEDIA_TYPES: [&str; 2] = [
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];

/// Layer blobs the walker can read: plain, gzip or zstd tars.
const LAYER_MEDIA_TYPES: [&str; 9] = [
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

impl Descriptor {
    /// The declared size, for sources that need it (a registry streams exactly that many bytes).
    pub fn required_size(&self, what: &str) -> Result<u64, ImageError> {
        self.size.ok_or_else(|| {
            ImageError::format(what, format!("descriptor of {} has no size", self.digest))
        })
    }

    /// True for entries of an index that are not images of a platform: Docker's attestation
    /// manifests (SBOM/provenance) that buildx adds, annotated or marked `unknown/unknown`.
    pub fn is_attestation(&self) -> bool {
        let annotated = self
            .annotations
            .as_ref()
            .and_then(|a| a.get("vnd.docker.reference.type"))
            .is_some();
        let unknown = self
            .platform
            .as_ref()
            .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown");
        annotated || unknown
    }

    /// True if the entry may be an image manifest or an index (no media type, or a known one),
    /// rather than an OCI artifact.
    fn is_manifest_or_index(&self) -> bool {
        match self.media_type.as_deref() {
            None | Some("") => true,
            Some(m) => [
                OCI_MANIFEST,
                DOCKER_MANIFEST,
                OCI_INDEX,
                DOCKER_MANIFEST_LIST,
            ]
            .contains(&m),
        }
    }
}

/// The platform of an index entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DescriptorPlatform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl std::fmt::Display for DescriptorPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.variant {
            Some(v) if !v.is_empty() => write!(f, "{}/{}/{v}", self.os, self.architecture),
            _ => write!(f, "{}/{}", self.os, self.architecture),
        }
    }
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
        Self::parse_as(bytes, what, None)
    }

    /// Parses a manifest or index document; `media_type` (say, from an HTTP Content-Type) stands
    /// in for a `mediaType` field the document lacks, which OCI allows.
    pub fn parse_as(
        bytes: &[u8],
        what: &str,
        media_type: Option<&str>,
    ) -> Result<Self, ImageError> {
        let mut m: Self = serde_json::from_slice(bytes).map_err(|e| ImageError::json(what, e))?;
        if m.media_type.is_none() {
            m.media_type = media_type.map(str::to_string);
        }
        let declared = m.media_type.as_deref();
        if m.schema_version == Some(1)
            || declared.is_some_and(|t| t.starts_with(DOCKER_SCHEMA_1_PREFIX))
        {
            // Schema 1 is deprecated and unsigned content in it cannot be verified the same way.
            return Err(ImageError::UnsupportedMediaType(format!(
                "{} (Docker schema 1 manifest, deprecated; re-push the image with a current client)",
                declared.unwrap_or("application/vnd.docker.distribution.manifest.v1+json")
            )));
        }
        if let Some(other) = declared {
            let known = [
                OCI_MANIFEST,
                DOCKER_MANIFEST,
                OCI_INDEX,
                DOCKER_MANIFEST_LIST,
            ];
            if !known.contains(&other) && m.manifests.is_none() && m.config.is_none() {
                return Err(ImageError::UnsupportedMediaType(other.to_string()));
            }
        }
        Ok(m)
    }

    /// True if this document is an index rather than an image manifest: by its media type,
    /// else by its shape.
    pub fn is_index(&self) -> bool {
        match self.media_type.as_deref() {
            Some(OCI_INDEX | DOCKER_MANIFEST_LIST) => true,
            Some(OCI_MANIFEST | DOCKER_MANIFEST) => false,
            _ => self.manifests.is_some() && self.config.is_none(),
        }
    }

    /// The config descriptor of an image manifest.
    pub fn config_descriptor(&self) -> Result<&Descriptor, ImageError> {
        self.config
            .as_ref()
            .ok_or_else(|| ImageError::format("image manifest", "has no `config` descriptor"))
    }

    /// The layer descriptors of an image manifest (none if the list is absent).
    pub fn layer_descriptors(&self) -> &[Descriptor] {
        self.layers.as_deref().unwrap_or_default()
    }

    /// Picks the entry of an index that matches `platform`, skipping attestations and
    /// artifacts; the only entry is taken if it names no platform. The error lists what the
    /// index offers.
    pub fn select(&self, platform: &Platform) -> Result<&Descriptor, ImageError> {
        let entries = self
            .manifests
            .as_deref()
            .ok_or_else(|| ImageError::format("image index", "has no `manifests` list"))?;
        let images: Vec<&Descriptor> = entries
            .iter()
            .filter(|d| !d.is_attestation() && d.is_manifest_or_index())
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
        let mut available: Vec<String> = Vec::new();
        for name in images
            .iter()
            .filter_map(|d| d.platform.as_ref())
            .map(ToString::to_string)
        {
            if !available.contains(&name) {
                available.push(name);
            }
        }
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
    match media_type {
        None => Ok(()),
        Some(m) if LAYER_MEDIA_TYPES.contains(&m) => Ok(()),
        Some(m) => Err(ImageError::UnsupportedMediaType(m.to_string())),
    }
}

/// Rejects configs of OCI artifacts that are not container images; `None` is accepted.
pub fn check_config_media_type(media_type: Option<&str>) -> Result<(), ImageError> {
    match media_type {
        None => Ok(()),
        Some(m) if CONFIG_MEDIA_TYPES.contains(&m) => Ok(()),
        Some(m) => Err(ImageError::format(
            "image manifest",
            format!(
                "config media type {m:?} is not a container image config; this is an OCI artifact, not an image"
            ),
        )),
    }
}

/// Pairs manifest layers with the config's diff_ids, which must agree in count.
pub fn layers_from(
    descriptors: &[Descriptor],
    diff_ids: &[String],
) -> Result<Vec<crate::LayerInfo>, ImageError> {
    if descriptors.len() != diff_ids.len() {
        return Err(ImageError::format(
            "image config",
            format!(
                "rootfs.diff_ids lists {} layers but the manifest has {}",
                diff_ids.len(),
                descriptors.len()
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

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:efbc66f9a894c94852dfe9419ea632ee889e3862ce2a60dc35bd483cddc88b69";
    const D2: &str = "sha256:94aaffd34e24b4ad99025c89c08b47a478ad1d616db3cbddeee194fa3bc203a0";

    fn index() -> Manifest {
        let json = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D1}","size":480,"platform":{{"architecture":"amd64","os":"linux"}}}},
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D2}","size":480,"platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}},
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D2}","size":480,"platform":{{"architecture":"unknown","os":"unknown"}}}},
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D2}","size":480,"platform":{{"architecture":"s390x","os":"linux"}},
                "annotations":{{"vnd.docker.reference.type":"attestation-manifest"}}}},
              {{"mediaType":"application/vnd.example.artifact+json","digest":"{D2}","size":480,"platform":{{"architecture":"ppc64le","os":"linux"}}}},
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D1}","size":480,"platform":{{"architecture":"amd64","os":"linux"}}}}
            ]}}"#
        );
        let m = Manifest::parse(json.as_bytes(), "index").unwrap();
        assert!(m.is_index());
        m
    }

    #[test]
    fn selects_by_platform_and_lists_available() {
        let index = index();
        let pick = |p: &str| index.select(&Platform::parse(p).unwrap());
        assert_eq!(pick("linux/amd64").unwrap().digest.as_str(), D1);
        assert_eq!(pick("linux/arm64").unwrap().digest.as_str(), D2);
        assert_eq!(pick("linux/arm64/v8").unwrap().digest.as_str(), D2);
        assert!(pick("linux/arm64/v7").is_err());
        // Neither the attestation nor the artifact is an image for its platform.
        assert!(pick("linux/ppc64le").is_err());
        let err = pick("linux/s390x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no image for platform linux/s390x (available: linux/amd64, linux/arm64/v8)"
        );
    }

    #[test]
    fn single_entry_without_platform_is_taken() {
        let json = format!(r#"{{"manifests":[{{"digest":"{D1}"}}]}}"#);
        let m = Manifest::parse(json.as_bytes(), "index").unwrap();
        assert!(m.is_index());
        let d = m.select(&Platform::parse("linux/arm64").unwrap()).unwrap();
        assert_eq!(d.digest.as_str(), D1);
    }

    #[test]
    fn kinds_from_media_type_fallback_or_shape() {
        let manifest = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"{}","digest":"{D1}","size":1}},"layers":[]}}"#,
            CONFIG_MEDIA_TYPES[1]
        );
        let m = Manifest::parse_as(manifest.as_bytes(), "manifest", Some(DOCKER_MANIFEST)).unwrap();
        assert!(!m.is_index());
        assert!(!Manifest::parse(manifest.as_bytes(), "manifest")
            .unwrap()
            .is_index());
        let typed_index = format!(r#"{{"schemaVersion":2,"manifests":[{{"digest":"{D1}"}}]}}"#);
        let m = Manifest::parse_as(typed_index.as_bytes(), "manifest", Some(OCI_INDEX)).unwrap();
        assert!(m.is_index());
        let v1 = br#"{"schemaVersion":1,"name":"x","fsLayers":[]}"#;
        assert!(matches!(
            Manifest::parse(v1, "manifest"),
            Err(ImageError::UnsupportedMediaType(_))
        ));
        let v1_by_type = br#"{"name":"x","fsLayers":[]}"#;
        assert!(matches!(
            Manifest::parse_as(
                v1_by_type,
                "manifest",
                Some("application/vnd.docker.distribution.manifest.v1+prettyjws")
            ),
            Err(ImageError::UnsupportedMediaType(_))
        ));
        let odd = br#"{"schemaVersion":2,"mediaType":"application/vnd.example+json"}"#;
        assert!(matches!(
            Manifest::parse(odd, "manifest"),
            Err(ImageError::UnsupportedMediaType(_))
        ));
        let no_config =
            format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","layers":[]}}"#);
        let m = Manifest::parse(no_config.as_bytes(), "manifest").unwrap();
        assert!(!m.is_index());
        assert!(matches!(
            m.config_descriptor(),
            Err(ImageError::Format { .. })
        ));
        let no_list = format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}"}}"#);
        let m = Manifest::parse(no_list.as_bytes(), "index").unwrap();
        assert!(m.is_index());
        assert!(matches!(
            m.select(&Platform::parse("linux/amd64").unwrap()),
            Err(ImageError::Format { .. })
        ));
        assert!(matches!(
            Manifest::parse(b"[1,2", "manifest"),
            Err(ImageError::Json { .. })
        ));
    }

    #[test]
    fn media_type_checks() {
        for ok in LAYER_MEDIA_TYPES {
            check_layer_media_type(Some(ok)).unwrap();
        }
        check_layer_media_type(None).unwrap();
        assert!(matches!(
            check_layer_media_type(Some("application/vnd.oci.image.layer.v1.tar+encrypted")),
            Err(ImageError::UnsupportedMediaType(_))
        ));
        for ok in CONFIG_MEDIA_TYPES {
            check_config_media_type(Some(ok)).unwrap();
        }
        check_config_media_type(None).unwrap();
        assert!(check_config_media_type(Some("application/vnd.cncf.helm.config.v1+json")).is_err());
    }

    #[test]
    fn descriptor_digest_and_size_validation() {
        let bad_digest = r#"{"mediaType":"x","digest":"sha512:abc","size":1}"#;
        assert!(serde_json::from_str::<Descriptor>(bad_digest).is_err());
        let negative = format!(r#"{{"mediaType":"x","digest":"{D1}","size":-1}}"#);
        assert!(serde_json::from_str::<Descriptor>(&negative).is_err());
        let sizeless: Descriptor =
            serde_json::from_str(&format!(r#"{{"digest":"{D1}"}}"#)).unwrap();
        assert!(matches!(
            sizeless.required_size("layer 0"),
            Err(ImageError::Format { .. })
        ));
        let sized: Descriptor =
            serde_json::from_str(&format!(r#"{{"digest":"{D1}","size":7}}"#)).unwrap();
        assert_eq!(sized.required_size("layer 0").unwrap(), 7);
    }

    #[test]
    fn layer_count_must_match_diff_ids() {
        let d: Descriptor = serde_json::from_str(&format!(r#"{{"digest":"{D1}"}}"#)).unwrap();
        let err = layers_from(&[d], &[]).unwrap_err();
        assert!(
            err.to_string().contains("rootfs.diff_ids lists 0 layers"),
            "{err}"
        );
    }
}
