//! SPDX 2.3 JSON (`--format spdx-json`), from our own serde structs (`spdx-rs` stops at 2.2).
//!
//! The document DESCRIBES one root package, the scanned artifact (`SPDXRef-DocumentRoot`,
//! purpose `CONTAINER` for an image, `FILE` for a directory), which CONTAINS the operating
//! system (`SPDXRef-OperatingSystem`) and every package. Package SPDXIDs are readable
//! (`SPDXRef-Package-deb-libssl3-3.0.11-1-deb12u2`: characters outside letters, digits, `.`
//! and `-` become `-`) and get `-2`, `-3`, ... when two would collide.
//!
//! Licenses: `licenseDeclared` is the package's licenses when every one is a valid SPDX
//! expression over the license list (joined with `AND`), else `NOASSERTION` with the names in
//! `licenseComments`. `licenseConcluded` is always `NOASSERTION`: Bulwark reads metadata, it
//! does not analyse license texts.

use std::io::Write;

use bulwark_inventory::{Package as InvPackage, PackageKind};
use serde::Serialize;

use crate::ids::UniqueIds;
use crate::{kind_name, license, purl, ArtifactKind, Context, ReportError, TOOL_NAME};

/// SPDX asks only that namespaces be unique URIs, not resolvable ones; `.invalid` is reserved
/// (RFC 2606) so the placeholder can never point at someone else's site.
const NAMESPACE_BASE: &str = "https://bulwark.invalid/spdxdocs";
const NOASSERTION: &str = "NOASSERTION";
const ROOT_ID: &str = "SPDXRef-DocumentRoot";
const OS_ID: &str = "SPDXRef-OperatingSystem";

pub(crate) fn write(cx: &Context<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    let doc = document(cx);
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| ReportError::from_json("SPDX", e))?;
    out.write_all(b"\n")?;
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<Package>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    license_list_version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    supplier: String,
    download_location: &'static str,
    files_analyzed: bool,
    license_concluded: &'static str,
    license_declared: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    license_comments: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

impl Package {
    /// A package with everything we cannot assert set to `NOASSERTION`.
    fn new(spdx_id: String, name: String, purpose: &'static str) -> Self {
        Self {
            spdx_id,
            name,
            version_info: None,
            supplier: NOASSERTION.into(),
            download_location: NOASSERTION,
            files_analyzed: false,
            license_concluded: NOASSERTION,
            license_declared: NOASSERTION.into(),
            license_comments: None,
            description: None,
            source_info: None,
            external_refs: Vec::new(),
            primary_package_purpose: purpose,
        }
    }
}

fn document(cx: &Context<'_>) -> Document {
    let artifact = cx.artifact;
    let mut ids = UniqueIds::default();
    let mut packages = Vec::with_capacity(cx.inventory.packages.len() + 2);
    let mut relationships = Vec::with_capacity(cx.inventory.packages.len() + 2);
    let contains = |id: &str| Relationship {
        spdx_element_id: ROOT_ID.into(),
        relationship_type: "CONTAINS",
        related_spdx_element: id.to_string(),
    };

    let purpose = match artifact.kind {
        ArtifactKind::ContainerImage => "CONTAINER",
        ArtifactKind::Filesystem | ArtifactKind::Sbom => "FILE",
    };
    let mut root = Package::new(
        ids.claim(&[ROOT_ID.to_string()], "-"),
        artifact.name.clone(),
        purpose,
    );
    root.version_info = artifact.version().map(str::to_string);
    root.external_refs = artifact
        .image
        .as_ref()
        .and_then(purl::image_purl)
        .map(purl_ref)
        .into_iter()
        .collect();
    packages.push(root);
    relationships.push(Relationship {
        spdx_element_id: "SPDXRef-DOCUMENT".into(),
        relationship_type: "DESCRIBES",
        related_spdx_element: ROOT_ID.into(),
    });

    if let Some(os) = &cx.inventory.os {
        let mut p = Package::new(
            ids.claim(&[OS_ID.to_string()], "-"),
            os.id.clone(),
            "OPERATING-SYSTEM",
        );
        p.version_info = os.version_id.clone();
        p.description = os.pretty_name.clone();
        relationships.push(contains(&p.spdx_id));
        packages.push(p);
    }

    for (pkg, purl) in cx.inventory.packages.iter().zip(&cx.purls) {
        let base = format!(
            "SPDXRef-Package-{}",
            idstring(&format!(
                "{}-{}-{}",
                kind_name(pkg.kind),
                pkg.name,
                pkg.version
            ))
        );
        let mut p = Package::new(ids.claim(&[base], "-"), pkg.name.clone(), "LIBRARY");
        p.version_info = Some(pkg.version.clone()).filter(|v| !v.is_empty());
        p.supplier = supplier(pkg.kind, pkg.maintainer.as_deref());
        match license::spdx_expression(&pkg.licenses) {
            Some(expr) => p.license_declared = expr,
            None if !pkg.licenses.is_empty() => {
                p.license_comments = Some(format!(
                    "license names from package metadata (not SPDX expressions): {}",
                    pkg.licenses.join(", ")
                ));
            }
            None => {}
        }
        p.source_info = Some(source_info(pkg));
        p.external_refs = purl.clone().map(purl_ref).into_iter().collect();
        relationships.push(contains(&p.spdx_id));
        packages.push(p);
    }

    let kind = match artifact.kind {
        ArtifactKind::ContainerImage => "image",
        ArtifactKind::Filesystem => "dir",
        ArtifactKind::Sbom => "sbom",
    };
    Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        name: artifact.name.clone(),
        document_namespace: format!(
            "{NAMESPACE_BASE}/{kind}/{}-{}",
            idstring(&artifact.name),
            cx.serial
        ),
        creation_info: CreationInfo {
            created: cx.timestamp.clone(),
            creators: vec![format!("Tool: {TOOL_NAME}-{}", cx.tool_version)],
            license_list_version: license_list_version(),
        },
        packages,
        relationships,
    }
}

