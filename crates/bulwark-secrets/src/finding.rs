//! What a scan returns: [`ScanResult`], [`SecretMatch`] and the vocabulary around them
//! ([`Severity`], [`Category`], [`SkipReason`]).
//!
//! None of these types ever holds a full secret: a match carries its masked form, a
//! fingerprint (a SHA-256 digest) and a snippet in which every secret is masked. That makes
//! them safe to log, print with `{:?}`, serialize into a cache or put in a report.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The outcome of scanning one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum ScanResult {
    /// The content was scanned.
    Scanned {
        /// The secrets found, in file order.
        matches: Vec<SecretMatch>,
        /// `true` when the per-file or a per-rule match cap was reached, so more secrets may
        /// exist than are listed.
        truncated: bool,
    },
    /// The content was not scanned.
    Skipped(SkipReason),
}

impl ScanResult {
    /// The matches (empty when skipped).
    pub fn matches(&self) -> &[SecretMatch] {
        match self {
            ScanResult::Scanned { matches, .. } => matches,
            ScanResult::Skipped(_) => &[],
        }
    }

    /// Consumes the result, returning its matches (empty when skipped).
    pub fn into_matches(self) -> Vec<SecretMatch> {
        match self {
            ScanResult::Scanned { matches, .. } => matches,
            ScanResult::Skipped(_) => Vec::new(),
        }
    }

    /// Why the content was not scanned, if it was not.
    pub fn skipped(&self) -> Option<&SkipReason> {
        match self {
            ScanResult::Skipped(reason) => Some(reason),
            ScanResult::Scanned { .. } => None,
        }
    }
}

/// Why a file was not scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum SkipReason {
    /// A NUL byte in the first 8 KiB (the test git uses): compiled code, images, archives.
    Binary,
    /// Larger than the configured maximum file size.
    TooLarge {
        /// The content's size in bytes.
        size: u64,
        /// The configured limit in bytes.
        limit: u64,
    },
    /// The path matched a path-only allow rule (a default exclusion or the user's).
    Excluded {
        /// The id of the allow rule that excluded it.
        allow_rule: String,
    },
}

/// One secret found.
///
/// `line` and `column` locate the start of the rule's match (for an assignment rule that is
/// the key name, for a private key the `-----BEGIN` line); `end_line` is the line where the
/// secret ends (differs from `line` for multi-line secrets such as PEM blocks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMatch {
    /// The stable rule id, e.g. `aws-access-key-id`.
    pub rule_id: String,
    /// The rule's human title.
    pub title: String,
    /// How bad a leak of this kind is.
    pub severity: Severity,
    /// The kind of credential, which decides the remediation advice.
    pub category: Category,
    /// 1-based line of the match start.
    pub line: usize,
    /// 1-based line where the secret ends.
    pub end_line: usize,
    /// 1-based byte column of the match start within its line.
    pub column: usize,
    /// The secret's first few characters followed by `****` (see [`mask`](crate::mask)).
    pub masked: String,
    /// Lowercase hex SHA-256 fingerprint of the secret (see
    /// [`fingerprint`](crate::fingerprint)): equal secrets in different files, layers or
    /// image metadata have equal fingerprints.
    pub fingerprint: String,
    /// The line around the match with every secret on it masked, at most about 160
    /// characters, control characters replaced by spaces.
    pub snippet: String,
}

impl SecretMatch {
    /// What to do about it: the remediation text of its category.
    pub fn remediation(&self) -> &'static str {
        self.category.remediation()
    }
}

/// How bad a leaked credential of a rule's kind is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
pub enum Severity {
    /// Low impact or usually short-lived (test-mode keys, public client ids).
    Low,
    /// Limited scope or heuristic detection.
    Medium,
    /// A credential granting access to a service.
    High,
    /// A credential granting broad access to cloud accounts, source code or payments.
    Critical,
}

impl Severity {
    /// The upper-case name, as written in reports and config files.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    /// Case-insensitive `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "LOW" => Ok(Severity::Low),
            "MEDIUM" => Ok(Severity::Medium),
            "HIGH" => Ok(Severity::High),
            "CRITICAL" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{s}` (expected LOW, MEDIUM, HIGH or CRITICAL)"
            )),
        }
    }
}

impl From<Severity> for &'static str {
    fn from(s: Severity) -> Self {
        s.as_str()
    }
}

impl TryFrom<String> for Severity {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// The kind of credential a rule finds; each has its own remediation advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Private keys: PEM/OpenSSH/PGP/PuTTY blocks, age keys.
    PrivateKey,
    /// Cloud provider credentials (AWS, GCP, Azure, Alibaba, DigitalOcean, ...).
    Cloud,
    /// Source hosting tokens (GitHub, GitLab, Bitbucket).
    SourceControl,
    /// Package registry publish tokens (npm, PyPI, RubyGems, Docker Hub, ...).
    PackageRegistry,
    /// Infrastructure, CI/CD, secret-store and observability tokens (Vault, Terraform,
    /// Datadog, Grafana, ...).
    Infrastructure,
    /// Chat, mail and messaging APIs and webhooks (Slack, Discord, Twilio, SendGrid, ...).
    Messaging,
    /// Payment and commerce APIs (Stripe, Square, PayPal, Shopify, ...).
    Payment,
    /// AI model APIs (OpenAI, Anthropic, Hugging Face).
    Ai,
    /// Other SaaS APIs (Notion, Linear, Atlassian, Okta, Dropbox, social networks, ...).
    Saas,
    /// JSON Web Tokens.
    Jwt,
    /// Credentials embedded in URLs (`scheme://user:password@host`).
    UrlCredential,
    /// Heuristic password/secret/token assignments and user rules without a category.
    Generic,
}

