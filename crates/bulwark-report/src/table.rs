//! The human summary (`--format table`): a short header, one row per package, then warnings.
//! Styling only when asked (`SbomOptions::color`), so piped output stays plain text.

use std::io::Write;

use bulwark_inventory::{OsInfo, Package};
use comfy_table::{presets, Attribute, Cell, Table};

use crate::{kind_name, Context, ReportError};

pub(crate) fn write(cx: &Context<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    let artifact = cx.artifact;
    let inventory = cx.inventory;
    writeln!(out, "{} ({})", artifact.name, artifact.kind.label())?;
    if let Some(version) = artifact.version() {
        writeln!(out, "Digest: {version}")?;
    }
    writeln!(out, "OS: {}", os_line(inventory.os.as_ref()))?;
    writeln!(out, "Packages: {}", inventory.packages.len())?;

    if !inventory.packages.is_empty() {
        let mut table = Table::new();
        table.load_preset(presets::UTF8_FULL_CONDENSED);
        if cx.color {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        table.set_header(
            ["Name", "Version", "Type", "Source", "Layer"]
                .map(|h| Cell::new(h).add_attribute(Attribute::Bold)),
        );
        for pkg in &inventory.packages {
            table.add_row([
                pkg.name.clone(),
                pkg.version.clone(),
                kind_name(pkg.kind).to_string(),
                source(pkg),
                layer(pkg),
            ]);
        }
        writeln!(out, "{table}")?;
    }

    if !inventory.warnings.is_empty() {
        writeln!(out, "Warnings ({}):", inventory.warnings.len())?;
        for w in &inventory.warnings {
            writeln!(out, "  - {w}")?;
        }
    }
    Ok(())
}

/// `Debian GNU/Linux 12 (bookworm) [debian 12]`, or what is known of it.
pub(crate) fn os_line(os: Option<&OsInfo>) -> String {
    let Some(os) = os else {
        return "unknown".into();
    };
    let short = match &os.version_id {
        Some(v) => format!("{} {v}", os.id),
        None => os.id.clone(),
    };
    match &os.pretty_name {
        Some(pretty) if *pretty != short => format!("{pretty} [{short}]"),
        _ => short,
    }
}

/// The source package, with its version when it differs from the binary's.
fn source(pkg: &Package) -> String {
    match (&pkg.source_name, &pkg.source_version) {
        (Some(name), Some(version)) if *version != pkg.version => format!("{name} {version}"),
        (Some(name), _) => name.clone(),
        (None, _) => String::new(),
    }
}

/// The introducing layer as 12 hex digits of its diff_id, or `#index` without one.
fn layer(pkg: &Package) -> String {
    let Some(layer) = &pkg.layer else {
        return String::new();
    };
    match &layer.diff_id {
        Some(d) => {
            let hex = d.split_once(':').map_or(d.as_str(), |(_, h)| h);
            hex.get(..12).unwrap_or(hex).to_string()
        }
        None => format!("#{}", layer.index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_inventory::{LayerRef, PackageKind};

    #[test]
    fn short_layer_and_source() {
        let mut p = Package::new(PackageKind::Deb, "libssl3", "3.0.11-1", "db");
        assert_eq!(layer(&p), "");
        p.layer = Some(LayerRef {
            index: 2,
            diff_id: Some(format!("sha256:{}", "ab".repeat(32))),
        });
        assert_eq!(layer(&p), "abababababab");
        p.layer = Some(LayerRef {
            index: 2,
            diff_id: Some("sha256:abc".into()),
        });
        assert_eq!(layer(&p), "abc");
        p.layer = Some(LayerRef {
            index: 2,
            diff_id: None,
        });
        assert_eq!(layer(&p), "#2");

        p.source_name = Some("openssl".into());
        assert_eq!(source(&p), "openssl");
        p.source_version = Some("3.0.11-1".into());
        assert_eq!(source(&p), "openssl");
        p.source_version = Some("3.0.11-2".into());
        assert_eq!(source(&p), "openssl 3.0.11-2");
    }

    #[test]
    fn os_lines() {
        assert_eq!(os_line(None), "unknown");
        let mut os = OsInfo {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..Default::default()
        };
        assert_eq!(os_line(Some(&os)), "debian 12");
        os.pretty_name = Some("Debian GNU/Linux 12 (bookworm)".into());
        assert_eq!(
            os_line(Some(&os)),
            "Debian GNU/Linux 12 (bookworm) [debian 12]"
        );
    }
}
