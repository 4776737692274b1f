//! What the lockfile and manifest cataloguers share: collecting one file's packages once
//! each, deciding where a file belongs (a project, or the sources of a dependency), and
//! the few format helpers (TOML and YAML loading with one-line errors).

use std::collections::HashSet;

use super::{absolute_dir, normalized_name, parent};
use crate::analyzer::Fact;
use crate::{Package, PackageKind};

/// The packages of one file, each (kind-normalised name, version) once, in file order.
pub(super) struct Pins {
    kind: PackageKind,
    found_in: String,
    seen: HashSet<(String, String)>,
    packages: Vec<Package>,
}

impl Pins {
    /// An empty collection for the file at `path` (relative, as analyzers receive it).
    pub(super) fn new(kind: PackageKind, path: &str) -> Self {
        Self {
            kind,
            found_in: format!("/{path}"),
            seen: HashSet::new(),
            packages: Vec::new(),
        }
    }

    /// Adds `name` at `version` (both trimmed) unless one is empty or holds whitespace or
    /// control characters (no package manager allows them), or the package is already
    /// there. Returns the new package, for the caller to fill in licenses.
    pub(super) fn add(&mut self, name: &str, version: &str) -> Option<&mut Package> {
        let (name, version) = (name.trim(), version.trim());
        let bad = |s: &str| s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control());
        if bad(name) || bad(version) {
            return None;
        }
        let key = (normalized_name(self.kind, name), version.to_string());
        if !self.seen.insert(key) {
            return None;
        }
        self.packages.push(Package::new(
            self.kind,
            name,
            version,
            self.found_in.as_str(),
        ));
        self.packages.last_mut()
    }

    /// The packages, for [`Fact::Packages`].
    pub(super) fn into_packages(self) -> Vec<Package> {
        self.packages
    }

    /// A lockfile's packages as [`Fact::LockedPackages`] of the project in the file's
    /// directory.
    pub(super) fn into_locked(self) -> Fact {
        let project_dir = absolute_dir(parent(self.found_in.trim_start_matches('/')));
        Fact::LockedPackages {
            project_dir,
            packages: self.packages,
        }
    }
}

/// True if the last component of `path` is exactly `name`.
pub(super) fn is_named(path: &str, name: &str) -> bool {
    path.strip_suffix(name)
        .is_some_and(|dir| dir.is_empty() || dir.ends_with('/'))
}

/// The last component of `path`.
pub(super) fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// True if one of the directories of the relative `path` is named `dir`.
pub(super) fn in_dir(path: &str, dir: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|component| component == dir)
}

/// True for a file inside an installed package of another ecosystem's package directory
/// (`site-packages`, `dist-packages`, `node_modules`): packages ship their own lockfiles and
/// requirement files, which say nothing about what the image runs.
pub(super) fn in_installed_package(path: &str) -> bool {
    in_dir(path, "node_modules") || in_dir(path, "site-packages") || in_dir(path, "dist-packages")
}

/// The first line of a parser's message: TOML and YAML errors quote the offending input
/// over several lines, and a warning is one line.
pub(super) fn first_line(message: impl std::fmt::Display) -> String {
    message
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Parses UTF-8 TOML into `T`; `what` names the format in the error ("poetry.lock").
pub(super) fn from_toml<T: serde::de::DeserializeOwned>(
    content: &[u8],
    what: &str,
) -> Result<T, String> {
    let text = std::str::from_utf8(content).map_err(|e| format!("not UTF-8: {e}"))?;
    toml::from_str(text).map_err(|e| format!("not a valid {what}: {}", first_line(e)))
}

/// Parses one YAML document into a generic value. The YAML library bounds nesting (128
/// levels) and alias expansion, and the input is already capped in size by
/// [`guarded`](super::guarded).
pub(super) fn from_yaml(content: &[u8], what: &str) -> Result<serde_norway::Value, String> {
    let text = std::str::from_utf8(content).map_err(|e| format!("not UTF-8: {e}"))?;
    serde_norway::from_str(text).map_err(|e| format!("not a valid {what}: {}", first_line(e)))
}

/// The string value of `key` in a YAML mapping.
pub(super) fn yaml_str<'a>(map: &'a serde_norway::Mapping, key: &str) -> Option<&'a str> {
    map.get(key).and_then(serde_norway::Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_dedup_by_normalised_name_and_skip_blank_or_spaced() {
        let mut pins = Pins::new(PackageKind::Python, "app/requirements.txt");
        assert!(pins.add("PyYAML", "5.3").is_some());
        assert!(pins.add("pyyaml", "5.3").is_none(), "same package");
        assert!(pins.add("pyyaml", "5.4").is_some(), "another version");
        assert!(pins.add("", "1").is_none());
        assert!(pins.add("x", " ").is_none());
        assert!(pins.add("a b", "1").is_none());
        assert!(pins.add("x", "1\u{0}").is_none());
        let Fact::LockedPackages {
            project_dir,
            packages,
        } = pins.into_locked()
        else {
            unreachable!()
        };
        assert_eq!(project_dir, "/app");
        let got: Vec<(&str, &str, &str)> = packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.found_in.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("PyYAML", "5.3", "/app/requirements.txt"),
                ("pyyaml", "5.4", "/app/requirements.txt")
            ]
        );
        let root = Pins::new(PackageKind::Npm, "yarn.lock").into_locked();
        assert!(matches!(root, Fact::LockedPackages { project_dir, .. } if project_dir == "/"));
    }

    #[test]
    fn path_helpers() {
        assert!(is_named("a/yarn.lock", "yarn.lock"));
        assert!(is_named("yarn.lock", "yarn.lock"));
        assert!(!is_named("a/old-yarn.lock", "yarn.lock"));
        assert_eq!(file_name("a/b/c.txt"), "c.txt");
        assert_eq!(file_name("c.txt"), "c.txt");
        assert!(in_dir("a/node_modules/x/yarn.lock", "node_modules"));
        assert!(
            !in_dir("node_modules", "node_modules"),
            "the file itself is no dir"
        );
        assert!(!in_dir("a/node_modules_old/yarn.lock", "node_modules"));
        assert!(in_installed_package(
            "usr/lib/python3/dist-packages/x/requirements.txt"
        ));
        assert!(in_installed_package("site-packages/x/requirements.txt"));
        assert!(!in_installed_package("app/requirements.txt"));
        assert_eq!(first_line("a\nb"), "a");
        assert_eq!(first_line(""), "");
    }
}
