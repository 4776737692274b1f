//! Alpine packages: the apk installed database (`lib/apk/db/installed`).

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, Package, PackageKind};

const INSTALLED: &str = "lib/apk/db/installed";

/// Reads `lib/apk/db/installed`.
pub struct ApkAnalyzer;

impl Analyzer for ApkAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::Apk
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path == INSTALLED
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(vec![Fact::Packages(parse_installed(path, content)?)])
    }
}

/// Parses the apk installed database: `K:value` lines, packages separated by blank lines.
pub fn parse_installed(path: &str, content: &[u8]) -> Result<Vec<Package>, InventoryError> {
    let text = std::str::from_utf8(content)
        .map_err(|e| InventoryError::db(path, format!("not UTF-8 text: {e}")))?;
    let mut packages = Vec::new();
    for (n, block) in text.split("\n\n").enumerate() {
        let mut name = None;
        let mut version = None;
        let mut pkg = Package::new(PackageKind::Apk, "", "", format!("/{path}"));
        let mut dir = String::new();
        let mut any = false;
        for line in block.lines() {
            let Some((key, value)) = line.split_once(':') else {
                if line.trim().is_empty() {
                    continue;
                }
                return Err(InventoryError::db(
                    path,
                    format!("record {}: malformed line {line:?}", n + 1),
                ));
            };
            any = true;
            match key {
                "P" => name = Some(value.to_string()),
                "V" => version = Some(value.to_string()),
                "A" => pkg.arch = Some(value.to_string()),
                "o" => pkg.source_name = Some(value.to_string()),
                "L" => pkg.licenses = vec![value.to_string()],
                "m" => pkg.maintainer = Some(value.to_string()),
                "F" => dir = value.to_string(),
                "R" => pkg.files.push(if dir.is_empty() {
                    format!("/{value}")
                } else {
                    format!("/{dir}/{value}")
                }),
                _ => {}
            }
        }
        if !any {
            continue;
        }
        match (name, version) {
            (Some(n), Some(v)) => {
                pkg.name = n;
                pkg.version = v;
                packages.push(pkg);
            }
            _ => {
                return Err(InventoryError::db(
                    path,
                    format!("record {} lacks P: or V:", n + 1),
                ))
            }
        }
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_with_files() {
        let db = "C:Q1abc=\nP:musl\nV:1.1.22-r3\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:libc.musl-x86_64.so.1\nR:ld-musl-x86_64.so.1\n\nP:busybox\nV:1.30.1-r2\no:busybox\n\n";
        let p = parse_installed(INSTALLED, db.as_bytes()).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0].files,
            vec!["/lib/libc.musl-x86_64.so.1", "/lib/ld-musl-x86_64.so.1"]
        );
        assert!(parse_installed(INSTALLED, b"P:x\n").is_err());
    }
}
