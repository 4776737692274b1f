//! Reports: the last stage of Bulwark's pipeline.
//!
//! `bulwark-image` reads a target, `bulwark-inventory` catalogues what it contains,
//! `bulwark-vuln` matches it against advisories; this crate turns the result into what users
//! read or feed to other tools. Every writer is a pure function of its inputs and
//! [`SbomOptions`], writing to any [`std::io::Write`].
//!
//! SBOMs ([`write_sbom`], [`write_sbom_with`]) of an inventory:
//!
//! - [`Format::Table`]: a human summary (comfy-table);
//! - [`Format::Json`]: Bulwark's own stable document, described at [`SCHEMA_VERSION`];
//! - [`Format::CycloneDx`]: CycloneDX 1.6 JSON;
//! - [`Format::SpdxJson`]: SPDX 2.3 JSON.
//!
//! Vulnerability reports ([`write_vuln_report`]) of an inventory and its findings:
//!
//! - [`Format::Table`]: counts per severity, then the findings grouped by package;
//! - [`Format::Json`]: the native document plus `vulnerabilities` and `db`;
//! - [`Format::CycloneDx`]: the CycloneDX SBOM plus its `vulnerabilities` array;
//! - [`Format::Sarif`]: SARIF 2.1.0 for code-scanning dashboards.
//!
//! SPDX 2.3 has no vulnerability section and SARIF no inventory: each refuses the other kind
//! of report with [`ReportError::FormatNotApplicable`] ([`Format::writes_sbom`] and
//! [`Format::writes_findings`] tell in advance).
//!
//! Package URLs come from [`purl()`].
//!
//! ```
//! use bulwark_inventory::{Inventory, Package, PackageKind};
//! use bulwark_report::{write_sbom, Artifact, Format};
//!
//! let inventory = Inventory {
//!     packages: vec![Package::new(PackageKind::Npm, "lodash", "4.17.21", "app/package-lock.json")],
//!     ..Default::default()
//! };
//! let mut out = Vec::new();
//! let format: Format = "cyclonedx".parse()?;
//! write_sbom(format, &Artifact::filesystem("./app"), &inventory, &mut out)?;
//! assert!(String::from_utf8_lossy(&out).contains("pkg:npm/lodash@4.17.21"));
//! # Ok::<(), bulwark_report::ReportError>(())
//! ```

#![forbid(unsafe_code)]

mod artifact;
mod cyclonedx;
mod error;
mod ids;
mod json;
mod license;
mod purl;
mod sarif;
mod secrets;
mod spdx;
mod table;
mod vuln;
mod vuln_table;

use std::borrow::Cow;
use std::fmt;
use std::io::Write;
use std::str::FromStr;

use bulwark_inventory::{Inventory, SecretsReport};
use bulwark_vuln::VulnReport;
use time::OffsetDateTime;
use uuid::Uuid;

pub use artifact::{Artifact, ArtifactKind};
pub use error::ReportError;
pub use json::SCHEMA_VERSION;
pub use purl::purl;

