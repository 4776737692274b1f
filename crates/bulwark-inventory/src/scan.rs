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
}

impl Default for ScanOptions<'_> {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            cache: None,
            progress: &NoProgress,
        }
    }
}

/// The result of a scan: the inventory and the merged filesystem it was built from.
pub struct ScanOutcome {
    pub inventory: Inventory,
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
    let layers: Vec<LayerFacts> = meta
        .layers
        .par_iter()
        .map(|layer| {
            // The per-file limit decides which files capped analyzers skip: part of the key.
            let key = format!(
                "{}|{CACHE_SCHEMA}|{}|{version_key}",
                layer.diff_id, opts.limits.max_file_bytes
            );
            if let Some(hit) = opts.cache.and_then(|c| cache_get(c, &key)) {
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
                cache_put(c, &key, &facts);
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
    let bytes = cache.get(key).ok()??;
    // The frame records its decoded size (bulk compression below), so the output buffer is
    // allocated once instead of grown by doubling: that growth was a tenth of a warm scan.
    let size = zstd::zstd_safe::get_frame_content_size(&bytes)
        .ok()
        .flatten()
        .filter(|n| *n <= MAX_CACHED_FACTS)?;
    let payload = zstd::bulk::decompress(&bytes, usize::try_from(size).ok()?).ok()?;
    codec::decode(&payload)
}

/// Best effort: a cache that cannot be written only costs speed next time.
fn cache_put(cache: &LayerCache, key: &str, facts: &LayerFacts) {
    let Some(payload) = codec::encode(facts) else {
        return;
    };
    let Ok(packed) = zstd::bulk::compress(&payload, 3) else {
        return;
    };
    if let Err(e) = cache.put(key, &packed) {
        tracing::warn!("layer cache write failed: {e}");
    }
}
