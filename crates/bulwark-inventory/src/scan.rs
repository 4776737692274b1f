//! The scan: streams every layer once through the analyzers (in parallel, cached by
//! diff_id), then merges the layers into the final inventory.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use bulwark_image::{
    walk_layer, walk_rootfs, EntryKind, EntryMeta, FileBuffer, ImageError, ImageSource, LayerCache,
    LayerInfo, Limits, MergedView,
};
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
    /// Layer cache; `None` reads every layer. A scan's last write to it may still run when
    /// the scan returns ([`LayerCache::put_many_later`]); closing the cache waits for it.
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
    let jobs: Vec<(&LayerInfo, &str)> = meta
        .layers
        .iter()
        .zip(keys.iter().map(String::as_str))
        .collect();
    // The layers read here (not cache hits): their entries are written in one transaction.
    let fresh: Mutex<Vec<usize>> = Mutex::new(Vec::new());
    let read = run_layers(&jobs, |&(layer, key)| {
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
        lock(&fresh).push(layer.index);
        opts.progress.layer_done(layer.index, total);
        Ok(facts)
    });
    let fresh = fresh.into_inner().unwrap_or_else(|e| e.into_inner());
    let layers = match collect_layers(read) {
        Ok(layers) => layers,
        Err((e, read)) => {
            // The layers that were read stay useful for the next attempt.
            if let Some(c) = opts.cache {
                let read = read.iter().map(|(index, facts)| (*index, facts));
                cache_write(c, &pack_layers(read, &fresh, &keys));
            }
            return Err(e);
        }
    };
    let layer_refs: Vec<Option<String>> = meta
        .layers
        .iter()
        .map(|l| Some(l.diff_id.to_string()))
        .collect();
    // The new layers' cache entries are packed beside the merge, which has to wait for the
    // last layer anyway, instead of at the end of each layer's stream (the last of which
    // bounds the scan).
    let pack_new = || pack_layers(layers.iter().enumerate(), &fresh, &keys);
    let (inventory, view, secrets, pending) = std::thread::scope(|s| {
        let packer = opts.cache.map(|_| {
            std::thread::Builder::new()
                .name("bulwark-pack".into())
                .spawn_scoped(s, pack_new)
        });
        let (inventory, view) = merge(&layers, &layer_refs);
        let secrets = collect_secrets(&layers, &view, &layer_refs);
        let pending = match packer {
            Some(Ok(packer)) => packer.join().unwrap_or_default(),
            // No thread could be started: pack here.
            Some(Err(_)) => pack_new(),
            None => Vec::new(),
        };
        (inventory, view, secrets, pending)
    });
    if let Some(c) = opts.cache {
        // Serialised and committed beside the report, which does not need them; the copy
        // costs a fraction of the serialisation it moves off the critical path.
        let (copy, copied_secrets) = (inventory.clone(), secrets.clone());
        c.put_many_later(move || {
            let mut entries = pending;
            if let Some(packed) = merged_payload(&copy, &copied_secrets).and_then(|p| pack(&p)) {
                entries.push((merged_key, packed));
            }
            entries
        });
    }
    drop_in_background(layers);
    Ok(ScanOutcome {
        inventory,
        view,
        secrets,
        cached_layers: cached.into_inner(),
    })
}

/// Cache entries (key, packed value) of those `layers` (by index) that were read in this
/// scan (`fresh`), not taken from the cache.
fn pack_layers<'a>(
    layers: impl Iterator<Item = (usize, &'a LayerFacts)>,
    fresh: &[usize],
    keys: &[String],
) -> Vec<(String, Vec<u8>)> {
    layers
        .filter(|(index, _)| fresh.contains(index))
        .filter_map(|(index, facts)| {
            let packed = codec::encode(facts).and_then(|p| pack(&p))?;
            Some((keys[index].clone(), packed))
        })
        .collect()
}

/// Frees `value` on a short-lived thread: a scan's layer listings are tens of thousands of
/// allocations (~1.5 ms to free on the debian-12-app fixture) and nothing waits for them.
/// If no thread can be started, the value is freed here.
fn drop_in_background<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and the value with it.
    let _ = std::thread::Builder::new()
        .name("bulwark-free".into())
        .spawn(move || drop(value));
}

