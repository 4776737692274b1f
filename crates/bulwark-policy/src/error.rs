//! Errors of loading and evaluating policies. Every variant names the file, package or rule
//! concerned, since users fix policies from this message alone.

use std::path::PathBuf;

/// What went wrong with a policy directory or an evaluation.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A policy or data file (or directory) could not be read.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file over the size limit (it is not read).
    #[error("{path}: {size} bytes is over the {limit}-byte limit for policy and data files")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    /// More files than the loader accepts.
    #[error("{path}: more than {limit} policy and data files")]
    TooManyFiles { path: PathBuf, limit: usize },
    /// No `.rego` file under the given paths.
    #[error("{0}: no .rego files found")]
    NoPolicies(PathBuf),
    /// A `.rego` file that does not parse (the message carries line and column).
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    /// A data file (`.json`, `.yaml`) that does not parse or conflicts with other data.
    #[error("{path}: {message}")]
    Data { path: PathBuf, message: String },
    /// Evaluating a rule failed (a runtime error, or the time limit).
    #[error("policy {rule}: {message}")]
    Eval { rule: String, message: String },
    /// A `deny`/`warn` result or `metadata` of the wrong shape.
    #[error("policy {rule}: {message}")]
    Result { rule: String, message: String },
}
