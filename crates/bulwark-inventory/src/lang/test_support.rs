//! Helpers shared by the language analyzers' unit tests: run an analyzer on one file,
//! check the shape every language fact must have (one fact, right kind, right `found_in`
//! and project directory) and hand back what the test compares.

use crate::analyzer::{Analyzer, Fact};
use crate::{Package, PackageKind};

use super::{absolute_dir, parent};

/// Owned `(name, version)` pairs from literals, to compare with what the helpers return.
pub(crate) fn nv(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// The `(name, version)` of each package, in the analyzer's order.
pub(crate) fn pairs(packages: &[Package]) -> Vec<(String, String)> {
    packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

/// Asserts every package is of `kind` and was found in `/{path}`.
fn assert_kind_and_origin(packages: &[Package], path: &str, kind: PackageKind) {
    let found_in = format!("/{path}");
    for p in packages {
        assert!(
            p.kind == kind && p.found_in == found_in,
            "{path}: want {kind:?} found in {found_in}, got {p:?}"
        );
    }
}

/// Runs `analyzer` on `path` and expects exactly one [`Fact::LockedPackages`] whose project
/// directory is the file's directory and whose packages are all of `kind` and found in
/// `/{path}`. Returns the packages in the analyzer's order.
pub(crate) fn locked_packages(
    analyzer: &dyn Analyzer,
    path: &str,
    content: &[u8],
    kind: PackageKind,
) -> Vec<Package> {
    let facts = analyzer.analyze(path, content).unwrap();
    let [Fact::LockedPackages {
        project_dir,
        packages,
    }] = &facts[..]
    else {
        panic!("{path}: {facts:?}")
    };
    assert_eq!(project_dir, &absolute_dir(parent(path)), "{path}");
    assert_kind_and_origin(packages, path, kind);
    packages.clone()
}

/// [`locked_packages`] as `(name, version)` pairs in the analyzer's order.
pub(crate) fn locked_unsorted(
    analyzer: &dyn Analyzer,
    path: &str,
    content: &[u8],
    kind: PackageKind,
) -> Vec<(String, String)> {
    pairs(&locked_packages(analyzer, path, content, kind))
}

/// [`locked_packages`] as sorted `(name, version)` pairs.
pub(crate) fn locked(
    analyzer: &dyn Analyzer,
    path: &str,
    content: &[u8],
    kind: PackageKind,
) -> Vec<(String, String)> {
    let mut got = locked_unsorted(analyzer, path, content, kind);
    got.sort();
    got
}

/// Runs `analyzer` on `path` and expects exactly one [`Fact::Packages`] whose packages are
/// all of `kind` and found in `/{path}`. Returns the packages in the analyzer's order.
pub(crate) fn installed(
    analyzer: &dyn Analyzer,
    path: &str,
    content: &[u8],
    kind: PackageKind,
) -> Vec<Package> {
    match &analyzer.analyze(path, content).unwrap()[..] {
        [Fact::Packages(packages)] => {
            assert_kind_and_origin(packages, path, kind);
            packages.clone()
        }
        facts => panic!("{path}: {facts:?}"),
    }
}

/// [`installed`] as sorted `(name, version)` pairs.
pub(crate) fn installed_sorted(
    analyzer: &dyn Analyzer,
    path: &str,
    content: &[u8],
    kind: PackageKind,
) -> Vec<(String, String)> {
    let mut got = pairs(&installed(analyzer, path, content, kind));
    got.sort();
    got
}

/// Runs `analyzer` on `path` and expects exactly one [`Fact::Warning`]; returns its text.
pub(crate) fn warning(analyzer: &dyn Analyzer, path: &str, content: &[u8]) -> String {
    let facts = analyzer.analyze(path, content).unwrap();
    match &facts[..] {
        [Fact::Warning(w)] => w.clone(),
        _ => panic!("{path} {:?}: {facts:?}", String::from_utf8_lossy(content)),
    }
}

/// [`warning`], asserting it is the "`/{path}: skipped: `…" warning of a file that could
/// not be read.
pub(crate) fn skipped(analyzer: &dyn Analyzer, path: &str, content: &[u8]) -> String {
    let w = warning(analyzer, path, content);
    assert!(
        w.starts_with(&format!("/{path}: skipped: ")),
        "{path} {:?}: {w}",
        String::from_utf8_lossy(content)
    );
    w
}