/// Runs `work` on every job (a layer and its cache key) on one thread per core, biggest
/// blob first: the longest layer stream bounds a cold scan, so it starts at once, and the
/// threads that take any other layer lower their own priority
/// ([`bulwark_image::priority::lower_current_thread`]) so that stream never waits for a
/// core behind work that has time to spare. Results come back in layer order; after a
/// failure the workers stop taking new layers ([`collect_layers`] picks the error).
/// Scoped threads rather than rayon's pool: a pool thread's lowered priority would outlive
/// the scan. A worker that finds no layer left frees the pooled stream buffers while the
/// others finish, rather than the process at exit.
fn run_layers<F>(jobs: &[(&LayerInfo, &str)], work: F) -> Vec<LayerResult>
where
    F: Fn(&(&LayerInfo, &str)) -> Result<LayerFacts, InventoryError> + Sync,
{
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    // Stable: layers of unknown or equal size keep their order.
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].0.size.unwrap_or(0)));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<LayerResult>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    let worker = |background_allowed: bool| {
        let mut lowered = false;
        while !failed.load(Ordering::Relaxed) {
            let taken = next.fetch_add(1, Ordering::Relaxed);
            let Some(&job) = order.get(taken) else { break };
            if taken > 0 && background_allowed && !lowered {
                bulwark_image::priority::lower_current_thread();
                lowered = true;
            }
            let result = work(&jobs[job]);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            lock(&results)[job] = Some(result);
        }
        bulwark_image::release_pooled_buffers();
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len());
    std::thread::scope(|s| {
        let spawned = (0..threads)
            .filter(|_| {
                std::thread::Builder::new()
                    .name("bulwark-layer".into())
                    .spawn_scoped(s, || worker(true))
                    .is_ok()
            })
            .count();
        if spawned == 0 {
            // No thread could be started: work here, never lowering the caller's priority.
            worker(false);
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// One layer's outcome from [`run_layers`]: `None` when it was not run because another
/// layer failed.
type LayerResult = Option<Result<LayerFacts, InventoryError>>;

/// All layers' facts in layer order, or the error of the lowest failed layer together with
/// the facts of the layers that were read (by index).
#[allow(clippy::type_complexity)]
fn collect_layers(
    results: Vec<LayerResult>,
) -> Result<Vec<LayerFacts>, (InventoryError, Vec<(usize, LayerFacts)>)> {
    let mut layers = Vec::with_capacity(results.len());
    let mut error = None;
    for (index, result) in results.into_iter().enumerate() {
        match result {
            Some(Ok(facts)) => layers.push((index, facts)),
            Some(Err(e)) if error.is_none() => error = Some(e),
            Some(Err(_)) => {}
            None if error.is_none() => {
                // Only a failure stops the workers early; it is further up if not here.
                error = Some(InventoryError::Image(ImageError::format(
                    "scan",
                    "a layer was not read",
                )))
            }
            None => {}
        }
    }
    match error {
        None => Ok(layers.into_iter().map(|(_, facts)| facts).collect()),
        Some(e) => Err((e, layers)),
    }
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
    /// The content of the file being analyzed, reused from file to file.
    buf: FileBuffer,
}

impl<'a> Collector<'a> {
    fn new(analyzers: &'a AnalyzerRegistry, max_file_bytes: u64) -> Self {
        Self {
            analyzers,
            max_file_bytes,
            facts: LayerFacts::default(),
            error: None,
            buf: FileBuffer::default(),
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
        let mut read = false;
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
            if !read {
                let hint = entry.size.min(self.max_file_bytes);
                self.buf.read_from(content, &entry.path, hint)?;
                read = true;
            }
            match analyzer.analyze(&entry.path, self.buf.bytes()) {
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

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A cache value: the payload as one zstd frame that records its size.
fn pack(payload: &[u8]) -> Option<Vec<u8>> {
    zstd::bulk::compress(payload, 1).ok()
}

/// Writes `entries` in one transaction: one commit (and its syncs) per scan instead of
/// one per layer. Best effort: a cache that cannot be written only costs speed next time.
fn cache_write(cache: &LayerCache, entries: &[(String, Vec<u8>)]) {
    if entries.is_empty() {
        return;
    }
    if let Err(e) = cache.put_many(entries) {
        tracing::warn!("layer cache write failed: {e}");
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

/// The cache payload of a merge result.
fn merged_payload(inventory: &Inventory, secrets: &SecretsReport) -> Option<Vec<u8>> {
    serde_json::to_vec(&MergedResultRef {
        inventory,
        config_files: &inventory.config_files,
        secrets,
    })
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(index: usize, size: Option<u64>) -> LayerInfo {
        LayerInfo {
            index,
            blob_digest: None,
            diff_id: format!("sha256:{index:064x}").parse().unwrap(),
            media_type: None,
            size,
        }
    }

    /// One fact per layer naming it, so results can be told apart.
    fn facts_of(layer: &LayerInfo) -> LayerFacts {
        LayerFacts {
            entries: Vec::new(),
            facts: vec![FileFacts {
                path: format!("layer{}", layer.index),
                analyzer: crate::analyzer::AnalyzerKind::Python,
                facts: Vec::new(),
            }],
        }
    }

    #[test]
    fn layers_run_biggest_first_and_come_back_in_layer_order() {
        let layers: Vec<LayerInfo> = [Some(10), Some(500), None, Some(40), Some(500)]
            .into_iter()
            .enumerate()
            .map(|(i, size)| layer(i, size))
            .collect();
        let jobs: Vec<(&LayerInfo, &str)> = layers.iter().map(|l| (l, "")).collect();
        let started = Mutex::new(Vec::new());
        let out = collect_layers(run_layers(&jobs, |(l, _)| {
            started.lock().unwrap().push(l.index);
            Ok(facts_of(l))
        }))
        .unwrap_or_else(|(e, _)| panic!("{e}"));
        let paths: Vec<&str> = out.iter().map(|f| f.facts[0].path.as_str()).collect();
        assert_eq!(paths, ["layer0", "layer1", "layer2", "layer3", "layer4"]);
        // Each worker takes the next biggest when it is free: the first taken is the biggest
        // (ties in layer order), the last the smallest.
        let started = started.into_inner().unwrap();
        assert!(started[0] == 1 || started[0] == 4, "{started:?}");
        assert_eq!(started.len(), 5);
        let mut sorted = started.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn a_failing_layer_fails_the_scan_with_the_lowest_error() {
        let layers: Vec<LayerInfo> = (0..6).map(|i| layer(i, Some(100 - i as u64))).collect();
        let jobs: Vec<(&LayerInfo, &str)> = layers.iter().map(|l| (l, "")).collect();
        for failing in [vec![3], vec![1, 4], vec![0, 5]] {
            let (err, read) = collect_layers(run_layers(&jobs, |(l, _)| {
                if failing.contains(&l.index) {
                    Err(InventoryError::Image(ImageError::format(
                        format!("layer {}", l.index),
                        "broken",
                    )))
                } else {
                    Ok(facts_of(l))
                }
            }))
            .map(|_| ())
            .unwrap_err();
            // The layers that were read come back with the error, to be cached.
            assert!(read
                .iter()
                .all(|(i, f)| !failing.contains(i) && f.facts[0].path == format!("layer{i}")));
            // Workers stop taking layers after a failure, so a later failing layer may
            // never run; the lowest one that ran is reported, never a success.
            let text = err.to_string();
            assert!(
                failing.iter().any(|i| text.contains(&format!("layer {i}"))),
                "{failing:?}: {text}"
            );
        }
    }

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
        cache_write(
            &cache,
            &[(key.clone(), pack(b"{\"inventory\": 3}").unwrap())],
        );
        assert!(merged_get(&cache, &key, 2).is_none());
        let inventory = Inventory {
            config_files: vec![crate::ConfigFile {
                path: "/app/Dockerfile".into(),
                layer: Some(1),
                text: "FROM scratch\n".into(),
            }],
            ..Inventory::default()
        };
        let payload = merged_payload(&inventory, &SecretsReport::default()).unwrap();
        cache_write(&cache, &[(key.clone(), pack(&payload).unwrap())]);
        let hit = merged_get(&cache, &key, 2).unwrap();
        assert_eq!(hit.inventory, inventory);
        assert_eq!(hit.cached_layers, 2);
    }
}
