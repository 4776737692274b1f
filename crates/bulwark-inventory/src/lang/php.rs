//! PHP Composer packages: a project's `composer.lock` (`packages` and `packages-dev`) and
//! what Composer installed, `vendor/composer/installed.json` (Composer 1: a top-level
//! array; Composer 2: `{"packages": [...]}`).
//!
//! Versions are kept exactly as Composer writes them (`v6.4.1`, `3.0.0`, `dev-main`): that
//! is what `composer show` prints, what Trivy and the purl (`pkg:composer/x/y@v6.4.1`)
//! report, and what makes a lockfile entry and its installed copy the same package for the
//! merge. The leading `v` does not hurt matching: the Packagist version ordering
//! (bulwark-version) drops it, as Composer's own normalisation does, and OSV's Packagist
//! ranges are written without it.

use serde_json::{Map, Value};

use super::pins::{is_named, Pins};
use super::{guarded, parent, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, PackageKind};

/// Reads `composer.lock` files of projects (not the ones packages ship into
/// `vendor/<vendor>/<package>/`).
pub(crate) struct ComposerLockAnalyzer;

impl Analyzer for ComposerLockAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::ComposerLock
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_named(path, "composer.lock") && !is_named(parent(parent(parent(path))), "vendor")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let value = json(bytes)?;
            let obj = value.as_object().ok_or("not a JSON object")?;
            let mut pins = Pins::new(PackageKind::Composer, path);
            for section in ["packages", "packages-dev"] {
                if let Some(list) = obj.get(section).filter(|v| !v.is_null()) {
                    let list = list
                        .as_array()
                        .ok_or_else(|| format!("\"{section}\" is not a JSON array"))?;
                    add_all(list, &mut pins);
                }
            }
            Ok(vec![pins.into_locked()])
        }))
    }
}

/// Reads Composer's record of installed packages, `<vendor-dir>/composer/installed.json`.
pub(crate) struct ComposerInstalledAnalyzer;

impl Analyzer for ComposerInstalledAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::ComposerInstalled
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with("composer/installed.json") && is_named(parent(path), "composer")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let value = json(bytes)?;
            let list = match &value {
                Value::Array(list) => list,
                Value::Object(obj) => obj
                    .get("packages")
                    .and_then(Value::as_array)
                    .ok_or("no \"packages\" array")?,
                _ => return Err("not a JSON array or object".into()),
            };
            let mut pins = Pins::new(PackageKind::Composer, path);
            add_all(list, &mut pins);
            Ok(vec![Fact::Packages(pins.into_packages())])
        }))
    }
}

fn json(content: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(content).map_err(|e| format!("not valid JSON: {e}"))
}

/// Adds every `{"name": ..., "version": ...}` object of `list`, with its licenses.
fn add_all(list: &[Value], pins: &mut Pins) {
    for entry in list.iter().filter_map(Value::as_object) {
        let text = |key: &str| entry.get(key).and_then(Value::as_str);
        if let (Some(name), Some(version)) = (text("name"), text("version")) {
            if let Some(pkg) = pins.add(name, version) {
                pkg.licenses = licenses(entry);
            }
        }
    }
}

/// `license`: an array of SPDX identifiers, or (older files) one string.
fn licenses(entry: &Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |l: &str| {
        let l = l.trim();
        if !l.is_empty() && !out.iter().any(|o| o == l) {
            out.push(l.to_string());
        }
    };
    match entry.get("license") {
        Some(Value::String(l)) => push(l),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).for_each(push),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{installed, locked_packages, skipped};

    /// Sorted (name, version, licenses); kind and `found_in` are checked by the
    /// `test_support` helper that produced `packages`.
    fn triples(packages: &[crate::Package]) -> Vec<(String, String, Vec<String>)> {
        let mut v: Vec<_> = packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.licenses.clone()))
            .collect();
        v.sort();
        v
    }

    fn t(name: &str, version: &str, licenses: &[&str]) -> (String, String, Vec<String>) {
        (
            name.into(),
            version.into(),
            licenses.iter().map(|l| l.to_string()).collect(),
        )
    }

    #[test]
    fn wants_project_lockfiles_and_installed_json() {
        let l = ComposerLockAnalyzer;
        assert!(l.wants("app/composer.lock"));
        assert!(l.wants("composer.lock"));
        assert!(!l.wants("app/vendor/acme/tool/composer.lock"));
        assert!(!l.wants("app/composer.json"));
        let i = ComposerInstalledAnalyzer;
        assert!(i.wants("app/vendor/composer/installed.json"));
        assert!(i.wants("root/.composer/vendor/composer/installed.json"));
        assert!(i.wants("composer/installed.json"));
        assert!(!i.wants("app/vendor/notcomposer/installed.json"));
        assert!(!i.wants("app/vendor/composer/installed.php"));
    }

    #[test]
    fn lockfile_packages_and_dev_packages() {
        let lock = br#"{
            "content-hash": "x",
            "packages": [
                {"name": "symfony/console", "version": "v6.4.1", "license": ["MIT"]},
                {"name": "psr/log", "version": "3.0.0", "license": "MIT"},
                {"name": "no/version"},
                7
            ],
            "packages-dev": [
                {"name": "acme/tools", "version": "dev-main", "license": ["BSD-3-Clause", "MIT", "MIT"]},
                {"name": "psr/log", "version": "3.0.0"}
            ],
            "aliases": []
        }"#;
        let path = "app/composer.lock";
        let packages = locked_packages(&ComposerLockAnalyzer, path, lock, PackageKind::Composer);
        assert_eq!(
            triples(&packages),
            vec![
                t("acme/tools", "dev-main", &["BSD-3-Clause", "MIT"]),
                t("psr/log", "3.0.0", &["MIT"]),
                t("symfony/console", "v6.4.1", &["MIT"]),
            ]
        );
        let facts = ComposerLockAnalyzer
            .analyze(
                "composer.lock",
                br#"{"packages": [], "packages-dev": null}"#,
            )
            .unwrap();
        assert!(
            matches!(&facts[..], [Fact::LockedPackages { packages, .. }] if packages.is_empty())
        );
    }

    #[test]
    fn installed_json_v1_and_v2() {
        let path = "app/vendor/composer/installed.json";
        let v1 = br#"[{"name": "monolog/monolog", "version": "1.25.1", "version_normalized": "1.25.1.0", "license": ["MIT"]}]"#;
        let v2 = br#"{"packages": [{"name": "monolog/monolog", "version": "1.25.1", "license": ["MIT"]}, {"name": "x/y", "version": "v2.0.0"}], "dev": true, "dev-package-names": []}"#;
        for (input, want) in [
            (&v1[..], vec![t("monolog/monolog", "1.25.1", &["MIT"])]),
            (
                &v2[..],
                vec![
                    t("monolog/monolog", "1.25.1", &["MIT"]),
                    t("x/y", "v2.0.0", &[]),
                ],
            ),
        ] {
            let packages = installed(
                &ComposerInstalledAnalyzer,
                path,
                input,
                PackageKind::Composer,
            );
            assert_eq!(triples(&packages), want);
        }
    }

    #[test]
    fn malformed_files_are_warnings() {
        for (a, path) in [
            (&ComposerLockAnalyzer as &dyn Analyzer, "app/composer.lock"),
            (
                &ComposerInstalledAnalyzer,
                "app/vendor/composer/installed.json",
            ),
        ] {
            for bad in [&b"{"[..], b"\"x\"", b"\xff", br#"{"packages": {}}"#] {
                skipped(a, path, bad);
            }
        }
    }
}
