//! Secret findings in reports: the table section, the native JSON `secrets` object and the
//! SARIF results. Every form carries the masked value and a masked snippet only; the
//! secret itself never reaches this crate (see `bulwark_secrets::SecretMatch`).

use std::collections::BTreeSet;

use bulwark_inventory::{LayerRef, SecretFinding, SecretLocation, SecretsReport, SkippedFiles};
use bulwark_secrets::Severity;
use comfy_table::{presets, Attribute, Cell, Color, Table};
use serde::Serialize;

/// Snippets longer than this many characters are cut in the table, with an ellipsis.
const SNIPPET_WIDTH: usize = 70;

/// The table section: a count line, one row per finding, the skipped-file counts and the
/// remediation of each category found.
pub(crate) fn table_section(report: &SecretsReport, color: bool) -> String {
    let mut out = String::new();
    if report.findings.is_empty() {
        out.push_str("No secrets found\n");
    } else {
        out.push_str(&summary(&report.findings));
        out.push('\n');
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        table.set_header(
            ["Severity", "Rule", "Where", "Layer", "Match"]
                .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
        );
        for f in &report.findings {
            let severity = Cell::new(f.secret.severity.as_str());
            table.add_row(vec![
                if color {
                    severity.fg(cell_color(f.secret.severity))
                } else {
                    severity
                },
                Cell::new(format!("{}\n{}", f.secret.rule_id, f.secret.title)),
                Cell::new(where_text(f)),
                Cell::new(layer_text(f)),
                Cell::new(cut(&f.secret.snippet, SNIPPET_WIDTH)),
            ]);
        }
        out.push_str(&table.to_string());
        out.push('\n');
        let advice: BTreeSet<&str> = report
            .findings
            .iter()
            .map(|f| f.secret.remediation())
            .collect();
        for a in advice {
            out.push_str(&format!("Remediation: {a}\n"));
        }
    }
    let s = report.skipped;
    if s.binary + s.too_large + s.excluded > 0 {
        out.push_str(&format!(
            "Not scanned for secrets: {} binary, {} too large, {} excluded files\n",
            s.binary, s.too_large, s.excluded
        ));
    }
    out
}

/// `Secrets: 4 (LOW: 0, MEDIUM: 1, HIGH: 1, CRITICAL: 2)`.
fn summary(findings: &[SecretFinding]) -> String {
    let levels = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let parts: Vec<String> = levels
        .iter()
        .map(|l| {
            let n = findings.iter().filter(|f| f.secret.severity == *l).count();
            format!("{}: {n}", l.as_str())
        })
        .collect();
    format!("Secrets: {} ({})", findings.len(), parts.join(", "))
}

/// `/app/config/.aws/credentials:2`, or the config field.
fn where_text(f: &SecretFinding) -> String {
    match &f.location {
        SecretLocation::File { path } => format!("{path}:{}", f.secret.line),
        other => other.display(),
    }
}

/// `2 (79429eb4f1d3)`, plus `removed in 3 (ef3856b52d1e), still readable` for hidden files.
fn layer_text(f: &SecretFinding) -> String {
    let one = |l: &LayerRef| match &l.diff_id {
        Some(d) => format!("{} ({})", l.index, short(d)),
        None => l.index.to_string(),
    };
    match (&f.layer, &f.removed_in) {
        (Some(l), Some(r)) => format!("{}\nremoved in layer {}, still readable", one(l), one(r)),
        (Some(l), None) if l.diff_id.is_some() => one(l),
        _ => String::new(),
    }
}

fn short(diff_id: &str) -> &str {
    let hex = diff_id.strip_prefix("sha256:").unwrap_or(diff_id);
    hex.get(..12).unwrap_or(hex)
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn cell_color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Red,
        Severity::High => Color::DarkRed,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Blue,
    }
}

