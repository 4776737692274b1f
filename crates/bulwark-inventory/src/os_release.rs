//! Operating-system detection from os-release and distro marker files.

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, OsInfo};

/// Reads `etc/os-release`, `usr/lib/os-release` and the older marker files.
pub struct OsReleaseAnalyzer;

const OS_RELEASE: &[&str] = &["etc/os-release", "usr/lib/os-release"];
const MARKERS: &[&str] = &[
    "etc/alpine-release",
    "etc/debian_version",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/fedora-release",
];

impl Analyzer for OsReleaseAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::OsRelease
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        OS_RELEASE.contains(&path) || MARKERS.contains(&path)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        let text = String::from_utf8_lossy(content);
        let fact = if OS_RELEASE.contains(&path) {
            parse_os_release(&text).map(|info| Fact::Os { info, priority: 10 })
        } else {
            parse_marker(path, &text).map(|info| Fact::Os { info, priority: 5 })
        };
        Ok(fact.into_iter().collect())
    }
}

/// Parses the `KEY=value` format of os-release(5).
pub fn parse_os_release(text: &str) -> Option<OsInfo> {
    let mut info = OsInfo::default();
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once('=') else {
            continue;
        };
        let value = unquote(value.trim());
        match key.trim() {
            "ID" => info.id = value.to_ascii_lowercase(),
            "VERSION_ID" => info.version_id = Some(value),
            "VERSION_CODENAME" => info.codename = Some(value),
            "PRETTY_NAME" => info.pretty_name = Some(value),
            "ID_LIKE" => info.id_like = value.split_whitespace().map(String::from).collect(),
            _ => {}
        }
    }
    (!info.id.is_empty()).then_some(info)
}

fn unquote(v: &str) -> String {
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v);
    v.replace("\\\"", "\"")
        .replace("\\$", "$")
        .replace("\\\\", "\\")
}

/// Reads a one-line distro marker file.
fn parse_marker(path: &str, text: &str) -> Option<OsInfo> {
    let line = text.lines().next()?.trim();
    if line.is_empty() {
        return None;
    }
    let (id, version) = match path {
        "etc/alpine-release" => ("alpine", line.to_string()),
        "etc/debian_version" => ("debian", line.to_string()),
        _ => {
            let lower = line.to_ascii_lowercase();
            let id = if lower.starts_with("centos") {
                "centos"
            } else if lower.starts_with("fedora") {
                "fedora"
            } else if lower.starts_with("rocky") {
                "rocky"
            } else if lower.starts_with("almalinux") {
                "almalinux"
            } else {
                "rhel"
            };
            let version = line
                .split_whitespace()
                .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
                .unwrap_or("")
                .to_string();
            (id, version)
        }
    };
    Some(OsInfo {
        id: id.into(),
        version_id: (!version.is_empty()).then_some(version),
        codename: None,
        pretty_name: Some(line.to_string()),
        id_like: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debian_os_release() {
        let text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n";
        let info = parse_os_release(text).unwrap();
        assert_eq!(info.id, "debian");
        assert_eq!(info.version_id.as_deref(), Some("12"));
        assert_eq!(info.codename.as_deref(), Some("bookworm"));
    }

    #[test]
    fn parses_markers() {
        let a = parse_marker("etc/alpine-release", "3.19.4\n").unwrap();
        assert_eq!(
            (a.id.as_str(), a.version_id.as_deref()),
            ("alpine", Some("3.19.4"))
        );
        let r = parse_marker("etc/redhat-release", "CentOS Linux release 7.9.2009 (Core)").unwrap();
        assert_eq!(
            (r.id.as_str(), r.version_id.as_deref()),
            ("centos", Some("7.9.2009"))
        );
        assert!(parse_marker("etc/alpine-release", "").is_none());
    }
}
