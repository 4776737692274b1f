//! What a check reports: a [`Finding`] with a stable check id, the CIS Docker Benchmark
//! recommendation it implements, an overridable severity and a file position; and the
//! per-file and per-run containers [`FileReport`] and [`Report`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::CheckError;

/// How bad a finding is. `Info` findings are advice (the suggested capability set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Upper-case name, as in the reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = CheckError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "INFO" | "UNKNOWN" => Ok(Severity::Info),
            "LOW" => Ok(Severity::Low),
            "MEDIUM" => Ok(Severity::Medium),
            "HIGH" => Ok(Severity::High),
            "CRITICAL" => Ok(Severity::Critical),
            _ => Err(CheckError::UnknownSeverity(s.to_string())),
        }
    }
}

/// The kind of a checked file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Dockerfile,
    Compose,
    Kubernetes,
    DockerInspect,
    /// An image configuration (wired from `bulwark image`, not a file on disk).
    ImageConfig,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "dockerfile",
            FileKind::Compose => "compose",
            FileKind::Kubernetes => "kubernetes",
            FileKind::DockerInspect => "docker-inspect",
            FileKind::ImageConfig => "image-config",
        }
    }
}

/// A 1-based line and column in a file (column in characters). `0:0` means "the file".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl Position {
    pub const fn new(line: u32, column: u32) -> Self {
        Position { line, column }
    }
}

/// One capability in a suggested set, with the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityReason {
    /// Capability name without the `CAP_` prefix, e.g. `NET_BIND_SERVICE`.
    pub capability: String,
    /// One line: what in the config needs it.
    pub reason: String,
}

/// The smallest capability set the config gives evidence for: drop `ALL`, add these back.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CapabilitySuggestion {
    pub drop: Vec<String>,
    pub add: Vec<CapabilityReason>,
    /// Capabilities the config adds today that have no observable reason.
    pub unexplained: Vec<String>,
}

/// One misconfiguration. `check_id`, `title`, `cis` and `remediation` come from the check's
/// definition ([`crate::CheckDef`]); `severity` may have been re-graded by the options, in
/// which case `default_severity` keeps the built-in one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check_id: String,
    /// CIS Docker Benchmark v1.6 recommendation number, e.g. `4.1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cis: Option<String>,
    pub severity: Severity,
    pub default_severity: Severity,
    pub title: String,
    /// What exactly is wrong here, naming the value found.
    pub message: String,
    pub remediation: String,
    /// Where: the line and column of the offending key or instruction, or of the enclosing
    /// container/stage when something is missing.
    pub position: Position,
    /// Which part of the file: `stage 2 (runtime)`, `service web`,
    /// `Deployment/api container app`, `container /web`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Only on the capability-suggestion check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggested_capabilities: Option<CapabilitySuggestion>,
    /// The exception (`.bulwarkignore.yaml`) that waives it. A waived finding stays in
    /// every report but no longer counts for `--exit-code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Waiver>,
}

/// Who waived a finding, why, and until when: the fields of the exception entry that
/// covers it (the same file and rules as vulnerability exceptions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiver {
    pub reason: String,
    pub owner: String,
    /// The last day it applies, `YYYY-MM-DD` (UTC).
    pub expires: String,
}

/// The result for one file: its findings, or the error that stopped it.
#[derive(Debug, Serialize)]
pub struct FileReport {
    /// The path as found (joined from the argument given).
    pub path: String,
    /// The path relative to the scanned directory (the file name for a file argument); what
    /// SARIF uses when `path` is absolute.
    #[serde(skip)]
    pub relative_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<FileKind>,
    pub findings: Vec<Finding>,
    /// `file:line:col: message` when the file could not be checked.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_error")]
    pub error: Option<CheckError>,
}

fn ser_error<S: serde::Serializer>(e: &Option<CheckError>, s: S) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.serialize_str(&e.to_string()),
        None => s.serialize_none(),
    }
}

/// Every file of a run.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub files: Vec<FileReport>,
}

impl Report {
    /// All findings of all files.
    pub fn findings(&self) -> impl Iterator<Item = (&FileReport, &Finding)> {
        self.files
            .iter()
            .flat_map(|f| f.findings.iter().map(move |x| (f, x)))
    }

    /// The files that could not be checked.
    pub fn errors(&self) -> impl Iterator<Item = &CheckError> {
        self.files.iter().filter_map(|f| f.error.as_ref())
    }

    /// Keeps only findings whose severity is in `keep` (no-op for an empty list).
    pub fn retain_severities(&mut self, keep: &[Severity]) {
        if keep.is_empty() {
            return;
        }
        for f in &mut self.files {
            f.findings.retain(|x| keep.contains(&x.severity));
        }
    }
}
