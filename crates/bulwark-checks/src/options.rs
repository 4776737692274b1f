//! What the caller can tune: checks to skip, severities to re-grade, trusted registries, and
//! the input bounds. Plus the [`Emitter`] every check reports through, which applies them.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::CheckError;
use crate::finding::{Finding, Position, Severity};
use crate::registry::{check, CheckDef};

/// Bounds on untrusted input.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Larger files are an error, not read (default 4 MiB).
    pub max_file_bytes: u64,
    /// YAML documents in one file (default 1000).
    pub max_documents: usize,
    /// Nesting of YAML collections (default 64).
    pub max_depth: usize,
    /// YAML nodes in one file, after alias expansion (default 1,000,000): stops "billion laughs".
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 4 << 20,
            max_documents: 1000,
            max_depth: 64,
            max_nodes: 1_000_000,
        }
    }
}

/// Registries (and repository prefixes) whose images BW-DF-002 accepts by default.
/// `docker.io/library` is Docker Hub's official images; the rest are vendor-run registries
/// where only the vendor publishes. Community namespaces on Docker Hub, ghcr.io and quay.io
/// are deliberately not on it: anyone can publish there.
pub const DEFAULT_TRUSTED_REGISTRIES: &[&str] = &[
    "docker.io/library",
    "mcr.microsoft.com",
    "gcr.io/distroless",
    "registry.k8s.io",
    "registry.access.redhat.com",
    "registry.redhat.io",
    "public.ecr.aws/docker/library",
    "cgr.dev/chainguard",
];

/// Options for a run.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Check ids not to run.
    pub skip: BTreeSet<String>,
    /// Severity per check id, replacing the built-in one.
    pub severity: BTreeMap<String, Severity>,
    /// Repository prefixes (`registry[/path]`) trusted as base images.
    pub trusted_registries: Vec<String>,
    pub limits: Limits,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            skip: BTreeSet::new(),
            severity: BTreeMap::new(),
            trusted_registries: DEFAULT_TRUSTED_REGISTRIES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            limits: Limits::default(),
        }
    }
}

impl CheckOptions {
    /// Skips a check; the id must exist (case-insensitive).
    pub fn skip_check(&mut self, id: &str) -> Result<(), CheckError> {
        let def = check(id).ok_or_else(|| CheckError::UnknownCheck(id.to_string()))?;
        self.skip.insert(def.id.to_string());
        Ok(())
    }

    /// Re-grades a check from `ID=LEVEL`.
    pub fn set_severity(&mut self, spec: &str) -> Result<(), CheckError> {
        let (id, level) = spec
            .split_once('=')
            .ok_or_else(|| CheckError::UnknownSeverity(spec.to_string()))?;
        let def = check(id).ok_or_else(|| CheckError::UnknownCheck(id.to_string()))?;
        self.severity
            .insert(def.id.to_string(), level.parse::<Severity>()?);
        Ok(())
    }

    fn enabled(&self, def: &CheckDef) -> bool {
        !self.skip.contains(def.id)
    }

    /// Applies skip and re-grade settings to a finding made outside this crate (a Rego
    /// policy result, whose ids are the policy author's): `None` when its id is skipped.
    pub fn adjust(&self, mut finding: Finding) -> Option<Finding> {
        let id = canonical_id(&finding.check_id);
        if self.skip.contains(&id) {
            return None;
        }
        if let Some(level) = self.severity.get(&id) {
            finding.severity = *level;
        }
        Some(finding)
    }

    /// Reads the check settings file and applies it on top of these options.
    ///
    /// ```yaml
    /// checks:
    ///   BW-DF-006: {enabled: false, reason: "base images are pinned by digest in CI"}
    ///   BW-RT-015: {severity: MEDIUM}
    ///   ORG-001: {severity: CRITICAL}     # a Rego policy's id
    /// trusted_registries: [registry.example.com/base]
    /// ```
    ///
    /// Ids starting with `BW-` must be built-in checks (a typo must not silently disable
    /// nothing); other ids are taken as policy ids. Unknown keys, a severity that is not a
    /// level, or `enabled: false` without a `reason` make the file invalid.
    pub fn apply_settings_file(&mut self, path: &std::path::Path) -> Result<(), CheckError> {
        let fail = |message: String| CheckError::Settings {
            path: path.to_path_buf(),
            message,
        };
        let size = std::fs::metadata(path)
            .map_err(|e| fail(e.to_string()))?
            .len();
        if size > MAX_SETTINGS_BYTES {
            return Err(fail(format!(
                "{size} bytes is over the {MAX_SETTINGS_BYTES}-byte limit"
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        self.apply_settings(&text).map_err(fail)
    }

    /// [`apply_settings_file`](Self::apply_settings_file) on text; the error is the message.
    pub fn apply_settings(&mut self, text: &str) -> Result<(), String> {
        let file: SettingsFile = match serde_norway::from_str::<Option<SettingsFile>>(text) {
            Ok(file) => file.unwrap_or_default(),
            Err(e) => return Err(e.to_string()),
        };
        for (id, setting) in file.checks {
            let id = if id.to_ascii_uppercase().starts_with("BW-") {
                check(&id)
                    .ok_or_else(|| format!("checks: unknown check id {id:?} (see docs/CHECKS.md)"))?
                    .id
                    .to_string()
            } else {
                canonical_id(&id)
            };
            if setting.enabled == Some(false) {
                if setting
                    .reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
                {
                    return Err(format!(
                        "checks: {id}: `enabled: false` needs a `reason` (say why it is off)"
                    ));
                }
                self.skip.insert(id.clone());
            } else if setting.enabled == Some(true) {
                self.skip.remove(&id);
            }
            if let Some(level) = setting.severity {
                let level = level
                    .parse::<Severity>()
                    .map_err(|e| format!("checks: {id}: {e}"))?;
                self.severity.insert(id, level);
            }
        }
        self.trusted_registries.extend(file.trusted_registries);
        Ok(())
    }
}

/// Largest check settings file read.
const MAX_SETTINGS_BYTES: u64 = 1 << 20;

/// Ids compare ignoring ASCII case; built-in ones are upper case.
fn canonical_id(id: &str) -> String {
    match check(id) {
        Some(def) => def.id.to_string(),
        None => id.to_string(),
    }
}

/// `.bulwark-checks.yaml` as written.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    #[serde(default)]
    checks: BTreeMap<String, CheckSetting>,
    #[serde(default)]
    trusted_registries: Vec<String>,
}

/// One entry under `checks:`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckSetting {
    enabled: Option<bool>,
    severity: Option<String>,
    reason: Option<String>,
}

/// Collects findings for one file, applying skip and severity options.
pub(crate) struct Emitter<'o> {
    opts: &'o CheckOptions,
    pub(crate) findings: Vec<Finding>,
}

impl<'o> Emitter<'o> {
    pub(crate) fn new(opts: &'o CheckOptions) -> Self {
        Emitter {
            opts,
            findings: Vec::new(),
        }
    }

