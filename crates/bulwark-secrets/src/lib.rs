//! Secret detection for Bulwark: finds credentials — cloud keys, source-control and
//! registry tokens, private keys, passwords in config files and URLs — in file contents
//! and in image metadata (`Env`, labels, history).
//!
//! This crate is the engine only and does no I/O: the layer analyzers hand it each file's
//! path and bytes, the CLI hands it the image config's strings. A [`Scanner`] compiles the
//! built-in rules (and a [`Config`]'s custom rules and allow rules) once; each
//! [`Scanner::scan`] runs one Aho-Corasick pass over the content for every rule's
//! keywords, then each triggered rule's regex only on the lines (or blocks) around its
//! keyword hits. Findings ([`SecretMatch`]) never hold the secret: only its masked form,
//! a SHA-256 fingerprint and a masked snippet, so they are safe to log, cache and report.
//!
//! ```
//! use bulwark_secrets::{ScanResult, Scanner};
//!
//! let scanner = Scanner::builtin();
//! let content = b"[database]\nhost = db\npassword = \"k8#Qz!v2Lw-9\"\n";
//! let ScanResult::Scanned { matches, .. } = scanner.scan("app/config.ini", content) else {
//!     unreachable!("text files are scanned")
//! };
//! assert_eq!(matches[0].rule_id, "generic-password");
//! assert_eq!((matches[0].line, matches[0].column), (3, 1));
//! assert_eq!(matches[0].masked, "k8#Q****");
//! assert_eq!(matches[0].snippet, "password = \"k8#Q****\"");
//! assert!(!format!("{matches:?}").contains("k8#Qz!v2Lw-9"));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod entropy;
mod error;
mod finding;
mod mask;
mod prefilter;
mod rule;
mod rules;
mod scanner;

pub use config::{
    AllowRule, Config, CustomRule, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_MATCHES_PER_FILE,
};
pub use entropy::shannon_entropy;
pub use error::SecretsError;
pub use finding::{Category, ScanResult, SecretMatch, Severity, SkipReason};
pub use mask::{fingerprint, mask};
pub use scanner::{AllowInfo, RuleInfo, Scanner, RULES_VERSION};
