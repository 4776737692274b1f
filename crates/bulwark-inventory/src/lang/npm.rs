//! npm packages: the `package.json` of each installed package under `node_modules`, and the
//! lockfiles (`package-lock.json` v1–v3, `npm-shrinkwrap.json`) of projects.
//!
//! In an image, what is installed is what `node_modules` holds; a lockfile only says what
//! `npm ci` would install. Both are catalogued (an image may ship a project without its
//! `node_modules`), the lockfile's packages as [`Fact::LockedPackages`], which the merge
//! drops when the same package is installed under the project, so nothing counts twice.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{absolute_dir, guarded, parent, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, Package, PackageKind};

/// Reads `node_modules/<name>/package.json` and `node_modules/@scope/<name>/package.json`
/// at any depth (nested `node_modules`, pnpm's `.pnpm/*/node_modules`).
pub(crate) struct NpmAnalyzer;

impl Analyzer for NpmAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::Npm
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_installed_package_json(path)
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            Ok(parse_package_json(path, bytes)?
                .map(|p| Fact::Packages(vec![p]))
                .into_iter()
                .collect())
        }))
    }
}

/// Reads project lockfiles: `package-lock.json` and `npm-shrinkwrap.json` outside
/// `node_modules` (npm never uses the lockfiles of dependencies, nor its own hidden
/// `node_modules/.package-lock.json`).
pub(crate) struct NpmLockAnalyzer;

impl Analyzer for NpmLockAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::NpmLock
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        (has_file_name(path, "package-lock.json") || has_file_name(path, "npm-shrinkwrap.json"))
            && !path.starts_with("node_modules/")
            && !path.contains("/node_modules/")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            Ok(vec![Fact::LockedPackages {
                project_dir: absolute_dir(parent(path)),
                packages: parse_lockfile(path, bytes)?,
            }])
        }))
    }
}

/// True if the last component of `path` is exactly `name`.
fn has_file_name(path: &str, name: &str) -> bool {
    path.strip_suffix(name)
        .is_some_and(|dir| dir.is_empty() || dir.ends_with('/'))
}

/// True for `.../node_modules/<name>/package.json` and
/// `.../node_modules/@scope/<name>/package.json`: the manifest of an installed package, not
/// one of the many other `package.json` files packages ship (`esm/package.json`, test
/// fixtures). Cheap: no allocation.
fn is_installed_package_json(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let Some((rest, name)) = dir.rsplit_once('/') else {
        return false;
    };
    let is_node_modules = |d: &str| d == "node_modules" || d.ends_with("/node_modules");
    let valid = |n: &str| !n.is_empty() && !n.starts_with('.');
    if !valid(name) {
        return false;
    }
    if is_node_modules(rest) {
        // `node_modules/@scope` is a scope directory, not a package.
        return !name.starts_with('@');
    }
    rest.rsplit_once('/').is_some_and(|(above, scope)| {
        scope.len() > 1 && scope.starts_with('@') && is_node_modules(above)
    })
}