/// The native JSON `secrets` object.
#[derive(Serialize)]
pub(crate) struct JsonSecrets<'a> {
    findings: Vec<JsonFinding<'a>>,
    skipped: SkippedFiles,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    title: &'a str,
    severity: &'static str,
    category: &'static str,
    location: &'a SecretLocation,
    line: usize,
    end_line: usize,
    column: usize,
    #[serde(rename = "match")]
    masked: &'a str,
    snippet: &'a str,
    fingerprint: &'a str,
    layer: Option<&'a LayerRef>,
    removed_in: Option<&'a LayerRef>,
    remediation: &'static str,
}

pub(crate) fn json(report: &SecretsReport) -> JsonSecrets<'_> {
    JsonSecrets {
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding {
                rule_id: &f.secret.rule_id,
                title: &f.secret.title,
                severity: f.secret.severity.as_str(),
                category: f.secret.category.as_str(),
                location: &f.location,
                line: f.secret.line,
                end_line: f.secret.end_line,
                column: f.secret.column,
                masked: &f.secret.masked,
                snippet: &f.secret.snippet,
                fingerprint: &f.secret.fingerprint,
                layer: f.layer.as_ref(),
                removed_in: f.removed_in.as_ref(),
                remediation: f.secret.remediation(),
            })
            .collect(),
        skipped: report.skipped,
    }
}

/// What SARIF needs of one secret finding.
pub(crate) struct SarifSecret<'a> {
    pub rule_id: &'a str,
    pub title: &'a str,
    pub level: &'static str,
    pub severity: &'static str,
    pub message: String,
    /// Relative file path, for a file finding.
    pub path: Option<&'a str>,
    pub line: usize,
    /// The config field, for an image-config finding.
    pub logical: Option<String>,
    pub fingerprint: &'a str,
    pub remediation: &'static str,
}

pub(crate) fn sarif(report: &SecretsReport) -> impl Iterator<Item = SarifSecret<'_>> {
    report.findings.iter().map(|f| {
        let mut message = format!(
            "Secret: {} ({})\nWhere: {}\nMatch: {}",
            f.secret.title,
            f.secret.rule_id,
            where_text(f),
            f.secret.masked
        );
        let layer = layer_text(f).replace('\n', ", ");
        if !layer.is_empty() {
            message.push_str(&format!("\nLayer: {layer}"));
        }
        message.push_str(&format!("\nRemediation: {}", f.secret.remediation()));
        let (path, logical) = match &f.location {
            SecretLocation::File { path } => (Some(path.as_str()), None),
            other => (None, Some(other.display())),
        };
        SarifSecret {
            rule_id: &f.secret.rule_id,
            title: &f.secret.title,
            level: match f.secret.severity {
                Severity::Critical | Severity::High => "error",
                Severity::Medium => "warning",
                Severity::Low => "note",
            },
            severity: f.secret.severity.as_str(),
            message,
            path,
            line: f.secret.line,
            logical,
            fingerprint: &f.secret.fingerprint,
            remediation: f.secret.remediation(),
        }
    })
}

/// The table section for image misconfigurations (`--scanners config`): one row per
/// finding of the image config checks.
pub(crate) fn misconfig_section(findings: &[bulwark_checks::Finding]) -> String {
    if findings.is_empty() {
        return "No misconfigurations found\n".to_string();
    }
    let waived = findings.iter().filter(|f| f.suppressed.is_some()).count();
    let mut out = if waived > 0 {
        format!(
            "Misconfigurations: {} ({waived} waived by exceptions)\n",
            findings.len()
        )
    } else {
        format!("Misconfigurations: {}\n", findings.len())
    };
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_header(
        ["Severity", "Check", "CIS", "Where", "Message"]
            .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
    );
    for f in findings {
        table.add_row(vec![
            Cell::new(f.severity.as_str()),
            Cell::new(format!("{}\n{}", f.check_id, f.title)),
            Cell::new(f.cis.as_deref().unwrap_or("")),
            Cell::new(f.subject.as_deref().unwrap_or("image config")),
            Cell::new(match &f.suppressed {
                Some(w) => format!(
                    "{}\nwaived: {}",
                    cut(&f.message, SNIPPET_WIDTH),
                    crate::sarif::waiver_text(w)
                ),
                None => cut(&f.message, SNIPPET_WIDTH),
            }),
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    out
}
