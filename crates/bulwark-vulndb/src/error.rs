//! Errors of the advisory database.

use std::path::PathBuf;

/// Everything that can go wrong while building, updating or reading the advisory database.
#[derive(Debug, thiserror::Error)]
pub enum VulnDbError {
    /// No database file exists yet.
    #[error("no vulnerability database at {} (run `bulwark db update`, or `bulwark db import` offline)", path.display())]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The file was written by a Bulwark with another schema.
    #[error("vulnerability database {} has schema version {found}; this bulwark reads version {expected} (run `bulwark db update` or `bulwark db import` to rebuild it)", path.display())]
    Schema {
        /// The database file.
        path: PathBuf,
        /// Schema version in the file (0 when absent).
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// SQLite failed (corrupt file, disk full, ...).
    #[error("vulnerability database {}", path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// A file or directory could not be read or written.
    #[error("{action} {}", path.display())]
    Io {
        /// What was being done (`cannot read`, `cannot create`, ...).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A source archive is not a readable zip.
    #[error("advisory archive {origin} is not a readable zip")]
    Zip {
        /// The archive.
        origin: String,
        /// The cause.
        #[source]
        source: zip::result::ZipError,
    },
    /// A source is too large or otherwise exceeds a limit.
    #[error("advisory source {origin}: {reason}")]
    Limit {
        /// The source.
        origin: String,
        /// Which limit.
        reason: String,
    },
    /// A source could not be recognised or is malformed as a whole.
    #[error("advisory source {origin}: {reason}")]
    Source {
        /// The source.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// Downloading a source failed.
    #[error("cannot download {url}")]
    Download {
        /// The URL.
        url: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Every requested source was missing or failed.
    #[error("no advisory source could be imported: {0}")]
    NothingImported(String),
}

impl VulnDbError {
    pub(crate) fn sqlite(path: &std::path::Path) -> impl FnOnce(rusqlite::Error) -> Self + '_ {
        move |source| Self::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn io<'a>(
        action: &'static str,
        path: &'a std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> Self + 'a {
        move |source| Self::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}