    pub(crate) fn options(&self) -> &CheckOptions {
        self.opts
    }

    /// Reports `def` at `pos` about `subject`.
    pub(crate) fn emit(
        &mut self,
        def: &CheckDef,
        pos: Position,
        subject: Option<&str>,
        message: impl Into<String>,
    ) -> Option<&mut Finding> {
        if !self.opts.enabled(def) {
            return None;
        }
        let severity = self
            .opts
            .severity
            .get(def.id)
            .copied()
            .unwrap_or(def.severity);
        self.findings.push(Finding {
            check_id: def.id.to_string(),
            cis: def.cis.map(str::to_string),
            severity,
            default_severity: def.severity,
            title: def.title.to_string(),
            message: message.into(),
            remediation: def.remediation.to_string(),
            position: pos,
            subject: subject.map(str::to_string),
            suggested_capabilities: None,
            suppressed: None,
        });
        self.findings.last_mut()
    }

    /// Findings sorted by position, then id; exact duplicates removed.
    pub(crate) fn finish(mut self) -> Vec<Finding> {
        self.findings.sort_by(|a, b| {
            (a.position, &a.check_id, &a.subject, &a.message).cmp(&(
                b.position,
                &b.check_id,
                &b.subject,
                &b.message,
            ))
        });
        self.findings.dedup();
        self.findings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, severity: Severity) -> Finding {
        Finding {
            check_id: id.to_string(),
            cis: None,
            severity,
            default_severity: severity,
            title: String::new(),
            message: String::new(),
            remediation: String::new(),
            position: Position::default(),
            subject: None,
            suggested_capabilities: None,
            suppressed: None,
        }
    }

    #[test]
    fn settings_disable_and_regrade_builtin_and_policy_ids() {
        let mut o = CheckOptions::default();
        o.apply_settings(
            "checks:\n  bw-df-006: {enabled: false, reason: pinned in CI}\n  BW-RT-015: {severity: medium}\n  ORG-001: {severity: CRITICAL}\n  ORG-002: {enabled: false, reason: noisy}\ntrusted_registries: [registry.example.com/base]\n",
        )
        .unwrap();
        assert!(o.skip.contains("BW-DF-006"));
        assert_eq!(o.severity.get("BW-RT-015"), Some(&Severity::Medium));
        assert!(o
            .trusted_registries
            .iter()
            .any(|r| r == "registry.example.com/base"));
        assert_eq!(
            o.adjust(finding("ORG-001", Severity::Low))
                .unwrap()
                .severity,
            Severity::Critical
        );
        assert!(o.adjust(finding("ORG-002", Severity::Low)).is_none());
        assert!(o.adjust(finding("BW-DF-006", Severity::Low)).is_none());
        assert_eq!(
            o.adjust(finding("ORG-003", Severity::Low))
                .unwrap()
                .severity,
            Severity::Low
        );
        // Empty and comment-only files are fine.
        CheckOptions::default()
            .apply_settings("# nothing\n")
            .unwrap();
        CheckOptions::default().apply_settings("").unwrap();
    }

    #[test]
    fn settings_errors_name_the_problem() {
        let err = |text: &str| CheckOptions::default().apply_settings(text).unwrap_err();
        assert!(err("checks:\n  BW-XX-999: {severity: LOW}\n").contains("unknown check id"));
        assert!(err("checks:\n  BW-DF-006: {enabled: false}\n").contains("needs a `reason`"));
        assert!(err("checks:\n  ORG-1: {severity: SEVERE}\n").contains("unknown severity"));
        assert!(err("checks:\n  ORG-1: {sevrity: LOW}\n").contains("unknown field"));
        assert!(err("skip: [BW-DF-006]\n").contains("unknown field"));
    }
}
