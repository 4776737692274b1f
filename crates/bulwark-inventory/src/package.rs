//! The inventory model: what an image contains, each item tied to the layer that introduced it.

use serde::{Deserialize, Serialize};

/// Which package manager (and so which version ordering and purl type) a package belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageKind {
    /// Debian/Ubuntu dpkg.
    Deb,
    /// Alpine/Wolfi apk.
    Apk,
    /// RPM (Red Hat family, SUSE, Mariner).
    Rpm,
    Python,
    Npm,
    Cargo,
    Go,
    Maven,
    Gem,
    Composer,
    Nuget,
}

impl PackageKind {
    /// True for packages installed by the OS package manager.
    pub fn is_os(self) -> bool {
        matches!(self, Self::Deb | Self::Apk | Self::Rpm)
    }
}

/// The operating system of an image, from os-release and distro marker files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsInfo {
    /// os-release `ID` (`debian`, `alpine`, `ubuntu`, `rhel`, ...).
    pub id: String,
    /// `VERSION_ID` (or the content of a distro marker file), e.g. `12`, `3.19.4`.
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` when known (`bookworm`).
    pub codename: Option<String>,
    /// `PRETTY_NAME` for display.
    pub pretty_name: Option<String>,
    /// `ID_LIKE` families.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

/// The layer a package or file came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LayerRef {
    /// Position from the bottom, 0 = base.
    pub index: usize,
    /// Uncompressed digest of the layer (`sha256:...`); `None` for a plain root filesystem.
    pub diff_id: Option<String>,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub kind: PackageKind,
    pub name: String,
    /// The version as the package manager prints it: dpkg `[epoch:]upstream[-revision]`,
    /// apk `pkgver-rN`, rpm `[epoch:]version-release`.
    pub version: String,
    /// rpm epoch, kept apart because rpm tools print it apart (dpkg keeps it in `version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Source package (dpkg `Source`, apk origin, rpm source RPM name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Source package version when it differs from `version` (dpkg `Source: name (ver)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// License names or SPDX expressions as the metadata gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintainer: Option<String>,
    /// Where in the image the package was recorded (the database or manifest file).
    pub found_in: String,
    /// Files the package owns, absolute paths inside the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The layer that introduced this package at this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
}

impl Package {
    /// A package with only the required fields set.
    pub fn new(
        kind: PackageKind,
        name: impl Into<String>,
        version: impl Into<String>,
        found_in: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            name: name.into(),
            version: version.into(),
            epoch: None,
            arch: None,
            source_name: None,
            source_version: None,
            licenses: Vec::new(),
            maintainer: None,
            found_in: found_in.into(),
            files: Vec::new(),
            layer: None,
        }
    }
}
