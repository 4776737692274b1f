//! Red Hat family packages: the rpm database in any of its three formats.

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{rpm, InventoryError};

/// Reads the rpm database (SQLite, BerkeleyDB or NDB) where rpm keeps it.
pub struct RpmAnalyzer;

impl Analyzer for RpmAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::Rpm
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        rpm::RPMDB_PATHS.contains(&path)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(vec![Fact::Packages(rpm::parse_rpmdb(path, content)?)])
    }
}
