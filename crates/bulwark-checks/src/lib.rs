//! Misconfiguration and CIS Docker Benchmark checks.
//!
//! Among its siblings this crate is a *detector*: it sees configuration, not layers.
//! [`scan_paths`] finds Dockerfiles, compose files, Kubernetes manifests and `docker
//! inspect` output under the given paths and returns a [`Report`] of [`Finding`]s per file;
//! [`check_bytes`] is the pure form for one file's bytes; [`check_image_config`] runs the
//! image-level checks on an image config given as plain data. Every check is listed in
//! [`CHECKS`] with a stable id (`BW-DF-NNN` for Dockerfiles and images, `BW-RT-NNN` for
//! runtime configs) and its CIS number; [`CheckOptions`] skips or re-grades them.
//!
//! Findings are not errors: a file that cannot be read or parsed gives a [`CheckError`]
//! with `file:line:column`, recorded in its [`FileReport`], and the other files are still
//! checked.
//!
//! ```
//! use bulwark_checks::{check_bytes, CheckOptions, FileKind};
//! use std::path::Path;
//!
//! let dockerfile = b"FROM ubuntu\nRUN apt-get update\nUSER root\n";
//! let (kind, findings) = check_bytes(Path::new("Dockerfile"), dockerfile, None, &CheckOptions::default())
//!     .unwrap()
//!     .unwrap();
//! assert_eq!(kind, FileKind::Dockerfile);
//! let ids: Vec<&str> = findings.iter().map(|f| f.check_id.as_str()).collect();
//! assert!(ids.contains(&"BW-DF-001")); // USER root, line 3
//! assert!(ids.contains(&"BW-DF-007")); // apt-get update alone, line 2
//! ```

#![forbid(unsafe_code)]

mod compose;
pub mod dockerfile;
mod error;
mod finding;
mod image;
mod image_ref;
mod inspect;
mod kubernetes;
mod options;
mod registry;
pub mod render;
pub mod runtime;
mod scan;
pub mod yaml;

pub use error::CheckError;
pub use finding::{
    CapabilityReason, CapabilitySuggestion, FileKind, FileReport, Finding, Position, Report,
    Severity, Waiver,
};
pub use image::{check_image_config, ImageFacts, SpecialFile};
pub use image_ref::ImageRef;
pub use options::{CheckOptions, Limits, DEFAULT_TRUSTED_REGISTRIES};
pub use registry::{check, CheckDef, CHECKS};
pub use runtime::suggest_capabilities;
pub use scan::{check_bytes, is_config_candidate, kind_from_name, scan_paths};
