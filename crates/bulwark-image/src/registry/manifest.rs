//! Manifest documents as registries serve them: OCI and Docker schema 2 image manifests, OCI
//! indexes and Docker manifest lists, read with our own lenient serde structs so that every
//! problem becomes an `ImageError` that names the field, never a panic.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Digest, ImageError, Platform};

/// OCI image manifest.
pub(crate) const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub(crate) const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker image manifest, schema 2.
pub(crate) const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list (multi-arch).
pub(crate) const DOCKER_MANIFEST_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
/// What we ask the manifest endpoint for, in order of preference.
pub(crate) const ACCEPT: [&str; 4] = [
    OCI_INDEX,
    OCI_MANIFEST,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST,
];

/// Layer blobs the walker can read: plain, gzip or zstd tars.
const LAYER_MEDIA_TYPES: [&str; 5] = [
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
];

/// Image config blobs; anything else is an OCI artifact (Helm chart, signature, …), not an image.
const CONFIG_MEDIA_TYPES: [&str; 2] = [
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];

/// A content descriptor: what a manifest says about a blob or a child manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: String,
    pub size: i64,
    #[serde(default)]
    pub platform: Option<PlatformSpec>,
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// The `platform` of an index entry.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PlatformSpec {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl PlatformSpec {
    fn display(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{v}", self.os, self.architecture),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }
}

impl Descriptor {
    /// The descriptor's digest as our `Digest` (sha256 only).
    pub fn digest(&self, what: &str) -> Result<Digest, ImageError> {
        self.digest.parse().map_err(|_| {
            ImageError::format(
                what,
                format!(
                    "digest {:?} is not sha256:<64 lowercase hex> (other algorithms are not supported)",
                    self.digest
                ),
            )
        })
    }

    /// The declared size, rejecting negative values.
    pub fn size(&self, what: &str) -> Result<u64, ImageError> {
        u64::try_from(self.size)
            .map_err(|_| ImageError::format(what, format!("negative size {}", self.size)))
    }

    /// True for Docker's attestation entries (SBOM/provenance) that buildx adds to indexes.
    fn is_attestation(&self) -> bool {
        let annotated = self
            .annotations
            .as_ref()
            .and_then(|a| a.get("vnd.docker.reference.type"))
            .is_some_and(|t| t == "attestation-manifest");
        let unknown = self
            .platform
            .as_ref()
            .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown");
        annotated || unknown
    }
}

