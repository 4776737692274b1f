//! CycloneDX 1.6 JSON (`--format cyclonedx`), from our own serde structs (the `cyclonedx-bom`
//! crate stops at 1.5).
//!
//! Layout: `metadata.component` is the scanned artifact (`container` for an image, `file` for
//! a directory); `components` holds one `operating-system` component when the OS is known and
//! one `library` component per package; `dependencies` says the artifact depends on all of
//! them. Bulwark-specific facts are `bulwark:` properties:
//!
//! | property | on | value |
//! |---|---|---|
//! | `bulwark:package:type` | packages | `deb`, `apk`, `npm`, ... |
//! | `bulwark:package:sourceName` / `sourceVersion` | packages | source package |
//! | `bulwark:layer:index` / `bulwark:layer:diffID` | packages | introducing layer |
//! | `bulwark:location:0:path` | packages | database or manifest the package was read from |
//! | `bulwark:image:id`, `bulwark:image:repoTag`, `bulwark:image:repoDigest` | image | |
//!
//! `bom-ref`s are the purl when it is unique in the document, else the purl plus `|` and the
//! location, else a counter; packages without a purl get `bulwark:<type>/<name>@<version>`.
//!
//! A vulnerability report adds `vulnerabilities`, one entry per finding (suppressed ones
//! included), in report order:
//!
//! | field | value |
//! |---|---|
//! | `id`, `source` | the finding's ID; NVD, GitHub Advisories or OSV by its prefix |
//! | `references` | the aliases, each with its source |
//! | `ratings` | each CVSS vector (`CVSSv2`/`CVSSv3`/`CVSSv31`/`CVSSv4`, score, vector), then each vendor rating (`other`) |
//! | `description` | the title |
//! | `recommendation` | `Upgrade <name> to <fixed version>` when a fix exists |
//! | `advisories` | the finding's URL |
//! | `published` | the publication date (RFC 3339; a bare date gets midnight UTC) |
//! | `affects` | the package's component `bom-ref` with the installed version, `affected` |
//! | `analysis` | VEX: `not_affected`, the justification where CycloneDX has one, the statement as `detail`; exception: only `detail` (an accepted risk is not a claim of `not_affected`) |
//! | `bulwark:severity`, `bulwark:status`, `bulwark:ecosystem`, `bulwark:advisory`, `bulwark:suppression` | properties |
//! | `bulwark:reachability` (`loaded`, `not-loaded`, `unknown`), `bulwark:reachability:detail` (chain or reason) | properties, when the entrypoint was analysed |

use std::io::Write;

use bulwark_vuln::{Finding, Severity, Suppression};
use serde::Serialize;

use crate::ids::UniqueIds;
use crate::license::{self, License};
use crate::vuln::{self, Findings};
use crate::{kind_name, purl, ArtifactKind, Context, ReportError, TOOL_NAME};

const SCHEMA_URL: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

pub(crate) fn write(
    cx: &Context<'_>,
    findings: Option<&Findings<'_>>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let (mut bom, package_refs) = bom(cx);
    if let Some(findings) = findings {
        bom.vulnerabilities = Some(vulnerabilities(findings, &package_refs));
    }
    serde_json::to_writer_pretty(&mut *out, &bom)
        .map_err(|e| ReportError::from_json("CycloneDX", e))?;
    out.write_all(b"\n")?;
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerabilities: Option<Vec<Vulnerability>>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

/// The schema allows either a list of licenses or exactly one expression.
#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: LicenseItem },
    Expression { expression: String },
}

#[derive(Serialize)]
struct LicenseItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

