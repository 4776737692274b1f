//! The scan: streams every layer once through the analyzers (in parallel, cached by
//! diff_id), then merges the layers into the final inventory.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use bulwark_image::{
    read_entry, walk_layer, walk_rootfs, EntryKind, EntryMeta, ImageError, ImageSource, LayerCache,
    Limits, MergedView,
};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analyzer::{AnalyzerKind, Fact};
use crate::merge::merge;
use crate::registry::AnalyzerRegistry;
use crate::secrets::{collect_secrets, SecretsReport};
use crate::{Inventory, InventoryError};

mod codec;

/// Bumped when [`LayerFacts`] or its encoding (`codec`) changes, so old cache entries are
/// ignored.
const CACHE_SCHEMA: u32 = 3;

/// Everything the analyzers learned from one layer, plus its file listing. This is what
/// the layer cache stores.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LayerFacts {
    /// Every entry of the layer, in archive order (whiteouts included).
    pub entries: Vec<EntryMeta>,
    /// Facts by the file they came from.
    pub facts: Vec<FileFacts>,
}

/// The facts one analyzer produced from one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileFacts {
    pub path: String,
    pub analyzer: AnalyzerKind,
    pub facts: Vec<Fact>,
}

/// Progress events, for a progress bar.
pub trait Progress: Sync {
    /// A layer is about to be read (`cached` = served from the cache).
    fn layer_started(&self, index: usize, total: usize, cached: bool);
    /// A layer is done.
    fn layer_done(&self, index: usize, total: usize);
}

/// No progress reporting.
pub struct NoProgress;

impl Progress for NoProgress {
    fn layer_started(&self, _: usize, _: usize, _: bool) {}
    fn layer_done(&self, _: usize, _: usize) {}
}

/// How to scan.
pub struct ScanOptions<'a> {
    pub limits: Limits,
    /// Layer cache; `None` reads every layer.
    pub cache: Option<&'a LayerCache>,
    pub progress: &'a dyn Progress,
    /// Whether the caller needs [`ScanOutcome::view`] (reachability, image checks, file
    /// layers). When it does not, a cached merge result of the same layers and analyzers
    /// is used as is, without decoding and stacking every layer's listing again.
    pub keep_view: bool,
}

impl Default for ScanOptions<'_> {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            cache: None,
            progress: &NoProgress,
            keep_view: true,
        }
    }
}

/// The result of a scan: the inventory and the merged filesystem it was built from.
pub struct ScanOutcome {
    pub inventory: Inventory,
    /// The merged filesystem; empty when the result came from the merge cache (only
    /// without [`ScanOptions::keep_view`]).
    pub view: MergedView,
    /// Secrets in the files of every layer (empty unless the registry has the secrets
    /// analyzer); image config secrets are added by the caller ([`crate::scan_image_config`]).
    pub secrets: SecretsReport,
    /// How many layers were served from the cache.
    pub cached_layers: usize,
}

/// Catalogues an image.
pub fn scan_image(
    source: &dyn ImageSource,
    analyzers: &AnalyzerRegistry,
    opts: &ScanOptions<'_>,
) -> Result<ScanOutcome, InventoryError> {
    let meta = source.meta();
    let total = meta.layers.len();
    let cached = AtomicUsize::new(0);
    let version_key = analyzers.version_key();
    let total_bytes = AtomicUsize::new(0);
    // The per-file limit decides which files capped analyzers skip: part of the key.
    let keys: Vec<String> = meta
        .layers
        .iter()
        .map(|layer| {
            format!(
                "{}|{CACHE_SCHEMA}|{}|{version_key}",
                layer.diff_id, opts.limits.max_file_bytes
            )
        })
        .collect();
    let merged_key = merged_key(&keys);
    if !opts.keep_view {
        if let Some(hit) = opts.cache.and_then(|c| merged_get(c, &merged_key, total)) {
            for index in 0..total {
                opts.progress.layer_started(index, total, true);
                opts.progress.layer_done(index, total);
            }
            return Ok(hit);
        }
    }
    let layers: Vec<LayerFacts> = meta
        .layers
        .par_iter()
        .zip(keys.par_iter())
        .map(|(layer, key)| {
            let key = key.as_str();
            if let Some(hit) = opts.cache.and_then(|c| cache_get(c, key)) {
                cached.fetch_add(1, Ordering::Relaxed);
                opts.progress.layer_started(layer.index, total, true);
                opts.progress.layer_done(layer.index, total);
                return Ok(hit);
            }
            opts.progress.layer_started(layer.index, total, false);
            let label = format!("layer {} ({})", layer.index + 1, layer.diff_id.short());
            let blob = source.open_layer(layer.index)?;
            let mut collector = Collector::new(analyzers, opts.limits.max_file_bytes);
            let stats = match walk_layer(
                blob,
                Some(&layer.diff_id),
                &label,
                &opts.limits,
                &mut collector,
            ) {
                Ok(stats) => stats,
                Err(e) => return Err(collector.error.take().unwrap_or(e.into())),
            };
            let sum = total_bytes.fetch_add(stats.uncompressed_bytes as usize, Ordering::Relaxed)
                as u64
                + stats.uncompressed_bytes;
            if sum > opts.limits.max_image_bytes {
                return Err(InventoryError::Image(ImageError::TooLarge {
                    what: "image: total uncompressed size".into(),
                    limit: opts.limits.max_image_bytes,
                    flag: "--max-image-size",
                }));
            }
            let facts = collector.finish()?;
            if let Some(c) = opts.cache {
                cache_put(c, key, &facts);
            }
            opts.progress.layer_done(layer.index, total);
            Ok(facts)
        })
        .collect::<Result<_, InventoryError>>()?;
    let layer_refs: Vec<Option<String>> = meta
        .layers
        .iter()
        .map(|l| Some(l.diff_id.to_string()))
        .collect();
    let (inventory, view) = merge(&layers, &layer_refs);
    let secrets = collect_secrets(&layers, &view, &layer_refs);
    if let Some(c) = opts.cache {
        merged_put(c, &merged_key, &inventory, &secrets);
    }
    Ok(ScanOutcome {
        inventory,
        view,
        secrets,
        cached_layers: cached.into_inner(),
    })
}

