//! SARIF 2.1.0 (`--format sarif`): vulnerability findings for code-scanning dashboards
//! (GitHub code scanning, GitLab, Azure DevOps, SARIF viewers).
//!
//! One run whose `tool.driver` is Bulwark:
//!
//! - `rules`: one per distinct finding ID, in order of first appearance, with the title as
//!   `shortDescription` (the ID when there is none), the advisory URL as `helpUri`,
//!   `defaultConfiguration.level` and the tag from the most severe finding of that ID, and
//!   `properties.security-severity` = the highest CVSS base score of those findings (what
//!   GitHub ranks alerts by; absent without any CVSS vector);
//! - `results`: one per finding, in report order: `ruleId`/`ruleIndex`, `level` from the
//!   finding's severity (CRITICAL, HIGH → `error`; MEDIUM → `warning`; LOW, NEGLIGIBLE,
//!   UNKNOWN → `note`), a message naming the package, installed and fixed versions, a
//!   location whose `physicalLocation` is the file the package was recorded in (relative,
//!   percent-encoded: `var/lib/dpkg/status`) and whose `logicalLocation` is the package purl,
//!   and `partialFingerprints["bulwarkFinding/v1"]`: SHA-256 of (ID, package type, name,
//!   location) — stable across rescans and upgrades that do not fix it, so dashboards keep one
//!   alert per vulnerable package;
//! - suppressed findings carry `suppressions: [{kind: "external", status: "accepted",
//!   justification}]` (the exception's reason or the VEX statement); active ones carry none;
//! - with entrypoint reachability (`bulwark image`), `properties.reachability` (`loaded`,
//!   `not-loaded`, `unknown`) and `properties.reachabilityDetail` (the chain or the reason),
//!   also as the message's last line.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use bulwark_vuln::{Finding, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::vuln::{self, Entry, Findings};
use crate::{kind_name, Context, ReportError, TOOL_NAME};

const SCHEMA_URL: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where users learn about the tool (`tool.driver.informationUri`).
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// The `partialFingerprints` key; a new recipe gets a new version.
const FINGERPRINT_KEY: &str = "bulwarkFinding/v1";

/// The `partialFingerprints` key of secret results (the secret's SHA-256).
const SECRET_FINGERPRINT_KEY: &str = "bulwarkSecret/v1";

/// The `partialFingerprints` key of misconfiguration results (check id and subject).
const MISCONFIG_FINGERPRINT_KEY: &str = "bulwarkMisconfig/v1";

pub(crate) fn write(
    cx: &Context<'_>,
    findings: &Findings<'_>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let log = log(cx, findings);
    serde_json::to_writer_pretty(&mut *out, &log)
        .map_err(|e| ReportError::from_json("SARIF", e))?;
    out.write_all(b"\n")?;
    Ok(())
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation<'a>>,
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<String>,
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    end_time_utc: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties<'a> {
    artifact: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    artifact_version: Option<&'a str>,
    #[serde(skip_serializing_if = "str::is_empty")]
    db_built_at: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location<'a>>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
    properties: ResultProperties<'a>,
}