/// The SBOM, and the `bom-ref` of each inventory package (same order).
fn bom(cx: &Context<'_>) -> (Bom, Vec<String>) {
    let mut ids = UniqueIds::default();
    let root = root_component(cx, &mut ids);
    let root_ref = root.bom_ref.clone().unwrap_or_default();

    let mut components = Vec::with_capacity(cx.inventory.packages.len() + 1);
    let mut package_refs = Vec::with_capacity(cx.inventory.packages.len());
    if let Some(os) = &cx.inventory.os {
        let base = match os.version_id.as_deref() {
            Some(v) => format!("os:{}@{v}", os.id),
            None => format!("os:{}", os.id),
        };
        components.push(Component {
            bom_ref: Some(ids.claim(&[base], "|")),
            kind: "operating-system",
            name: os.id.clone(),
            version: os.version_id.clone(),
            description: os.pretty_name.clone(),
            ..Default::default()
        });
    }
    for (pkg, purl) in cx.inventory.packages.iter().zip(&cx.purls) {
        let base = purl.clone().unwrap_or_else(|| {
            format!(
                "bulwark:{}/{}@{}",
                kind_name(pkg.kind),
                pkg.name,
                pkg.version
            )
        });
        let located = format!("{base}|{}", pkg.found_in);
        let mut properties = vec![Property {
            name: "bulwark:package:type",
            value: kind_name(pkg.kind).to_string(),
        }];
        if let Some(s) = &pkg.source_name {
            properties.push(Property {
                name: "bulwark:package:sourceName",
                value: s.clone(),
            });
        }
        if let Some(s) = &pkg.source_version {
            properties.push(Property {
                name: "bulwark:package:sourceVersion",
                value: s.clone(),
            });
        }
        if let Some(layer) = &pkg.layer {
            properties.push(Property {
                name: "bulwark:layer:index",
                value: layer.index.to_string(),
            });
            if let Some(d) = &layer.diff_id {
                properties.push(Property {
                    name: "bulwark:layer:diffID",
                    value: d.clone(),
                });
            }
        }
        properties.push(Property {
            name: "bulwark:location:0:path",
            value: pkg.found_in.clone(),
        });
        let bom_ref = ids.claim(&[base, located], "|");
        package_refs.push(bom_ref.clone());
        components.push(Component {
            bom_ref: Some(bom_ref),
            kind: "library",
            publisher: pkg.maintainer.clone(),
            name: pkg.name.clone(),
            version: Some(pkg.version.clone()).filter(|v| !v.is_empty()),
            licenses: licenses(&pkg.licenses),
            purl: purl.clone(),
            properties,
            ..Default::default()
        });
    }

    let dependencies = vec![Dependency {
        reference: root_ref,
        depends_on: components
            .iter()
            .filter_map(|c| c.bom_ref.clone())
            .collect(),
    }];

    let bom = Bom {
        schema: SCHEMA_URL,
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{}", cx.serial),
        version: 1,
        metadata: Metadata {
            timestamp: cx.timestamp.clone(),
            tools: Tools {
                components: vec![Component {
                    kind: "application",
                    name: TOOL_NAME.to_string(),
                    version: Some(cx.tool_version.clone()),
                    ..Default::default()
                }],
            },
            component: root,
        },
        components,
        dependencies,
        vulnerabilities: None,
    };
    (bom, package_refs)
}

/// The scanned artifact as `metadata.component`.
fn root_component(cx: &Context<'_>, ids: &mut UniqueIds) -> Component {
    let artifact = cx.artifact;
    let image = artifact.image.as_ref();
    let purl = image.and_then(purl::image_purl);
    let (kind, prefix) = match artifact.kind {
        ArtifactKind::ContainerImage => ("container", "image"),
        ArtifactKind::Filesystem => ("file", "fs"),
        ArtifactKind::Sbom => ("file", "sbom"),
    };
    let base = purl
        .clone()
        .unwrap_or_else(|| format!("bulwark:{prefix}:{}", artifact.name));
    let mut properties = Vec::new();
    if let Some(meta) = image {
        properties.push(Property {
            name: "bulwark:image:id",
            value: meta.config_digest.to_string(),
        });
        for tag in &meta.repo_tags {
            properties.push(Property {
                name: "bulwark:image:repoTag",
                value: tag.clone(),
            });
        }
        for digest in &meta.repo_digests {
            properties.push(Property {
                name: "bulwark:image:repoDigest",
                value: digest.clone(),
            });
        }
    }
    Component {
        bom_ref: Some(ids.claim(&[base], "|")),
        kind,
        name: artifact.name.clone(),
        version: artifact.version().map(str::to_string),
        purl,
        properties,
        ..Default::default()
    }
}

