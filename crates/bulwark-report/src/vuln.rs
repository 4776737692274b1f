//! What every vulnerability writer shares: each finding tied to its inventory package and
//! purl, and the wording of severities and suppressions.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use bulwark_inventory::{Inventory, LayerRef, Package, PackageKind};
use bulwark_vuln::{AffectedPackage, Finding, Severity, Suppression, VulnReport};

use crate::Context;

/// The name the exceptions file goes by in reports.
pub(crate) const EXCEPTIONS_FILE: &str = ".bulwarkignore.yaml";

/// What ties a finding to an inventory package: kind, name, version, location.
type Key<'a> = (PackageKind, &'a str, &'a str, &'a str);

fn package_key(p: &Package) -> Key<'_> {
    (p.kind, &p.name, &p.version, &p.found_in)
}

fn affected_key(p: &AffectedPackage) -> Key<'_> {
    (p.kind, &p.name, &p.version, &p.found_in)
}

/// `inventory`, plus a package for every finding whose package it lacks (in first-finding
/// order), so that documents can reference the package of every finding. Borrowed when
/// nothing is missing, which is the normal case.
pub(crate) fn complete_inventory<'a>(
    inventory: &'a Inventory,
    report: &VulnReport,
) -> Cow<'a, Inventory> {
    let known: HashSet<Key<'_>> = inventory.packages.iter().map(package_key).collect();
    let mut added = HashSet::new();
    let missing: Vec<Package> = report
        .findings
        .iter()
        .map(|f| &f.package)
        .filter(|p| {
            let key = affected_key(p);
            !known.contains(&key) && added.insert(key)
        })
        .map(|p| {
            let mut pkg = Package::new(p.kind, &p.name, &p.version, &p.found_in);
            pkg.source_name = p.source_name.clone();
            pkg.layer = p.layer.clone();
            pkg
        })
        .collect();
    if missing.is_empty() {
        return Cow::Borrowed(inventory);
    }
    let mut inventory = inventory.clone();
    inventory.packages.extend(missing);
    Cow::Owned(inventory)
}

/// One finding with what the writers need beside it.
pub(crate) struct Entry<'a> {
    pub finding: &'a Finding,
    /// Index of its package in the (completed) inventory.
    pub package: Option<usize>,
    /// The finding's purl, else its package's.
    pub purl: Option<&'a str>,
}

/// The findings of a report in report order, resolved against the context's inventory.
pub(crate) struct Findings<'a> {
    pub report: &'a VulnReport,
    pub entries: Vec<Entry<'a>>,
}

impl<'a> Findings<'a> {
    pub fn new(cx: &'a Context<'a>, report: &'a VulnReport) -> Self {
        let mut index: HashMap<Key<'_>, usize> = HashMap::new();
        for (i, p) in cx.inventory.packages.iter().enumerate() {
            index.entry(package_key(p)).or_insert(i);
        }
        let entries = report
            .findings
            .iter()
            .map(|finding| {
                let package = index.get(&affected_key(&finding.package)).copied();
                let purl = finding.package.purl.as_deref().or_else(|| {
                    package
                        .and_then(|i| cx.purls.get(i))
                        .and_then(|p| p.as_deref())
                });
                Entry {
                    finding,
                    package,
                    purl,
                }
            })
            .collect();
        Self { report, entries }
    }

    /// The findings no exception or VEX statement suppresses.
    pub fn active(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.entries
            .iter()
            .filter(|e| e.finding.suppressed.is_none())
    }

    /// How many findings are suppressed by an exception and by VEX.
    pub fn suppressed_counts(&self) -> (usize, usize) {
        self.report
            .findings
            .iter()
            .fold((0, 0), |(ex, vex), f| match f.suppressed {
                Some(Suppression::Exception { .. }) => (ex + 1, vex),
                Some(Suppression::Vex { .. }) => (ex, vex + 1),
                None => (ex, vex),
            })
    }
}

/// The other ratings of a finding, where they differ from its severity: vendor ratings as
/// `debian: low` (the vendor's own word), the highest CVSS rating as `cvss: high`.
pub(crate) fn differing_ratings(f: &Finding) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in &f.vendor_severity {
        if v.severity != f.severity {
            let word = if v.raw.trim().is_empty() {
                v.severity.name().to_ascii_lowercase()
            } else {
                v.raw.trim().to_ascii_lowercase()
            };
            out.push(format!("{}: {word}", v.source));
        }
    }
    if let Some(c) = f.max_cvss() {
        if c.severity != f.severity {
            out.push(format!("cvss: {}", c.severity.name().to_ascii_lowercase()));
        }
    }
    out.dedup();
    out
}

