//! `docker save` archives: legacy (`<id>/layer.tar`) and OCI-in-docker-save (`blobs/sha256/`).

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::Deserialize;

use crate::digest::VerifyingReader;
use crate::store::BlobStore;
use crate::{Digest, ImageConfig, ImageError, ImageMeta, ImageSource, LayerInfo, SourceKind};

/// One image of `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ArchiveManifest {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// An image read from a docker-archive tar.
pub struct DockerArchive {
    store: BlobStore,
    meta: ImageMeta,
    layer_paths: Vec<String>,
}

impl DockerArchive {
    /// True if the tar at `path` looks like `docker save` output.
    pub(crate) fn is_docker_archive(store: &BlobStore) -> bool {
        store.contains("manifest.json")
    }

    /// Opens the image of `path` tagged `tag` (or the first image).
    pub fn open(path: &Path, tag: Option<&str>) -> Result<Self, ImageError> {
        let store = BlobStore::open_tar(path)?;
        Self::from_store(store, path, tag)
    }

    pub(crate) fn from_store(
        store: BlobStore,
        path: &Path,
        tag: Option<&str>,
    ) -> Result<Self, ImageError> {
        if !Self::is_docker_archive(&store) {
            return Err(ImageError::Target {
                target: path.display().to_string(),
                reason: "no manifest.json: not a docker-archive".into(),
            });
        }
        let raw = store.read_small("manifest.json", "docker-archive manifest")?;
        let manifests: Vec<ArchiveManifest> =
            serde_json::from_slice(&raw).map_err(|e| ImageError::json("manifest.json", e))?;
        let chosen = match tag {
            Some(t) => manifests.iter().find(|m| {
                m.repo_tags
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|rt| rt == t || rt.rsplit_once(':').is_some_and(|(_, tt)| tt == t))
            }),
            None => manifests.first(),
        }
        .ok_or_else(|| ImageError::Target {
            target: path.display().to_string(),
            reason: match tag {
                Some(t) => format!("no image tagged {t:?} in manifest.json"),
                None => "manifest.json lists no image".into(),
            },
        })?;
        let config_raw = store.read_small(&chosen.config, "config")?;
        let config_digest = Digest::of(&config_raw);
        if let Some(expected) = digest_in_name(&chosen.config) {
            if expected != config_digest {
                return Err(ImageError::DigestMismatch {
                    what: format!("config {}", chosen.config),
                    expected: expected.to_string(),
                    actual: config_digest.to_string(),
                });
            }
        }
        let config = ImageConfig::parse(&config_raw)?;
        let diff_ids = config
            .rootfs
            .as_ref()
            .map(|r| r.diff_ids.clone())
            .unwrap_or_default();
        if diff_ids.len() != chosen.layers.len() {
            return Err(ImageError::format(
                "docker-archive",
                format!(
                    "manifest.json lists {} layers but config rootfs.diff_ids has {}",
                    chosen.layers.len(),
                    diff_ids.len()
                ),
            ));
        }
        let mut layers = Vec::with_capacity(diff_ids.len());
        for (index, (name, diff)) in chosen.layers.iter().zip(&diff_ids).enumerate() {
            if !store.contains(name) {
                return Err(ImageError::MissingBlob {
                    digest: diff.clone(),
                    what: format!("layer {name} not in archive"),
                });
            }
            layers.push(LayerInfo {
                index,
                blob_digest: digest_in_name(name),
                diff_id: diff.parse()?,
                media_type: None,
                size: store.size(name),
            });
        }
        let meta = ImageMeta {
            name: path.display().to_string(),
            source: SourceKind::DockerArchive,
            manifest_digest: None,
            config_digest,
            repo_tags: chosen.repo_tags.clone().unwrap_or_default(),
            repo_digests: Vec::new(),
            config,
            config_raw,
            layers,
        };
        Ok(Self {
            store,
            meta,
            layer_paths: chosen.layers.clone(),
        })
    }
}

impl ImageSource for DockerArchive {
    fn meta(&self) -> &ImageMeta {
        &self.meta
    }

    fn open_layer(&self, index: usize) -> Result<Box<dyn BufRead + Send + '_>, ImageError> {
        let layer = self.meta.layer(index)?;
        let name = self.layer_paths.get(index).ok_or_else(|| {
            ImageError::format("docker-archive", format!("no path for layer {index}"))
        })?;
        let raw = self.store.open(name)?;
        Ok(match &layer.blob_digest {
            // Uncompressed blobs named by their diff_id are verified by the layer walker.
            Some(d) if d != &layer.diff_id => Box::new(VerifyingReader::new(
                raw,
                d.clone(),
                format!("layer {name}"),
            )),
            _ => Box::new(BufReader::with_capacity(256 << 10, raw)),
        })
    }
}

/// `blobs/sha256/<hex>` and `<hex>.json` / `<hex>.tar` name their content digest.
fn digest_in_name(name: &str) -> Option<Digest> {
    if let Some(hex) = name.strip_prefix("blobs/sha256/") {
        return format!("sha256:{hex}").parse().ok();
    }
    let stem = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".tar"))?;
    if stem.contains('/') {
        return None;
    }
    format!("sha256:{stem}").parse().ok()
}
