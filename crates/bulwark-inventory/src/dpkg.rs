//! Debian packages: the dpkg status database, distroless `status.d/`, and the per-package
//! file lists in `info/*.list`.

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, Package, PackageKind};

const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "var/lib/dpkg/status.d/";
const INFO: &str = "var/lib/dpkg/info/";

/// Reads `var/lib/dpkg/status` and distroless `var/lib/dpkg/status.d/*`.
pub struct DpkgAnalyzer;

impl Analyzer for DpkgAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::Dpkg
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path == STATUS
            || path.strip_prefix(STATUS_D).is_some_and(|name| {
                !name.contains('/') && !name.ends_with(".md5sums") && !name.starts_with('.')
            })
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        let packages = parse_status(path, content)?;
        Ok(vec![Fact::Packages(packages)])
    }
}

/// Reads `var/lib/dpkg/info/<package>[:arch].list` file lists.
pub struct DpkgFilesAnalyzer;

impl Analyzer for DpkgFilesAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::DpkgFiles
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path.strip_prefix(INFO)
            .is_some_and(|name| !name.contains('/') && name.ends_with(".list"))
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        let name = path
            .strip_prefix(INFO)
            .and_then(|n| n.strip_suffix(".list"))
            .unwrap_or_default();
        let files = String::from_utf8_lossy(content)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "/." && l.starts_with('/'))
            .map(String::from)
            .collect();
        Ok(vec![Fact::OwnedFiles {
            package: name.to_string(),
            files,
        }])
    }
}

/// Parses a dpkg status (or status.d) file into installed packages.
pub fn parse_status(path: &str, content: &[u8]) -> Result<Vec<Package>, InventoryError> {
    let text = std::str::from_utf8(content)
        .map_err(|e| InventoryError::db(path, format!("not UTF-8 text: {e}")))?;
    let mut packages = Vec::new();
    for (n, stanza) in stanzas(text).enumerate() {
        let field = |name: &str| {
            stanza
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let Some(name) = field("Package") else {
            return Err(InventoryError::db(
                path,
                format!("stanza {} has no Package field", n + 1),
            ));
        };
        // status.d entries have no Status field; they are installed by construction.
        if let Some(status) = field("Status") {
            if status.split_whitespace().nth(2) != Some("installed") {
                continue;
            }
        }
        let Some(version) = field("Version") else {
            return Err(InventoryError::db(
                path,
                format!("package {name} has no Version field"),
            ));
        };
        let mut pkg = Package::new(PackageKind::Deb, name, version, format!("/{path}"));
        pkg.arch = field("Architecture").map(String::from);
        pkg.maintainer = field("Maintainer").map(String::from);
        if let Some(source) = field("Source") {
            let (src_name, src_version) = match source.split_once('(') {
                Some((n, v)) => (n.trim(), Some(v.trim_end_matches(')').trim())),
                None => (source.trim(), None),
            };
            pkg.source_name = Some(src_name.to_string());
            pkg.source_version = src_version.filter(|v| *v != version).map(String::from);
        }
        packages.push(pkg);
    }
    Ok(packages)
}

/// Splits RFC 822-style control data into stanzas of (field, value); continuation lines
/// are joined with newlines.
fn stanzas(text: &str) -> impl Iterator<Item = Vec<(String, String)>> + '_ {
    text.split("\n\n").filter_map(|block| {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in block.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, v)) = fields.last_mut() {
                    v.push('\n');
                    v.push_str(line.trim());
                }
            } else if let Some((k, v)) = line.split_once(':') {
                fields.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        (!fields.is_empty()).then_some(fields)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_installed_packages_with_source_versions() {
        let status = "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nDescription: x\n multi\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n\nPackage: libgcc-s1\nStatus: install ok installed\nArchitecture: amd64\nSource: gcc-12 (12.2.0-14)\nVersion: 12.2.0-14\n\nPackage: e2fsprogs\nStatus: install ok installed\nSource: e2fsprogs (1.47.0-2)\nVersion: 1.47.0-2+b1\n";
        let p = parse_status("var/lib/dpkg/status", status.as_bytes()).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].source_name.as_deref(), Some("openssl"));
        assert_eq!(p[1].source_version, None, "same as version");
        assert_eq!(p[2].source_version.as_deref(), Some("1.47.0-2"));
        assert_eq!(p[0].found_in, "/var/lib/dpkg/status");
    }

    #[test]
    fn rejects_garbage_with_a_clear_error() {
        let err = parse_status("var/lib/dpkg/status", b"Version: 1\n").unwrap_err();
        assert!(err.to_string().contains("no Package field"), "{err}");
        assert!(parse_status("var/lib/dpkg/status", &[0xff, 0xfe, 0x00]).is_err());
    }
}
