//! The analyzer contract: a small unit that declares which paths it wants and turns one
//! file's bytes into facts. Analyzers never see other files, other layers or the network.

use serde::{Deserialize, Serialize};

use crate::{InventoryError, OsInfo, Package};

/// Stable identity of an analyzer; unique within the registry and part of the cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnalyzerKind {
    /// os-release and distro marker files.
    OsRelease,
    /// The dpkg status database.
    Dpkg,
    /// dpkg per-package file lists.
    DpkgFiles,
    /// Debian per-package copyright files: `usr/share/doc/<package>/copyright`.
    DebCopyright,
    /// The apk installed database.
    Apk,
    /// The rpm database.
    Rpm,
    /// Python distributions: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, bare `*.egg-info`.
    Python,
    /// Files of Python distributions: `*.dist-info/RECORD`, `*.egg-info/installed-files.txt`.
    PythonFiles,
    /// Installed npm packages: `node_modules/<name>/package.json`.
    Npm,
    /// npm lockfiles: `package-lock.json`, `npm-shrinkwrap.json`.
    NpmLock,
    /// Cargo lockfiles: `Cargo.lock`.
    CargoLock,
    /// pip requirements files: the exact pins of `requirements*.txt`.
    PipRequirements,
    /// Poetry lockfiles: `poetry.lock`.
    PoetryLock,
    /// Pipenv lockfiles: `Pipfile.lock`.
    PipfileLock,
    /// uv lockfiles: `uv.lock`.
    UvLock,
    /// Yarn lockfiles, classic (v1) and berry: `yarn.lock`.
    YarnLock,
    /// pnpm lockfiles (formats 5, 6 and 9): `pnpm-lock.yaml`.
    PnpmLock,
    /// Specifications of installed Ruby gems: `specifications/*.gemspec`.
    Gemspec,
    /// Bundler lockfiles: `Gemfile.lock`.
    GemfileLock,
    /// Composer lockfiles: `composer.lock`.
    ComposerLock,
    /// Packages Composer installed: `vendor/composer/installed.json`.
    ComposerInstalled,
    /// NuGet packages a .NET build references: `*.deps.json`.
    DotnetDeps,
    /// NuGet lockfiles: `packages.lock.json`.
    NugetLock,
    /// Go build info of executables (`.go.buildinfo`): the toolchain and every module.
    GoBinary,
    /// Go module files: the `require`s of `go.mod`.
    GoMod,
    /// Rust executables built with `cargo auditable`: the crates in `.dep-v0`.
    CargoAuditable,
    /// Java archives (`*.jar`, `*.war`, `*.ear`, `*.jpi`, `*.hpi`) and those nested in them.
    JavaArchive,
    /// Credentials in any text file (`bulwark-secrets` rules).
    Secrets,
    /// Executables and shared objects (ELF dynamic section, `#!` line) and the loader's
    /// configuration (`etc/ld.so.conf`, `etc/ld.so.conf.d/*.conf`, `etc/ld.so.preload`,
    /// `etc/ld-musl-*.path`).
    Elf,
    /// Module-level `import` statements of Python source files, for entrypoint reachability.
    PythonImports,
    /// Dockerfiles, compose files and Kubernetes manifests stored in the image.
    ConfigFiles,
}

