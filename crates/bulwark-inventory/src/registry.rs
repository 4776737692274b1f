//! The one place analyzers are registered. Kinds must be unique; the registry's version
//! string (all kinds and versions) keys the layer cache.

use std::sync::Arc;

use crate::analyzer::{Analyzer, AnalyzerKind};
use crate::secrets::SecretsAnalyzer;
use crate::{apk, config_files, deb_copyright, dpkg, lang, os_release, rpm_analyzer};

/// An ordered, duplicate-free set of analyzers.
pub struct AnalyzerRegistry {
    analyzers: Vec<Box<dyn Analyzer>>,
}

impl AnalyzerRegistry {
    /// Every built-in analyzer except the secret scanner: the packages plus what the image
    /// checks and reachability need (config files, ELF and Python import facts).
    pub fn builtin() -> Self {
        Self::new(Self::image_analyzers())
    }

    /// Only what an SBOM lists: the OS, packages, their files and licenses (what
    /// `bulwark sbom` runs). Skips reading every executable and Python module for
    /// reachability facts an SBOM never shows.
    pub fn sbom() -> Self {
        Self::new(Self::package_analyzers())
    }

    /// [`Self::builtin`] plus, when given, the secret scanner with its file size limit
    /// (what `bulwark image|rootfs|fs` run; the secret scanner with `--scanners ...,secret`).
    pub fn with_secrets(secrets: Option<(Arc<bulwark_secrets::Scanner>, u64)>) -> Self {
        let mut analyzers = Self::image_analyzers();
        if let Some((scanner, max_file_bytes)) = secrets {
            analyzers.push(Box::new(SecretsAnalyzer::new(scanner, max_file_bytes)));
        }
        Self::new(analyzers)
    }

    /// The package analyzers plus the facts of image checks and reachability.
    fn image_analyzers() -> Vec<Box<dyn Analyzer>> {
        let mut analyzers = Self::package_analyzers();
        analyzers.push(Box::new(config_files::ConfigFilesAnalyzer));
        analyzers.push(Box::new(crate::elf::ElfAnalyzer));
        analyzers.push(Box::new(crate::py_imports::PythonImportsAnalyzer));
        analyzers
    }

    fn package_analyzers() -> Vec<Box<dyn Analyzer>> {
        vec![
            Box::new(os_release::OsReleaseAnalyzer),
            Box::new(dpkg::DpkgAnalyzer),
            Box::new(dpkg::DpkgFilesAnalyzer),
            Box::new(deb_copyright::DebCopyrightAnalyzer),
            Box::new(apk::ApkAnalyzer),
            Box::new(rpm_analyzer::RpmAnalyzer),
            Box::new(lang::PythonAnalyzer),
            Box::new(lang::PythonFilesAnalyzer),
            Box::new(lang::NpmAnalyzer),
            Box::new(lang::NpmLockAnalyzer),
            Box::new(lang::CargoLockAnalyzer),
            Box::new(lang::GoBinaryAnalyzer),
            Box::new(lang::GoModAnalyzer),
            Box::new(lang::CargoAuditableAnalyzer),
            Box::new(lang::JavaArchiveAnalyzer),
            Box::new(lang::RequirementsAnalyzer),
            Box::new(lang::PoetryLockAnalyzer),
            Box::new(lang::PipfileLockAnalyzer),
            Box::new(lang::UvLockAnalyzer),
            Box::new(lang::YarnLockAnalyzer),
            Box::new(lang::PnpmLockAnalyzer),
            Box::new(lang::GemspecAnalyzer),
            Box::new(lang::GemfileLockAnalyzer),
            Box::new(lang::ComposerLockAnalyzer),
            Box::new(lang::ComposerInstalledAnalyzer),
            Box::new(lang::DotnetDepsAnalyzer),
            Box::new(lang::NugetLockAnalyzer),
        ]
    }

    /// A registry of exactly these analyzers. Panics on a duplicate kind: that is a
    /// programming error caught by the unit test below, never input-dependent.
    pub fn new(analyzers: Vec<Box<dyn Analyzer>>) -> Self {
        let mut kinds: Vec<AnalyzerKind> = analyzers.iter().map(|a| a.kind()).collect();
        kinds.sort();
        let before = kinds.len();
        kinds.dedup();
        assert_eq!(before, kinds.len(), "analyzer registered twice");
        Self { analyzers }
    }

