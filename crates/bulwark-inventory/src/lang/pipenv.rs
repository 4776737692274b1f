//! Pipenv lockfiles (`Pipfile.lock`, JSON): the `default` and `develop` sections, each
//! `name → {"version": "==x", ...}`. Entries without a version (VCS, path and editable
//! dependencies) are not pins.

use serde_json::Value;

use super::pins::{in_installed_package, is_named, Pins};
use super::{guarded, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, PackageKind};

/// Reads `Pipfile.lock` files of projects.
pub(crate) struct PipfileLockAnalyzer;

impl Analyzer for PipfileLockAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::PipfileLock
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_named(path, "Pipfile.lock") && !in_installed_package(path)
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            Ok(vec![parse(path, bytes)?.into_locked()])
        }))
    }
}

/// Collects the pins of both sections; `Err` when the file or a section is not the JSON
/// object it must be.
fn parse(path: &str, content: &[u8]) -> Result<Pins, String> {
    let value: Value =
        serde_json::from_slice(content).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = value.as_object().ok_or("not a JSON object")?;
    let mut pins = Pins::new(PackageKind::Python, path);
    for section in ["default", "develop"] {
        let Some(entries) = obj.get(section) else {
            continue;
        };
        let entries = entries
            .as_object()
            .ok_or_else(|| format!("\"{section}\" is not a JSON object"))?;
        for (name, entry) in entries {
            let version = entry
                .get("version")
                .and_then(Value::as_str)
                .and_then(|v| v.strip_prefix("===").or_else(|| v.strip_prefix("==")));
            if let Some(version) = version {
                pins.add(name, version);
            }
        }
    }
    Ok(pins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{locked, nv, skipped};

    #[test]
    fn wants_pipfile_lock_only() {
        assert!(PipfileLockAnalyzer.wants("app/Pipfile.lock"));
        assert!(PipfileLockAnalyzer.wants("Pipfile.lock"));
        assert!(!PipfileLockAnalyzer.wants("app/Pipfile"));
        assert!(!PipfileLockAnalyzer.wants("app/pipfile.lock"));
        assert!(!PipfileLockAnalyzer.wants("x/dist-packages/y/Pipfile.lock"));
    }

    #[test]
    fn default_and_develop_pins() {
        let lock = br#"{
            "_meta": {"hash": {"sha256": "x"}, "pipfile-spec": 6, "requires": {}, "sources": []},
            "default": {
                "requests": {"hashes": [], "index": "pypi", "version": "==2.31.0"},
                "legacy": {"version": "===1.0"},
                "mylib": {"editable": true, "path": "."},
                "gitdep": {"git": "https://example.invalid/x.git", "ref": "abc"},
                "weird": {"version": "*"},
                "odd": 5
            },
            "develop": {
                "pytest": {"version": "==8.0.0", "markers": "python_version >= '3.8'"},
                "requests": {"version": "==2.31.0"}
            }
        }"#;
        // Every package found in /app/Pipfile.lock, project /app (checked by `locked`).
        assert_eq!(
            locked(
                &PipfileLockAnalyzer,
                "app/Pipfile.lock",
                lock,
                PackageKind::Python
            ),
            nv(&[
                ("legacy", "1.0"),
                ("pytest", "8.0.0"),
                ("requests", "2.31.0"),
            ])
        );
    }

    #[test]
    fn malformed_lockfile_is_a_warning() {
        for bad in [
            &b"{"[..],
            b"[]",
            br#"{"default": []}"#,
            br#"{"develop": 1}"#,
            b"\xff",
        ] {
            skipped(&PipfileLockAnalyzer, "app/Pipfile.lock", bad);
        }
    }
}
