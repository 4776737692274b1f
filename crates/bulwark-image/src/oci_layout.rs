//! OCI image layouts, as a directory or as a tar (`oci-archive`).

use std::io::BufRead;
use std::path::Path;

use crate::digest::VerifyingReader;
use crate::manifest::{check_config_media_type, layers_from, Descriptor, Manifest};
use crate::store::BlobStore;
use crate::{Digest, ImageConfig, ImageError, ImageMeta, ImageSource, Platform, SourceKind};

/// Annotation naming the tag of a manifest in `index.json`.
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// An image read from an OCI layout.
pub struct OciLayout {
    store: BlobStore,
    meta: ImageMeta,
}

impl OciLayout {
    /// Opens `path` (a layout directory, or a tar of one) and selects the manifest tagged
    /// `tag` (or the only one, or the one for `platform`).
    pub fn open(path: &Path, tag: Option<&str>, platform: &Platform) -> Result<Self, ImageError> {
        let (store, kind) = if path.is_dir() {
            (BlobStore::Dir(path.to_path_buf()), SourceKind::OciLayout)
        } else {
            (BlobStore::open_tar(path)?, SourceKind::OciArchive)
        };
        if !store.contains("index.json") {
            return Err(ImageError::Target {
                target: path.display().to_string(),
                reason: "no index.json: not an OCI image layout".into(),
            });
        }
        let index = Manifest::parse(&store.read_small("index.json", "OCI index")?, "index.json")?;
        let descriptor = pick_manifest(&index, tag, platform, path)?;
        let mut repo_tags = Vec::new();
        if let Some(name) = descriptor
            .annotations
            .as_ref()
            .and_then(|a| a.get(REF_NAME))
        {
            repo_tags.push(name.clone());
        }
        let descriptor = descriptor.clone();
        let (manifest_digest, manifest) = resolve_manifest(&store, descriptor, platform)?;
        let config_desc = manifest.config_descriptor()?;
        check_config_media_type(config_desc.media_type.as_deref())?;
        let config_raw = read_verified(&store, &config_desc.digest, "config")?;
        let config = ImageConfig::parse(&config_raw)?;
        let diff_ids = config
            .rootfs
            .as_ref()
            .map(|r| r.diff_ids.clone())
            .unwrap_or_default();
        let layers = layers_from(manifest.layer_descriptors(), &diff_ids)?;
        let meta = ImageMeta {
            name: path.display().to_string(),
            source: kind,
            manifest_digest: Some(manifest_digest),
            config_digest: config_desc.digest.clone(),
            repo_tags,
            repo_digests: Vec::new(),
            config,
            config_raw,
            layers,
        };
        Ok(Self { store, meta })
    }
}

impl ImageSource for OciLayout {
    fn meta(&self) -> &ImageMeta {
        &self.meta
    }

    fn open_layer(&self, index: usize) -> Result<Box<dyn BufRead + Send + '_>, ImageError> {
        let layer = self.meta.layer(index)?;
        let digest = layer
            .blob_digest
            .clone()
            .ok_or_else(|| ImageError::format("image", format!("layer {index} has no digest")))?;
        let raw = self.store.open(&blob_path(&digest))?;
        Ok(Box::new(VerifyingReader::new(
            raw,
            digest.clone(),
            format!("layer blob {digest}"),
        )))
    }
}

/// Path of a blob inside a layout.
fn blob_path(d: &Digest) -> String {
    format!("blobs/sha256/{}", d.hex())
}

/// Reads a small blob and checks it hashes to its digest.
fn read_verified(store: &BlobStore, digest: &Digest, what: &str) -> Result<Vec<u8>, ImageError> {
    let bytes = store.read_small(&blob_path(digest), what)?;
    let actual = Digest::of(&bytes);
    if &actual != digest {
        return Err(ImageError::DigestMismatch {
            what: format!("{what} blob"),
            expected: digest.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(bytes)
}

/// Chooses the top-level entry of `index.json`.
fn pick_manifest<'a>(
    index: &'a Manifest,
    tag: Option<&str>,
    platform: &Platform,
    path: &Path,
) -> Result<&'a Descriptor, ImageError> {
    let entries = index.manifests.as_deref().unwrap_or_default();
    if let Some(tag) = tag {
        return entries
            .iter()
            .find(|d| {
                d.annotations
                    .as_ref()
                    .and_then(|a| a.get(REF_NAME))
                    .is_some_and(|n| n == tag || n.rsplit_once(':').is_some_and(|(_, t)| t == tag))
            })
            .ok_or_else(|| ImageError::Target {
                target: format!("{}:{tag}", path.display()),
                reason: format!(
                    "no manifest tagged {tag:?} in index.json (tags: {})",
                    tags(entries)
                ),
            });
    }
    match entries {
        [] => Err(ImageError::format("index.json", "lists no manifests")),
        [only] => Ok(only),
        _ => index.select(platform).map_err(|_| ImageError::Target {
            target: path.display().to_string(),
            reason: format!(
                "several images in the layout; name one as DIR:TAG (tags: {})",
                tags(entries)
            ),
        }),
    }
}

fn tags(entries: &[Descriptor]) -> String {
    let t: Vec<&str> = entries
        .iter()
        .filter_map(|d| {
            d.annotations
                .as_ref()
                .and_then(|a| a.get(REF_NAME))
                .map(String::as_str)
        })
        .collect();
    if t.is_empty() {
        "none".into()
    } else {
        t.join(", ")
    }
}

/// Follows nested indexes down to one image manifest for `platform`.
fn resolve_manifest(
    store: &BlobStore,
    mut descriptor: Descriptor,
    platform: &Platform,
) -> Result<(Digest, Manifest), ImageError> {
    for _ in 0..4 {
        let bytes = read_verified(store, &descriptor.digest, "manifest")?;
        let manifest = Manifest::parse(&bytes, "manifest")?;
        if !manifest.is_index() {
            return Ok((descriptor.digest, manifest));
        }
        descriptor = manifest.select(platform)?.clone();
    }
    Err(ImageError::format(
        "OCI layout",
        "indexes nested too deeply",
    ))
}
