//! The one error type of this crate. Findings are not errors: an error means a file could
//! not be read or understood, and is reported next to the other files' findings.

use std::path::PathBuf;

/// Why a file (or the options) could not be checked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}", path = path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`crate::Limits::max_file_bytes`].
    #[error("{path}: {size} bytes is more than the {limit}-byte limit for a config file", path = path.display())]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    /// Malformed input: a syntax error, an unknown instruction, an unterminated heredoc, a
    /// YAML document deeper or larger than the limits. Line and column are 1-based.
    #[error("{path}:{line}:{column}: {message}", path = path.display())]
    Syntax {
        path: PathBuf,
        line: u32,
        column: u32,
        message: String,
    },
    /// A file named on the command line whose type could not be told from its name or content.
    #[error("{path}: not a Dockerfile, compose file, Kubernetes manifest or docker inspect output", path = path.display())]
    UnknownKind { path: PathBuf },
    /// `--skip-check` or `--check-severity` named a check that does not exist.
    #[error("unknown check id {0:?} (see docs/CHECKS.md for the list)")]
    UnknownCheck(String),
    /// A severity name that is not one of INFO, LOW, MEDIUM, HIGH, CRITICAL.
    #[error("unknown severity {0:?}: use INFO, LOW, MEDIUM, HIGH or CRITICAL")]
    UnknownSeverity(String),
    /// The check settings file (`.bulwark-checks.yaml`) is invalid.
    #[error("{path}: {message}", path = path.display())]
    Settings { path: PathBuf, message: String },
}

impl CheckError {
    /// A syntax error at a 1-based position.
    pub(crate) fn syntax(
        path: &std::path::Path,
        line: u32,
        column: u32,
        message: impl Into<String>,
    ) -> Self {
        CheckError::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The position of a syntax error, if it has one.
    pub fn position(&self) -> Option<(u32, u32)> {
        match self {
            CheckError::Syntax { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}
