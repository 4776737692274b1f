//! The human vulnerability report (`bulwark image`, `--format table`), after Trivy's table:
//!
//! ```text
//! registry.example.com/team/app:1.2 (container image)
//! Digest: sha256:…
//! OS: Debian GNU/Linux 12 (bookworm) [debian 12]
//! Vulnerability DB: built 2025-11-01T06:00:00Z
//!
//! Total: 3 (UNKNOWN: 0, LOW: 1, MEDIUM: 0, HIGH: 1, CRITICAL: 1)
//! ┌──────────────────────────┬────────────────┬───────────────────┬──────┬────────┬─────────┬───────┐
//! │ Package                  ┆ Vulnerability  ┆ Severity          ┆ CVSS ┆ Status ┆ Fixed … ┆ Title │
//! ╞══════════════════════════╪════════════════╪═══════════════════╪══════╪════════╪═════════╪═══════╡
//! │ libssl3 3.0.11-1~deb12u2 ┆ CVE-2024-5535  ┆ LOW (cvss: high)  ┆ 7.5  ┆ fixed  ┆ …       ┆ …     │
//! │ deb, layer 0 (111111111… ┆                ┆                   ┆      ┆        ┆         ┆       │
//! ├╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌┼╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌┼╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌╌┼╌╌╌╌╌╌┼╌╌╌╌╌╌╌╌┼╌╌╌╌╌╌╌╌╌┼╌╌╌╌╌╌╌┤
//! │                          ┆ CVE-2023-…     ┆ …                 ┆      ┆        ┆         ┆       │
//! └──────────────────────────┴────────────────┴───────────────────┴──────┴────────┴─────────┴───────┘
//! 2 suppressed (1 by .bulwarkignore.yaml, 1 by VEX)
//! ```
//!
//! Findings are grouped by package (the package cell is filled on the group's first row
//! only), in report order; with entrypoint reachability (`bulwark image`) the package cell's
//! last line says whether the entrypoint loads it, and the reasons for `reachability unknown`
//! follow the table, once each. The severity column shows the severity gates use, followed by the
//! ratings that disagree with it; the CVSS column the highest base score. Suppressed findings
//! are only counted, in the last line; the report's warnings are not part of the table (the
//! CLI prints them on stderr). Colour (`SbomOptions::color`) is used for severities only.

use std::collections::HashMap;
use std::io::Write;

use bulwark_vuln::{DbInfo, Finding, Severity};
use comfy_table::{presets, Attribute, Cell, Color, Table};

use crate::table::os_line;
use crate::vuln::{self, Entry, Findings, EXCEPTIONS_FILE};
use crate::{kind_name, Context, ReportError};

/// Titles longer than this many characters are cut, with an ellipsis.
const TITLE_WIDTH: usize = 60;

/// Aliases listed under an ID before the rest are counted.
const MAX_ALIASES: usize = 3;

pub(crate) fn write(
    cx: &Context<'_>,
    findings: &Findings<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let artifact = cx.artifact;
    writeln!(out, "{} ({})", artifact.name, artifact.kind.label())?;
    if let Some(version) = artifact.version() {
        writeln!(out, "Digest: {version}")?;
    }
    writeln!(out, "OS: {}", os_line(cx.inventory.os.as_ref()))?;
    if cx.vulns_scanned {
        writeln!(out, "Vulnerability DB: {}", db_line(&findings.report.db))?;
    }
    writeln!(out)?;

    let active: Vec<&Entry<'_>> = findings.active().collect();
    if !cx.vulns_scanned {
    } else if active.is_empty() {
        writeln!(out, "No vulnerabilities found")?;
    } else {
        writeln!(out, "{}", summary(&active, cx.color))?;
        writeln!(out, "{}", table(&active, cx.color))?;
        for line in unknown_reachability(&active) {
            writeln!(out, "{line}")?;
        }
    }

    let (by_exception, by_vex) = findings.suppressed_counts();
    if by_exception + by_vex > 0 {
        let mut parts = Vec::new();
        if by_exception > 0 {
            parts.push(format!("{by_exception} by {EXCEPTIONS_FILE}"));
        }
        if by_vex > 0 {
            parts.push(format!("{by_vex} by VEX"));
        }
        writeln!(
            out,
            "{} suppressed ({})",
            by_exception + by_vex,
            parts.join(", ")
        )?;
    }
    if let Some(secrets) = cx.secrets {
        if cx.vulns_scanned {
            writeln!(out)?;
        }
        write!(out, "{}", crate::secrets::table_section(secrets, cx.color))?;
    }
    if let Some(misconfigs) = cx.misconfigs {
        if cx.vulns_scanned || cx.secrets.is_some() {
            writeln!(out)?;
        }
        write!(out, "{}", crate::secrets::misconfig_section(misconfigs))?;
    }
    Ok(())
}