/// Catalogues a root filesystem directory as a single layer (never cached: it can change).
pub fn scan_rootfs(
    root: &Path,
    analyzers: &AnalyzerRegistry,
    opts: &ScanOptions<'_>,
) -> Result<ScanOutcome, InventoryError> {
    opts.progress.layer_started(0, 1, false);
    let mut collector = Collector::new(analyzers, opts.limits.max_file_bytes);
    if let Err(e) = walk_rootfs(root, &opts.limits, &mut collector) {
        return Err(collector.error.take().unwrap_or(e.into()));
    }
    let facts = collector.finish()?;
    opts.progress.layer_done(0, 1);
    let (inventory, view) = merge(std::slice::from_ref(&facts), &[None]);
    let secrets = collect_secrets(std::slice::from_ref(&facts), &view, &[None]);
    Ok(ScanOutcome {
        inventory,
        view,
        secrets,
        cached_layers: 0,
    })
}

/// Visits entries, keeps the listing, and runs the analyzers on the files they want.
struct Collector<'a> {
    analyzers: &'a AnalyzerRegistry,
    /// The scan's per-file read limit ([`Limits::max_file_bytes`]).
    max_file_bytes: u64,
    facts: LayerFacts,
    error: Option<InventoryError>,
}

impl<'a> Collector<'a> {
    fn new(analyzers: &'a AnalyzerRegistry, max_file_bytes: u64) -> Self {
        Self {
            analyzers,
            max_file_bytes,
            facts: LayerFacts::default(),
            error: None,
        }
    }

    fn finish(self) -> Result<LayerFacts, InventoryError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.facts),
        }
    }
}

impl bulwark_image::EntryVisitor for Collector<'_> {
    fn visit(&mut self, entry: &EntryMeta, content: &mut dyn Read) -> Result<(), ImageError> {
        self.facts.entries.push(entry.clone());
        if entry.kind != EntryKind::File || !self.analyzers.any_wants_file(&entry.path, entry.mode)
        {
            return Ok(());
        }
        // Read lazily: an analyzer with a size cap below this file's size skips it with a
        // warning, and if every analyzer does, the file is never read.
        let mut bytes: Option<Vec<u8>> = None;
        for analyzer in self.analyzers.wanting_file(&entry.path, entry.mode) {
            // An analyzer with its own cap never makes the scan read past the scan's
            // per-file limit: a file over either is skipped the analyzer's way.
            let cap = analyzer
                .max_file_bytes()
                .map(|l| l.min(self.max_file_bytes));
            if let Some(limit) = cap.filter(|l| entry.size > *l) {
                self.facts.facts.push(FileFacts {
                    path: entry.path.clone(),
                    analyzer: analyzer.kind(),
                    facts: analyzer.oversized(&entry.path, entry.size, limit),
                });
                continue;
            }
            if bytes.is_none() {
                bytes = Some(read_entry(content, &entry.path)?);
            }
            let bytes = bytes.as_deref().unwrap_or_default();
            match analyzer.analyze(&entry.path, bytes) {
                // Most files give the secret scanner nothing to say: keep the cache small.
                Ok(facts) if facts.is_empty() => {}
                Ok(facts) => self.facts.facts.push(FileFacts {
                    path: entry.path.clone(),
                    analyzer: analyzer.kind(),
                    facts,
                }),
                Err(e) => {
                    // Keep streaming is pointless: the scan fails. Stop at the first error.
                    self.error = Some(e);
                    return Err(ImageError::format(entry.path.clone(), "analysis failed"));
                }
            }
        }
        Ok(())
    }
}

