//! Report formats for `bulwark config`: a table for people, native JSON, and SARIF 2.1.0 for
//! code-scanning services. Kept here (not in bulwark-report) because they render this
//! crate's [`Report`]; they can move once the report crate takes misconfigurations.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use crate::finding::{Report, Severity};
use crate::registry::CHECKS;

/// Human-readable: per file, one line per finding, then a summary.
pub fn write_table(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<Severity, usize> = BTreeMap::new();
    for file in &report.files {
        if let Some(e) = &file.error {
            writeln!(out, "{} (error)\n  {e}\n", file.path)?;
            continue;
        }
        let kind = file.kind.map(|k| k.as_str()).unwrap_or("?");
        writeln!(
            out,
            "{} ({kind}): {} finding(s)",
            file.path,
            file.findings.len()
        )?;
        for f in &file.findings {
            *counts.entry(f.severity).or_default() += 1;
            let cis = f
                .cis
                .as_deref()
                .map(|c| format!(" CIS {c}"))
                .unwrap_or_default();
            let subject = f
                .subject
                .as_deref()
                .map(|s| format!(" [{s}]"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {:>4}:{:<3} {:<8} {}{cis}  {}{subject}: {}",
                f.position.line,
                f.position.column,
                f.severity.as_str(),
                f.check_id,
                f.title,
                f.message
            )?;
            if let Some(w) = &f.suppressed {
                writeln!(
                    out,
                    "           waived by exception (owner {}, expires {}): {}",
                    w.owner, w.expires, w.reason
                )?;
            }
        }
        writeln!(out)?;
    }
    let total: usize = counts.values().sum();
    let by: Vec<String> = counts
        .iter()
        .rev()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    let errors = report.errors().count();
    writeln!(
        out,
        "Total: {total} finding(s){}{}",
        if by.is_empty() {
            String::new()
        } else {
            format!(" ({})", by.join(", "))
        },
        if errors > 0 {
            format!(", {errors} file(s) with errors")
        } else {
            String::new()
        }
    )
}

/// Native JSON: `{"schema_version": 1, "files": [...], "checks": [...]}`.
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = json!({
        "schema_version": 1,
        "files": report.files,
        "summary": {
            "findings": report.findings().count(),
            "errors": report.errors().count(),
        },
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

/// SARIF 2.1.0: one run, one rule per check that fired (all checks listed in order of id),
/// results with relative URIs and a fingerprint per finding; unreadable or malformed files
/// are tool execution notifications.
pub fn write_sarif(report: &Report, version: &str, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = CHECKS
        .iter()
        .map(|c| {
            let mut props = json!({
                "tags": ["security", "misconfiguration"],
                "security-severity": security_severity(c.severity),
            });
            if let Some(cis) = c.cis {
                props["cis-docker-benchmark"] = json!(format!("1.6.0 {cis}"));
            }
            json!({
                "id": c.id,
                "name": c.id.replace('-', ""),
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": c.title},
                "help": {"text": c.remediation},
                "defaultConfiguration": {"level": level(c.severity)},
                "properties": props,
            })
        })
        .collect();
    let index = |id: &str| CHECKS.iter().position(|c| c.id == id);
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in &report.files {
        let uri = sarif_uri(&file.path, &file.relative_path);
        if let Some(e) = &file.error {
            let mut n = json!({
                "level": "error",
                "message": {"text": e.to_string()},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
            });
            if let Some((line, col)) = e.position() {
                n["locations"][0]["physicalLocation"]["region"] =
                    json!({"startLine": line.max(1), "startColumn": col.max(1)});
            }
            notifications.push(n);
            continue;
        }
        for f in &file.findings {
            let Some(rule_index) = index(&f.check_id) else {
                continue;
            };
            let mut phys = json!({"artifactLocation": {"uri": uri}});
            if f.position.line > 0 {
                phys["region"] =
                    json!({"startLine": f.position.line, "startColumn": f.position.column.max(1)});
            }
            let subject = f.subject.as_deref().unwrap_or("");
            let print = fingerprint(&[
                &f.check_id,
                &uri,
                subject,
                &f.message,
                &f.position.line.to_string(),
                &f.position.column.to_string(),
            ]);
            let mut r = json!({
                "ruleId": f.check_id,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": if subject.is_empty() { f.message.clone() } else { format!("{subject}: {}", f.message) }},
                "locations": [{"physicalLocation": phys}],
                "partialFingerprints": {"bulwarkConfig/v1": print},
            });
            if f.severity != f.default_severity {
                r["properties"] = json!({"severity": f.severity.as_str()});
            }
            if let Some(w) = &f.suppressed {
                r["suppressions"] = json!([{
                    "kind": "external",
                    "status": "accepted",
                    "justification": format!("exception (owner {}, expires {}): {}", w.owner, w.expires, w.reason),
                }]);
            }
            results.push(r);
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "bulwark",
                "informationUri": "https://example.invalid/bulwark",
                "semanticVersion": version,
                "version": version,
                "rules": rules,
            }},
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's security-severity scale.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A relative, percent-encoded URI: the path as given when relative, else the path relative
/// to the scanned directory.
fn sarif_uri(path: &str, relative: &str) -> String {
    let p = if path.starts_with('/') || path.contains(":\\") {
        relative
    } else {
        path
    };
    let p = p.replace('\\', "/");
    let p = p.trim_start_matches("./").trim_start_matches('/');
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// FNV-1a 64 over the parts: stable across runs and platforms.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(sarif_uri("/tmp/x/Dockerfile", "Dockerfile"), "Dockerfile");
        assert_eq!(
            sarif_uri("./a b/compose.yaml", "compose.yaml"),
            "a%20b/compose.yaml"
        );
        assert_ne!(fingerprint(&["a", "bc"]), fingerprint(&["ab", "c"]));
    }
}