/// Parses an installed package's `package.json`. `Ok(None)` when it has no name or version
/// (some packages ship such stubs; they are not packages). `Err` for a file that is not
/// a JSON object.
fn parse_package_json(path: &str, content: &[u8]) -> Result<Option<Package>, String> {
    let value: Value =
        serde_json::from_slice(content).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = value.as_object().ok_or("not a JSON object")?;
    let text = |key: &str| {
        obj.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let (Some(name), Some(version)) = (text("name"), text("version")) else {
        return Ok(None);
    };
    let mut pkg = Package::new(PackageKind::Npm, name, version, format!("/{path}"));
    pkg.licenses = licenses(obj);
    Ok(Some(pkg))
}

/// Licenses of a package.json or lockfile entry: `license` as an SPDX string or the legacy
/// `{"type": ...}` object, or the legacy `licenses` array of either.
fn licenses(obj: &Map<String, Value>) -> Vec<String> {
    fn one(v: &Value) -> Option<String> {
        let s = match v {
            Value::String(s) => s.as_str(),
            Value::Object(o) => o.get("type")?.as_str()?,
            _ => return None,
        };
        let s = s.trim();
        (!s.is_empty()).then(|| s.to_string())
    }
    if let Some(l) = obj.get("license").and_then(one) {
        return vec![l];
    }
    let mut out: Vec<String> = Vec::new();
    for l in obj
        .get("licenses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(one)
    {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

/// Parses a lockfile into the third-party packages it pins, each (name, version) once.
/// Lockfile v2/v3 `packages` map (preferred when present): every `node_modules/...` entry
/// except links (workspace members and `file:` dependencies, which are local code); v1
/// `dependencies` tree: every entry, recursively, except `file:`/`link:` versions.
fn parse_lockfile(path: &str, content: &[u8]) -> Result<Vec<Package>, String> {
    let value: Value =
        serde_json::from_slice(content).map_err(|e| format!("not valid JSON: {e}"))?;
    let obj = value.as_object().ok_or("not a JSON object")?;
    let found_in = format!("/{path}");
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut out = Vec::new();
    let mut add = |name: &str, version: &str, entry: &Map<String, Value>| {
        if seen.insert((name.to_string(), version.to_string())) {
            let mut pkg = Package::new(PackageKind::Npm, name, version, found_in.as_str());
            pkg.licenses = licenses(entry);
            out.push(pkg);
        }
    };
    if let Some(packages) = obj.get("packages") {
        let packages = packages
            .as_object()
            .ok_or("\"packages\" is not a JSON object")?;
        for (key, entry) in packages {
            // The root project is "", workspace members are plain paths; neither is a
            // dependency. What follows the last node_modules/ is the installed name.
            let Some((_, key_name)) = key.rsplit_once("node_modules/") else {
                continue;
            };
            let Some(entry) = entry.as_object() else {
                continue;
            };
            if entry.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            // An aliased dependency (`"x": "npm:real@1"`) records the real name.
            let name = entry
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(key_name);
            let version = entry.get("version").and_then(Value::as_str);
            if let Some(version) = version.filter(|v| !v.is_empty() && !name.is_empty()) {
                add(name, version, entry);
            }
        }
    } else if let Some(deps) = obj.get("dependencies") {
        let deps = deps
            .as_object()
            .ok_or("\"dependencies\" is not a JSON object")?;
        walk_v1(deps, &mut add);
    }
    Ok(out)
}

/// Visits a lockfile v1 `dependencies` tree depth first. Recursion depth is bounded by the
/// JSON parser's nesting limit.
fn walk_v1(deps: &Map<String, Value>, add: &mut impl FnMut(&str, &str, &Map<String, Value>)) {
    for (name, entry) in deps {
        let Some(entry) = entry.as_object() else {
            continue;
        };
        if let Some(version) = entry.get("version").and_then(Value::as_str) {
            let local = version.starts_with("file:") || version.starts_with("link:");
            if !local && !version.is_empty() && !name.is_empty() {
                add(name, version, entry);
            }
        }
        if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
            walk_v1(nested, add);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{installed, locked, locked_packages, nv, skipped};
    use crate::Package;

    /// Sorted (name, version, licenses) of packages a `test_support` helper checked.
    fn names(packages: &[Package]) -> Vec<(String, String, Vec<String>)> {
        let mut v: Vec<_> = packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.licenses.clone()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn wants_installed_manifests_and_project_lockfiles_only() {
        let a = NpmAnalyzer;
        for yes in [
            "app/web/node_modules/lodash/package.json",
            "node_modules/lodash/package.json",
            "app/node_modules/@types/node/package.json",
            "app/node_modules/a/node_modules/b/package.json",
            "app/node_modules/.pnpm/a@1.0.0/node_modules/a/package.json",
        ] {
            assert!(a.wants(yes), "{yes}");
        }
        for no in [
            "app/web/package.json",
            "app/node_modules/lodash/fp/package.json",
            "app/node_modules/lodash/test/fixtures/x/package.json",
            "app/node_modules/.cache/package.json",
            "app/node_modules/@/package.json",
            "app/node_modules/@types/package.json",
            "app/node_modules/@types/.x/package.json",
            "app/node_modules/package.json",
            "package.json",
            "app/node_modules/x/package.json5",
        ] {
            assert!(!a.wants(no), "{no}");
        }
        let l = NpmLockAnalyzer;
        assert!(l.wants("app/web/package-lock.json"));
        assert!(l.wants("package-lock.json"));
        assert!(l.wants("srv/npm-shrinkwrap.json"));
        assert!(!l.wants("app/web/node_modules/.package-lock.json"));
        assert!(!l.wants("app/web/node_modules/x/package-lock.json"));
        assert!(!l.wants("node_modules/x/package-lock.json"));
        assert!(!l.wants("app/web/old-package-lock.json"));
    }

    #[test]
    fn parses_installed_package_json() {
        let path = "app/node_modules/lodash/package.json";
        // Kind npm, found in /app/node_modules/lodash/package.json (checked by `installed`).
        let npm = |text: &[u8]| names(&installed(&NpmAnalyzer, path, text, PackageKind::Npm));
        assert_eq!(
            npm(br#"{"name":"lodash","version":"4.17.4","license":"MIT"}"#),
            vec![("lodash".into(), "4.17.4".into(), vec!["MIT".into()])]
        );
        let legacy = npm(
            br#"{"name":"x","version":"1.0.0","licenses":[{"type":"MIT"},"Apache-2.0",{"url":"u"}]}"#,
        );
        assert_eq!(legacy[0].2, vec!["MIT", "Apache-2.0"]);
        let object = npm(br#"{"name":"x","version":"1.0.0","license":{"type":"ISC"}}"#);
        assert_eq!(object[0].2, vec!["ISC"]);
    }

    #[test]
    fn package_json_without_name_or_version_is_skipped_silently() {
        let path = "app/node_modules/x/package.json";
        for stub in [
            &br#"{"type":"module"}"#[..],
            br#"{"name":"x"}"#,
            br#"{"name":"x","version":7}"#,
        ] {
            assert_eq!(NpmAnalyzer.analyze(path, stub).unwrap(), vec![]);
        }
    }

    #[test]
    fn malformed_json_is_a_warning() {
        for (a, path) in [
            (
                &NpmAnalyzer as &dyn Analyzer,
                "a/node_modules/x/package.json",
            ),
            (&NpmLockAnalyzer, "a/package-lock.json"),
        ] {
            for bad in [
                &b""[..],
                b"{",
                b"[]",
                b"\"x\"",
                b"\xff",
                br#"{"packages":[]}"#,
                br#"{"dependencies":1}"#,
            ] {
                if a.kind() == AnalyzerKind::Npm && bad.starts_with(b"{\"") {
                    continue; // valid objects, only lockfile-invalid
                }
                skipped(a, path, bad);
            }
        }
    }

    #[test]
    fn lockfile_v3_packages_map() {
        let lock = br#"{
          "name": "demo", "version": "1.0.0", "lockfileVersion": 3,
          "packages": {
            "": {"name": "demo", "version": "1.0.0"},
            "node_modules/lodash": {"version": "4.17.4", "license": "MIT"},
            "node_modules/a/node_modules/lodash": {"version": "4.17.4"},
            "node_modules/a": {"version": "1.0.0", "dev": true},
            "node_modules/@scope/b": {"version": "2.0.0", "license": {"type": "ISC"}},
            "node_modules/alias": {"name": "real", "version": "3.0.0"},
            "node_modules/member": {"resolved": "packages/member", "link": true},
            "packages/member": {"name": "member", "version": "0.1.0"},
            "node_modules/noversion": {},
            "node_modules/weird": 5
          }
        }"#;
        // Project /app, all found in /app/package-lock.json (checked by `locked_packages`).
        let path = "app/package-lock.json";
        let packages = locked_packages(&NpmLockAnalyzer, path, lock, PackageKind::Npm);
        let got: Vec<(String, String)> = names(&packages)
            .into_iter()
            .map(|(n, v, _)| (n, v))
            .collect();
        assert_eq!(
            got,
            nv(&[
                ("@scope/b", "2.0.0"),
                ("a", "1.0.0"),
                ("lodash", "4.17.4"),
                ("real", "3.0.0")
            ])
        );
        assert_eq!(names(&packages)[0].2, vec!["ISC"]);
    }

    #[test]
    fn lockfile_v1_dependency_tree() {
        let lock = br#"{
          "name": "demo", "lockfileVersion": 1,
          "dependencies": {
            "a": {"version": "1.0.0", "dependencies": {
                "b": {"version": "2.0.0", "dependencies": {"c": {"version": "3.0.0"}}}}},
            "b": {"version": "2.0.0"},
            "local": {"version": "file:../local"},
            "bad": "x"
          }
        }"#;
        // A lockfile at the root: project directory "/" (checked by `locked`).
        let got = locked(
            &NpmLockAnalyzer,
            "package-lock.json",
            lock,
            PackageKind::Npm,
        );
        assert_eq!(got, nv(&[("a", "1.0.0"), ("b", "2.0.0"), ("c", "3.0.0")]));
    }

    #[test]
    fn never_panics_on_truncated_input() {
        let lock = r#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1","dependencies":{"b":{"version":"2"}}}},"packages":{"node_modules/x":{"version":"1","license":{"type":"MIT"}}}}"#;
        for end in 0..=lock.len() {
            let bytes = &lock.as_bytes()[..end];
            assert!(NpmLockAnalyzer.analyze("package-lock.json", bytes).is_ok());
            assert!(NpmAnalyzer
                .analyze("node_modules/x/package.json", bytes)
                .is_ok());
        }
        // Deep nesting hits serde_json's recursion limit: a warning, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let facts = NpmLockAnalyzer
            .analyze("package-lock.json", deep.as_bytes())
            .unwrap();
        assert!(matches!(&facts[..], [Fact::Warning(_)]), "{facts:?}");
    }
}
