//! OpenVEX input (`--vex FILE`): statements by a product's authors that it is not affected
//! by a vulnerability a scanner reports, so the finding can be suppressed with the reason.
//!
//! Reads OpenVEX 0.2.0 documents (<https://github.com/openvex/spec>) and the older 0.0.1
//! form (where `vulnerability` and `products` are plain strings and `subcomponents` sits on
//! the statement). A `not_affected` statement suppresses a finding when
//!
//! 1. its vulnerability `name` or one of its `aliases` equals one of the finding's IDs
//!    (ignoring ASCII case), and
//! 2. one of its products either
//!    - is the finding's package: the product's `@id` or `identifiers.purl` matches the
//!      package URL, or
//!    - is the scanned artifact (its `@id`, `identifiers.purl` or `hashes.sha-256` equals
//!      or matches one of the artifact IDs the caller passes: the image's `pkg:oci` purl,
//!      its reference, its manifest digest) and either lists no `subcomponents` (the whole
//!      artifact is not affected) or has a subcomponent matching the package URL.
//!
//! Package URLs match when type, namespace and name are equal, the version is equal or
//! absent from the statement (then every version matches), and every qualifier of the
//! statement is present in the package's purl with the same value.
//!
//! Statements are a history: of all the statements that apply to one finding, the one with
//! the latest timestamp wins (the statement's `timestamp`, else the document's; equal
//! timestamps go to the later statement). So a later `affected` or `under_investigation`
//! statement revokes an earlier `not_affected` one. To let statements of several documents
//! compete, [`VexDocument::merge`] them first and apply the result once.
//!
//! A `not_affected` statement with neither `justification` nor `impact_statement` is invalid
//! per the specification: it is ignored, with a warning. So is a statement without products.
//! Malformed JSON, a document that is not OpenVEX (no `https://openvex.dev/ns` context), or
//! a statement without vulnerability or with an unknown status make the document invalid
//! ([`VulnError::Vex`]). Documents larger than 16 MiB are refused.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{read_bounded, Bounded, Purl};
use crate::error::VulnError;
use crate::finding::{Finding, Suppression};

/// Largest VEX document accepted.
const MAX_VEX_BYTES: u64 = 16 * 1024 * 1024;

/// The impact status of a statement (OpenVEX status labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VexStatus {
    /// `not_affected`: no remediation needed; the only status that suppresses.
    NotAffected,
    /// `affected`.
    Affected,
    /// `fixed`.
    Fixed,
    /// `under_investigation`.
    UnderInvestigation,
}

impl VexStatus {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "not_affected" => Some(Self::NotAffected),
            "affected" => Some(Self::Affected),
            "fixed" => Some(Self::Fixed),
            "under_investigation" => Some(Self::UnderInvestigation),
            _ => None,
        }
    }
}

/// One identifier of a product or subcomponent, parsed as a purl when it is one.
#[derive(Debug, Clone)]
struct Identifier {
    raw: String,
    purl: Option<Purl>,
}

impl Identifier {
    fn new(raw: &str) -> Self {
        Identifier {
            raw: raw.trim().to_string(),
            purl: Purl::parse(raw),
        }
    }
}

/// A product or subcomponent: its `@id` and `identifiers.purl`, and its SHA-256 hashes.
#[derive(Debug, Clone, Default)]
struct Component {
    ids: Vec<Identifier>,
    sha256: Vec<String>,
}

impl Component {
    /// Whether one of its purls matches the installed package's purl.
    fn is_package(&self, package: &Purl) -> bool {
        self.ids
            .iter()
            .any(|id| id.purl.as_ref().is_some_and(|p| p.matches(package)))
    }

    /// Whether it names the scanned artifact.
    fn is_artifact(&self, artifacts: &[Identifier]) -> bool {
        self.ids.iter().any(|id| {
            artifacts.iter().any(|a| {
                id.raw.eq_ignore_ascii_case(&a.raw)
                    || matches!((&id.purl, &a.purl), (Some(p), Some(ap)) if p.matches(ap))
            })
        }) || self.sha256.iter().any(|hash| {
            artifacts.iter().any(|a| {
                a.raw
                    .strip_prefix("sha256:")
                    .is_some_and(|hex| hex.eq_ignore_ascii_case(hash))
            })
        })
    }
}

/// A statement's product with its subcomponents.
#[derive(Debug, Clone)]
struct Product {
    component: Component,
    subcomponents: Vec<Component>,
}

impl Product {
    fn covers(&self, package: Option<&Purl>, artifacts: &[Identifier]) -> bool {
        if package.is_some_and(|p| self.component.is_package(p)) {
            return true;
        }
        self.component.is_artifact(artifacts)
            && (self.subcomponents.is_empty()
                || package.is_some_and(|p| self.subcomponents.iter().any(|s| s.is_package(p))))
    }
}

