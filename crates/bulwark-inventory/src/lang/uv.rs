//! uv lockfiles (`uv.lock`): every `[[package]]` with a `version`, except the project's
//! own code, which uv records with an `editable`, `virtual` or `directory` source (the
//! workspace root and members, path dependencies on directories).

use serde::Deserialize;

use super::pins::{from_toml, in_installed_package, is_named, Pins};
use super::{guarded, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, PackageKind};

/// Reads `uv.lock` files of projects.
pub(crate) struct UvLockAnalyzer;

impl Analyzer for UvLockAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::UvLock
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_named(path, "uv.lock") && !in_installed_package(path)
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let lock: Lockfile = from_toml(bytes, "uv.lock")?;
            let mut pins = Pins::new(PackageKind::Python, path);
            for p in &lock.package {
                let local = p.source.as_ref().is_some_and(|s| {
                    s.editable.is_some() || s.r#virtual.is_some() || s.directory.is_some()
                });
                if let (false, Some(version)) = (local, &p.version) {
                    pins.add(&p.name, version);
                }
            }
            Ok(vec![pins.into_locked()])
        }))
    }
}

/// The parts of `uv.lock` we read; unknown keys are ignored.
#[derive(Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

/// One `[[package]]`.
#[derive(Deserialize)]
struct LockedPackage {
    name: String,
    /// Absent for a workspace member whose version is dynamic.
    version: Option<String>,
    source: Option<Source>,
}

/// `source = { registry = ... }` and its siblings (`git`, `url`, `path`: third-party
/// artifacts; `editable`, `virtual`, `directory`: local code).
#[derive(Deserialize)]
struct Source {
    editable: Option<toml::Value>,
    r#virtual: Option<toml::Value>,
    directory: Option<toml::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{locked_unsorted, nv, skipped};

    fn pinned(text: &str) -> Vec<(String, String)> {
        let path = "app/uv.lock";
        locked_unsorted(&UvLockAnalyzer, path, text.as_bytes(), PackageKind::Python)
    }

    #[test]
    fn wants_uv_lock_outside_installed_packages() {
        assert!(UvLockAnalyzer.wants("app/uv.lock"));
        assert!(UvLockAnalyzer.wants("uv.lock"));
        assert!(!UvLockAnalyzer.wants("app/uv.lock.bak"));
        assert!(!UvLockAnalyzer.wants("venv/lib/python3.12/site-packages/x/uv.lock"));
    }

    #[test]
    fn skips_the_project_and_local_members() {
        let lock = r#"version = 1
requires-python = ">=3.9"

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }

[[package]]
name = "member"
version = "0.2.0"
source = { editable = "packages/member" }

[[package]]
name = "plain-dir"
version = "0.3.0"
source = { directory = "../plain" }

[[package]]
name = "dynamic"
source = { editable = "dyn" }

[[package]]
name = "no-version-registry"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "attrs"
version = "23.2.0"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "gitdep"
version = "1.0.0"
source = { git = "https://example.invalid/gitdep?rev=v1#0123" }

[[package]]
name = "wheel-file"
version = "2.0.0"
source = { path = "dist/wheel_file-2.0.0-py3-none-any.whl" }

[[package]]
name = "attrs"
version = "23.2.0"
source = { registry = "https://mirror.invalid/simple" }
"#;
        let want = nv(&[
            ("attrs", "23.2.0"),
            ("gitdep", "1.0.0"),
            ("wheel-file", "2.0.0"),
        ]);
        assert_eq!(pinned(lock), want);
    }

    #[test]
    fn malformed_lockfile_is_a_warning() {
        for bad in [
            &b"[[package]]\nversion = \"1\"\n"[..],
            b"[[package]]\nname = \"x\"\nsource = 5\n",
            b"version = = 1",
            b"\xff",
        ] {
            let w = skipped(&UvLockAnalyzer, "app/uv.lock", bad);
            assert!(!w.contains('\n'), "{bad:?}: {w}");
        }
    }
}
