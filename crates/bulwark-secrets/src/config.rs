//! The secret-scanning configuration (`.bulwark-secret.yaml`, documented in
//! `docs/SECRETS.md`): custom rules, which built-in rules run, allow rules and limits.
//!
//! ```yaml
//! rules:
//!   - id: acme-api-key
//!     title: ACME API key
//!     severity: HIGH
//!     keywords: [acme_]
//!     regex: '\bacme_(?P<secret>[a-z0-9]{32})\b'
//! disable-rules: [jwt]
//! allow-rules:
//!   - id: fixtures
//!     description: fake keys used by our tests
//!     path: '^app/tests/fixtures/'
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SecretsError;
use crate::finding::{Category, Severity};

/// Default for [`Config::max_file_size`]: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// Default for [`Config::max_matches_per_file`].
pub const DEFAULT_MAX_MATCHES_PER_FILE: usize = 1000;

/// Everything a [`Scanner`](crate::Scanner) can be told. `Config::default()` is the
/// built-in rule set with the default allow rules and limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct Config {
    /// Extra rules, run alongside the built-in ones.
    pub rules: Vec<CustomRule>,
    /// When not empty, only these built-in rules run (custom rules always run).
    pub enable_rules: Vec<String>,
    /// Rules (built-in or custom) that do not run.
    pub disable_rules: Vec<String>,
    /// Findings to drop, by secret or by path, for every rule (or the listed ones).
    pub allow_rules: Vec<AllowRule>,
    /// Default allow rules to turn off (`documentation-examples`,
    /// `package-documentation`, `locale-data`, `git-objects`).
    pub disable_allow_rules: Vec<String>,
    /// Files larger than this many bytes are skipped (default 10 MiB).
    pub max_file_size: Option<u64>,
    /// At most this many findings per file (default 1000); the result says `truncated`.
    pub max_matches_per_file: Option<usize>,
}

/// A user-defined rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CustomRule {
    /// Stable kebab-case id; must not collide with a built-in id.
    pub id: String,
    /// Human title (defaults to the id).
    #[serde(default)]
    pub title: Option<String>,
    /// `LOW`, `MEDIUM`, `HIGH` or `CRITICAL` (any case).
    pub severity: Severity,
    /// Remediation category (default `generic`).
    #[serde(default)]
    pub category: Option<Category>,
    /// Literals (ASCII case-insensitive) one of which every match contains; the regex runs
    /// only on lines holding one. Without keywords the regex runs on every whole file,
    /// which is much slower.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// The regex (Rust syntax, on bytes, ASCII classes unless `(?u)`).
    pub regex: String,
    /// Capture group naming the secret (default: a group named `secret`, else the whole
    /// match).
    #[serde(default)]
    pub secret_group: Option<String>,
    /// Minimum Shannon entropy of the secret, in bits per byte (0–8).
    #[serde(default)]
    pub entropy: Option<f64>,
    /// The rule only applies to paths this regex matches.
    #[serde(default)]
    pub path: Option<String>,
    /// Search the whole file instead of the keyword's line (for multi-line secrets).
    #[serde(default)]
    pub multiline: bool,
    /// Allow rules for this rule only.
    #[serde(default)]
    pub allow_rules: Vec<AllowRule>,
}

/// Drops findings whose secret matches `regex` and whose path matches `path` (a rule with
/// only `path` excludes those files from scanning entirely).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AllowRule {
    /// Stable id, shown when a file is excluded.
    pub id: String,
    /// Why these findings are not secrets.
    #[serde(default)]
    pub description: Option<String>,
    /// Regex on the secret.
    #[serde(default)]
    pub regex: Option<String>,
    /// Regex on the path (normalized: no leading `/` or `./`).
    #[serde(default)]
    pub path: Option<String>,
    /// Restricts a global allow rule to these rule ids.
    #[serde(default)]
    pub rules: Vec<String>,
}

impl Config {
    /// Parses YAML; `origin` (usually the file name) labels errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self, SecretsError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        serde_norway::from_str(text).map_err(|e| SecretsError::Config {
            origin: origin.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Reads and parses a YAML file.
    pub fn load(path: &Path) -> Result<Self, SecretsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SecretsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::from_yaml(&text, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let cfg = Config::from_yaml(
            r#"
rules:
  - id: acme-api-key
    title: ACME API key
    severity: high
    keywords: [acme_]
    regex: '\bacme_(?P<secret>[a-z0-9]{32})\b'
    entropy: 3.0
disable-rules: [jwt]
allow-rules:
  - id: fixtures
    description: fake keys used by our tests
    path: '^app/tests/fixtures/'
max-file-size: 1048576
"#,
            "test.yaml",
        )
        .unwrap();
        assert_eq!(cfg.rules[0].severity, Severity::High);
        assert_eq!(cfg.rules[0].entropy, Some(3.0));
        assert_eq!(cfg.disable_rules, ["jwt"]);
        assert_eq!(
            cfg.allow_rules[0].path.as_deref(),
            Some("^app/tests/fixtures/")
        );
        assert_eq!(cfg.max_file_size, Some(1 << 20));
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(Config::from_yaml("  \n", "x").unwrap(), Config::default());
    }

    #[test]
    fn unknown_fields_and_bad_severities_are_errors_naming_the_file() {
        let err = Config::from_yaml("disable-rule: [jwt]\n", "my.yaml").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("my.yaml") && msg.contains("disable-rule"),
            "{msg}"
        );
        let err = Config::from_yaml(
            "rules:\n  - id: a\n    severity: URGENT\n    regex: x\n",
            "my.yaml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("URGENT"), "{err}");
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let err = Config::load(Path::new("/nonexistent/.bulwark-secret.yaml")).unwrap_err();
        assert!(matches!(err, SecretsError::Read { .. }));
    }
}