/// A result's `properties`: package facts for a vulnerability; the severity, kind
/// (`secret`, `misconfiguration`), rule and remediation for the others.
#[derive(Serialize)]
#[serde(untagged)]
enum ResultProperties<'a> {
    Vuln(VulnProperties<'a>),
    Rule(FindingProperties<'a>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FindingProperties<'a> {
    severity: &'static str,
    kind: &'static str,
    rule: &'a str,
    remediation: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fully_qualified_name: Option<&'a str>,
    kind: &'static str,
}

#[derive(Serialize)]
struct SarifSuppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VulnProperties<'a> {
    severity: &'static str,
    status: &'static str,
    package_type: &'static str,
    installed_version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed_version: Option<&'a str>,
    /// Entrypoint reachability: `loaded`, `not-loaded` or `unknown`, when analysed.
    #[serde(skip_serializing_if = "Option::is_none")]
    reachability: Option<&'static str>,
    /// The chain (`loaded by entrypoint: a -> b -> package`) or the reason, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    reachability_detail: Option<String>,
}

fn log<'a>(cx: &'a Context<'a>, findings: &'a Findings<'a>) -> Log<'a> {
    let mut rule_index: HashMap<&str, usize> = HashMap::new();
    let mut by_rule: Vec<Vec<&Finding>> = Vec::new();
    for e in &findings.entries {
        let i = *rule_index.entry(e.finding.id.as_str()).or_insert_with(|| {
            by_rule.push(Vec::new());
            by_rule.len() - 1
        });
        if let Some(group) = by_rule.get_mut(i) {
            group.push(e.finding);
        }
    }
    let mut rules: Vec<Rule<'a>> = by_rule.iter().filter_map(|group| rule(group)).collect();
    let mut results: Vec<SarifResult<'a>> = findings
        .entries
        .iter()
        .map(|e| result(e, rule_index.get(e.finding.id.as_str()).copied()))
        .collect();
    if let Some(secrets) = cx.secrets {
        let (more_rules, more_results) = secret_rules_and_results(secrets, rules.len());
        rules.extend(more_rules);
        results.extend(more_results);
    }
    if let Some(misconfigs) = cx.misconfigs {
        let (more_rules, more_results) = misconfig_rules_and_results(misconfigs, rules.len());
        rules.extend(more_rules);
        results.extend(more_results);
    }

    Log {
        schema: SCHEMA_URL,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: TOOL_NAME,
                    version: &cx.tool_version,
                    information_uri: Some(INFORMATION_URI).filter(|u| !u.is_empty()),
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: true,
                end_time_utc: &cx.timestamp,
            }],
            results,
            properties: RunProperties {
                artifact: &cx.artifact.name,
                artifact_version: cx.artifact.version(),
                db_built_at: &findings.report.db.built_at,
            },
        }],
    }
}

/// The rule of one ID, from every finding with that ID (`group` is never empty).
fn rule<'a>(group: &[&'a Finding]) -> Option<Rule<'a>> {
    let first = group.first()?;
    let severity = vuln::max_severity(group.iter().map(|f| &f.severity));
    let max_score = group
        .iter()
        .filter_map(|f| f.max_cvss())
        .map(|c| c.base_score)
        .max_by(f64::total_cmp);
    let title = group.iter().find_map(|f| f.title.as_deref());
    let url = group
        .iter()
        .find_map(|f| f.url.as_deref())
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .filter(|u| !u.chars().any(|c| c.is_whitespace() || c.is_control()));

    let mut help = format!("Vulnerability {}", first.id);
    if let Some(t) = title {
        help.push_str(&format!(": {t}"));
    }
    help.push_str(&format!("\nSeverity: {}", severity.name()));
    if let Some(score) = max_score {
        help.push_str(&format!("\nCVSS base score: {score:.1}"));
    }
    if !first.aliases.is_empty() {
        help.push_str(&format!("\nAliases: {}", first.aliases.join(", ")));
    }
    if let Some(u) = url {
        help.push_str(&format!("\nMore information: {u}"));
    }

    Some(Rule {
        id: &first.id,
        short_description: Text {
            text: title.unwrap_or(&first.id).to_string(),
        },
        help_uri: url,
        help: Text { text: help },
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: RuleProperties {
            security_severity: max_score.map(|s| format!("{s:.1}")),
            tags: vec!["vulnerability", "security", severity.name()],
        },
    })
}