fn purl_ref(purl: String) -> ExternalRef {
    ExternalRef {
        reference_category: "PACKAGE-MANAGER",
        reference_type: "purl",
        reference_locator: purl,
    }
}

/// Maps `s` onto SPDX idstring characters (letters, digits, `.`, `-`).
fn idstring(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if mapped.is_empty() {
        "unnamed".into()
    } else {
        mapped
    }
}

/// `Person: Name (email)` from a `Name <email>` maintainer field, as Syft writes it; rpm's
/// field is the vendor (`Red Hat, Inc.`), an organisation.
fn supplier(kind: PackageKind, maintainer: Option<&str>) -> String {
    let actor = if kind == PackageKind::Rpm {
        "Organization"
    } else {
        "Person"
    };
    let Some(m) = maintainer.map(str::trim).filter(|m| !m.is_empty()) else {
        return NOASSERTION.into();
    };
    let (name, email) = match m.split_once('<') {
        Some((name, rest)) => (name, rest.split('>').next().unwrap_or(rest)),
        None => (m, ""),
    };
    // Parentheses would be read as the e-mail part.
    let clean = |s: &str| s.replace(['(', ')'], "").trim().to_string();
    let (name, email) = (clean(name), clean(email));
    match (name.is_empty(), email.is_empty()) {
        (true, true) => NOASSERTION.into(),
        (false, true) => format!("{actor}: {name}"),
        (true, false) => format!("{actor}: {email} ({email})"),
        (false, false) => format!("{actor}: {name} ({email})"),
    }
}

/// Where the package was read from, its layer, and its source package.
fn source_info(pkg: &InvPackage) -> String {
    let mut s = format!("acquired package info from {}", pkg.found_in);
    if let Some(layer) = &pkg.layer {
        s.push_str(&format!(" in layer {}", layer.index));
        if let Some(d) = &layer.diff_id {
            s.push_str(&format!(" ({d})"));
        }
    }
    if let Some(src) = &pkg.source_name {
        s.push_str(&format!("; built from source package {src}"));
        if let Some(v) = &pkg.source_version {
            s.push_str(&format!(" {v}"));
        }
    }
    s
}

/// `major.minor` of the SPDX license list our validation uses.
fn license_list_version() -> String {
    let full = spdx::identifiers::VERSION;
    let mut parts = full.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => full.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idstrings_use_only_valid_characters() {
        assert_eq!(
            idstring("deb-libssl3-3.0.11-1~deb12u2"),
            "deb-libssl3-3.0.11-1-deb12u2"
        );
        assert_eq!(idstring("npm-@babel/core-7.0.0"), "npm--babel-core-7.0.0");
        assert_eq!(idstring("rpm-bash-1:5.1+x"), "rpm-bash-1-5.1-x");
        assert_eq!(idstring(""), "unnamed");
    }

    #[test]
    fn suppliers() {
        let deb = PackageKind::Deb;
        assert_eq!(
            supplier(
                deb,
                Some("Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>")
            ),
            "Person: Debian OpenSSL Team (pkg-openssl-devel@alioth-lists.debian.net)"
        );
        assert_eq!(supplier(deb, Some("Jane (JD) Doe")), "Person: Jane JD Doe");
        assert_eq!(
            supplier(PackageKind::Rpm, Some("Red Hat, Inc.")),
            "Organization: Red Hat, Inc."
        );
        assert_eq!(supplier(deb, Some("  ")), NOASSERTION);
        assert_eq!(supplier(deb, None), NOASSERTION);
    }

    #[test]
    fn license_list_version_is_major_minor() {
        let v = license_list_version();
        assert_eq!(v.split('.').count(), 2, "{v}");
    }
}