    /// The analyzers that want `path`.
    pub fn wanting<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a dyn Analyzer> + 'a {
        self.analyzers
            .iter()
            .map(|a| a.as_ref())
            .filter(move |a| a.wants(path))
    }

    /// True if any analyzer wants `path`.
    pub fn any_wants(&self, path: &str) -> bool {
        self.analyzers.iter().any(|a| a.wants(path))
    }

    /// The analyzers that want the regular file at `path` with permission bits `mode`.
    pub fn wanting_file<'a>(
        &'a self,
        path: &'a str,
        mode: u32,
    ) -> impl Iterator<Item = &'a dyn Analyzer> + 'a {
        self.analyzers
            .iter()
            .map(|a| a.as_ref())
            .filter(move |a| a.wants_file(path, mode))
    }

    /// True if any analyzer wants the regular file at `path` with permission bits `mode`.
    pub fn any_wants_file(&self, path: &str, mode: u32) -> bool {
        self.analyzers.iter().any(|a| a.wants_file(path, mode))
    }

    /// Identifies this analyzer set for the layer cache key.
    pub fn version_key(&self) -> String {
        let mut parts: Vec<String> = self
            .analyzers
            .iter()
            .map(|a| match a.config_key() {
                Some(config) => format!("{:?}@{}[{config}]", a.kind(), a.version()),
                None => format!("{:?}@{}", a.kind(), a.version()),
            })
            .collect();
        parts.sort();
        parts.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_kinds_are_unique_and_key_is_stable() {
        let r = AnalyzerRegistry::builtin();
        assert_eq!(r.version_key(), AnalyzerRegistry::builtin().version_key());
        assert!(r.any_wants("var/lib/dpkg/status"));
        assert!(r.any_wants("lib/apk/db/installed"));
        assert!(!r.any_wants("usr/bin/ls"));
        for path in [
            "app/site-packages/requests-2.19.1.dist-info/METADATA",
            "app/site-packages/requests-2.19.1.dist-info/RECORD",
            "usr/lib/python3/dist-packages/PyYAML-6.0.egg-info",
            "app/web/node_modules/lodash/package.json",
            "app/web/package-lock.json",
            "app/rust/Cargo.lock",
            "app/go.mod",
            "opt/app/lib/app.war",
            "app/requirements.txt",
            "app/poetry.lock",
            "app/Pipfile.lock",
            "app/uv.lock",
            "app/web/yarn.lock",
            "app/web/pnpm-lock.yaml",
            "usr/local/bundle/specifications/rack-2.2.22.gemspec",
            "app/Gemfile.lock",
            "app/composer.lock",
            "app/vendor/composer/installed.json",
            "app/MyApp.deps.json",
            "src/MyApp/packages.lock.json",
            "usr/share/doc/bash/copyright",
            "app/Dockerfile",
            "app/k8s/deploy.yaml",
        ] {
            assert_eq!(r.wanting(path).count(), 1, "{path}");
        }
        assert!(!r.any_wants("app/web/package.json"));
        assert!(r.version_key().contains("CargoLock@1"));
    }

    #[test]
    fn sbom_set_is_the_packages_without_reachability_or_config_facts() {
        let sbom = AnalyzerRegistry::sbom();
        let full = AnalyzerRegistry::builtin();
        let lib = "usr/lib/x86_64-linux-gnu/libssl.so.3";
        assert!(full.any_wants_file(lib, 0o644));
        assert!(!sbom.any_wants_file(lib, 0o644));
        assert!(full.any_wants("app/k8s/deploy.yaml"));
        assert!(!sbom.any_wants("app/k8s/deploy.yaml"));
        assert!(full.any_wants_file("usr/lib/python3.11/json/__init__.py", 0o644));
        assert!(!sbom.any_wants_file("usr/lib/python3.11/json/__init__.py", 0o644));
        // Package sources are still read: executables (Go and cargo-auditable build info),
        // jars, package databases.
        assert!(sbom.any_wants_file("usr/local/bin/app", 0o755));
        assert!(sbom.any_wants("var/lib/dpkg/status"));
        assert!(sbom.any_wants("opt/app/lib/app.war"));
        assert_ne!(sbom.version_key(), full.version_key());
    }
}