/// One statement, normalised from either document version.
#[derive(Debug, Clone)]
struct Statement {
    /// The document's origin, recorded on suppressed findings.
    document: String,
    /// 1-based position in its document, for messages.
    position: usize,
    /// The vulnerability name, for messages.
    vulnerability: String,
    /// The name and the aliases.
    ids: Vec<String>,
    products: Vec<Product>,
    status: VexStatus,
    justification: Option<String>,
    impact: Option<String>,
    /// The statement's timestamp, else the document's.
    timestamp: Option<OffsetDateTime>,
    /// Why the statement is ignored, when it is invalid.
    problem: Option<&'static str>,
}

/// An OpenVEX document (or several merged): its statements, ready to apply to findings.
#[derive(Debug, Clone, Default)]
pub struct VexDocument {
    origin: String,
    statements: Vec<Statement>,
}

impl VexDocument {
    /// Reads and parses the OpenVEX document at `path` (JSON, at most 16 MiB).
    ///
    /// # Errors
    ///
    /// [`VulnError::Read`] when the file cannot be read; [`VulnError::Vex`] when it is too
    /// large or invalid (see [`VexDocument::parse`]).
    pub fn load(path: &Path) -> Result<VexDocument, VulnError> {
        let origin = path.display().to_string();
        match read_bounded(path, MAX_VEX_BYTES)? {
            Bounded::Content(bytes) => Self::parse(&bytes, &origin),
            Bounded::TooLarge(size) => Err(VulnError::Vex {
                origin,
                reason: too_large(size),
            }),
        }
    }

    /// Parses an OpenVEX document (0.2.0, or the older 0.0.1 form); `origin` names it in
    /// messages and in the suppressions it records.
    ///
    /// # Errors
    ///
    /// [`VulnError::Vex`] for input larger than 16 MiB, malformed JSON, a document without
    /// an OpenVEX `@context` (CycloneDX and CSAF documents are named as such), a missing
    /// `statements` list, a statement without vulnerability name or status, an unknown
    /// status, a field of the wrong type, or a timestamp that is not RFC 3339.
    pub fn parse(bytes: &[u8], origin: &str) -> Result<VexDocument, VulnError> {
        let fail = |reason: String| VulnError::Vex {
            origin: origin.to_string(),
            reason,
        };
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > MAX_VEX_BYTES {
            return Err(fail(too_large(size)));
        }
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        let document: Value =
            serde_json::from_slice(bytes).map_err(|e| fail(format!("not valid JSON: {e}")))?;
        let Some(document) = document.as_object() else {
            return Err(fail("the top level must be a JSON object".to_string()));
        };
        check_context(document).map_err(fail)?;
        let doc_time =
            timestamp(document, "timestamp").map_err(|e| fail(format!("document {e}")))?;
        let statements = match document.get("statements") {
            Some(Value::Array(statements)) => statements,
            Some(Value::Null) | None => {
                return Err(fail("no `statements` list".to_string()));
            }
            Some(_) => return Err(fail("`statements` is not a list".to_string())),
        };
        let mut parsed = Vec::with_capacity(statements.len());
        for (index, value) in statements.iter().enumerate() {
            let position = index + 1;
            let statement = parse_statement(value, position, origin, doc_time).map_err(|e| {
                let vuln = vulnerability_label(value);
                fail(format!("statement {position}{vuln}: {e}"))
            })?;
            parsed.push(statement);
        }
        Ok(VexDocument {
            origin: origin.to_string(),
            statements: parsed,
        })
    }

    /// Combines documents into one so that their statements compete on timestamp: a newer
    /// `affected` statement in one document then overrides an older `not_affected` in
    /// another, which applying them one after the other cannot do. Suppressions still name
    /// the document each winning statement came from.
    pub fn merge(documents: impl IntoIterator<Item = VexDocument>) -> VexDocument {
        let mut merged = VexDocument::default();
        let mut origins = Vec::new();
        for document in documents {
            origins.push(document.origin);
            merged.statements.extend(document.statements);
        }
        merged.origin = origins.join(", ");
        merged
    }