/// A single valid expression stays one; otherwise one entry per license, by SPDX id when it
/// is one, by name when not.
fn licenses(raw: &[String]) -> Vec<LicenseChoice> {
    if let [one] = raw {
        if let License::Expression(e) = license::classify(one) {
            return vec![LicenseChoice::Expression {
                expression: e.to_string(),
            }];
        }
    }
    let mut out: Vec<LicenseChoice> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for l in raw {
        let item = match license::classify(l) {
            License::Id(id) => LicenseItem {
                id: Some(id.to_string()),
                name: None,
            },
            License::Expression(s) | License::Name(s) => LicenseItem {
                id: None,
                name: Some(s.to_string()),
            },
        };
        let key = l.trim();
        if key.is_empty() || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(LicenseChoice::License { license: item });
    }
    out
}

#[derive(Serialize)]
struct Vulnerability {
    id: String,
    source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ratings: Vec<Rating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advisories: Vec<Advisory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<Analysis>,
    affects: Vec<Affects>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Source {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Reference {
    id: String,
    source: Source,
}

#[derive(Serialize)]
struct Rating {
    source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
    method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize)]
struct Advisory {
    url: String,
}

#[derive(Serialize)]
struct Analysis {
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'static str>,
    detail: String,
}

#[derive(Serialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    versions: Vec<AffectedVersion>,
}

#[derive(Serialize)]
struct AffectedVersion {
    version: String,
    status: &'static str,
}

/// One `vulnerabilities` entry per finding, `affects` pointing at `package_refs`.
fn vulnerabilities(findings: &Findings<'_>, package_refs: &[String]) -> Vec<Vulnerability> {
    findings
        .entries
        .iter()
        .map(|e| {
            let f = e.finding;
            let affects = e
                .package
                .and_then(|i| package_refs.get(i))
                .map(|r| Affects {
                    reference: r.clone(),
                    versions: vec![AffectedVersion {
                        version: f.package.version.clone(),
                        status: "affected",
                    }],
                })
                .into_iter()
                .collect();
            Vulnerability {
                id: f.id.clone(),
                source: id_source(&f.id),
                references: f
                    .aliases
                    .iter()
                    .map(|a| Reference {
                        id: a.clone(),
                        source: id_source(a),
                    })
                    .collect(),
                ratings: ratings(f),
                description: f.title.clone(),
                recommendation: f
                    .fixed_version
                    .as_ref()
                    .map(|v| format!("Upgrade {} to {v}", f.package.name)),
                advisories: f
                    .url
                    .iter()
                    .filter(|u| is_web_url(u))
                    .map(|u| Advisory { url: u.clone() })
                    .collect(),
                published: f.published.as_deref().and_then(date_time),
                analysis: f.suppressed.as_ref().map(analysis),
                affects,
                properties: vulnerability_properties(f),
            }
        })
        .collect()
}

/// Where an ID is published, by its prefix: NVD for CVEs, GitHub for GHSAs, OSV otherwise
/// (OSV mirrors PYSEC, RUSTSEC, GO, DSA, ... records under their own IDs).
fn id_source(id: &str) -> Source {
    let (name, base) = if id.starts_with("CVE-") {
        ("NVD", "https://nvd.nist.gov/vuln/detail/")
    } else if id.starts_with("GHSA-") {
        ("GitHub Advisory Database", "https://github.com/advisories/")
    } else {
        ("OSV", "https://osv.dev/vulnerability/")
    };
    let url_safe = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    Source {
        name: name.to_string(),
        url: url_safe.then(|| format!("{base}{id}")),
    }
}

/// Each CVSS score, then each vendor rating.
fn ratings(f: &Finding) -> Vec<Rating> {
    let cvss = f.cvss.iter().map(|c| Rating {
        source: Source {
            name: c.source.clone(),
            url: None,
        },
        score: Some(c.base_score),
        severity: match c.severity {
            // CVSS calls a 0.0 score "None".
            Severity::Negligible => "none",
            other => severity_name(other),
        },
        method: match c.version.trim() {
            "2" | "2.0" => "CVSSv2",
            "3" | "3.0" => "CVSSv3",
            "3.1" => "CVSSv31",
            "4" | "4.0" => "CVSSv4",
            _ => "other",
        },
        vector: Some(c.vector.clone()).filter(|v| !v.is_empty()),
    });
    let vendor = f.vendor_severity.iter().map(|v| Rating {
        source: Source {
            name: v.source.clone(),
            url: None,
        },
        score: None,
        severity: severity_name(v.severity),
        method: "other",
        vector: None,
    });
    cvss.chain(vendor).collect()
}

