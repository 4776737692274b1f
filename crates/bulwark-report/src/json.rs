//! Bulwark's native JSON document (`--format json`), for SBOMs and vulnerability reports
//! alike.
//!
//! The document's shape and stability rules are documented on [`SCHEMA_VERSION`], the public
//! item users of the crate see.

use std::borrow::Cow;
use std::io::Write;

use bulwark_vuln::{DbInfo, Finding};
use serde::Serialize;

use crate::vuln::Findings;
use crate::{kind_name, purl, ArtifactKind, Context, ReportError, TOOL_NAME};

/// Version of the native JSON document (`--format json`); bumped on any incompatible change.
///
/// The document, version 1:
///
/// ```text
/// {
///   "schema_version": 1,
///   "created": "2026-11-02T10:00:00Z",              // RFC 3339, UTC, whole seconds
///   "tool": { "name": "bulwark", "version": "0.1.0" },
///   "artifact": {
///     "name": "alpine:3.19",                         // as the user gave it
///     "kind": "container-image" | "filesystem",
///     "version": "sha256:…" | null,                  // manifest digest, else image ID
///     "image": null | {
///       "source": "docker-archive" | "oci-layout" | "oci-archive" | "registry" | "rootfs",
///       "manifest_digest": "sha256:…" | null,
///       "config_digest": "sha256:…",
///       "repo_tags": ["alpine:3.19"], "repo_digests": ["alpine@sha256:…"],
///       "os": "linux" | null, "architecture": "amd64" | null, "variant": "v8" | null,
///       "purl": "pkg:oci/…" | null,
///       "layers": [ { "index": 0, "diff_id": "sha256:…", "blob_digest": "sha256:…" | null,
///                     "media_type": "…" | null, "size": 1234 | null } ]
///     }
///   },
///   "os": null | { "id": "debian", "version_id": "12" | null, "codename": "bookworm" | null,
///                  "pretty_name": "…" | null, "id_like": [] },
///   "packages": [ {
///     "type": "deb" | "apk" | "rpm" | "python" | "npm" | "cargo" | "go" | "maven" | "gem"
///             | "composer" | "nuget",
///     "name": "libssl3", "version": "3.0.11-1~deb12u2", "epoch": 1 | null,
///     "arch": "amd64" | null, "source_name": "openssl" | null, "source_version": "…" | null,
///     "licenses": ["Apache-2.0"], "maintainer": "…" | null,
///     "purl": "pkg:deb/debian/libssl3@…" | null,
///     "found_in": "/var/lib/dpkg/status",
///     "layer": null | { "index": 0, "diff_id": "sha256:…" | null },
///     "files": null | [ { "path": "/usr/bin/openssl",
///                         "layer": null | { "index": 0, "diff_id": "sha256:…" | null } } ]
///   } ],
///   "warnings": ["…"],
///   "db": null | { "schema_version": 1, "built_at": "2026-11-01T06:00:00Z",
///                  "sources": ["https://…"] },
///   "vulnerabilities": null | [ {
///     "package": { "kind": "deb", "name": "libssl3", "version": "3.0.11-1~deb12u2",
///                  "source_name"?: "openssl", "purl"?: "pkg:deb/…",
///                  "found_in": "/var/lib/dpkg/status",
///                  "layer"?: { "index": 0, "diff_id": "sha256:…" | null } },
///     "id": "CVE-2024-5535", "aliases"?: ["GHSA-…"], "advisories": ["DEBIAN-CVE-2024-5535"],
///     "title"?: "…",
///     "status": "fixed" | "affected" | "will-not-fix", "fixed_version"?: "3.0.14-1~deb12u1",
///     "severity": "UNKNOWN" | "NEGLIGIBLE" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL",
///     "cvss"?: [ { "version": "3.1", "vector": "CVSS:3.1/…", "base_score": 7.5,
///                  "severity": "HIGH", "source": "nvd" } ],
///     "vendor_severity"?: [ { "source": "debian", "severity": "LOW", "raw": "low" } ],
///     "ecosystem": "Debian:12", "url"?: "https://…", "published"?: "2024-06-27T11:15:00Z",
///     "suppressed"?:
///         { "kind": "exception", "reason": "…", "owner": "…", "expires": "2026-12-31" }
///       | { "kind": "vex", "document": "…", "justification"?: "…", "impact"?: "…" },
///     "reachability"?:                               // bulwark image: the entrypoint's
///         { "status": "loaded", "chain": ["/usr/bin/python3.11", "libssl.so.3"],
///           "file": "/usr/lib/x86_64-linux-gnu/libssl.so.3" }
///       | { "status": "not-loaded" } | { "status": "unknown", "reason": "…" }
///   } ]
/// }
/// ```
///
/// `db` and `vulnerabilities` are `null` in an SBOM (`bulwark sbom`: no scan was made) and
/// set in a vulnerability report (`bulwark image --format json`), where `vulnerabilities`
/// holds every finding in the report's order (package, then severity, highest first, then ID),
/// suppressed ones included with their `suppressed` reason, and `warnings` holds the
/// inventory's warnings followed by the matcher's. Each finding is the serde form of
/// `bulwark_vuln::Finding` (deserialise it with that type): there, and only there, optional
/// fields (marked `?` above) are omitted rather than `null` and empty lists omitted rather than
/// `[]`. `package.purl` is always filled in when the package has one.
///
/// Stability: within a schema version fields are only ever added. Removing a field, renaming
/// it or changing its meaning bumps `schema_version`. Unknown values are `null`, never
/// omitted; lists are `[]` when empty (except inside findings, see above). Packages keep the
/// inventory's order (kind, name, version); a vulnerability report adds, after them, any
/// package a finding names that the inventory lacks. Image environment variables and history
/// are deliberately left out: they can hold secrets.
///
/// `secrets` (`bulwark image --scanners ...,secret`) is `null` unless secrets were looked
/// for, else `{ "findings": [ { "rule_id", "title", "severity", "category", "location":
/// { "kind": "file", "path" } | { "kind": "env", "name" } | { "kind": "label", "key" } |
/// { "kind": "history", "index" }, "line", "end_line", "column", "match" (masked),
/// "snippet" (masked), "fingerprint", "layer", "removed_in", "remediation" } ], "skipped":
/// { "binary", "too_large", "excluded" } }`. `misconfigurations` (`--scanners ...,config`)
/// is `null` unless the image config was checked, else the `bulwark_checks::Finding`s.
///
/// `files` is `null` unless asked for (`bulwark sbom --list-files`); then it lists every
/// file the package's database names, in its order, each with the layer that wrote the
/// copy in the final filesystem (`null` for a path the image lacks or a directory).
///
/// History: version 1 gained `db` and `vulnerabilities`, then `files`, then findings'
/// `reachability` (added fields, so no bump).
pub const SCHEMA_VERSION: u32 = 1;

