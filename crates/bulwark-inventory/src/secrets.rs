//! Secrets in images: the analyzer that runs the `bulwark-secrets` scanner on every file of
//! every layer, and the assembly of its per-layer facts (plus the image config's `Env`,
//! labels and history) into one [`SecretsReport`].
//!
//! Every layer counts, not only the merged filesystem: anyone who can pull an image can
//! read a file that a later layer deleted or overwrote, so such a finding is reported with
//! the layer that hid it ("removed in layer N, still readable in layer M").

use std::sync::Arc;

use bulwark_image::{EntryKind, EntryMeta, ImageMeta, MergedView};
use bulwark_secrets::{Scanner, SecretMatch, Severity, SkipReason};
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::scan::LayerFacts;
use crate::{InventoryError, LayerRef};

/// Runs a secret [`Scanner`] on every regular file.
pub struct SecretsAnalyzer {
    scanner: Arc<Scanner>,
    /// The scanner's cache key: its rules, allow rules and limits.
    key: String,
    /// Files above this size are counted as skipped without being read.
    max_file_bytes: u64,
}

impl SecretsAnalyzer {
    /// An analyzer running `scanner`, which skips files over `max_file_bytes` (the
    /// scanner's own configured limit, [`bulwark_secrets::Config::max_file_size`]).
    pub fn new(scanner: Arc<Scanner>, max_file_bytes: u64) -> Self {
        let key = format!("{}/{max_file_bytes}", scanner.cache_key());
        Self {
            scanner,
            key,
            max_file_bytes,
        }
    }
}

impl Analyzer for SecretsAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::Secrets
    }
    fn version(&self) -> u32 {
        1
    }
    fn config_key(&self) -> Option<&str> {
        Some(&self.key)
    }
    fn wants(&self, _path: &str) -> bool {
        true
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(self.max_file_bytes)
    }
    fn oversized(&self, _path: &str, size: u64, limit: u64) -> Vec<Fact> {
        vec![Fact::SecretsSkipped(SkipReason::TooLarge { size, limit })]
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        let result = self.scanner.scan(path, content);
        Ok(match result.skipped() {
            Some(reason) => vec![Fact::SecretsSkipped(reason.clone())],
            None => {
                let matches = result.into_matches();
                if matches.is_empty() {
                    Vec::new()
                } else {
                    vec![Fact::Secrets(matches)]
                }
            }
        })
    }
}

/// Every secret found in an image or directory, and what was not looked at.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretsReport {
    /// Findings: files bottom layer first, in path order, then image metadata.
    pub findings: Vec<SecretFinding>,
    /// Files not scanned, by reason.
    pub skipped: SkippedFiles,
}

impl SecretsReport {
    /// The findings at or above `min` severity.
    pub fn at_least(&self, min: Severity) -> impl Iterator<Item = &SecretFinding> {
        self.findings
            .iter()
            .filter(move |f| f.secret.severity >= min)
    }
}

/// Counts of files the secret scanner skipped (the summary line of a report).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedFiles {
    /// Binary content (a NUL byte near the start).
    pub binary: u64,
    /// Over the maximum file size.
    pub too_large: u64,
    /// Excluded by a path allow rule (default exclusions or the user's).
    pub excluded: u64,
}

/// One secret, where it is, and which layer holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFinding {
    /// Where the secret was found.
    pub location: SecretLocation,
    /// The layer whose content holds it (for a file: the layer that wrote that copy; for
    /// history: the layer the step made). `None` for image-wide config and directories.
    pub layer: Option<LayerRef>,
    /// For a file no longer in the final filesystem: the layer that deleted or overwrote
    /// it. The secret stays readable in `layer` all the same.
    pub removed_in: Option<LayerRef>,
    /// The match: rule, severity, masked value, line and snippet. Never the secret itself.
    pub secret: SecretMatch,
}

/// Where a secret was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum SecretLocation {
    /// A file, absolute path.
    File { path: String },
    /// An `Env` entry of the image config, by variable name.
    Env { name: String },
    /// A label of the image config, by key.
    Label { key: String },
    /// The `created_by` of history entry `index` (a build step: leaked build args).
    History { index: usize },
}

impl SecretLocation {
    /// A short human form: `/app/config/.aws/credentials`, `config Env DB_PASSWORD`,
    /// `config label x`, `history[2] created_by`.
    pub fn display(&self) -> String {
        match self {
            Self::File { path } => path.clone(),
            Self::Env { name } => format!("image config Env {name}"),
            Self::Label { key } => format!("image config label {key}"),
            Self::History { index } => format!("image history[{index}] created_by"),
        }
    }
}