    /// Marks the findings that a `not_affected` statement covers and returns how many were
    /// newly suppressed.
    ///
    /// `artifact_ids` identify the scanned artifact (the image's `pkg:oci/...` purl, its
    /// reference, its manifest digest `sha256:...`): statements whose product is the
    /// artifact apply to the packages inside it. A finding already suppressed is left as it
    /// is. Each ignored (invalid) statement adds one warning.
    pub fn apply(
        &self,
        findings: &mut [Finding],
        artifact_ids: &[String],
        warnings: &mut Vec<String>,
    ) -> usize {
        for statement in &self.statements {
            if let Some(problem) = statement.problem {
                warnings.push(format!(
                    "VEX document {}: statement {} ({}) {problem}; it is ignored",
                    statement.document, statement.position, statement.vulnerability
                ));
            }
        }
        let artifacts: Vec<Identifier> = artifact_ids
            .iter()
            .filter(|a| !a.trim().is_empty())
            .map(|a| Identifier::new(a))
            .collect();
        // Statements by lower-cased vulnerability ID, so each finding only looks at its own.
        let mut by_id: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, statement) in self.statements.iter().enumerate() {
            if statement.problem.is_none() {
                for id in &statement.ids {
                    by_id
                        .entry(id.to_ascii_lowercase())
                        .or_default()
                        .push(index);
                }
            }
        }
        let mut suppressed = 0;
        for finding in findings.iter_mut() {
            if finding.suppressed.is_some() {
                continue;
            }
            let mut candidates: Vec<usize> = finding
                .ids()
                .chain(finding.advisories.iter().map(String::as_str))
                .filter_map(|id| by_id.get(&id.to_ascii_lowercase()))
                .flatten()
                .copied()
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            let package = finding.package.purl.as_deref().and_then(Purl::parse);
            // Candidates are in document order, so on equal timestamps `max_by_key` (which
            // keeps the last maximum) picks the later statement.
            let latest = candidates
                .into_iter()
                .filter_map(|index| self.statements.get(index))
                .filter(|s| {
                    s.products
                        .iter()
                        .any(|p| p.covers(package.as_ref(), &artifacts))
                })
                .max_by_key(|s| s.timestamp);
            if let Some(statement) = latest.filter(|s| s.status == VexStatus::NotAffected) {
                finding.suppressed = Some(Suppression::Vex {
                    document: statement.document.clone(),
                    justification: statement.justification.clone(),
                    impact: statement.impact.clone(),
                });
                suppressed += 1;
            }
        }
        suppressed
    }

    /// Where the document came from (its path, or the `origin` given to
    /// [`VexDocument::parse`]; comma-separated after [`VexDocument::merge`]).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How many statements it has, invalid ones included.
    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Whether it has no statements.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

fn too_large(size: u64) -> String {
    format!("the file is {size} bytes; VEX documents are limited to 16 MiB")
}

/// Accepts only OpenVEX contexts, naming the other VEX formats users may pass by mistake.
fn check_context(document: &Map<String, Value>) -> Result<(), String> {
    match document.get("@context") {
        Some(Value::String(context)) if context.starts_with("https://openvex.dev/ns") => Ok(()),
        Some(other) => Err(format!(
            "`@context` is {other}, not an OpenVEX context (https://openvex.dev/ns/...)"
        )),
        None if document.contains_key("bomFormat") => Err(
            "this is a CycloneDX document; --vex reads OpenVEX (https://openvex.dev)".to_string(),
        ),
        None if document.contains_key("document") && document.contains_key("product_tree") => {
            Err("this is a CSAF document; --vex reads OpenVEX (https://openvex.dev)".to_string())
        }
        None => Err("no `@context`: not an OpenVEX document".to_string()),
    }
}

/// ` (CVE-...)` for error messages, when the statement names its vulnerability.
fn vulnerability_label(statement: &Value) -> String {
    let vulnerability = statement.get("vulnerability");
    let name = vulnerability.and_then(Value::as_str).or_else(|| {
        vulnerability
            .and_then(|v| v.get("name"))
            .and_then(Value::as_str)
    });
    name.map(|n| format!(" ({n})")).unwrap_or_default()
}

fn parse_statement(
    value: &Value,
    position: usize,
    origin: &str,
    doc_time: Option<OffsetDateTime>,
) -> Result<Statement, String> {
    let Some(statement) = value.as_object() else {
        return Err("not a JSON object".to_string());
    };
    let (vulnerability, ids) = match statement.get("vulnerability") {
        // OpenVEX 0.0.1: the ID itself.
        Some(Value::String(name)) => (name.trim().to_string(), vec![name.trim().to_string()]),
        Some(Value::Object(vuln)) => {
            let name = string(vuln, "name", "vulnerability `name`")?.unwrap_or_default();
            let mut ids = vec![name.clone()];
            match vuln.get("aliases") {
                None | Some(Value::Null) => {}
                Some(Value::Array(aliases)) => {
                    for alias in aliases {
                        let alias = alias
                            .as_str()
                            .ok_or("vulnerability `aliases` holds a non-string")?;
                        ids.push(alias.trim().to_string());
                    }
                }
                Some(_) => return Err("vulnerability `aliases` is not a list".to_string()),
            }
            (name, ids)
        }
        None | Some(Value::Null) => return Err("no `vulnerability`".to_string()),
        Some(_) => return Err("`vulnerability` is neither a string nor an object".to_string()),
    };
    if vulnerability.is_empty() {
        return Err("the vulnerability has no name".to_string());
    }
    let ids = ids.into_iter().filter(|id| !id.is_empty()).collect();

    let status_text = string(statement, "status", "`status`")?.ok_or("no `status`")?;
    let status = VexStatus::parse(&status_text).ok_or_else(|| {
        format!(
            "status `{status_text}` is not one of not_affected, affected, fixed, under_investigation"
        )
    })?;
    let justification = string(statement, "justification", "`justification`")?;
    let impact = string(statement, "impact_statement", "`impact_statement`")?;
    let timestamp = timestamp(statement, "timestamp")?.or(doc_time);

    // 0.0.1 lists subcomponents on the statement, for every product.
    let shared_subcomponents = components(statement, "subcomponents")?;
    let mut products = Vec::new();
    for product in list(statement, "products")? {
        let (component, mut subcomponents) = match product {
            Value::String(id) => (component_from_id(id), Vec::new()),
            Value::Object(object) => (component(object)?, components(object, "subcomponents")?),
            _ => return Err("a product is neither a string nor an object".to_string()),
        };
        subcomponents.extend(shared_subcomponents.iter().cloned());
        products.push(Product {
            component,
            subcomponents,
        });
    }

    let problem = if products.is_empty() {
        Some("names no product")
    } else if status == VexStatus::NotAffected && justification.is_none() && impact.is_none() {
        Some("is not_affected without a justification or impact_statement, which OpenVEX requires")
    } else {
        None
    };
    Ok(Statement {
        document: origin.to_string(),
        position,
        vulnerability,
        ids,
        products,
        status,
        justification,
        impact,
        timestamp,
        problem,
    })
}