pub(crate) fn write(
    cx: &Context<'_>,
    findings: Option<&Findings<'_>>,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let doc = document(cx, findings);
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(|e| ReportError::from_json("JSON", e))?;
    out.write_all(b"\n")?;
    Ok(())
}

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    created: &'a str,
    tool: Tool<'a>,
    artifact: Artifact<'a>,
    os: Option<Os<'a>>,
    packages: Vec<Package<'a>>,
    warnings: Vec<&'a str>,
    db: Option<&'a DbInfo>,
    vulnerabilities: Option<Vec<Cow<'a, Finding>>>,
    secrets: Option<crate::secrets::JsonSecrets<'a>>,
    misconfigurations: Option<&'a [bulwark_checks::Finding]>,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct Artifact<'a> {
    name: &'a str,
    kind: ArtifactKind,
    version: Option<&'a str>,
    image: Option<Image<'a>>,
}

#[derive(Serialize)]
struct Image<'a> {
    source: bulwark_image::SourceKind,
    manifest_digest: Option<&'a str>,
    config_digest: &'a str,
    repo_tags: &'a [String],
    repo_digests: &'a [String],
    os: Option<&'a str>,
    architecture: Option<&'a str>,
    variant: Option<&'a str>,
    purl: Option<String>,
    layers: Vec<Layer<'a>>,
}

#[derive(Serialize)]
struct Layer<'a> {
    index: usize,
    diff_id: &'a str,
    blob_digest: Option<&'a str>,
    media_type: Option<&'a str>,
    size: Option<u64>,
}

#[derive(Serialize)]
struct Os<'a> {
    id: &'a str,
    version_id: Option<&'a str>,
    codename: Option<&'a str>,
    pretty_name: Option<&'a str>,
    id_like: &'a [String],
}

