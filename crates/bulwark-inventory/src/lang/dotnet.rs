//! .NET NuGet packages: the `*.deps.json` the SDK writes beside every built application
//! or library (what it was built with, and so what it loads), and a project's
//! `packages.lock.json` (NuGet's lockfile, `RestorePackagesWithLockFile`).
//!
//! In `deps.json`, `libraries` maps `Name/Version` to `{"type": ...}`: `package` entries
//! are NuGet packages; `project` (the application and its project references) and
//! `reference` (plain assemblies) are not. `packages.lock.json` pins per target framework
//! (`dependencies.<framework>.<name>.resolved`); `Project` entries are project references.

use serde_json::Value;

use super::pins::{in_dir, is_named, Pins};
use super::{guarded, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, PackageKind};

/// Reads `*.deps.json` files, except those inside the NuGet package cache (they belong to
/// the cached packages' own tools, not to anything deployed).
pub(crate) struct DotnetDepsAnalyzer;

impl Analyzer for DotnetDepsAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::DotnetDeps
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with(".deps.json")
            && !path.contains(".nuget/packages/")
            && !in_dir(path, "node_modules")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let value = json(bytes)?;
            let libraries = value
                .get("libraries")
                .ok_or("no \"libraries\" object")?
                .as_object()
                .ok_or("\"libraries\" is not a JSON object")?;
            let mut pins = Pins::new(PackageKind::Nuget, path);
            for (key, library) in libraries {
                let is_package = library
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("package"));
                if let (true, Some((name, version))) = (is_package, key.split_once('/')) {
                    pins.add(name, version);
                }
            }
            Ok(vec![Fact::Packages(pins.into_packages())])
        }))
    }
}

/// Reads NuGet lockfiles (`packages.lock.json`) of projects.
pub(crate) struct NugetLockAnalyzer;

impl Analyzer for NugetLockAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::NugetLock
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_named(path, "packages.lock.json") && !in_dir(path, "node_modules")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let value = json(bytes)?;
            let frameworks = value
                .get("dependencies")
                .ok_or("no \"dependencies\" object")?
                .as_object()
                .ok_or("\"dependencies\" is not a JSON object")?;
            let mut pins = Pins::new(PackageKind::Nuget, path);
            for packages in frameworks.values().filter_map(Value::as_object) {
                for (name, entry) in packages {
                    let field = |key: &str| entry.get(key).and_then(Value::as_str);
                    let project = field("type").is_some_and(|t| t.eq_ignore_ascii_case("project"));
                    if let (false, Some(version)) = (project, field("resolved")) {
                        pins.add(name, version);
                    }
                }
            }
            Ok(vec![pins.into_locked()])
        }))
    }
}

fn json(content: &[u8]) -> Result<Value, String> {
    // The SDK writes a UTF-8 byte order mark in some versions; JSON parsers must not see it.
    let content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
    let value: Value =
        serde_json::from_slice(content).map_err(|e| format!("not valid JSON: {e}"))?;
    if !value.is_object() {
        return Err("not a JSON object".into());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{installed_sorted, locked, nv, skipped};

    #[test]
    fn wants_deps_json_and_lockfiles() {
        let d = DotnetDepsAnalyzer;
        assert!(d.wants("app/MyApp.deps.json"));
        assert!(d.wants(
            "usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.0/Microsoft.NETCore.App.deps.json"
        ));
        assert!(!d.wants("root/.nuget/packages/tool/1.0.0/tools/net8.0/any/tool.deps.json"));
        assert!(!d.wants("app/MyApp.runtimeconfig.json"));
        let l = NugetLockAnalyzer;
        assert!(l.wants("src/MyApp/packages.lock.json"));
        assert!(!l.wants("src/MyApp/packages.config"));
        assert!(!l.wants("app/node_modules/x/packages.lock.json"));
    }

    #[test]
    fn deps_json_packages_only() {
        let deps = "\u{feff}{
          \"runtimeTarget\": {\"name\": \".NETCoreApp,Version=v8.0\"},
          \"targets\": {\".NETCoreApp,Version=v8.0\": {}},
          \"libraries\": {
            \"MyApp/1.0.0\": {\"type\": \"project\", \"serviceable\": false, \"sha512\": \"\"},
            \"Newtonsoft.Json/13.0.3\": {\"type\": \"package\", \"serviceable\": true, \"path\": \"newtonsoft.json/13.0.3\"},
            \"Serilog/3.1.1\": {\"type\": \"Package\"},
            \"System.Legacy/4.0.0.0\": {\"type\": \"reference\"},
            \"NoSlash\": {\"type\": \"package\"},
            \"NoType/1.0.0\": {}
          }
        }";
        let path = "app/MyApp.deps.json";
        assert_eq!(
            installed_sorted(
                &DotnetDepsAnalyzer,
                path,
                deps.as_bytes(),
                PackageKind::Nuget
            ),
            nv(&[("Newtonsoft.Json", "13.0.3"), ("Serilog", "3.1.1")])
        );
    }

    #[test]
    fn lockfile_every_framework_without_projects() {
        let lock = br#"{
          "version": 1,
          "dependencies": {
            "net8.0": {
              "Newtonsoft.Json": {"type": "Direct", "requested": "[13.0.3, )", "resolved": "13.0.3", "contentHash": "x"},
              "System.Memory": {"type": "Transitive", "resolved": "4.5.5"},
              "Central.Pkg": {"type": "CentralTransitive", "requested": "[2.0.0, )", "resolved": "2.0.0"},
              "MyLib": {"type": "Project", "dependencies": {"Newtonsoft.Json": "[13.0.3, )"}}
            },
            "net8.0/linux-x64": {
              "System.Memory": {"type": "Transitive", "resolved": "4.5.5"},
              "runtime.native.System": {"type": "Transitive", "resolved": "4.3.0"}
            },
            "net6.0": {
              "Newtonsoft.Json": {"type": "Direct", "resolved": "13.0.1"}
            }
          }
        }"#;
        // Project /src/MyApp, found in its packages.lock.json (checked by `locked`).
        let path = "src/MyApp/packages.lock.json";
        assert_eq!(
            locked(&NugetLockAnalyzer, path, lock, PackageKind::Nuget),
            nv(&[
                ("Central.Pkg", "2.0.0"),
                ("Newtonsoft.Json", "13.0.1"),
                ("Newtonsoft.Json", "13.0.3"),
                ("System.Memory", "4.5.5"),
                ("runtime.native.System", "4.3.0"),
            ])
        );
    }

    #[test]
    fn malformed_files_are_warnings() {
        for (a, path) in [
            (&DotnetDepsAnalyzer as &dyn Analyzer, "app/x.deps.json"),
            (&NugetLockAnalyzer, "app/packages.lock.json"),
        ] {
            for bad in [
                &b"{"[..],
                b"[]",
                b"\xff",
                b"{}",
                br#"{"libraries": [], "dependencies": []}"#,
            ] {
                skipped(a, path, bad);
            }
        }
    }
}
