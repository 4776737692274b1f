//! pnpm lockfiles (`pnpm-lock.yaml`), every format since lockfile version 5: the keys of
//! `packages` (and, from version 9, `snapshots`) name each locked package and version.
//!
//! | lockfileVersion | key | peer suffix |
//! |---|---|---|
//! | 5.x | `/name/1.2.3`, `/@scope/name/1.2.3` | `_react@18.2.0` (or a hash) |
//! | 6.x | `/name@1.2.3`, `/@scope/name@1.2.3` | `(react@18.2.0)` |
//! | 9.x | `name@1.2.3`, `@scope/name@1.2.3` | `(react@18.2.0)` |
//!
//! Keys of tarball and git dependencies (`registry.example/x/-/x-1.0.0.tgz`,
//! `x@https://...`) carry no plain version; their entry's `name` and `version` fields do.
//! Local directories (`file:`, `link:`) are the project's own code, not packages.

use serde_norway::{Mapping, Value};

use super::pins::{from_yaml, in_dir, is_named, yaml_str, Pins};
use super::{guarded, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, PackageKind};

/// Reads `pnpm-lock.yaml` files of projects.
pub(crate) struct PnpmLockAnalyzer;

impl Analyzer for PnpmLockAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::PnpmLock
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_named(path, "pnpm-lock.yaml") && !in_dir(path, "node_modules")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let doc = from_yaml(bytes, "pnpm-lock.yaml")?;
            let doc = doc.as_mapping().ok_or("not a YAML mapping")?;
            let v5 = lockfile_major(doc.get("lockfileVersion")).is_some_and(|m| m < 6);
            let mut pins = Pins::new(PackageKind::Npm, path);
            for section in ["packages", "snapshots"] {
                let Some(entries) = doc.get(section).filter(|v| !v.is_null()) else {
                    continue;
                };
                let entries = entries
                    .as_mapping()
                    .ok_or_else(|| format!("\"{section}\" is not a YAML mapping"))?;
                for (key, entry) in entries {
                    let Some(key) = key.as_str() else { continue };
                    let empty = Mapping::new();
                    let entry = entry.as_mapping().unwrap_or(&empty);
                    if let Some((name, version)) = locked(key, entry, v5) {
                        pins.add(name, version);
                    }
                }
            }
            Ok(vec![pins.into_locked()])
        }))
    }
}

/// The major format version: `5.4` (a YAML number), `'6.0'`, `'9.0'`, or pnpm 7's
/// `5.4-inlineSpecifiers`.
fn lockfile_major(value: Option<&Value>) -> Option<u32> {
    match value? {
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| f as u32),
        Value::String(s) => s
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|d| d.parse().ok()),
        _ => None,
    }
}

/// The (name, version) one `packages`/`snapshots` entry locks, if it is a third-party
/// package.
fn locked<'a>(key: &'a str, entry: &'a Mapping, v5: bool) -> Option<(&'a str, &'a str)> {
    let (key_name, key_version) = split_key(key, v5)?;
    if is_plain_version(key_version) {
        return Some((key_name, key_version));
    }
    if key_version.starts_with("file:") || key_version.starts_with("link:") {
        return None;
    }
    // Tarballs and git: the fields say what was resolved.
    let version = yaml_str(entry, "version").filter(|v| is_plain_version(v))?;
    let name = yaml_str(entry, "name").unwrap_or(key_name);
    (!name.is_empty()).then_some((name, version))
}

/// Splits a key into the package name and what follows it, peer suffixes removed. A key
/// that names no package (format 5 and 6 tarball and git locators such as
/// `registry.example/x/-/x-1.0.0.tgz`, `file:packages/x`) comes back whole as the
/// "version", with an empty name: it is then not a plain version.
fn split_key(key: &str, v5: bool) -> Option<(&str, &str)> {
    if v5 {
        let Some(body) = key.strip_prefix('/') else {
            return Some(("", key));
        };
        let (name, version) = body.rsplit_once('/')?;
        let version = version.split('_').next().unwrap_or_default();
        return Some((name, version));
    }
    let body = key.strip_prefix('/').unwrap_or(key);
    let body = body.split('(').next().unwrap_or_default();
    match body.get(1..).and_then(|rest| rest.find('@')) {
        Some(at) => Some((&body[..at + 1], &body[at + 2..])),
        None => Some(("", key)),
    }
}