#[derive(Serialize)]
struct Package<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: &'a str,
    version: &'a str,
    epoch: Option<u64>,
    arch: Option<&'a str>,
    source_name: Option<&'a str>,
    source_version: Option<&'a str>,
    licenses: &'a [String],
    maintainer: Option<&'a str>,
    purl: Option<&'a str>,
    found_in: &'a str,
    layer: Option<PackageLayer<'a>>,
    files: Option<Vec<PackageFile<'a>>>,
}

#[derive(Serialize)]
struct PackageFile<'a> {
    path: &'a str,
    layer: Option<PackageLayer<'a>>,
}

#[derive(Serialize)]
struct PackageLayer<'a> {
    index: usize,
    diff_id: Option<&'a str>,
}

/// The diff_id of layer `index` of the image, if the artifact is one.
fn layer_diff_id<'a>(cx: &'a Context<'a>, index: usize) -> Option<&'a str> {
    let image = cx.artifact.image.as_ref()?;
    image.layers.get(index).map(|l| l.diff_id.as_str())
}

fn document<'a>(cx: &'a Context<'a>, findings: Option<&'a Findings<'a>>) -> Document<'a> {
    let artifact = cx.artifact;
    let image = artifact.image.as_ref().map(|m| Image {
        source: m.source,
        manifest_digest: m.manifest_digest.as_ref().map(|d| d.as_str()),
        config_digest: m.config_digest.as_str(),
        repo_tags: &m.repo_tags,
        repo_digests: &m.repo_digests,
        os: m.config.os.as_deref(),
        architecture: m.config.architecture.as_deref(),
        variant: m.config.variant.as_deref(),
        purl: purl::image_purl(m),
        layers: m
            .layers
            .iter()
            .map(|l| Layer {
                index: l.index,
                diff_id: l.diff_id.as_str(),
                blob_digest: l.blob_digest.as_ref().map(|d| d.as_str()),
                media_type: l.media_type.as_deref(),
                size: l.size,
            })
            .collect(),
    });
    Document {
        schema_version: SCHEMA_VERSION,
        created: &cx.timestamp,
        tool: Tool {
            name: TOOL_NAME,
            version: &cx.tool_version,
        },
        artifact: Artifact {
            name: &artifact.name,
            kind: artifact.kind,
            version: artifact.version(),
            image,
        },
        os: cx.inventory.os.as_ref().map(|o| Os {
            id: &o.id,
            version_id: o.version_id.as_deref(),
            codename: o.codename.as_deref(),
            pretty_name: o.pretty_name.as_deref(),
            id_like: &o.id_like,
        }),
        packages: cx
            .inventory
            .packages
            .iter()
            .zip(&cx.purls)
            .map(|(p, purl)| Package {
                kind: kind_name(p.kind),
                name: &p.name,
                version: &p.version,
                epoch: p.epoch,
                arch: p.arch.as_deref(),
                source_name: p.source_name.as_deref(),
                source_version: p.source_version.as_deref(),
                licenses: &p.licenses,
                maintainer: p.maintainer.as_deref(),
                purl: purl.as_deref(),
                found_in: &p.found_in,
                layer: p.layer.as_ref().map(|l| PackageLayer {
                    index: l.index,
                    diff_id: l.diff_id.as_deref(),
                }),
                files: cx.list_files.then(|| {
                    p.files
                        .iter()
                        .map(|f| PackageFile {
                            path: f,
                            layer: cx.inventory.file_layers.get(f).map(|&index| PackageLayer {
                                index,
                                diff_id: layer_diff_id(cx, index),
                            }),
                        })
                        .collect()
                }),
            })
            .collect(),
        warnings: cx
            .inventory
            .warnings
            .iter()
            .chain(findings.into_iter().flat_map(|f| &f.report.warnings))
            .map(String::as_str)
            .collect(),
        db: findings.map(|f| &f.report.db),
        vulnerabilities: findings.map(|f| {
            f.entries
                .iter()
                .map(|e| match (&e.finding.package.purl, e.purl) {
                    (None, Some(purl)) => {
                        let mut finding = e.finding.clone();
                        finding.package.purl = Some(purl.to_string());
                        Cow::Owned(finding)
                    }
                    _ => Cow::Borrowed(e.finding),
                })
                .collect()
        }),
        secrets: cx.secrets.map(crate::secrets::json),
        misconfigurations: cx.misconfigs,
    }
}