impl Category {
    /// The kebab-case name used in config files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::PrivateKey => "private-key",
            Category::Cloud => "cloud",
            Category::SourceControl => "source-control",
            Category::PackageRegistry => "package-registry",
            Category::Infrastructure => "infrastructure",
            Category::Messaging => "messaging",
            Category::Payment => "payment",
            Category::Ai => "ai",
            Category::Saas => "saas",
            Category::Jwt => "jwt",
            Category::UrlCredential => "url-credential",
            Category::Generic => "generic",
        }
    }

    /// Advice for a finding of this category: revoke first, then how to supply it safely.
    pub fn remediation(self) -> &'static str {
        match self {
            Category::PrivateKey => concat!(
                "Treat the key as compromised: revoke it and generate a new one. SSH host keys ",
                "must be generated when the container first starts, not at build time, or every ",
                "container of the image shares them. Inject it at run time instead — ",
                "Docker/Kubernetes secrets, a mounted file from a secret store — never in ENV, ",
                "build arguments or files baked into the image. Removing it in a later layer ",
                "does not help: every layer stays readable."
            ),
            Category::Cloud => concat!(
                "Deactivate the key in the cloud provider's console and check its audit log. ",
                "Prefer workload identity (instance/task roles, service-account federation) over ",
                "static keys. Inject it at run time instead — Docker/Kubernetes secrets, a mounted ",
                "file from a secret store — never in ENV, build arguments or files baked into the ",
                "image. Removing it in a later layer does not help: every layer stays readable."
            ),
            Category::SourceControl | Category::PackageRegistry => concat!(
                "Revoke the token in the service's settings and review recent activity on the ",
                "repositories or packages it can reach. For builds, use BuildKit secret mounts ",
                "(`RUN --mount=type=secret`) so the token never lands in a layer. Inject it at run ",
                "time instead — Docker/Kubernetes secrets, a mounted file from a secret store — ",
                "never in ENV, build arguments or files baked into the image."
            ),
            Category::Generic | Category::UrlCredential => concat!(
                "Change the password or token wherever it is valid. Inject it at run time instead ",
                "— Docker/Kubernetes secrets, a mounted file from a secret store (Vault, ",
                "AWS/GCP/Azure secret managers) — never in ENV, build arguments or files baked ",
                "into the image. Removing it in a later layer does not help: every layer stays ",
                "readable."
            ),
            Category::Infrastructure
            | Category::Messaging
            | Category::Payment
            | Category::Ai
            | Category::Saas
            | Category::Jwt => RUNTIME_INJECTION_WITH_REVOKE,
        }
    }
}

const RUNTIME_INJECTION_WITH_REVOKE: &str = concat!(
    "Revoke or rotate the credential in the issuing service's dashboard. ",
    "Inject it at run time instead — Docker/Kubernetes secrets, a mounted file from a secret ",
    "store (Vault, AWS/GCP/Azure secret managers) — never in ENV, build arguments or files baked ",
    "into the image. Removing it in a later layer does not help: every layer stays readable."
);

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_parses_case_insensitively_and_orders() {
        assert_eq!("high".parse::<Severity>(), Ok(Severity::High));
        assert_eq!("CRITICAL".parse::<Severity>(), Ok(Severity::Critical));
        assert!("urgent".parse::<Severity>().is_err());
        assert!(Severity::Critical > Severity::High && Severity::Medium > Severity::Low);
    }

    #[test]
    fn severity_and_category_serialize_as_documented() {
        assert_eq!(serde_json::to_string(&Severity::High).unwrap(), "\"HIGH\"");
        assert_eq!(
            serde_json::to_string(&Category::PrivateKey).unwrap(),
            "\"private-key\""
        );
        let c: Category = serde_json::from_str("\"url-credential\"").unwrap();
        assert_eq!(c, Category::UrlCredential);
        assert_eq!(c.as_str(), "url-credential");
    }

    #[test]
    fn every_remediation_says_inject_at_run_time() {
        for c in [
            Category::PrivateKey,
            Category::Cloud,
            Category::SourceControl,
            Category::PackageRegistry,
            Category::Infrastructure,
            Category::Messaging,
            Category::Payment,
            Category::Ai,
            Category::Saas,
            Category::Jwt,
            Category::UrlCredential,
            Category::Generic,
        ] {
            assert!(c.remediation().contains("Inject it at run time"), "{c}");
        }
    }
}