/// `built 2025-11-01T06:00:00Z`, or `unknown` for a report without database info.
fn db_line(db: &DbInfo) -> String {
    if db.built_at.trim().is_empty() {
        "unknown".to_string()
    } else {
        format!("built {}", db.built_at)
    }
}

/// `Total: 12 (UNKNOWN: 3, LOW: 1, MEDIUM: 4, HIGH: 3, CRITICAL: 1)`, lowest level first;
/// NEGLIGIBLE only when some finding has it.
fn summary(active: &[&Entry<'_>], color: bool) -> String {
    let mut counts = [0usize; Severity::ALL.len()];
    for e in active {
        if let Some(i) = Severity::ALL.iter().position(|s| *s == e.finding.severity) {
            counts[i] += 1;
        }
    }
    let parts: Vec<String> = Severity::ALL
        .iter()
        .zip(counts)
        .filter(|(s, n)| **s != Severity::Negligible || *n > 0)
        .map(|(s, n)| {
            let name = if color {
                format!("\u{1b}[{}m{}\u{1b}[0m", ansi(*s), s.name())
            } else {
                s.name().to_string()
            };
            format!("{name}: {n}")
        })
        .collect();
    format!("Total: {} ({})", active.len(), parts.join(", "))
}

/// The findings table: one group of rows per package, in order of first appearance.
fn table(active: &[&Entry<'_>], color: bool) -> Table {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let mut group_of: HashMap<_, usize> = HashMap::new();
    for e in active {
        let p = &e.finding.package;
        let key = (p.kind, &p.name, &p.version, &p.found_in);
        let i = *group_of.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(i) {
            group.push(e.finding);
        }
    }

    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL);
    if color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table.set_header([
        "Package",
        "Vulnerability",
        "Severity",
        "CVSS",
        "Status",
        "Fixed version",
        "Title",
    ]);
    for group in &groups {
        for (row, f) in group.iter().enumerate() {
            let package = if row == 0 {
                package_cell(f)
            } else {
                String::new()
            };
            let mut severity = Cell::new(severity_text(f));
            if color {
                severity = severity.fg(cell_color(f.severity));
                if f.severity == Severity::Critical {
                    severity = severity.add_attribute(Attribute::Bold);
                }
            }
            table.add_row(vec![
                Cell::new(package),
                Cell::new(ids_cell(f)),
                severity,
                Cell::new(
                    f.max_cvss()
                        .map(|c| format!("{:.1}", c.base_score))
                        .unwrap_or_default(),
                ),
                Cell::new(f.status.name()),
                Cell::new(f.fixed_version.clone().unwrap_or_default()),
                Cell::new(title_cell(f)),
            ]);
        }
    }
    table
}

/// Under the table, once per reason: `Reachability unknown for 3 packages: REASON`.
fn unknown_reachability(active: &[&Entry<'_>]) -> Vec<String> {
    // Each reason with the packages (name, version, location) it applies to.
    type Packages<'a> = Vec<(&'a str, &'a str, &'a str)>;
    let mut reasons: Vec<(&str, Packages<'_>)> = Vec::new();
    for e in active {
        let f = e.finding;
        if let Some(bulwark_vuln::Reachability::Unknown { reason }) = &f.reachability {
            let p = (
                f.package.name.as_str(),
                f.package.version.as_str(),
                f.package.found_in.as_str(),
            );
            match reasons.iter_mut().find(|(r, _)| r == reason) {
                Some((_, packages)) if !packages.contains(&p) => packages.push(p),
                Some(_) => {}
                None => reasons.push((reason, vec![p])),
            }
        }
    }
    reasons
        .into_iter()
        .map(|(reason, packages)| {
            let n = packages.len();
            let noun = if n == 1 { "package" } else { "packages" };
            format!("Reachability unknown for {n} {noun}: {reason}")
        })
        .collect()
}

/// `libssl3 3.0.11-1~deb12u2` over `deb, layer 0 (111111111111)`, then, when the
/// entrypoint was analysed, `loaded: python3.11 -> libssl.so.3` (the chain from the
/// entrypoint), `not loaded` or `reachability unknown` (the reasons are listed under the
/// table).
fn package_cell(f: &Finding) -> String {
    let p = &f.package;
    let mut second = kind_name(p.kind).to_string();
    if let Some(layer) = &p.layer {
        second.push_str(", ");
        second.push_str(&vuln::layer_label(layer));
    }
    let mut cell = format!("{} {}\n{second}", p.name, p.version);
    match &f.reachability {
        Some(bulwark_vuln::Reachability::Unknown { .. }) => cell.push_str("\nreachability unknown"),
        Some(bulwark_vuln::Reachability::NotLoaded) => cell.push_str("\nnot loaded"),
        Some(r) => {
            cell.push_str("\nloaded: ");
            cell.push_str(&r.chain_text().unwrap_or_default());
        }
        None => {}
    }
    cell
}

/// The primary ID, then up to [`MAX_ALIASES`] aliases one per line, then `+N more`.
fn ids_cell(f: &Finding) -> String {
    let mut lines = vec![f.id.clone()];
    lines.extend(f.aliases.iter().take(MAX_ALIASES).cloned());
    if f.aliases.len() > MAX_ALIASES {
        lines.push(format!("+{} more", f.aliases.len() - MAX_ALIASES));
    }
    lines.join("\n")
}

/// `LOW (cvss: high)`, `HIGH (debian: low)`, or the severity alone when all ratings agree.
fn severity_text(f: &Finding) -> String {
    let others = vuln::differing_ratings(f);
    if others.is_empty() {
        f.severity.name().to_string()
    } else {
        format!("{} ({})", f.severity.name(), others.join(", "))
    }
}

/// The title on one line, cut at [`TITLE_WIDTH`] characters.
fn title_cell(f: &Finding) -> String {
    let title = f
        .title
        .as_deref()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if title.chars().count() <= TITLE_WIDTH {
        return title;
    }
    let cut: String = title.chars().take(TITLE_WIDTH - 1).collect();
    format!("{}…", cut.trim_end())
}

fn cell_color(s: Severity) -> Color {
    match s {
        Severity::Critical => Color::Red,
        Severity::High => Color::DarkRed,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::Negligible | Severity::Unknown => Color::Grey,
    }
}

/// The SGR parameters of [`cell_color`]'s colours (crossterm's 256-colour codes).
fn ansi(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;38;5;9",
        Severity::High => "38;5;1",
        Severity::Medium => "38;5;11",
        Severity::Low => "38;5;14",
        Severity::Negligible | Severity::Unknown => "38;5;7",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_cut_on_one_line() {
        let mut f: Finding = serde_json::from_value(serde_json::json!({
            "package": {"kind": "deb", "name": "a", "version": "1", "found_in": "db"},
            "id": "CVE-1", "advisories": [], "status": "affected", "severity": "LOW",
            "ecosystem": "Debian:12",
            "title": "short\n  title"
        }))
        .expect("finding");
        assert_eq!(title_cell(&f), "short title");
        f.title = Some("x".repeat(100));
        let cut = title_cell(&f);
        assert_eq!(cut.chars().count(), TITLE_WIDTH);
        assert!(cut.ends_with('…'));
        f.aliases = (1..=5).map(|i| format!("GHSA-{i}")).collect();
        assert_eq!(ids_cell(&f), "CVE-1\nGHSA-1\nGHSA-2\nGHSA-3\n+2 more");
    }
}