/// Assembles the secret facts of every layer (bottom first) into findings, marking those
/// whose file a later layer hid. `diff_ids` names each layer.
pub fn collect_secrets(
    layers: &[LayerFacts],
    view: &MergedView,
    diff_ids: &[Option<String>],
) -> SecretsReport {
    let layer_ref = |index: usize| LayerRef {
        index,
        diff_id: diff_ids.get(index).cloned().flatten(),
    };
    let mut report = SecretsReport::default();
    for (index, layer) in layers.iter().enumerate() {
        let mut files: Vec<_> = layer
            .facts
            .iter()
            .filter(|ff| ff.analyzer == AnalyzerKind::Secrets)
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        for ff in files {
            for fact in &ff.facts {
                match fact {
                    Fact::Secrets(matches) => {
                        let survives = view.get(&ff.path).is_some_and(|e| e.layer == index);
                        let removed_in = (!survives)
                            .then(|| hidden_by(&layers[index + 1..], &ff.path))
                            .flatten()
                            .map(|above| layer_ref(index + 1 + above));
                        report
                            .findings
                            .extend(matches.iter().map(|m| SecretFinding {
                                location: SecretLocation::File {
                                    path: format!("/{}", ff.path),
                                },
                                layer: Some(layer_ref(index)),
                                removed_in: removed_in.clone(),
                                secret: m.clone(),
                            }));
                    }
                    Fact::SecretsSkipped(reason) => match reason {
                        SkipReason::Binary => report.skipped.binary += 1,
                        SkipReason::TooLarge { .. } => report.skipped.too_large += 1,
                        SkipReason::Excluded { .. } => report.skipped.excluded += 1,
                    },
                    _ => {}
                }
            }
        }
    }
    report
}

/// The position in `above` (the layers over the one holding `path`) of the first layer
/// that hides `path`: writes it again, deletes it or an ancestor (whiteout), makes an
/// ancestor opaque, or puts a non-directory at an ancestor.
fn hidden_by(above: &[LayerFacts], path: &str) -> Option<usize> {
    let ancestors: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
    above.iter().position(|layer| {
        layer.entries.iter().any(|e: &EntryMeta| match e.kind {
            EntryKind::Whiteout => e.path == path || ancestors.contains(&e.path.as_str()),
            EntryKind::OpaqueDir => ancestors.contains(&e.path.as_str()),
            EntryKind::Dir => e.path == path,
            _ => e.path == path || ancestors.contains(&e.path.as_str()),
        })
    })
}

/// Scans the image config's `Env` entries, labels and history `created_by` lines. Findings
/// in history name the layer that step produced (steps marked `empty_layer` made none).
pub fn scan_image_config(scanner: &Scanner, meta: &ImageMeta) -> Vec<SecretFinding> {
    let mut out = Vec::new();
    let runtime = meta.config.config.as_ref();
    for entry in runtime.and_then(|c| c.env.as_ref()).into_iter().flatten() {
        let name = entry.split_once('=').map_or(entry.as_str(), |(k, _)| k);
        for secret in scanner.scan_text("image-config/env", entry) {
            out.push(SecretFinding {
                location: SecretLocation::Env { name: name.into() },
                layer: None,
                removed_in: None,
                secret,
            });
        }
    }
    for (key, value) in runtime
        .and_then(|c| c.labels.as_ref())
        .into_iter()
        .flatten()
    {
        for secret in scanner.scan_text("image-config/label", &format!("{key}={value}")) {
            out.push(SecretFinding {
                location: SecretLocation::Label { key: key.clone() },
                layer: None,
                removed_in: None,
                secret,
            });
        }
    }
    let mut layer = 0usize;
    for (index, step) in meta.config.history.iter().enumerate() {
        let made_layer = !step.empty_layer.unwrap_or(false);
        if let Some(line) = &step.created_by {
            for secret in scanner.scan_text("image-config/history", line) {
                out.push(SecretFinding {
                    location: SecretLocation::History { index },
                    layer: made_layer
                        .then(|| meta.layers.get(layer))
                        .flatten()
                        .map(|l| LayerRef {
                            index: l.index,
                            diff_id: Some(l.diff_id.to_string()),
                        }),
                    removed_in: None,
                    secret,
                });
            }
        }
        if made_layer {
            layer += 1;
        }
    }
    out
}
