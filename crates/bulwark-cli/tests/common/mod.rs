//! Helpers shared by the CLI integration tests.

use std::path::Path;
use std::process::Command;

/// Validates a SARIF file with `crates/bulwark-report/tests/validate_sarif.py` (the official
/// OASIS 2.1.0 schema plus code-scanning rules) and fails with its output unless it passes.
/// Uses `python3` from PATH (CI puts its venv first).
pub fn assert_valid_sarif(file: &Path) {
    let validator =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../bulwark-report/tests/validate_sarif.py");
    let check = Command::new("python3")
        .arg(&validator)
        .arg(file)
        .output()
        .expect("python3 runs (CI puts its venv first on PATH)");
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
}
