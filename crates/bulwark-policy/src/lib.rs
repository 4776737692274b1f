//! Policy as code: security teams write their own rules in Rego (the language of Open
//! Policy Agent), and Bulwark evaluates them in-process with the `regorus` crate over a
//! documented, versioned input document describing one scan (image metadata and config,
//! inventory, vulnerabilities, secrets, built-in misconfiguration findings).
//!
//! - [`PolicySet::load`] reads a directory of `.rego` modules and data files;
//! - [`ScanInput::build`] projects a scan into the input document (version
//!   [`INPUT_VERSION`], see docs/POLICY.md);
//! - [`PolicySet::evaluate`] runs every package's `deny`/`warn` rules and returns
//!   [`PolicyResult`]s, which become misconfiguration findings;
//! - [`run_tests`] is `bulwark policy test`: OPA-style `test_*` rules;
//! - [`WaivableMisconfig`] lets `.bulwarkignore.yaml` waive misconfiguration findings
//!   with the same entries and rules as vulnerabilities.

mod engine;
mod error;
mod input;
mod testing;
mod waive;

pub use engine::{Level, Limits, PolicyResult, PolicySet};
pub use error::PolicyError;
pub use input::{
    ArtifactInput, ConfigInput, InputHeader, LayerInput, MisconfigInput, OsInput, PackageInput,
    ScanInput, ScanParts, SecretInput, VulnInput, VulnPackageInput, INPUT_VERSION,
};
pub use testing::{run_tests, Outcome, TestReport, TestResult};
pub use waive::WaivableMisconfig;