/// An optional string field; empty or blank counts as absent, another type is an error.
fn string(object: &Map<String, Value>, key: &str, what: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(_) => Err(format!("{what} is not a string")),
    }
}

/// An optional list field.
fn list<'a>(object: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("`{key}` is not a list")),
    }
}

/// An optional RFC 3339 timestamp field.
fn timestamp(object: &Map<String, Value>, key: &str) -> Result<Option<OffsetDateTime>, String> {
    string(object, key, &format!("`{key}`"))?
        .map(|text| {
            OffsetDateTime::parse(&text, &Rfc3339)
                .map_err(|e| format!("`{key}` `{text}` is not an RFC 3339 timestamp ({e})"))
        })
        .transpose()
}

fn component_from_id(id: &str) -> Component {
    Component {
        ids: vec![Identifier::new(id)]
            .into_iter()
            .filter(|i| !i.raw.is_empty())
            .collect(),
        sha256: Vec::new(),
    }
}

/// A product or subcomponent object: `@id`, `identifiers.purl`, `hashes.sha-256`.
fn component(object: &Map<String, Value>) -> Result<Component, String> {
    let mut result = Component::default();
    if let Some(id) = string(object, "@id", "`@id`")? {
        result.ids.push(Identifier::new(&id));
    }
    match object.get("identifiers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(identifiers)) => {
            if let Some(purl) = string(identifiers, "purl", "`identifiers.purl`")? {
                result.ids.push(Identifier::new(&purl));
            }
        }
        Some(_) => return Err("`identifiers` is not an object".to_string()),
    }
    match object.get("hashes") {
        None | Some(Value::Null) => {}
        Some(Value::Object(hashes)) => {
            for key in ["sha-256", "sha256"] {
                if let Some(hash) = string(hashes, key, "a hash")? {
                    result.sha256.push(hash.to_ascii_lowercase());
                }
            }
        }
        Some(_) => return Err("`hashes` is not an object".to_string()),
    }
    Ok(result)
}