/// True for an npm registry version (`1.2.3`, `1.0.0-rc.1`): SemVer always starts with
/// a digit, locators never do.
fn is_plain_version(v: &str) -> bool {
    v.starts_with(|c: char| c.is_ascii_digit()) && !v.contains([':', '/'])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{self as ts, nv};

    fn locked_packages(text: &str) -> Vec<(String, String)> {
        let path = "app/pnpm-lock.yaml";
        ts::locked(&PnpmLockAnalyzer, path, text.as_bytes(), PackageKind::Npm)
    }

    #[test]
    fn wants_project_lockfiles_only() {
        assert!(PnpmLockAnalyzer.wants("app/pnpm-lock.yaml"));
        assert!(PnpmLockAnalyzer.wants("pnpm-lock.yaml"));
        assert!(!PnpmLockAnalyzer.wants("app/node_modules/.pnpm/lock.yaml"));
        assert!(!PnpmLockAnalyzer.wants("app/node_modules/x/pnpm-lock.yaml"));
        assert!(!PnpmLockAnalyzer.wants("app/pnpm-lock.yml"));
    }

    #[test]
    fn version_5_keys_and_underscore_peer_suffixes() {
        let lock = "lockfileVersion: 5.4
packages:
  /@babel/core/7.23.0:
    resolution: {integrity: sha512-x}
  /@babel/plugin-x/7.22.5_@babel+core@7.23.0:
    resolution: {integrity: sha512-x}
  /use-sync-external-store/1.2.0_react@18.2.0:
    resolution: {integrity: sha512-x}
  /styled/5.3.0_a2b3c4d5e6f7:
    resolution: {integrity: sha512-x}
  registry.example.invalid/tarball-dep/-/tarball-dep-3.0.0.tgz:
    resolution: {tarball: https://registry.example.invalid/tarball-dep/-/tarball-dep-3.0.0.tgz}
    name: tarball-dep
    version: 3.0.0
  github.com/user/gitdep/0123abc:
    resolution: {tarball: https://codeload.github.com/user/gitdep/tar.gz/0123abc}
    name: gitdep
    version: 1.1.0
  file:packages/local:
    resolution: {directory: packages/local, type: directory}
    name: local
    version: 0.0.1
";
        assert_eq!(
            locked_packages(lock),
            nv(&[
                ("@babel/core", "7.23.0"),
                ("@babel/plugin-x", "7.22.5"),
                ("gitdep", "1.1.0"),
                ("styled", "5.3.0"),
                ("tarball-dep", "3.0.0"),
                ("use-sync-external-store", "1.2.0"),
            ])
        );
        // pnpm 7's inline-specifiers variant is still format 5.
        let inline =
            "lockfileVersion: 5.4-inlineSpecifiers\npackages:\n  /ms/2.1.3:\n    dev: true\n";
        assert_eq!(locked_packages(inline), nv(&[("ms", "2.1.3")]));
    }

    #[test]
    fn version_6_keys_with_parenthesised_peers() {
        let lock = "lockfileVersion: '6.0'
packages:
  /@sindresorhus/is@4.6.0:
    resolution: {integrity: sha512-x}
  /use-sync-external-store@1.2.0(react@18.2.0):
    resolution: {integrity: sha512-x}
  /react-dom@18.2.0(react@18.2.0)(@types/react@18.0.0):
    resolution: {integrity: sha512-x}
  file:packages/local:
    name: local
    version: 0.0.1
  registry.example.invalid/tarball-dep/-/tarball-dep-3.0.0.tgz:
    name: tarball-dep
    version: 3.0.0
";
        assert_eq!(
            locked_packages(lock),
            nv(&[
                ("@sindresorhus/is", "4.6.0"),
                ("react-dom", "18.2.0"),
                ("tarball-dep", "3.0.0"),
                ("use-sync-external-store", "1.2.0"),
            ])
        );
    }

    #[test]
    fn version_9_packages_and_snapshots() {
        let lock = "lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      lodash:
        specifier: 4.17.21
        version: 4.17.21
packages:
  '@sindresorhus/is@4.6.0':
    resolution: {integrity: sha512-x}
  lodash@4.17.21:
    resolution: {integrity: sha512-x}
  gitdep@https://codeload.github.com/user/gitdep/tar.gz/0123abc:
    resolution: {tarball: https://codeload.github.com/user/gitdep/tar.gz/0123abc}
    version: 1.1.0
  local@file:packages/local:
    resolution: {directory: packages/local, type: directory}
    version: 0.0.1
  linked@link:../linked: {}
snapshots:
  '@sindresorhus/is@4.6.0': {}
  lodash@4.17.21: {}
  use-sync-external-store@1.2.0(react@18.2.0):
    dependencies:
      react: 18.2.0
  gitdep@https://codeload.github.com/user/gitdep/tar.gz/0123abc: {}
";
        assert_eq!(
            locked_packages(lock),
            nv(&[
                ("@sindresorhus/is", "4.6.0"),
                ("gitdep", "1.1.0"),
                ("lodash", "4.17.21"),
                ("use-sync-external-store", "1.2.0"),
            ])
        );
        assert!(locked_packages("lockfileVersion: '9.0'\npackages:\n").is_empty());
        assert!(locked_packages("lockfileVersion: '9.0'\n").is_empty());
    }

    #[test]
    fn malformed_lockfiles_are_warnings() {
        for bad in [
            &b"lockfileVersion: '9.0'\npackages: [a, b]\n"[..],
            b"- just\n- a list\n",
            b"packages: {\n",
            b"\xff\xfe",
            b"a: *undefined\n",
        ] {
            let w = ts::skipped(&PnpmLockAnalyzer, "app/pnpm-lock.yaml", bad);
            assert!(!w.contains('\n'), "{bad:?}: {w}");
        }
    }

    #[test]
    fn odd_keys_never_panic() {
        for key in [
            "", "/", "@", "/@", "@@", "(", "/a/_", "/a@(x)", "é@1", "/é/1_é",
        ] {
            for v5 in [true, false] {
                let _ = locked(key, &Mapping::new(), v5);
            }
        }
        for v in ["5.4", "'6.0'", "-1", "1e300", "[1]", "'x'", ".nan"] {
            let text =
                format!("lockfileVersion: {v}\npackages:\n  /a/1.0.0: {{}}\n  /b@2.0.0: {{}}\n");
            assert!(PnpmLockAnalyzer
                .analyze("pnpm-lock.yaml", text.as_bytes())
                .is_ok());
        }
    }
}