fn result<'a>(e: &Entry<'a>, rule_index: Option<usize>) -> SarifResult<'a> {
    let f = e.finding;
    let p = &f.package;
    let uri = artifact_uri(&p.found_in);
    let mut message = format!(
        "Package: {} ({})\nInstalled version: {}\nVulnerability: {}\nSeverity: {}\nFixed version: {}",
        p.name,
        kind_name(p.kind),
        p.version,
        f.id,
        f.severity.name(),
        match (&f.fixed_version, f.status) {
            (Some(v), _) => v.clone(),
            (None, bulwark_vuln::Status::WillNotFix) => "none (will not be fixed)".to_string(),
            (None, _) => "none yet".to_string(),
        }
    );
    if let Some(t) = &f.title {
        message.push_str(&format!("\nTitle: {t}"));
    }
    if let Some(r) = &f.reachability {
        message.push_str(&format!("\nReachability: {}", r.describe(&p.name)));
    }
    SarifResult {
        rule_id: &f.id,
        rule_index: rule_index.unwrap_or_default(),
        level: level(f.severity),
        message: Text { text: message },
        locations: vec![Location {
            physical_location: (!uri.is_empty()).then_some(PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: None,
            }),
            logical_locations: vec![LogicalLocation {
                name: Cow::Borrowed(&p.name),
                fully_qualified_name: e.purl,
                kind: "package",
            }],
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint(f))]),
        suppressions: f
            .suppressed
            .iter()
            .map(|s| SarifSuppression {
                kind: "external",
                status: "accepted",
                justification: vuln::suppression_text(s),
            })
            .collect(),
        properties: ResultProperties::Vuln(VulnProperties {
            severity: f.severity.name(),
            status: f.status.name(),
            package_type: kind_name(p.kind),
            installed_version: &p.version,
            fixed_version: f.fixed_version.as_deref(),
            reachability: f.reachability.as_ref().map(vuln::reachability_status),
            reachability_detail: f.reachability.as_ref().map(|r| r.describe(&p.name)),
        }),
    }
}

/// Rules and results for secrets, appended after the vulnerabilities' (`first_index` is
/// the number of rules before them). One rule per secret rule id, in order of first
/// appearance; the fingerprint is the secret's own (a SHA-256 of the secret, never the
/// secret), so the same leaked key is one alert wherever it appears.
fn secret_rules_and_results(
    report: &bulwark_inventory::SecretsReport,
    first_index: usize,
) -> (Vec<Rule<'_>>, Vec<SarifResult<'_>>) {
    let mut rules: Vec<Rule<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut results = Vec::new();
    for s in crate::secrets::sarif(report) {
        let rule_index = *index.entry(s.rule_id).or_insert_with(|| {
            rules.push(Rule {
                id: s.rule_id,
                short_description: Text {
                    text: s.title.to_string(),
                },
                help_uri: None,
                help: Text {
                    text: format!("Secret: {}\nRemediation: {}", s.title, s.remediation),
                },
                default_configuration: Configuration { level: s.level },
                properties: RuleProperties {
                    security_severity: None,
                    tags: vec!["secret", "security", s.severity],
                },
            });
            first_index + rules.len() - 1
        });
        results.push(SarifResult {
            rule_id: s.rule_id,
            rule_index,
            level: s.level,
            message: Text { text: s.message },
            locations: vec![Location {
                physical_location: s.path.map(|p| PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: artifact_uri(p),
                    },
                    region: Some(Region { start_line: s.line }),
                }),
                logical_locations: s
                    .logical
                    .map(|name| LogicalLocation {
                        name: Cow::Owned(name),
                        fully_qualified_name: None,
                        kind: "object",
                    })
                    .into_iter()
                    .collect(),
            }],
            partial_fingerprints: BTreeMap::from([(
                SECRET_FINGERPRINT_KEY,
                s.fingerprint.to_string(),
            )]),
            suppressions: Vec::new(),
            properties: ResultProperties::Rule(FindingProperties {
                severity: s.severity,
                kind: "secret",
                rule: s.rule_id,
                remediation: s.remediation,
            }),
        });
    }
    (rules, results)
}

