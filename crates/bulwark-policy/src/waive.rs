//! Misconfiguration findings (built-in checks and policy results) as things the
//! exceptions file can waive: the same `.bulwarkignore.yaml`, the same rules as for
//! vulnerabilities.

use bulwark_checks::{Finding, Waiver};
use bulwark_vuln::policy::{Exception, Waivable};

/// A misconfiguration finding with the file it was found in (`None` for the image
/// config), as the exceptions see it.
#[derive(Debug)]
pub struct WaivableMisconfig<'a> {
    pub finding: &'a mut Finding,
    /// The path the report shows, for an exception's `path` glob.
    pub path: Option<&'a str>,
}

impl Waivable for WaivableMisconfig<'_> {
    fn waiver_ids(&self) -> Vec<&str> {
        vec![self.finding.check_id.as_str()]
    }
    fn waiver_package_matches(&self, _selector: &str) -> bool {
        false
    }
    fn waiver_path(&self) -> Option<&str> {
        self.path
    }
    fn is_waived(&self) -> bool {
        self.finding.suppressed.is_some()
    }
    fn waive(&mut self, entry: &Exception) {
        self.finding.suppressed = Some(Waiver {
            reason: entry.reason.clone(),
            owner: entry.owner.clone(),
            expires: entry.expires_text(),
        });
    }
}
