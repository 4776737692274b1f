//! Reports: the last stage of Bulwark's pipeline.
//!
//! `bulwark-image` reads a target, `bulwark-inventory` catalogues what it contains; this crate
//! turns the result into what users read or feed to other tools. Every writer is a pure
//! function of (artifact, inventory, [`SbomOptions`]) writing to any [`std::io::Write`]:
//!
//! - [`Format::Table`]: a human summary (comfy-table);
//! - [`Format::Json`]: Bulwark's own stable document, described at [`SCHEMA_VERSION`];
//! - [`Format::CycloneDx`]: CycloneDX 1.6 JSON;
//! - [`Format::SpdxJson`]: SPDX 2.3 JSON.
//!
//! Package URLs come from [`purl()`]. Vulnerability findings will join the inventory here once
//! the detectors exist.
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
mod spdx;
mod table;

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use bulwark_inventory::Inventory;
use time::OffsetDateTime;
use uuid::Uuid;

pub use artifact::{Artifact, ArtifactKind};
pub use error::ReportError;
pub use json::SCHEMA_VERSION;
pub use purl::purl;

/// An output format for an SBOM.
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
    /// OS and every package; purls are `PACKAGE-MANAGER` external references.
    SpdxJson,
}

impl Format {
    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 4] = [Self::Table, Self::Json, Self::CycloneDx, Self::SpdxJson];

    /// The name `--format` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::CycloneDx => "cyclonedx",
            Self::SpdxJson => "spdx-json",
        }
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
/// output (tests, reproducible builds).
#[derive(Debug, Clone, Default)]
pub struct SbomOptions {
    /// Creation time written into the document; now when `None`.
    pub timestamp: Option<OffsetDateTime>,
    /// Document identity (CycloneDX `serialNumber`, SPDX `documentNamespace`); random when `None`.
    pub serial: Option<Uuid>,
    /// Tool version recorded as the document's creator; this crate's version when `None`.
    pub tool_version: Option<String>,
    /// Colour the table output (only when writing to a terminal).
    pub color: bool,
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
        Format::Json => json::write(&cx, out),
        Format::CycloneDx => cyclonedx::write(&cx, out),
        Format::SpdxJson => spdx::write(&cx, out),
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
