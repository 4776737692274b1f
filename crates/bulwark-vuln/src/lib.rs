//! Vulnerability matching: turns an [`Inventory`](bulwark_inventory::Inventory) into
//! [`Finding`]s using the advisory database, computes severities from CVSS vectors, and
//! applies the user's exceptions file and VEX statements.

#![forbid(unsafe_code)]

mod error;
mod finding;
mod matcher;
pub mod policy;
mod severity;

/// Entrypoint reachability, as findings carry it (from `bulwark-reach`).
pub use bulwark_reach::{ReachReport, Reachability};
pub use error::VulnError;
pub use finding::{
    AffectedPackage, CvssScore, DbInfo, Finding, Severity, Status, Suppression, VendorSeverity,
    VulnReport,
};
pub use matcher::{match_inventory, MatchOptions};
pub use severity::{cvss_score, effective_severity};