/// What an analyzer learned from one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Fact {
    /// Operating system identity; `priority` orders competing sources (os-release beats
    /// distro marker files), higher wins.
    Os { info: OsInfo, priority: u8 },
    /// The packages a package database or installed-package manifest at this path lists.
    Packages(Vec<Package>),
    /// Files owned by one package (dpkg `info/<name>.list`), absolute paths.
    OwnedFiles { package: String, files: Vec<String> },
    /// The licenses a Debian package's copyright file (`usr/share/doc/<package>/copyright`)
    /// names, in order of first appearance. The merge gives them to the dpkg package of
    /// that name whose own `licenses` are empty.
    PackageLicenses {
        /// The package name (the doc directory's name, no `:arch`).
        package: String,
        /// License names, deduplicated.
        licenses: Vec<String>,
    },
    /// The packages a lockfile pins for the project in `project_dir` (absolute: the
    /// lockfile's directory). A lockfile says what would be installed, not what is, so the
    /// merge drops an entry when an installed copy of the same package (same kind,
    /// [normalized name](crate::normalized_name) and version) was catalogued from a file
    /// below `project_dir`, e.g. npm's `node_modules/*/package.json`: one package, counted once.
    LockedPackages {
        /// The lockfile's directory, absolute (`/` for the root).
        project_dir: String,
        /// The pinned third-party packages, each (name, version) once; `found_in` is the
        /// lockfile.
        packages: Vec<Package>,
    },
    /// Files installed by the language package whose metadata directory is `metadata_dir`
    /// (absolute, e.g. `/app/site-packages/requests-2.19.1.dist-info`), from Python's
    /// `RECORD`. They come from another file than the package itself, so the merge attaches
    /// them to the package whose `found_in` lies directly in `metadata_dir`.
    PackageFiles {
        /// The package's metadata directory (`*.dist-info`, `*.egg-info`), absolute.
        metadata_dir: String,
        /// The installed files, absolute and lexically normalised.
        files: Vec<String>,
    },
    /// Secrets found in the file (masked; never the secret itself). Unlike package facts,
    /// these count in every layer, also where a later layer hid the file.
    Secrets(Vec<bulwark_secrets::SecretMatch>),
    /// The secret scanner did not look at the file (binary, too large, excluded path):
    /// counted in the report's summary, not a warning.
    SecretsSkipped(bulwark_secrets::SkipReason),
    /// What the dynamic loader reads from an ELF executable or shared object.
    Elf(crate::elf::ElfInfo),
    /// An executable script's `#!` line: the interpreter it starts.
    Script(crate::elf::Shebang),
    /// The library directories a dynamic loader configuration file lists.
    LoaderConfig(crate::elf::LoaderConfig),
    /// The modules a Python source file imports when it is imported itself.
    PythonImports(Vec<crate::py_imports::PyImport>),
    /// The text of a Dockerfile, compose file or Kubernetes manifest stored in the image,
    /// for the misconfiguration checks ([`Inventory::config_files`](crate::Inventory::config_files)).
    ConfigFile(String),
    /// A non-fatal problem with the file (malformed or oversized manifest): it ends up in
    /// [`Inventory::warnings`](crate::Inventory::warnings) and the scan goes on.
    Warning(String),
}

impl Fact {
    /// The warning for a file at `path` (relative) skipped because its `size` is over an
    /// analyzer's `limit`: the same words whether the scan or the analyzer noticed.
    pub fn oversized(path: &str, size: u64, limit: u64) -> Self {
        Self::Warning(format!(
            "/{path}: skipped: {size} bytes is over the {limit}-byte limit for this kind of file"
        ))
    }
}

/// A unit of cataloguing. Implementations are pure: same bytes in, same facts out.
pub trait Analyzer: Send + Sync {
    /// Unique identity.
    fn kind(&self) -> AnalyzerKind;
    /// Bumped whenever output for the same input may change, to invalidate cached layers.
    fn version(&self) -> u32;
    /// True if this analyzer wants the regular file at `path` (relative, no leading `/`).
    fn wants(&self, path: &str) -> bool;
    /// True if this analyzer wants the regular file at `path` with permission bits `mode`
    /// (setuid/setgid included). Analyzers of binaries override it to pick executables
    /// wherever they live; the default asks [`wants`](Self::wants).
    fn wants_file(&self, path: &str, mode: u32) -> bool {
        let _ = mode;
        self.wants(path)
    }
    /// Largest file this analyzer accepts. The scan does not even read a bigger file for
    /// it and records a [`Fact::oversized`] warning instead, so one huge untrusted file
    /// cannot fail the scan on the per-file read limit. `None` (the default): only the
    /// scan's own per-file limit applies, and exceeding it fails the scan.
    fn max_file_bytes(&self) -> Option<u64> {
        None
    }
    /// The facts recorded for a file over [`max_file_bytes`](Self::max_file_bytes), which
    /// is not read: by default a [`Fact::oversized`] warning.
    fn oversized(&self, path: &str, size: u64, limit: u64) -> Vec<Fact> {
        vec![Fact::oversized(path, size, limit)]
    }
    /// What besides [`version`](Self::version) decides this analyzer's output (a
    /// configured rule set's digest), for the layer cache key. `None` for fixed analyzers.
    fn config_key(&self) -> Option<&str> {
        None
    }
    /// Turns the file's bytes into facts. An error means the file is corrupt and fails the
    /// scan (right for OS package databases); analyzers of untrusted inputs report
    /// [`Fact::Warning`]s instead.
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError>;
}
