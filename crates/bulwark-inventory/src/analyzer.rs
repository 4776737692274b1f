//! The analyzer contract: a small unit that declares which paths it wants and turns one
//! file's bytes into facts. Analyzers never see other files, other layers or the network.

use serde::{Deserialize, Serialize};

use crate::{InventoryError, OsInfo, Package};

/// Stable identity of an analyzer; unique within the registry and part of the cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnalyzerKind {
    OsRelease,
    Dpkg,
    DpkgFiles,
    Apk,
    Rpm,
}

/// What an analyzer learned from one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Fact {
    /// Operating system identity; `priority` orders competing sources (os-release beats
    /// distro marker files), higher wins.
    Os { info: OsInfo, priority: u8 },
    /// The packages a package database at this path lists.
    Packages(Vec<Package>),
    /// Files owned by one package (dpkg `info/<name>.list`), absolute paths.
    OwnedFiles { package: String, files: Vec<String> },
}

/// A unit of cataloguing. Implementations are pure: same bytes in, same facts out.
pub trait Analyzer: Send + Sync {
    /// Unique identity.
    fn kind(&self) -> AnalyzerKind;
    /// Bumped whenever output for the same input may change, to invalidate cached layers.
    fn version(&self) -> u32;
    /// True if this analyzer wants the regular file at `path` (relative, no leading `/`).
    fn wants(&self, path: &str) -> bool;
    /// Turns the file's bytes into facts. An error means the file is corrupt.
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError>;
}