/// An optional list of subcomponents, each an object or (0.0.1) a bare identifier.
fn components(object: &Map<String, Value>, key: &str) -> Result<Vec<Component>, String> {
    list(object, key)?
        .iter()
        .map(|item| match item {
            Value::String(id) => Ok(component_from_id(id)),
            Value::Object(o) => component(o),
            _ => Err(format!(
                "an entry of `{key}` is neither a string nor an object"
            )),
        })
        .filter(|c| {
            c.as_ref()
                .map_or(true, |c| !c.ids.is_empty() || !c.sha256.is_empty())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use bulwark_inventory::PackageKind;

    const IMAGE: &str = "pkg:oci/app@sha256%3A5e0e1d2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f?arch=amd64&repository_url=registry.example.com%2Fteam%2Fapp&tag=1.4.2";
    const DIGEST: &str = "sha256:5e0e1d2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f";

    fn artifact_ids() -> Vec<String> {
        vec![
            IMAGE.to_string(),
            "registry.example.com/team/app:1.4.2".to_string(),
            DIGEST.to_string(),
        ]
    }

    fn finding(id: &str, aliases: &[&str], name: &str, purl: &str) -> Finding {
        crate::policy::test_support::deb_finding(id, aliases, name, Some("openssl"), purl)
    }

    const LIBSSL: &str =
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl";

    fn libssl(id: &str) -> Finding {
        finding(id, &[], "libssl3", LIBSSL)
    }

    fn parse(json: &str) -> VexDocument {
        match VexDocument::parse(json.as_bytes(), "app.vex.json") {
            Ok(doc) => doc,
            Err(e) => panic!("{e}"),
        }
    }

    fn apply(doc: &VexDocument, findings: &mut [Finding]) -> (usize, Vec<String>) {
        let mut warnings = Vec::new();
        let n = doc.apply(findings, &artifact_ids(), &mut warnings);
        (n, warnings)
    }

    /// What `vexctl create` writes for an image and one of its packages.
    const DOC_0_2_0: &str = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-a7f3c2e1",
  "author": "Example Security <security@example.com>",
  "role": "Document Creator",
  "timestamp": "2024-03-01T10:00:00.123456789Z",
  "version": 1,
  "tooling": "vexctl/0.2.6",
  "statements": [
    {
      "vulnerability": {
        "@id": "https://nvd.nist.gov/vuln/detail/CVE-2023-4807",
        "name": "CVE-2023-4807",
        "description": "POLY1305 MAC implementation corrupts vector registers on Windows",
        "aliases": ["GHSA-x9x9-9x9x-x9x9"]
      },
      "products": [
        {
          "@id": "pkg:oci/app@sha256%3A5e0e1d2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f",
          "identifiers": {"purl": "pkg:oci/app@sha256%3A5e0e1d2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f"},
          "hashes": {"sha-256": "5e0e1d2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f"},
          "subcomponents": [
            {"@id": "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64"}
          ]
        }
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path",
      "impact_statement": "The image runs on Linux only; the affected code is Windows-specific."
    },
    {
      "vulnerability": {"name": "CVE-2024-0727"},
      "products": [
        {"@id": "pkg:deb/debian/libssl3", "identifiers": {"purl": "pkg:deb/debian/libssl3"}}
      ],
      "status": "affected",
      "action_statement": "Upgrade to 3.0.13-1~deb12u1",
      "timestamp": "2024-03-02T08:30:00+01:00"
    }
  ]
}"#;

    #[test]
    fn subcomponent_of_the_scanned_image() {
        let doc = parse(DOC_0_2_0);
        assert_eq!((doc.len(), doc.origin()), (2, "app.vex.json"));
        let mut findings = vec![
            libssl("CVE-2023-4807"),
            libssl("CVE-2024-0727"),
            // The same CVE in another package: the statement's subcomponent does not cover it.
            finding(
                "CVE-2023-4807",
                &[],
                "openssl",
                "pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64",
            ),
        ];
        let (n, warnings) = apply(&doc, &mut findings);
        assert_eq!(n, 1);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            findings[0].suppressed,
            Some(Suppression::Vex {
                document: "app.vex.json".into(),
                justification: Some("vulnerable_code_not_in_execute_path".into()),
                impact: Some(
                    "The image runs on Linux only; the affected code is Windows-specific.".into()
                ),
            })
        );
        assert_eq!(findings[1].suppressed, None);
        assert_eq!(findings[2].suppressed, None);
    }

    #[test]
    fn another_image_is_not_this_one() {
        let doc = parse(DOC_0_2_0);
        let mut findings = vec![libssl("CVE-2023-4807")];
        let other = vec![
            "pkg:oci/app@sha256%3Aaaaa".to_string(),
            "sha256:aaaa".to_string(),
        ];
        assert_eq!(doc.apply(&mut findings, &other, &mut Vec::new()), 0);
        assert_eq!(doc.apply(&mut findings, &[], &mut Vec::new()), 0);
    }

    #[test]
    fn artifact_matched_by_reference_digest_or_hash() {
        let make = |product: &str| {
            parse(&format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
                "timestamp": "2024-03-01T10:00:00Z", "version": 1,
                "statements": [{{"vulnerability": {{"name": "CVE-2023-4807"}},
                  "products": [{product}], "status": "not_affected",
                  "justification": "component_not_present"}}]}}"#
            ))
        };
        let cases = [
            (r#"{"@id": "registry.example.com/team/app:1.4.2"}"#, true),
            (&format!(r#"{{"@id": "{DIGEST}"}}"#) as &str, true),
            (
                r#"{"hashes": {"sha-256": "5E0E1D2F3A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9A0B1C2D3E4F"}}"#,
                true,
            ),
            // A purl without qualifiers matches the image purl that has them.
            (
                r#"{"@id": "pkg:oci/app@sha256:5e0e1d2f3a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f"}"#,
                true,
            ),
            (
                r#"{"@id": "pkg:oci/app?repository_url=registry.example.com/team/app"}"#,
                true,
            ),
            (r#"{"@id": "pkg:oci/app?tag=2.0.0"}"#, false),
            (r#"{"@id": "registry.example.com/team/app:1.4.3"}"#, false),
            (r#""registry.example.com/team/app:1.4.2""#, true),
        ];
        for (product, expected) in cases {
            let mut findings = vec![libssl("CVE-2023-4807")];
            let (n, _) = apply(&make(product), &mut findings);
            assert_eq!(n == 1, expected, "{product}");
        }
    }

    #[test]
    fn package_purl_and_qualifier_matching() {
        let make = |purl: &str| {
            parse(&format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
                "timestamp": "2024-03-01T10:00:00Z", "version": 1,
                "statements": [{{"vulnerability": {{"name": "CVE-2023-4807"}},
                  "products": [{{"identifiers": {{"purl": "{purl}"}}}}], "status": "not_affected",
                  "justification": "vulnerable_code_not_present"}}]}}"#
            ))
        };
        let cases = [
            ("pkg:deb/debian/libssl3", true),
            ("pkg:deb/debian/libssl3@3.0.11-1~deb12u1", true),
            (
                "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12",
                true,
            ),
            ("pkg:deb/debian/libssl3?distro=debian-12", true),
            ("pkg:deb/debian/libssl3?distro=debian-11", false),
            ("pkg:deb/debian/libssl3?arch=amd64&foo=bar", false),
            ("pkg:deb/debian/libssl3@3.0.11-1~deb12u2", false),
            ("pkg:deb/ubuntu/libssl3", false),
            ("pkg:rpm/debian/libssl3", false),
        ];
        for (purl, expected) in cases {
            let mut findings = vec![libssl("CVE-2023-4807")];
            let (n, _) = apply(&make(purl), &mut findings);
            assert_eq!(n == 1, expected, "{purl}");
        }
    }

    #[test]
    fn aliases_match_in_both_directions() {
        // The statement names the GHSA; the finding's alias list has it.
        let doc = parse(
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
            "timestamp": "2024-03-01T10:00:00Z", "version": 1,
            "statements": [
              {"vulnerability": {"name": "GHSA-jfh8-c2jp-5v3q"},
               "products": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core"}],
               "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
              {"vulnerability": {"name": "SNYK-JAVA-1", "aliases": ["cve-2022-23307"]},
               "products": [{"@id": "pkg:maven/log4j/log4j"}],
               "status": "not_affected", "impact_statement": "JMS appender is not used"}
            ]}"#,
        );
        let mut findings = vec![
            finding(
                "CVE-2021-44228",
                &["GHSA-JFH8-C2JP-5V3Q"],
                "org.apache.logging.log4j:log4j-core",
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            ),
            finding(
                "CVE-2022-23307",
                &[],
                "log4j:log4j",
                "pkg:maven/log4j/log4j@1.2.17",
            ),
        ];
        let (n, warnings) = apply(&doc, &mut findings);
        assert_eq!(n, 2);
        assert!(warnings.is_empty());
        assert!(matches!(&findings[1].suppressed,
            Some(Suppression::Vex { justification: None, impact: Some(i), .. }) if i == "JMS appender is not used"));
    }

    #[test]
    fn latest_statement_wins() {
        let doc = parse(
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
            "timestamp": "2024-03-05T00:00:00Z", "version": 3,
            "statements": [
              {"vulnerability": {"name": "CVE-2023-4807"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}],
               "status": "under_investigation", "timestamp": "2024-03-01T00:00:00Z"},
              {"vulnerability": {"name": "CVE-2023-4807"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}],
               "status": "not_affected", "justification": "vulnerable_code_not_present",
               "timestamp": "2024-03-03T00:00:00Z"},
              {"vulnerability": {"name": "CVE-2023-5678"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}],
               "status": "not_affected", "justification": "vulnerable_code_not_present",
               "timestamp": "2024-03-04T12:00:00+02:00"},
              {"vulnerability": {"name": "CVE-2023-5678"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}],
               "status": "affected", "timestamp": "2024-03-04T11:00:00Z"},
              {"vulnerability": {"name": "CVE-2024-0727"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}],
               "status": "affected", "timestamp": "2024-03-06T00:00:00Z"},
              {"vulnerability": {"name": "CVE-2024-0727"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}],
               "status": "not_affected", "justification": "component_not_present"}
            ]}"#,
        );
        let mut findings = vec![
            libssl("CVE-2023-4807"),
            libssl("CVE-2023-5678"),
            libssl("CVE-2024-0727"),
        ];
        let (n, _) = apply(&doc, &mut findings);
        // Investigation concluded not affected: suppressed.
        assert!(findings[0].suppressed.is_some());
        // 12:00+02:00 is 10:00Z, before the 11:00Z `affected`: not suppressed.
        assert!(findings[1].suppressed.is_none());
        // The statement without a timestamp inherits the document's (03-05), older than 03-06.
        assert!(findings[2].suppressed.is_none());
        assert_eq!(n, 1);
    }

    #[test]
    fn merged_documents_compete_on_time() {
        let old = parse(
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "old", "author": "a",
            "timestamp": "2024-01-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2023-4807"},
              "products": [{"@id": "pkg:deb/debian/libssl3"}],
              "status": "not_affected", "justification": "vulnerable_code_not_present"}]}"#,
        );
        let new = VexDocument::parse(
            br#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "new", "author": "a",
            "timestamp": "2024-02-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2023-4807"},
              "products": [{"@id": "pkg:deb/debian/libssl3"}], "status": "affected"}]}"#,
            "new.vex.json",
        )
        .unwrap();
        // Applied separately, the old not_affected suppresses.
        let mut findings = vec![libssl("CVE-2023-4807")];
        assert_eq!(apply(&old, &mut findings).0, 1);
        // Merged, the newer affected statement wins.
        let merged = VexDocument::merge([old, new.clone()]);
        assert_eq!(merged.origin(), "app.vex.json, new.vex.json");
        let mut findings = vec![libssl("CVE-2023-4807")];
        assert_eq!(apply(&merged, &mut findings).0, 0);
        // And the suppression names the document the winning statement came from.
        let newer_na = parse(
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "newer", "author": "a",
            "timestamp": "2024-03-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2023-4807"},
              "products": [{"@id": "pkg:deb/debian/libssl3"}],
              "status": "not_affected", "justification": "inline_mitigations_already_exist"}]}"#,
        );
        let merged = VexDocument::merge([new, newer_na]);
        let mut findings = vec![libssl("CVE-2023-4807")];
        assert_eq!(apply(&merged, &mut findings).0, 1);
        assert!(
            matches!(&findings[0].suppressed, Some(Suppression::Vex { document, .. }) if document == "app.vex.json")
        );
    }

    #[test]
    fn invalid_statements_warn_and_are_ignored() {
        let doc = parse(
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
            "timestamp": "2024-03-01T00:00:00Z", "version": 1,
            "statements": [
              {"vulnerability": {"name": "CVE-2023-4807"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}], "status": "not_affected"},
              {"vulnerability": {"name": "CVE-2023-5678"}, "status": "not_affected",
               "justification": "component_not_present"},
              {"vulnerability": {"name": "CVE-2024-0727"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}], "status": "not_affected",
               "justification": "  ", "impact_statement": ""}
            ]}"#,
        );
        let mut findings = vec![
            libssl("CVE-2023-4807"),
            libssl("CVE-2023-5678"),
            libssl("CVE-2024-0727"),
        ];
        let (n, warnings) = apply(&doc, &mut findings);
        assert_eq!(n, 0);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("statement 1 (CVE-2023-4807)"));
        assert!(warnings[0].contains("justification"));
        assert!(warnings[1].contains("names no product"));
    }

    #[test]
    fn an_ignored_statement_does_not_shadow_an_older_valid_one() {
        let doc = parse(
            r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
            "timestamp": "2024-03-01T00:00:00Z", "version": 1,
            "statements": [
              {"vulnerability": {"name": "CVE-2023-4807"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}], "status": "not_affected",
               "justification": "vulnerable_code_not_present"},
              {"vulnerability": {"name": "CVE-2023-4807"},
               "products": [{"@id": "pkg:deb/debian/libssl3"}], "status": "not_affected",
               "timestamp": "2024-04-01T00:00:00Z"}
            ]}"#,
        );
        let mut findings = vec![libssl("CVE-2023-4807")];
        let (n, warnings) = apply(&doc, &mut findings);
        assert_eq!((n, warnings.len()), (1, 1));
    }

    #[test]
    fn openvex_0_0_1_documents() {
        // As go-vex's compatibility parser reads them: string vulnerability and products,
        // statement-level subcomponents, a string version.
        let doc = parse(
            r#"{
  "@context": "https://openvex.dev/ns/v0.0.1",
  "@id": "https://openvex.dev/docs/example/vex-9fb3463de1b57",
  "author": "Wolfi J Inkinson",
  "role": "Document Creator",
  "timestamp": "2023-01-08T18:02:03.647787998-06:00",
  "version": "1",
  "statements": [
    {
      "vulnerability": "CVE-2023-12345",
      "products": [
        "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7",
        "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64"
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_present"
    },
    {
      "vulnerability": "CVE-2023-4807",
      "products": ["registry.example.com/team/app:1.4.2"],
      "subcomponents": ["pkg:deb/debian/libssl3"],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    }
  ]
}"#,
        );
        let mut git = finding(
            "CVE-2023-12345",
            &[],
            "git",
            "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64",
        );
        git.package.kind = PackageKind::Apk;
        let arm = finding(
            "CVE-2023-12345",
            &[],
            "git",
            "pkg:apk/wolfi/git@2.39.0-r1?arch=aarch64",
        );
        let mut findings = vec![
            git,
            arm,
            libssl("CVE-2023-4807"),
            finding("CVE-2023-4807", &[], "openssl", "pkg:deb/debian/openssl@3"),
        ];
        let (n, warnings) = apply(&doc, &mut findings);
        assert!(warnings.is_empty());
        assert_eq!(n, 2);
        assert!(findings[0].suppressed.is_some());
        assert!(findings[1].suppressed.is_none());
        assert!(findings[2].suppressed.is_some());
        assert!(findings[3].suppressed.is_none());
    }

    #[test]
    fn whole_image_statement_and_already_suppressed_findings() {
        let doc = parse(&format!(
            r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
            "timestamp": "2024-03-01T00:00:00Z", "version": 1,
            "statements": [{{"vulnerability": {{"name": "CVE-2023-4807"}},
              "products": [{{"@id": "{DIGEST}"}}], "status": "not_affected",
              "justification": "component_not_present"}}]}}"#
        ));
        let exception = Suppression::Exception {
            reason: "r".into(),
            owner: "o".into(),
            expires: "2027-01-01".into(),
        };
        let mut findings = vec![
            libssl("CVE-2023-4807"),
            finding("CVE-2023-4807", &[], "openssl", "pkg:deb/debian/openssl@3"),
            libssl("CVE-2023-4807"),
        ];
        findings[2].suppressed = Some(exception.clone());
        // A finding without purl is still covered by a statement about the whole image.
        findings[1].package.purl = None;
        let (n, _) = apply(&doc, &mut findings);
        assert_eq!(n, 2);
        assert_eq!(findings[2].suppressed, Some(exception));
    }

    fn error(json: &[u8]) -> String {
        match VexDocument::parse(json, "bad.json") {
            Err(VulnError::Vex { origin, reason }) => {
                assert_eq!(origin, "bad.json");
                reason
            }
            other => panic!("expected a VEX error, got {other:?}"),
        }
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(error(b"{not json").contains("not valid JSON"));
        assert!(error(b"").contains("not valid JSON"));
        assert!(error(b"[]").contains("JSON object"));
        assert!(error(br#"{"statements": []}"#).contains("no `@context`"));
        assert!(
            error(br#"{"bomFormat": "CycloneDX", "vulnerabilities": []}"#).contains("CycloneDX")
        );
        assert!(error(br#"{"document": {}, "product_tree": {}}"#).contains("CSAF"));
        assert!(
            error(br#"{"@context": "https://example.com/ns"}"#).contains("not an OpenVEX context")
        );
        let doc = |statements: &str| {
            format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2024-03-01T00:00:00Z", "statements": {statements}}}"#
            )
        };
        assert!(error(br#"{"@context": "https://openvex.dev/ns/v0.2.0"}"#).contains("statements"));
        assert!(error(doc("{}").as_bytes()).contains("not a list"));
        let reason = error(doc(r#"[{"vulnerability": {"name": "CVE-1"}, "products": ["pkg:deb/debian/a"], "status": "exploitable"}]"#).as_bytes());
        assert!(
            reason.contains("statement 1 (CVE-1)") && reason.contains("exploitable"),
            "{reason}"
        );
        let reason =
            error(doc(r#"[{"products": ["pkg:deb/debian/a"], "status": "fixed"}]"#).as_bytes());
        assert!(
            reason.contains("statement 1") && reason.contains("vulnerability"),
            "{reason}"
        );
        let reason =
            error(doc(r#"[{"vulnerability": {"name": ""}, "status": "fixed"}]"#).as_bytes());
        assert!(reason.contains("no name"), "{reason}");
        let reason = error(doc(r#"[{"vulnerability": "CVE-1", "products": ["x"]}]"#).as_bytes());
        assert!(reason.contains("no `status`"), "{reason}");
        let reason = error(
            doc(r#"[{"vulnerability": "CVE-1", "status": "fixed", "timestamp": "yesterday"}]"#)
                .as_bytes(),
        );
        assert!(reason.contains("RFC 3339"), "{reason}");
        let reason = error(
            doc(r#"[{"vulnerability": "CVE-1", "status": "fixed", "products": [7]}]"#).as_bytes(),
        );
        assert!(reason.contains("product"), "{reason}");
        let reason = error(
            doc(
                r#"[{"vulnerability": {"name": "CVE-1", "aliases": "GHSA-1"}, "status": "fixed"}]"#,
            )
            .as_bytes(),
        );
        assert!(reason.contains("aliases"), "{reason}");
        let reason = error(
            br#"{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": 5, "statements": []}"#,
        );
        assert!(reason.contains("timestamp"), "{reason}");
        // A byte-order mark is tolerated.
        let mut with_bom = b"\xef\xbb\xbf".to_vec();
        with_bom.extend_from_slice(doc("[]").as_bytes());
        assert!(VexDocument::parse(&with_bom, "bom.json")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn size_is_bounded() {
        let big = vec![b' '; 16 * 1024 * 1024 + 1];
        assert!(error(&big).contains("16 MiB"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.vex.json");
        std::fs::write(&path, &big).unwrap();
        assert!(
            matches!(VexDocument::load(&path), Err(VulnError::Vex { reason, .. }) if reason.contains("16 MiB"))
        );
        let path = dir.path().join("app.vex.json");
        std::fs::write(&path, DOC_0_2_0).unwrap();
        let doc = VexDocument::load(&path).unwrap();
        assert_eq!(
            (doc.len(), doc.origin()),
            (2, path.display().to_string().as_str())
        );
        assert!(matches!(
            VexDocument::load(&dir.path().join("missing.json")),
            Err(VulnError::Read { .. })
        ));
    }
}
