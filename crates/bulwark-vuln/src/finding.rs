//! The findings model: one vulnerability in one installed package, with everything a report
//! or a CI gate needs to decide about it.

use std::fmt;
use std::str::FromStr;

use bulwark_inventory::{LayerRef, PackageKind};
use serde::{Deserialize, Serialize};

/// Severity levels, lowest first, so `>=` compares "at least as severe".
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// No score and no vendor rating: shown, never hidden by default.
    #[default]
    Unknown,
    /// Distro "negligible"/"unimportant", CVSS 0.0.
    Negligible,
    /// CVSS 0.1–3.9.
    Low,
    /// CVSS 4.0–6.9 (GHSA "moderate").
    Medium,
    /// CVSS 7.0–8.9.
    High,
    /// CVSS 9.0–10.0.
    Critical,
}

impl Severity {
    /// Every level, lowest first.
    pub const ALL: [Severity; 6] = [
        Self::Unknown,
        Self::Negligible,
        Self::Low,
        Self::Medium,
        Self::High,
        Self::Critical,
    ];

    /// The upper-case name reports and `--severity` use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Negligible => "NEGLIGIBLE",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }

    /// The qualitative rating of a CVSS base score (the same bands for v3 and v4).
    pub fn from_cvss_score(score: f64) -> Self {
        if score >= 9.0 {
            Self::Critical
        } else if score >= 7.0 {
            Self::High
        } else if score >= 4.0 {
            Self::Medium
        } else if score > 0.0 {
            Self::Low
        } else {
            Self::Negligible
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Severity {
    type Err = String;

    /// Accepts Bulwark's names and the vendor words seen in advisory data
    /// (`moderate`, `important`, `unimportant`, `none`), case-insensitively.
    fn from_str(s: &str) -> Result<Self, String> {
        // Compared without allocating: findings parse one vendor word per advisory.
        const WORDS: [(&str, Severity); 14] = [
            ("unknown", Severity::Unknown),
            ("not yet assigned", Severity::Unknown),
            ("", Severity::Unknown),
            ("negligible", Severity::Negligible),
            ("unimportant", Severity::Negligible),
            ("none", Severity::Negligible),
            ("informational", Severity::Negligible),
            ("low", Severity::Low),
            ("minor", Severity::Low),
            ("medium", Severity::Medium),
            ("moderate", Severity::Medium),
            ("high", Severity::High),
            ("important", Severity::High),
            ("critical", Severity::Critical),
        ];
        let word = s.trim();
        WORDS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|&(_, sev)| sev)
            .ok_or_else(|| {
                format!(
                    "unknown severity `{word}` (expected one of UNKNOWN, NEGLIGIBLE, LOW, MEDIUM, HIGH, CRITICAL)"
                )
            })
    }
}

/// Whether a fix exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A fixed version exists ([`Finding::fixed_version`]).
    Fixed,
    /// Affected and no fixed version is known yet.
    Affected,
    /// The vendor decided not to fix it in this release.
    WillNotFix,
}

impl Status {
    /// The kebab-case name reports use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Fixed => "fixed",
            Self::Affected => "affected",
            Self::WillNotFix => "will-not-fix",
        }
    }
}

/// One CVSS vector from the advisory with its base score computed here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    /// `3.0`, `3.1` or `4.0`.
    pub version: String,
    /// The vector as the advisory gives it.
    pub vector: String,
    /// Base score computed from the vector.
    pub base_score: f64,
    /// The rating of `base_score`.
    pub severity: Severity,
    /// Who published the vector (the advisory's database, e.g. `osv:GHSA`).
    pub source: String,
}

/// A severity rating a vendor or distro assigned in words rather than a vector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorSeverity {
    /// Who rated it (`debian`, `ghsa`, `alpine`, ...).
    pub source: String,
    /// The rating mapped to Bulwark's levels.
    pub severity: Severity,
    /// The word as the data has it (`moderate`, `unimportant`, ...).
    pub raw: String,
}