/// A single-platform image manifest.
#[derive(Debug, Clone)]
pub(crate) struct ImageManifest {
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

/// What a manifest endpoint returned.
#[derive(Debug, Clone)]
pub(crate) enum Document {
    Manifest(ImageManifest),
    Index(Vec<Descriptor>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDocument {
    #[serde(default)]
    schema_version: Option<i64>,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

/// Parses a manifest or index. The kind comes from the document's `mediaType`, else from the
/// response's Content-Type, else from its shape (OCI allows documents without `mediaType`).
pub(crate) fn parse_document(
    bytes: &[u8],
    content_type: Option<&str>,
) -> Result<Document, ImageError> {
    let raw: RawDocument =
        serde_json::from_slice(bytes).map_err(|e| ImageError::json("manifest", e))?;
    let header_type = content_type
        .and_then(|c| c.split(';').next())
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "application/json");
    let media_type = raw.media_type.as_deref().or(header_type);

    if raw.schema_version == Some(1)
        || media_type
            .is_some_and(|m| m.starts_with("application/vnd.docker.distribution.manifest.v1"))
    {
        // Schema 1 is deprecated and unsigned content in it cannot be verified the same way.
        return Err(ImageError::UnsupportedMediaType(
            media_type
                .unwrap_or("application/vnd.docker.distribution.manifest.v1+json")
                .to_string(),
        ));
    }
    let is_index = match media_type {
        Some(OCI_INDEX | DOCKER_MANIFEST_LIST) => true,
        Some(OCI_MANIFEST | DOCKER_MANIFEST) => false,
        Some(other) if raw.manifests.is_none() && raw.config.is_none() => {
            return Err(ImageError::UnsupportedMediaType(other.to_string()))
        }
        _ => raw.manifests.is_some(),
    };
    if is_index {
        let manifests = raw
            .manifests
            .ok_or_else(|| ImageError::format("image index", "has no `manifests` list"))?;
        return Ok(Document::Index(manifests));
    }
    let config = raw
        .config
        .ok_or_else(|| ImageError::format("image manifest", "has no `config` descriptor"))?;
    let layers = raw.layers.unwrap_or_default();
    Ok(Document::Manifest(ImageManifest { config, layers }))
}

/// Picks the index entry for `wanted`, skipping attestations and nested indexes; the error
/// lists what the index offers.
pub(crate) fn select_platform<'a>(
    entries: &'a [Descriptor],
    wanted: &Platform,
) -> Result<&'a Descriptor, ImageError> {
    let images = entries.iter().filter(|e| {
        !e.is_attestation()
            && (e.media_type.is_empty()
                || e.media_type == OCI_MANIFEST
                || e.media_type == DOCKER_MANIFEST)
    });
    let mut available = Vec::new();
    for entry in images {
        let Some(p) = &entry.platform else { continue };
        if wanted.matches(&p.os, &p.architecture, p.variant.as_deref()) {
            return Ok(entry);
        }
        let name = p.display();
        if !available.contains(&name) {
            available.push(name);
        }
    }
    Err(ImageError::Platform {
        wanted: wanted.to_string(),
        available: if available.is_empty() {
            "none".into()
        } else {
            available.join(", ")
        },
    })
}

/// Accepts a layer media type the walker can decompress, rejects the rest (foreign or
/// non-distributable layers, encrypted layers, artifacts).
pub(crate) fn check_layer_media_type(media_type: &str) -> Result<(), ImageError> {
    if LAYER_MEDIA_TYPES.contains(&media_type) {
        Ok(())
    } else {
        Err(ImageError::UnsupportedMediaType(media_type.to_string()))
    }
}

/// Rejects configs of OCI artifacts that are not container images.
pub(crate) fn check_config_media_type(media_type: &str) -> Result<(), ImageError> {
    if CONFIG_MEDIA_TYPES.contains(&media_type) {
        Ok(())
    } else {
        Err(ImageError::format(
            "image manifest",
            format!(
                "config media type {media_type:?} is not a container image config; this reference is an OCI artifact, not an image"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:efbc66f9a894c94852dfe9419ea632ee889e3862ce2a60dc35bd483cddc88b69";
    const D2: &str = "sha256:94aaffd34e24b4ad99025c89c08b47a478ad1d616db3cbddeee194fa3bc203a0";

    fn index() -> Vec<Descriptor> {
        let json = format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D1}","size":480,"platform":{{"architecture":"amd64","os":"linux"}}}},
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D2}","size":480,"platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}},
              {{"mediaType":"{OCI_MANIFEST}","digest":"{D2}","size":480,"platform":{{"architecture":"unknown","os":"unknown"}}}}
            ]}}"#
        );
        match parse_document(json.as_bytes(), None).unwrap() {
            Document::Index(m) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn selects_by_platform_and_lists_available() {
        let entries = index();
        let pick = |p: &str| select_platform(&entries, &Platform::parse(p).unwrap());
        assert_eq!(pick("linux/amd64").unwrap().digest, D1);
        assert_eq!(pick("linux/arm64").unwrap().digest, D2);
        assert_eq!(pick("linux/arm64/v8").unwrap().digest, D2);
        assert!(pick("linux/arm64/v7").is_err());
        let err = pick("linux/s390x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no image for platform linux/s390x (available: linux/amd64, linux/arm64/v8)"
        );
    }

    #[test]
    fn kinds_from_media_type_header_or_shape() {
        let manifest = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"{}","digest":"{D1}","size":1}},"layers":[]}}"#,
            CONFIG_MEDIA_TYPES[1]
        );
        assert!(matches!(
            parse_document(manifest.as_bytes(), Some(DOCKER_MANIFEST)).unwrap(),
            Document::Manifest(_)
        ));
        assert!(matches!(
            parse_document(manifest.as_bytes(), Some("application/json; charset=utf-8")).unwrap(),
            Document::Manifest(_)
        ));
        let v1 = br#"{"schemaVersion":1,"name":"x","fsLayers":[]}"#;
        assert!(matches!(
            parse_document(v1, None),
            Err(ImageError::UnsupportedMediaType(_))
        ));
        let odd = br#"{"schemaVersion":2,"mediaType":"application/vnd.example+json"}"#;
        assert!(matches!(
            parse_document(odd, None),
            Err(ImageError::UnsupportedMediaType(_))
        ));
        let no_config =
            format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","layers":[]}}"#);
        assert!(matches!(
            parse_document(no_config.as_bytes(), None),
            Err(ImageError::Format { .. })
        ));
        assert!(matches!(
            parse_document(b"[1,2", None),
            Err(ImageError::Json { .. })
        ));
    }

    #[test]
    fn media_type_checks() {
        for ok in LAYER_MEDIA_TYPES {
            check_layer_media_type(ok).unwrap();
        }
        assert!(matches!(
            check_layer_media_type("application/vnd.oci.image.layer.v1.tar+encrypted"),
            Err(ImageError::UnsupportedMediaType(_))
        ));
        assert!(check_config_media_type("application/vnd.cncf.helm.config.v1+json").is_err());
    }

    #[test]
    fn descriptor_digest_and_size_validation() {
        let d: Descriptor =
            serde_json::from_str(r#"{"mediaType":"x","digest":"sha512:abc","size":-1}"#).unwrap();
        assert!(d.digest("layer 0").is_err());
        assert!(d.size("layer 0").is_err());
    }
}
