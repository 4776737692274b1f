//! The one error type of this crate: everything that can be wrong with a rule set or a
//! configuration file. Scanning itself never fails: unreadable content is a
//! [`SkipReason`](crate::SkipReason), not an error.

use std::path::PathBuf;

/// A rule set or configuration that cannot be used. Messages name the offending rule or
/// file and say what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsError {
    /// The configuration file could not be read.
    #[error("cannot read secret-scanning config {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is not valid YAML or has an unknown or mistyped field.
    #[error("secret-scanning config {origin}: {reason}")]
    Config {
        /// File name (or other label) for the message.
        origin: String,
        /// The parser's complaint, with line and column where it has them.
        reason: String,
    },
    /// A regular expression of a rule or allow rule does not compile.
    #[error("rule `{rule}`: invalid {field} regex: {reason}")]
    Regex {
        /// The rule (or allow rule) id.
        rule: String,
        /// Which field held it: `regex`, `path`, ...
        field: &'static str,
        /// The regex compiler's complaint.
        reason: String,
    },
    /// A rule is not usable as written (empty id, unknown secret group, bad entropy, ...).
    #[error("rule `{rule}`: {reason}")]
    InvalidRule {
        /// The rule (or allow rule) id, or `<empty>`.
        rule: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Two rules (or two allow rules) share an id.
    #[error("duplicate rule id `{0}`: rule ids must be unique (custom rules cannot reuse a built-in id; disable the built-in rule instead)")]
    DuplicateRule(String),
    /// `enable-rules`, `disable-rules` or `disable-allow-rules` names an id that does not
    /// exist (usually a typo).
    #[error("{field}: unknown id `{id}` (list the rule ids in docs/SECRETS.md)")]
    UnknownRule {
        /// The config field.
        field: &'static str,
        /// The id as given.
        id: String,
    },
}