/// The package a finding is about, as the inventory recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedPackage {
    /// Package manager.
    pub kind: PackageKind,
    /// Installed (binary) package name.
    pub name: String,
    /// Installed version as the package manager prints it.
    pub version: String,
    /// Source package name when the match was made by source package (dpkg, apk origin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// The package URL of the installed package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Where the package was recorded in the image (database or manifest path).
    pub found_in: String,
    /// The layer that introduced this package version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
}

/// Why a finding does not count against the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suppression {
    /// An entry of the exceptions file (`.bulwarkignore.yaml`).
    Exception {
        /// The reason the entry gives.
        reason: String,
        /// Who owns the exception.
        owner: String,
        /// Last day it applies (`YYYY-MM-DD`).
        expires: String,
    },
    /// An OpenVEX `not_affected` statement.
    Vex {
        /// The VEX document it came from.
        document: String,
        /// The statement's `justification`, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        /// The statement's `impact_statement`, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        impact: Option<String>,
    },
}

/// One vulnerability in one installed package. Advisories that are aliases of each other
/// (a CVE, its GHSA, its DEBIAN-CVE record) are merged into one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The package.
    pub package: AffectedPackage,
    /// The ID shown first: a CVE when one is known, else the advisory's own ID.
    pub id: String,
    /// Every other ID of the merged advisories (sorted, without `id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// The advisory records that matched (their own IDs, sorted), for traceability.
    pub advisories: Vec<String>,
    /// One-line summary, when the data has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Fix state.
    pub status: Status,
    /// The lowest version that fixes it, when [`Status::Fixed`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// The severity gates and filters use: the vendor's rating when it has one, else the
    /// highest CVSS rating, else [`Severity::Unknown`].
    pub severity: Severity,
    /// CVSS vectors with computed base scores.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<CvssScore>,
    /// Vendor or distro ratings in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendor_severity: Vec<VendorSeverity>,
    /// The advisory ecosystem matched (`Debian:12`, `PyPI`, ...).
    pub ecosystem: String,
    /// The main advisory URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Publication date of the oldest merged advisory (RFC 3339), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when an exception or VEX statement suppresses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    /// Whether the image's entrypoint loads the package (`bulwark image`); `None` when not
    /// analysed (a filesystem scan, no image config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reachability: Option<bulwark_reach::Reachability>,
}

impl Finding {
    /// Every ID of this finding: `id` first, then the aliases.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }

    /// The highest CVSS base score, if any vector was given.
    pub fn max_cvss(&self) -> Option<&CvssScore> {
        self.cvss
            .iter()
            .max_by(|a, b| a.base_score.total_cmp(&b.base_score))
    }
}

/// The advisory database a scan used, for report headers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInfo {
    /// Schema version of the database file.
    pub schema_version: u32,
    /// When the database was built (RFC 3339).
    pub built_at: String,
    /// The sources it was built from (URLs or paths).
    pub sources: Vec<String>,
}

/// Everything the matcher produced for one artifact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VulnReport {
    /// Findings sorted by package (kind, name, version) then severity (highest first) then id.
    pub findings: Vec<Finding>,
    /// Non-fatal problems (unparseable versions, unknown ecosystems, expired exceptions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The database used.
    pub db: DbInfo,
}

impl VulnReport {
    /// The findings not suppressed by an exception or VEX statement.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppressed.is_none())
    }

    /// Marks every finding with its package's reachability from the image's entrypoint
    /// (see `bulwark_reach::analyze`); packages the report does not know stay unmarked.
    pub fn set_reachability(&mut self, reach: &bulwark_reach::ReachReport) {
        for f in &mut self.findings {
            let p = &f.package;
            f.reachability = reach.get(p.kind, &p.name, &p.version, &p.found_in).cloned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Unknown < Severity::Negligible);
        assert_eq!("moderate".parse::<Severity>(), Ok(Severity::Medium));
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(Severity::from_cvss_score(9.8), Severity::Critical);
        assert_eq!(Severity::from_cvss_score(7.0), Severity::High);
        assert_eq!(Severity::from_cvss_score(3.9), Severity::Low);
        assert_eq!(Severity::from_cvss_score(0.0), Severity::Negligible);
    }
}