/// Largest decoded cache entry accepted; a bigger frame size means a corrupt entry.
const MAX_CACHED_FACTS: u64 = 1 << 30;

fn cache_get(cache: &LayerCache, key: &str) -> Option<LayerFacts> {
    codec::decode(&cache_get_payload(cache, key)?)
}

/// Best effort: a cache that cannot be written only costs speed next time.
fn cache_put(cache: &LayerCache, key: &str, facts: &LayerFacts) {
    if let Some(payload) = codec::encode(facts) {
        cache_put_payload(cache, key, &payload);
    }
}

/// The decompressed value under `key`; `None` when absent or corrupt.
fn cache_get_payload(cache: &LayerCache, key: &str) -> Option<Vec<u8>> {
    let bytes = cache.get(key).ok()??;
    // The frame records its decoded size (bulk compression below), so the output buffer is
    // allocated once instead of grown by doubling: that growth was a tenth of a warm scan.
    let size = zstd::zstd_safe::get_frame_content_size(&bytes)
        .ok()
        .flatten()
        .filter(|n| *n <= MAX_CACHED_FACTS)?;
    zstd::bulk::decompress(&bytes, usize::try_from(size).ok()?).ok()
}

fn cache_put_payload(cache: &LayerCache, key: &str, payload: &[u8]) {
    let Ok(packed) = zstd::bulk::compress(payload, 3) else {
        return;
    };
    if let Err(e) = cache.put(key, &packed) {
        tracing::warn!("layer cache write failed: {e}");
    }
}

/// What the merge of a layer stack produced, minus the merged view: stored beside the
/// layers so an unchanged image is not merged again.
#[derive(Deserialize)]
struct MergedResult {
    inventory: Inventory,
    config_files: Vec<crate::ConfigFile>,
    secrets: SecretsReport,
}

/// [`MergedResult`] borrowed, for writing.
#[derive(Serialize)]
struct MergedResultRef<'a> {
    inventory: &'a Inventory,
    config_files: &'a [crate::ConfigFile],
    secrets: &'a SecretsReport,
}

/// The merge result's key: every layer's key, in order (each already names its diff_id,
/// the cache schema, the per-file limit and the analyzer set).
fn merged_key(layer_keys: &[String]) -> String {
    let digest = bulwark_image::Digest::of(layer_keys.join("\n").as_bytes());
    format!("merged|{CACHE_SCHEMA}|{digest}")
}

/// The cached merge result, as a scan outcome that served all `layers` from the cache.
fn merged_get(cache: &LayerCache, key: &str, layers: usize) -> Option<ScanOutcome> {
    let payload = cache_get_payload(cache, key)?;
    let MergedResult {
        mut inventory,
        config_files,
        secrets,
    } = serde_json::from_slice(&payload).ok()?;
    inventory.config_files = config_files;
    Some(ScanOutcome {
        inventory,
        view: MergedView::default(),
        secrets,
        cached_layers: layers,
    })
}

fn merged_put(cache: &LayerCache, key: &str, inventory: &Inventory, secrets: &SecretsReport) {
    let result = MergedResultRef {
        inventory,
        config_files: &inventory.config_files,
        secrets,
    };
    if let Ok(payload) = serde_json::to_vec(&result) {
        cache_put_payload(cache, key, &payload);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_or_foreign_merge_entry_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let key = merged_key(&["a".into(), "b".into()]);
        assert_ne!(
            key,
            merged_key(&["b".into(), "a".into()]),
            "layer order counts"
        );
        assert!(merged_get(&cache, &key, 2).is_none());
        cache.put(&key, b"not zstd").unwrap();
        assert!(merged_get(&cache, &key, 2).is_none());
        cache_put_payload(&cache, &key, b"{\"inventory\": 3}");
        assert!(merged_get(&cache, &key, 2).is_none());
        let inventory = Inventory {
            config_files: vec![crate::ConfigFile {
                path: "/app/Dockerfile".into(),
                layer: Some(1),
                text: "FROM scratch\n".into(),
            }],
            ..Inventory::default()
        };
        merged_put(&cache, &key, &inventory, &SecretsReport::default());
        let hit = merged_get(&cache, &key, 2).unwrap();
        assert_eq!(hit.inventory, inventory);
        assert_eq!(hit.cached_layers, 2);
    }
}