/// Why a finding is suppressed, in one sentence.
pub(crate) fn suppression_text(s: &Suppression) -> String {
    match s {
        Suppression::Exception {
            reason,
            owner,
            expires,
        } => format!("Exception in {EXCEPTIONS_FILE} (owner {owner}, expires {expires}): {reason}"),
        Suppression::Vex {
            document,
            justification,
            impact,
        } => {
            let mut text = format!("VEX not_affected statement in {document}");
            if let Some(j) = justification {
                text.push_str(&format!(" ({j})"));
            }
            if let Some(i) = impact {
                text.push_str(&format!(": {i}"));
            }
            text
        }
    }
}

/// The reachability status word reports use: `loaded`, `not-loaded`, `unknown`.
pub(crate) fn reachability_status(r: &bulwark_vuln::Reachability) -> &'static str {
    match r {
        bulwark_vuln::Reachability::Loaded { .. } => "loaded",
        bulwark_vuln::Reachability::NotLoaded => "not-loaded",
        bulwark_vuln::Reachability::Unknown { .. } => "unknown",
    }
}

/// `layer 2 (abababababab)`: the index and 12 hex digits of the diff_id, when there is one.
pub(crate) fn layer_label(layer: &LayerRef) -> String {
    match &layer.diff_id {
        Some(d) => {
            let hex = d.split_once(':').map_or(d.as_str(), |(_, h)| h);
            format!("layer {} ({})", layer.index, hex.get(..12).unwrap_or(hex))
        }
        None => format!("layer {}", layer.index),
    }
}

/// The most severe of `levels`, [`Severity::Unknown`] when empty.
pub(crate) fn max_severity<'s>(levels: impl IntoIterator<Item = &'s Severity>) -> Severity {
    levels.into_iter().copied().max().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_vuln::{CvssScore, Status, VendorSeverity};

    fn finding() -> Finding {
        Finding {
            package: AffectedPackage {
                kind: PackageKind::Deb,
                name: "libssl3".into(),
                version: "3.0.11-1".into(),
                source_name: None,
                purl: None,
                found_in: "/var/lib/dpkg/status".into(),
                layer: None,
            },
            id: "CVE-2024-0001".into(),
            aliases: Vec::new(),
            advisories: vec!["DEBIAN-CVE-2024-0001".into()],
            title: None,
            status: Status::Affected,
            fixed_version: None,
            severity: Severity::Low,
            cvss: vec![CvssScore {
                version: "3.1".into(),
                vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H".into(),
                base_score: 7.5,
                severity: Severity::High,
                source: "nvd".into(),
            }],
            vendor_severity: vec![VendorSeverity {
                source: "debian".into(),
                severity: Severity::Low,
                raw: "low".into(),
            }],
            ecosystem: "Debian:12".into(),
            url: None,
            published: None,
            suppressed: None,
            reachability: None,
        }
    }

    #[test]
    fn ratings_that_differ_are_named() {
        let mut f = finding();
        assert_eq!(differing_ratings(&f), ["cvss: high"]);
        f.severity = Severity::High;
        assert_eq!(differing_ratings(&f), ["debian: low"]);
        f.vendor_severity.clear();
        assert!(differing_ratings(&f).is_empty());
        f.cvss.clear();
        assert!(differing_ratings(&f).is_empty());
    }

    #[test]
    fn layers_in_words() {
        let layer = LayerRef {
            index: 3,
            diff_id: Some(format!("sha256:{}", "ab".repeat(32))),
        };
        assert_eq!(layer_label(&layer), "layer 3 (abababababab)");
        let layer = LayerRef {
            index: 3,
            diff_id: None,
        };
        assert_eq!(layer_label(&layer), "layer 3");
    }

    #[test]
    fn missing_packages_are_added_once() {
        let inventory = Inventory::default();
        let report = VulnReport {
            findings: vec![finding(), finding()],
            ..Default::default()
        };
        let completed = complete_inventory(&inventory, &report);
        assert_eq!(completed.packages.len(), 1);
        assert_eq!(completed.packages[0].name, "libssl3");

        let inventory = completed.into_owned();
        assert!(matches!(
            complete_inventory(&inventory, &report),
            Cow::Borrowed(_)
        ));
    }
}
