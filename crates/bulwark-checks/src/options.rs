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