/// Rules and results for image misconfigurations: one rule per check id, results located
/// logically in the image config (there is no file). Fingerprint: check id and subject.
fn misconfig_rules_and_results(
    findings: &[bulwark_checks::Finding],
    first_index: usize,
) -> (Vec<Rule<'_>>, Vec<SarifResult<'_>>) {
    use bulwark_checks::Severity as S;
    let level = |s: S| match s {
        S::Critical | S::High => "error",
        S::Medium => "warning",
        S::Low | S::Info => "note",
    };
    let mut rules: Vec<Rule<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut results = Vec::new();
    for f in findings {
        let rule_index = *index.entry(f.check_id.as_str()).or_insert_with(|| {
            let cis = f
                .cis
                .as_deref()
                .map(|c| format!(" (CIS Docker Benchmark {c})"));
            rules.push(Rule {
                id: &f.check_id,
                short_description: Text {
                    text: f.title.clone(),
                },
                help_uri: None,
                help: Text {
                    text: format!(
                        "{}{}\nRemediation: {}",
                        f.title,
                        cis.unwrap_or_default(),
                        f.remediation
                    ),
                },
                default_configuration: Configuration {
                    level: level(f.default_severity),
                },
                properties: RuleProperties {
                    security_severity: None,
                    tags: vec!["misconfiguration", "security", f.default_severity.as_str()],
                },
            });
            first_index + rules.len() - 1
        });
        let subject = f.subject.as_deref().unwrap_or("image config");
        let mut hash = Sha256::new();
        // The message too: one check can fire several times on one subject (every
        // setuid file of the filesystem, every port of a policy rule).
        for part in [f.check_id.as_str(), subject, f.message.as_str()] {
            hash.update(part.as_bytes());
            hash.update([0u8]);
        }
        results.push(SarifResult {
            rule_id: &f.check_id,
            rule_index,
            level: level(f.severity),
            message: Text {
                text: format!("{}\nRemediation: {}", f.message, f.remediation),
            },
            locations: vec![Location {
                physical_location: None,
                logical_locations: vec![LogicalLocation {
                    name: Cow::Borrowed(subject),
                    fully_qualified_name: None,
                    kind: "object",
                }],
            }],
            partial_fingerprints: BTreeMap::from([(
                MISCONFIG_FINGERPRINT_KEY,
                hex::encode(hash.finalize()),
            )]),
            suppressions: f
                .suppressed
                .iter()
                .map(|w| SarifSuppression {
                    kind: "external",
                    status: "accepted",
                    justification: waiver_text(w),
                })
                .collect(),
            properties: ResultProperties::Rule(FindingProperties {
                severity: f.severity.as_str(),
                kind: "misconfiguration",
                rule: &f.check_id,
                remediation: &f.remediation,
            }),
        });
    }
    (rules, results)
}

/// SARIF levels: CRITICAL and HIGH fail a build (`error`), MEDIUM warns, the rest notes.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Negligible | Severity::Unknown => "note",
    }
}

/// SHA-256 (hex) of the ID, package type, name and location: not the version, so that an
/// upgrade that leaves the package vulnerable keeps the same alert.
fn fingerprint(f: &Finding) -> String {
    let p = &f.package;
    let mut hash = Sha256::new();
    for part in [f.id.as_str(), kind_name(p.kind), &p.name, &p.found_in] {
        hash.update(part.as_bytes());
        hash.update([0u8]);
    }
    hex::encode(hash.finalize())
}

/// A path inside the artifact as a relative URI reference: no leading slash, every byte
/// outside the unreserved set, sub-delimiters, `@` and `/` percent-encoded (`:` too, so the
/// first segment never reads as a scheme).
fn artifact_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// A waived misconfiguration's justification, worded as for vulnerabilities.
pub(crate) fn waiver_text(w: &bulwark_checks::Waiver) -> String {
    format!(
        "exception (owner {}, expires {}): {}",
        w.owner, w.expires, w.reason
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(artifact_uri("/var/lib/dpkg/status"), "var/lib/dpkg/status");
        assert_eq!(
            artifact_uri("/app/my dir/é:x/package.json"),
            "app/my%20dir/%C3%A9%3Ax/package.json"
        );
        assert_eq!(artifact_uri("relative/Cargo.lock"), "relative/Cargo.lock");
    }

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::High), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Low), "note");
        assert_eq!(level(Severity::Unknown), "note");
    }
}
