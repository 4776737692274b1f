//! The one error type of this crate.

/// Why an inventory could not be built. A single unreadable package database is usually
/// reported as a warning by the scan; these are the cases where a caller must decide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// The image could not be read.
    #[error(transparent)]
    Image(#[from] bulwark_image::ImageError),
    /// A package database or manifest is corrupt or in an unknown format.
    #[error("cannot read package database {path}: {reason}")]
    PackageDb { path: String, reason: String },
    /// The layer cache held data we could not decode (it is then ignored and rebuilt).
    #[error("layer cache entry for {key}: {reason}")]
    Cache { key: String, reason: String },
}

impl InventoryError {
    /// A package-database error for `path`.
    pub fn db(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::PackageDb {
            path: path.into(),
            reason: reason.into(),
        }
    }
}
