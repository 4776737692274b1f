//! The one error type of this crate: what can stop a report from being written.

use std::io;

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The user asked for a format this crate does not write.
    #[error("unknown report format `{given}`: choose one of {choices}")]
    UnknownFormat {
        /// What was asked for.
        given: String,
        /// The accepted names, comma-separated.
        choices: String,
    },

    /// The format exists but cannot hold this kind of report (SARIF for an SBOM, SPDX for
    /// vulnerability findings).
    #[error(
        "the `{format}` format cannot be used for this report: {reason}; choose one of {choices}"
    )]
    FormatNotApplicable {
        /// What was asked for.
        format: crate::Format,
        /// Why it does not fit.
        reason: &'static str,
        /// The formats that do, comma-separated.
        choices: String,
    },

    /// The output could not be written (closed pipe, full disk, ...).
    #[error("could not write the report; check that the output file or pipe is writable")]
    Write(#[source] io::Error),

    /// A document could not be serialised (should not happen with our own types).
    #[error("could not serialise the {format} report")]
    Serialize {
        /// The format being written.
        format: &'static str,
        /// The serialiser's error.
        #[source]
        source: serde_json::Error,
    },

    /// The current time could not be formatted as RFC 3339 (a clock far outside years 0-9999).
    #[error("could not format the report timestamp; check the system clock")]
    Timestamp(#[source] time::error::Format),
}

impl ReportError {
    /// Sorts a serde_json error into a write failure or a serialisation failure.
    pub(crate) fn from_json(format: &'static str, source: serde_json::Error) -> Self {
        if source.is_io() {
            Self::Write(io::Error::from(source))
        } else {
            Self::Serialize { format, source }
        }
    }
}

impl From<io::Error> for ReportError {
    fn from(e: io::Error) -> Self {
        Self::Write(e)
    }
}
