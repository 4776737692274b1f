//! Inventory: what is installed in an image, each item tied to its layer.
//!
//! Small [`Analyzer`]s look at one file at a time and return facts (OS release, package
//! databases, language manifests and lockfiles); the scan streams every layer once through
//! all of them, caches each layer's facts by diff_id, and merges the layers into the final
//! [`Inventory`].

#![forbid(unsafe_code)]

mod analyzer;
mod apk;
mod config_files;
mod deb_copyright;
mod dpkg;
mod elf;
mod error;
mod lang;
mod merge;
mod os_release;
mod package;
mod py_imports;
mod registry;
pub mod rpm;
mod rpm_analyzer;
mod scan;
mod secrets;

pub use analyzer::{Analyzer, AnalyzerKind, Fact};
pub use apk::parse_installed as parse_apk_installed;
pub use dpkg::parse_status as parse_dpkg_status;
pub use elf::{
    parse_elf, parse_loader_config, parse_shebang, CodeFacts, ElfAnalyzer, ElfInfo, LoaderConfig,
    MalformedElf, Shebang,
};
pub use error::InventoryError;
pub use lang::normalized_name;
pub use merge::attach_file_layers;
pub use os_release::parse_os_release;
pub use package::{LayerRef, OsInfo, Package, PackageKind};
pub use py_imports::{parse_python_imports, PyImport, PythonImportsAnalyzer};
pub use registry::AnalyzerRegistry;
pub use scan::{
    scan_image, scan_rootfs, FileFacts, LayerFacts, NoProgress, Progress, ScanOptions, ScanOutcome,
};
pub use secrets::{
    collect_secrets, scan_image_config, SecretFinding, SecretLocation, SecretsAnalyzer,
    SecretsReport, SkippedFiles,
};

use serde::{Deserialize, Serialize};

/// The result of cataloguing one artifact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// Detected operating system, if any.
    pub os: Option<OsInfo>,
    /// Installed packages, sorted by kind, name, version.
    pub packages: Vec<Package>,
    /// Non-fatal problems met while cataloguing (skipped files, unreadable databases).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// For every file a package owns (`Package::files`) that exists in the final
    /// filesystem: the index of the layer that wrote its surviving copy. Files a package
    /// lists but the image lacks (excluded docs, deleted later) have no entry.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub file_layers: std::collections::BTreeMap<String, usize>,
    /// ELF, script, loader configuration and Python import facts of the final filesystem,
    /// for entrypoint reachability (`bulwark-reach`).
    #[serde(default, skip_serializing_if = "CodeFacts::is_empty")]
    pub code: CodeFacts,
    /// Dockerfiles, compose files and Kubernetes manifests of the final filesystem, for
    /// the misconfiguration checks. Not part of any report: the findings are.
    #[serde(skip)]
    pub config_files: Vec<ConfigFile>,
}

/// A config file stored in the image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    /// Absolute path in the image.
    pub path: String,
    /// The layer that wrote it (0-based).
    pub layer: Option<usize>,
    /// Its text (UTF-8; at most 1 MiB).
    pub text: String,
}