/// CycloneDX's lower-case severity words; a distro's "negligible" is `info`.
fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Unknown => "unknown",
        Severity::Negligible => "info",
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

/// A VEX statement is `not_affected`; an exception is an accepted risk, so it states nothing
/// but its reason.
fn analysis(s: &Suppression) -> Analysis {
    let detail = vuln::suppression_text(s);
    match s {
        Suppression::Vex { justification, .. } => Analysis {
            state: Some("not_affected"),
            justification: justification.as_deref().and_then(vex_justification),
            detail,
        },
        Suppression::Exception { .. } => Analysis {
            state: None,
            justification: None,
            detail,
        },
    }
}

/// The CycloneDX justification of an OpenVEX one, where one means the same.
/// `vulnerable_code_cannot_be_controlled_by_adversary` has no single counterpart (it spans
/// `requires_configuration`, `requires_environment`, ...): left out, the detail keeps it.
fn vex_justification(openvex: &str) -> Option<&'static str> {
    match openvex.trim() {
        "component_not_present" | "vulnerable_code_not_present" => Some("code_not_present"),
        "vulnerable_code_not_in_execute_path" => Some("code_not_reachable"),
        "inline_mitigations_already_exist" => Some("protected_by_mitigating_control"),
        _ => None,
    }
}

fn vulnerability_properties(f: &Finding) -> Vec<Property> {
    let mut properties = vec![
        Property {
            name: "bulwark:severity",
            value: f.severity.name().to_string(),
        },
        Property {
            name: "bulwark:status",
            value: f.status.name().to_string(),
        },
        Property {
            name: "bulwark:ecosystem",
            value: f.ecosystem.clone(),
        },
    ];
    properties.extend(f.advisories.iter().map(|a| Property {
        name: "bulwark:advisory",
        value: a.clone(),
    }));
    if let Some(r) = &f.reachability {
        properties.push(Property {
            name: "bulwark:reachability",
            value: crate::vuln::reachability_status(r).to_string(),
        });
        properties.push(Property {
            name: "bulwark:reachability:detail",
            value: r.describe(&f.package.name),
        });
    }
    if let Some(s) = &f.suppressed {
        properties.push(Property {
            name: "bulwark:suppression",
            value: match s {
                Suppression::Exception { .. } => "exception",
                Suppression::Vex { .. } => "vex",
            }
            .to_string(),
        });
    }
    properties
}

/// `published` as CycloneDX wants it (RFC 3339 date-time); a bare date is taken as midnight
/// UTC; anything else is dropped rather than written invalid.
fn date_time(raw: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let raw = raw.trim();
    if time::OffsetDateTime::parse(raw, &Rfc3339).is_ok() {
        return Some(raw.to_string());
    }
    let midnight = format!("{raw}T00:00:00Z");
    time::OffsetDateTime::parse(&midnight, &Rfc3339)
        .is_ok()
        .then_some(midnight)
}

/// Whether `url` is an absolute http(s) URL (what `advisories[].url` may hold).
fn is_web_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_justifications() {
        assert_eq!(
            date_time("2024-06-27T11:15:00Z").as_deref(),
            Some("2024-06-27T11:15:00Z")
        );
        assert_eq!(
            date_time("2024-06-27").as_deref(),
            Some("2024-06-27T00:00:00Z")
        );
        assert_eq!(date_time("June 2024"), None);
        assert_eq!(
            vex_justification("vulnerable_code_not_in_execute_path"),
            Some("code_not_reachable")
        );
        assert_eq!(
            vex_justification("vulnerable_code_cannot_be_controlled_by_adversary"),
            None
        );
        assert_eq!(
            id_source("GHSA-j8r2-6x86-q33q").url.as_deref(),
            Some("https://github.com/advisories/GHSA-j8r2-6x86-q33q")
        );
        assert_eq!(id_source("odd id").url, None);
    }
}