/// An output format for an SBOM or a vulnerability report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Human-readable table.
    Table,
    /// Bulwark's native JSON.
    Json,
    /// CycloneDX 1.6 JSON: the artifact as `metadata.component`, one `operating-system`
    /// component, one `library` per package with `bulwark:` properties (package type, layer
    /// diff_id, location, source package), and the artifact depending on all of them.
    CycloneDx,
    /// SPDX 2.3 JSON: the document DESCRIBES a root package (the artifact) that CONTAINS the
    /// OS and every package; purls are `PACKAGE-MANAGER` external references. SBOMs only:
    /// SPDX 2.3 has no place for vulnerabilities.
    SpdxJson,
    /// SARIF 2.1.0 JSON, for code-scanning dashboards (GitHub, GitLab, Azure DevOps): one rule
    /// per vulnerability ID, one result per finding. Vulnerability reports only.
    Sarif,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 5] = [
        Self::Table,
        Self::Json,
        Self::CycloneDx,
        Self::SpdxJson,
        Self::Sarif,
    ];

    /// The name `--format` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::CycloneDx => "cyclonedx",
            Self::SpdxJson => "spdx-json",
            Self::Sarif => "sarif",
        }
    }

    /// Whether [`write_sbom`] accepts this format (every one but [`Format::Sarif`]).
    pub fn writes_sbom(self) -> bool {
        !matches!(self, Self::Sarif)
    }

    /// Whether [`write_vuln_report`] accepts this format (every one but
    /// [`Format::SpdxJson`]).
    pub fn writes_findings(self) -> bool {
        !matches!(self, Self::SpdxJson)
    }

    /// The names of the formats `keep` accepts, comma-separated, for error messages.
    fn names(keep: fn(Format) -> bool) -> String {
        Self::ALL
            .into_iter()
            .filter(|f| keep(*f))
            .map(Format::name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl FromStr for Format {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| ReportError::UnknownFormat {
                given: s.to_string(),
                choices: Self::ALL.map(Format::name).join(", "),
            })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What varies between two runs over the same inventory; fix every field for reproducible
/// output (tests, reproducible builds). Vulnerability reports take the same options.
#[derive(Debug, Clone, Default)]
pub struct SbomOptions {
    /// Creation time written into the document; now when `None`.
    pub timestamp: Option<OffsetDateTime>,
    /// Document identity (CycloneDX `serialNumber`, SPDX `documentNamespace`); random when `None`.
    pub serial: Option<Uuid>,
    /// Tool version recorded as the document's creator; this crate's version when `None`.
    pub tool_version: Option<String>,
    /// Colour the table output (only when writing to a terminal): bold headers in SBOM tables,
    /// severities in vulnerability tables.
    pub color: bool,
    /// List each package's files, with the layer of each, in the native JSON (`files`);
    /// layers come from [`Inventory::file_layers`]. Off by default: a Debian base image
    /// owns thousands of files.
    pub list_files: bool,
}

/// Writes the SBOM of `inventory` in `format`, stamped with the current time and a random
/// document identity. See [`write_sbom_with`] for reproducible output.
pub fn write_sbom(
    format: Format,
    artifact: &Artifact,
    inventory: &Inventory,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    write_sbom_with(format, artifact, inventory, &SbomOptions::default(), out)
}

/// Writes the SBOM of `inventory` in `format` with the time, identity and styling from
/// `options`.
///
/// [`Format::Sarif`] is refused with [`ReportError::FormatNotApplicable`]: SARIF carries
/// findings, not inventories.
pub fn write_sbom_with(
    format: Format,
    artifact: &Artifact,
    inventory: &Inventory,
    options: &SbomOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let cx = Context::new(artifact, inventory, options)?;
    match format {
        Format::Table => table::write(&cx, out),
        Format::Json => json::write(&cx, None, out),
        Format::CycloneDx => cyclonedx::write(&cx, None, out),
        Format::SpdxJson => spdx::write(&cx, out),
        Format::Sarif => Err(ReportError::FormatNotApplicable {
            format,
            reason: "SARIF holds vulnerability findings, not a software bill of materials",
            choices: Format::names(Format::writes_sbom),
        }),
    }?;
    out.flush()?;
    Ok(())
}

/// Writes the vulnerability report of `artifact`: its `inventory` and the matcher's `report`
/// in `format`, with the time, identity and styling from `options`.
///
/// - [`Format::Table`] lists the active (unsuppressed) findings grouped by package, after a
///   header and counts per severity; suppressed findings are only counted. The report's
///   warnings are left to the caller (the CLI prints them on stderr).
/// - [`Format::Json`] is the native SBOM document plus every finding (suppressed ones with
///   their suppression) and the database info; see [`SCHEMA_VERSION`].
/// - [`Format::CycloneDx`] is the CycloneDX SBOM plus a `vulnerabilities` array whose
///   `affects` point at the components' `bom-ref`s.
/// - [`Format::Sarif`] is a SARIF 2.1.0 log: one rule per vulnerability ID, one result per
///   finding, suppressed findings marked as such.
/// - [`Format::SpdxJson`] is refused with [`ReportError::FormatNotApplicable`]: SPDX 2.3 has
///   no vulnerability section (write its SBOM with [`write_sbom_with`] instead).
///
/// Each finding is tied to the inventory package with the same kind, name, version and
/// location; a finding whose package is missing from `inventory` adds that package to the
/// document (JSON `packages`, CycloneDX `components`), so every reference resolves. A
/// finding's purl is [`AffectedPackage::purl`](bulwark_vuln::AffectedPackage::purl) when set,
/// else the package's [`purl()`].
///
/// ```
/// use bulwark_inventory::{Inventory, Package, PackageKind};
/// use bulwark_report::{write_vuln_report, Artifact, Format, SbomOptions};
/// use bulwark_vuln::VulnReport;
///
/// let inventory = Inventory {
///     packages: vec![Package::new(PackageKind::Npm, "lodash", "4.17.21", "app/package-lock.json")],
///     ..Default::default()
/// };
/// let mut out = Vec::new();
/// write_vuln_report(
///     Format::Table,
///     &Artifact::filesystem("./app"),
///     &inventory,
///     &VulnReport::default(),
///     &SbomOptions::default(),
///     &mut out,
/// )?;
/// assert!(String::from_utf8_lossy(&out).contains("No vulnerabilities found"));
/// # Ok::<(), bulwark_report::ReportError>(())
/// ```
pub fn write_vuln_report(
    format: Format,
    artifact: &Artifact,
    inventory: &Inventory,
    report: &VulnReport,
    options: &SbomOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    write_scan_report(
        format,
        artifact,
        inventory,
        &ScanFindings {
            vulns: Some(report),
            secrets: None,
            misconfigs: None,
        },
        options,
        out,
    )
}

/// What a scan looked for and found: vulnerabilities and secrets, each `None` when its
/// scanner did not run (`--scanners`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanFindings<'a> {
    /// The matcher's report.
    pub vulns: Option<&'a VulnReport>,
    /// Secrets in files and image metadata.
    pub secrets: Option<&'a SecretsReport>,
    /// Misconfigurations of the image config (`bulwark_checks::check_image_config`).
    pub misconfigs: Option<&'a [bulwark_checks::Finding]>,
}

/// Writes the report of a scan with any set of scanners, as [`write_vuln_report`] does for
/// vulnerabilities, plus secrets: a table section after the vulnerabilities, a `secrets`
/// object in the native JSON (`null` when not scanned), one SARIF result per secret (rule
/// id = the secret rule's id); image misconfigurations likewise (a table section, a
/// `misconfigurations` list, SARIF results with the check id). CycloneDX carries neither.
/// Secrets are only ever shown masked.
pub fn write_scan_report(
    format: Format,
    artifact: &Artifact,
    inventory: &Inventory,
    found: &ScanFindings<'_>,
    options: &SbomOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let empty = VulnReport::default();
    let report = found.vulns.unwrap_or(&empty);
    let inventory: Cow<'_, Inventory> = vuln::complete_inventory(inventory, report);
    let mut cx = Context::new(artifact, &inventory, options)?;
    cx.vulns_scanned = found.vulns.is_some();
    cx.secrets = found.secrets;
    cx.misconfigs = found.misconfigs;
    let findings = vuln::Findings::new(&cx, report);
    let vulns = found.vulns.map(|_| &findings);
    match format {
        Format::Table => vuln_table::write(&cx, &findings, out),
        Format::Json => json::write(&cx, vulns, out),
        Format::CycloneDx => cyclonedx::write(&cx, Some(&findings), out),
        Format::Sarif => sarif::write(&cx, &findings, out),
        Format::SpdxJson => Err(ReportError::FormatNotApplicable {
            format,
            reason: "SPDX 2.3 has no section for vulnerabilities",
            choices: Format::names(Format::writes_findings),
        }),
    }?;
    out.flush()?;
    Ok(())
}

/// Everything a writer needs, resolved once: options filled in, purls computed.
pub(crate) struct Context<'a> {
    pub artifact: &'a Artifact,
    pub inventory: &'a Inventory,
    /// RFC 3339, whole seconds, UTC (`2026-11-02T10:00:00Z`), as SPDX requires.
    pub timestamp: String,
    pub serial: Uuid,
    pub tool_version: String,
    pub color: bool,
    pub list_files: bool,
    /// Whether vulnerabilities were looked for (`--scanners` without `vuln`: not).
    pub vulns_scanned: bool,
    /// Secret findings, when secrets were looked for.
    pub secrets: Option<&'a SecretsReport>,
    /// Image misconfigurations, when they were looked for.
    pub misconfigs: Option<&'a [bulwark_checks::Finding]>,
    /// `purls[i]` is the purl of `inventory.packages[i]`.
    pub purls: Vec<Option<String>>,
}

