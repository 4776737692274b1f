//! Language package analyzers: Python distributions, npm packages and lockfiles, Cargo
//! lockfiles; Python pins (`requirements*.txt`, `poetry.lock`, `Pipfile.lock`, `uv.lock`),
//! `yarn.lock` (classic and berry), `pnpm-lock.yaml`, Ruby gems (installed gemspecs,
//! `Gemfile.lock`), Composer (`composer.lock`, `vendor/composer/installed.json`) and NuGet
//! (`*.deps.json`, `packages.lock.json`).
//!
//! Unlike OS package databases, language manifests are written by many tools, copied around
//! by hand and often broken. A bad one must not cost the user the rest of the scan, so these
//! analyzers never return an error: a file they cannot read becomes a [`Fact::Warning`].
//! Inputs above [`MAX_MANIFEST_BYTES`] are skipped (with a warning) without being parsed.
//!
//! Compiled-in packages: Go build info of executables and `go.mod` files, `cargo auditable`
//! dependency lists of Rust executables, Java archives with the archives nested in them
//! (`go_binary.rs`, `go_mod.rs`, `cargo_auditable.rs`, `java.rs`). The executable readers
//! take any file with an execute bit up to 256 MiB, reject other formats by their magic
//! bytes and stay silent about files that are not theirs.

mod cargo_auditable;
mod cargo_lock;
mod dotnet;
mod go_binary;
mod go_mod;
mod java;
mod npm;
mod php;
mod pins;
mod pipenv;
mod pnpm;
mod poetry;
mod python;
mod requirements;
mod ruby;
#[cfg(test)]
pub(crate) mod test_support;
mod uv;
mod yarn;

pub(crate) use cargo_auditable::CargoAuditableAnalyzer;
pub(crate) use cargo_lock::CargoLockAnalyzer;
pub(crate) use dotnet::{DotnetDepsAnalyzer, NugetLockAnalyzer};
pub(crate) use go_binary::GoBinaryAnalyzer;
pub(crate) use go_mod::GoModAnalyzer;
pub(crate) use java::JavaArchiveAnalyzer;
pub(crate) use npm::{NpmAnalyzer, NpmLockAnalyzer};
pub(crate) use php::{ComposerInstalledAnalyzer, ComposerLockAnalyzer};
pub(crate) use pipenv::PipfileLockAnalyzer;
pub(crate) use pnpm::PnpmLockAnalyzer;
pub(crate) use poetry::PoetryLockAnalyzer;
pub(crate) use python::{PythonAnalyzer, PythonFilesAnalyzer};
pub(crate) use requirements::RequirementsAnalyzer;
pub(crate) use ruby::{GemfileLockAnalyzer, GemspecAnalyzer};
pub(crate) use uv::UvLockAnalyzer;
pub(crate) use yarn::YarnLockAnalyzer;

use crate::analyzer::Fact;
use crate::PackageKind;

/// Largest language manifest or lockfile we parse (16 MiB). Real ones are far smaller (a
/// big monorepo's package-lock.json is a few MiB); anything bigger is junk or an attack.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 16 << 20;

/// The name under which two packages of `kind` are the same package, for matching (never
/// for display: packages keep the name their metadata gives).
///
/// Python names are normalised per PEP 503 (lowercase, each run of `-`, `_` and `.` becomes
/// one `-`), so `PyYAML`, `pyyaml` and `Py_YAML` match. npm and Cargo names, like every
/// other kind, are compared as written.
pub fn normalized_name(kind: PackageKind, name: &str) -> String {
    match kind {
        PackageKind::Python => {
            let mut out = String::with_capacity(name.len());
            let mut in_separator_run = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !in_separator_run {
                        out.push('-');
                    }
                    in_separator_run = true;
                } else {
                    out.extend(c.to_lowercase());
                    in_separator_run = false;
                }
            }
            out
        }
        _ => name.to_string(),
    }
}

/// Runs `parse` on a file unless it is over the size cap, turning a parse failure into a
/// warning naming the file. `path` is relative (as analyzers receive it).
fn guarded(
    path: &str,
    content: &[u8],
    parse: impl FnOnce(&[u8]) -> Result<Vec<Fact>, String>,
) -> Vec<Fact> {
    let size = content.len() as u64;
    if size > MAX_MANIFEST_BYTES {
        return vec![Fact::oversized(path, size, MAX_MANIFEST_BYTES)];
    }
    match parse(content) {
        Ok(facts) => facts,
        Err(reason) => vec![Fact::Warning(format!("/{path}: skipped: {reason}"))],
    }
}

/// The directory part of a relative path (`""` for a file at the root).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `/` + `dir`: the absolute form of a relative directory (`/` for the root).
fn absolute_dir(dir: &str) -> String {
    format!("/{dir}")
}

/// Joins `relative` to the absolute directory `base` and normalises the result lexically
/// (`.` dropped, `..` pops a component but never climbs above `/`). An absolute `relative`
/// replaces `base`. Returns an absolute path.
fn join_normalized(base: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let start = if relative.starts_with('/') { "" } else { base };
    for part in start.split('/').chain(relative.split('/')) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(base.len() + relative.len() + 1);
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep_503_normalisation_only_for_python() {
        let py = |n| normalized_name(PackageKind::Python, n);
        assert_eq!(py("PyYAML"), "pyyaml");
        assert_eq!(py("Jinja2"), "jinja2");
        assert_eq!(py("zope.interface"), "zope-interface");
        assert_eq!(py("Foo__-.Bar"), "foo-bar");
        assert_eq!(py("a_b-c.d"), "a-b-c-d");
        assert_eq!(py(""), "");
        assert_eq!(
            normalized_name(PackageKind::Npm, "@Scope/Pkg_x"),
            "@Scope/Pkg_x"
        );
        assert_eq!(
            normalized_name(PackageKind::Cargo, "serde_json"),
            "serde_json"
        );
    }

    #[test]
    fn joins_and_normalises_lexically() {
        assert_eq!(join_normalized("/app/sp", "a/b.py"), "/app/sp/a/b.py");
        assert_eq!(join_normalized("/app/sp", "../../bin/x"), "/bin/x");
        assert_eq!(join_normalized("/app/sp", "../../../../../x"), "/x");
        assert_eq!(join_normalized("/app/sp", "./a/./b"), "/app/sp/a/b");
        assert_eq!(join_normalized("/app/sp", "/usr/bin/x"), "/usr/bin/x");
        assert_eq!(join_normalized("/", "a"), "/a");
        assert_eq!(join_normalized("/a", ".."), "/");
    }

    #[test]
    fn oversized_input_is_a_warning_and_not_parsed() {
        let big = vec![b' '; (MAX_MANIFEST_BYTES + 1) as usize];
        let facts = guarded("app/Cargo.lock", &big, |_| panic!("must not parse"));
        assert!(
            matches!(&facts[..], [Fact::Warning(w)] if w.starts_with("/app/Cargo.lock: skipped")),
            "{facts:?}"
        );
    }
}
