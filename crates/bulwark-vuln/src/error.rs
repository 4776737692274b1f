//! Errors of matching and of the policy inputs (exceptions file, VEX documents).

use std::path::PathBuf;

/// Everything that can go wrong while matching or reading policy inputs.
#[derive(Debug, thiserror::Error)]
pub enum VulnError {
    /// The advisory database failed.
    #[error("advisory database")]
    Db(#[from] bulwark_vulndb::VulnDbError),
    /// A policy file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The exceptions file is malformed or an entry lacks a required field.
    #[error("exceptions file {origin}: {reason}")]
    Exceptions {
        /// File name for the message.
        origin: String,
        /// What is wrong, naming the entry.
        reason: String,
    },
    /// A VEX document is malformed.
    #[error("VEX document {origin}: {reason}")]
    Vex {
        /// File name for the message.
        origin: String,
        /// What is wrong.
        reason: String,
    },
    /// A severity entry of a kind that is not scored (`CVSS_V2`, `Ubuntu`, ...): only CVSS
    /// v3.x and v4.0 vectors are. Callers skip such entries rather than report them.
    #[error(
        "severity type `{kind}` is not scored (only CVSS v3.x and v4.0 vectors are): `{vector}`"
    )]
    CvssUnsupported {
        /// The severity type as given (OSV `severity[].type`).
        kind: String,
        /// The value as given.
        vector: String,
    },
    /// A CVSS vector does not parse.
    #[error("invalid CVSS vector `{vector}`: {reason}")]
    Cvss {
        /// The vector as given.
        vector: String,
        /// The parser's complaint.
        reason: String,
    },
}