impl<'a> Context<'a> {
    fn new(
        artifact: &'a Artifact,
        inventory: &'a Inventory,
        options: &SbomOptions,
    ) -> Result<Self, ReportError> {
        let when = options.timestamp.unwrap_or_else(OffsetDateTime::now_utc);
        let when = when
            .to_offset(time::UtcOffset::UTC)
            .replace_nanosecond(0)
            .unwrap_or(when);
        let timestamp = when
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(ReportError::Timestamp)?;
        let os = inventory.os.as_ref();
        Ok(Self {
            artifact,
            inventory,
            timestamp,
            serial: options.serial.unwrap_or_else(Uuid::new_v4),
            tool_version: options
                .tool_version
                .clone()
                .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string()),
            color: options.color,
            list_files: options.list_files,
            vulns_scanned: true,
            secrets: None,
            misconfigs: None,
            purls: inventory.packages.iter().map(|p| purl(p, os)).collect(),
        })
    }
}

/// The name documents give as their creator tool.
pub(crate) const TOOL_NAME: &str = "bulwark";

/// The stable name reports give a package kind (`type` in JSON, `bulwark:package:type`).
pub(crate) fn kind_name(kind: bulwark_inventory::PackageKind) -> &'static str {
    use bulwark_inventory::PackageKind as K;
    match kind {
        K::Deb => "deb",
        K::Apk => "apk",
        K::Rpm => "rpm",
        K::Python => "python",
        K::Npm => "npm",
        K::Cargo => "cargo",
        K::Go => "go",
        K::Maven => "maven",
        K::Gem => "gem",
        K::Composer => "composer",
        K::Nuget => "nuget",
    }
}
