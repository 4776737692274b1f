//! Rules: the static definition ([`RuleDef`], built-in or from a config file) and its
//! compiled form ([`CompiledRule`]), plus allow rules.
//!
//! Regexes are compiled once, with `regex-automata`'s meta engine over bytes with Unicode
//! off (ASCII classes, `.` is any byte but `\n`; a pattern may opt in with `(?u)`), so
//! invalid UTF-8 is fine and searches stay linear. Searches run on windows of the content
//! but see the bytes around them, so `\b` and `(?m:^)` behave as on the whole file.

use std::sync::Arc;

use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use regex_automata::PatternID;

use crate::error::SecretsError;
use crate::finding::{Category, Severity};

/// Which part of the content a rule's regex runs on after one of its keywords is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    /// The line holding the keyword (at most [`LINE_CAP`] bytes either side of it).
    Line,
    /// `before` bytes before the keyword to `after` bytes after it, across lines (PEM
    /// blocks, JSON documents).
    Around {
        /// Bytes before the keyword's start.
        before: usize,
        /// Bytes after the keyword's end.
        after: usize,
    },
    /// The whole file, once (for rules whose keyword names the vendor somewhere in the
    /// file, not next to the secret).
    File,
}

/// How far a [`Window::Line`] reaches either side of a keyword on a very long line.
pub(crate) const LINE_CAP: usize = 1024;

/// A second-stage check on a candidate: `(match text before the secret, secret, match text
/// after it)`.
/// Returns `false` to drop the candidate (placeholders, code references, ...).
pub(crate) type Validator = fn(&[u8], &[u8], &[u8]) -> bool;

/// A rule as written: built-in (see `rules/`) or from a config file.
#[derive(Clone)]
pub(crate) struct RuleDef {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: Category,
    /// Literal substrings one of which every match contains (ASCII case-insensitive unless
    /// `exact_keywords`).
    pub keywords: Vec<String>,
    pub regex: String,
    /// Capture group naming the secret; `None` uses a group called `secret` when the regex
    /// has one, else the whole match.
    pub secret_group: Option<String>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    pub entropy: Option<f64>,
    pub window: Window,
    /// Keywords must match with exact case (prefixes like `ghp_` or `AKIA`): a cheap check
    /// that spares the regex most case-insensitive keyword hits.
    pub exact_keywords: bool,
    /// Heuristic rules yield to specific ones when their secrets overlap.
    pub generic: bool,
    /// Drop secrets holding a run of six identical characters (placeholders); off for
    /// formats with legitimate runs (key bodies, Twitter bearer tokens).
    pub reject_runs: bool,
    /// A literal the file must contain for the rule to apply (`service_account`).
    pub file_requires: Option<&'static str>,
    pub validator: Option<Validator>,
    /// Regex on the (normalized) path; the rule applies only to matching paths.
    pub path: Option<String>,
    /// Allow rules that apply to this rule only.
    pub allow: Vec<AllowDef>,
}

/// Starts a built-in rule: line window, case-insensitive keywords, no entropy floor.
pub(crate) fn rule(
    id: &str,
    title: &str,
    severity: Severity,
    category: Category,
    keywords: &[&str],
    regex: impl Into<String>,
) -> RuleDef {
    RuleDef {
        id: id.to_owned(),
        title: title.to_owned(),
        severity,
        category,
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        regex: regex.into(),
        secret_group: None,
        entropy: None,
        window: Window::Line,
        exact_keywords: false,
        generic: false,
        reject_runs: true,
        file_requires: None,
        validator: None,
        path: None,
        allow: Vec::new(),
    }
}

impl RuleDef {
    /// Sets the entropy floor.
    pub(crate) fn entropy(mut self, bits: f64) -> Self {
        self.entropy = Some(bits);
        self
    }
    /// Keywords match with exact case.
    pub(crate) fn exact(mut self) -> Self {
        self.exact_keywords = true;
        self
    }
    /// Sets the window.
    pub(crate) fn window(mut self, window: Window) -> Self {
        self.window = window;
        self
    }
    /// Marks the rule heuristic (yields to specific rules on overlap).
    pub(crate) fn generic(mut self) -> Self {
        self.generic = true;
        self
    }
    /// Allows runs of identical characters in the secret.
    pub(crate) fn allow_runs(mut self) -> Self {
        self.reject_runs = false;
        self
    }
    /// Requires a literal somewhere in the file.
    pub(crate) fn file_requires(mut self, literal: &'static str) -> Self {
        self.file_requires = Some(literal);
        self
    }
    /// Adds a second-stage check.
    pub(crate) fn validate(mut self, f: Validator) -> Self {
        self.validator = Some(f);
        self
    }
}

/// An allow rule as written: a finding is dropped when every given condition matches.
#[derive(Debug, Clone)]
pub(crate) struct AllowDef {
    pub id: String,
    pub description: String,
    /// Regex on the secret.
    pub regex: Option<String>,
    /// Regex on the normalized path.
    pub path: Option<String>,
    /// Restricts a global allow rule to these rule ids (empty: all rules).
    pub rules: Vec<String>,
}

/// A compiled allow rule.
#[derive(Debug)]
pub(crate) struct CompiledAllow {
    pub id: String,
    pub description: String,
    pub regex: Option<Regex>,
    pub path: Option<Regex>,
    pub rules: Vec<String>,
}

impl CompiledAllow {
    pub(crate) fn compile(def: &AllowDef) -> Result<Self, SecretsError> {
        if def.id.trim().is_empty() {
            return Err(SecretsError::InvalidRule {
                rule: "<empty>".into(),
                reason: "allow rule without an id".into(),
            });
        }
        if def.regex.is_none() && def.path.is_none() {
            return Err(SecretsError::InvalidRule {
                rule: def.id.clone(),
                reason: "allow rule needs `regex` (on the secret) or `path`, or both".into(),
            });
        }
        let compile = |field, pat: &Option<String>| {
            pat.as_deref()
                .map(|p| compile_regex(&def.id, field, p))
                .transpose()
        };
        Ok(CompiledAllow {
            id: def.id.clone(),
            description: def.description.clone(),
            regex: compile("regex", &def.regex)?,
            path: compile("path", &def.path)?,
            rules: def.rules.clone(),
        })
    }

    /// Whether this allow rule applies to every file under `path`, whatever the secret.
    pub(crate) fn excludes_path(&self, path: &str) -> bool {
        self.regex.is_none()
            && self.rules.is_empty()
            && self.path.as_ref().is_some_and(|p| p.is_match(path))
    }

    /// Whether it drops `secret` of rule `rule_id` found in `path` (`None`: not a file).
    pub(crate) fn allows(&self, rule_id: &str, path: Option<&str>, secret: &[u8]) -> bool {
        if !self.rules.is_empty() && !self.rules.iter().any(|r| r == rule_id) {
            return false;
        }
        let path_ok = match (&self.path, path) {
            (None, _) => true,
            (Some(re), Some(p)) => re.is_match(p),
            (Some(_), None) => false,
        };
        path_ok && self.regex.as_ref().is_none_or(|re| re.is_match(secret))
    }
}

/// A rule ready to search.
pub(crate) struct CompiledRule {
    pub id: Arc<str>,
    pub title: Arc<str>,
    pub severity: Severity,
    pub category: Category,
    pub keywords: Vec<String>,
    pub regex_source: String,
    pub regex: Regex,
    /// Capture group index of the secret (0: whole match).
    pub secret_group: usize,
    pub entropy: Option<f64>,
    pub window: Window,
    pub exact_keywords: bool,
    pub generic: bool,
    pub reject_runs: bool,
    pub file_requires: Option<memchr::memmem::Finder<'static>>,
    pub validator: Option<Validator>,
    pub path: Option<Regex>,
    pub allow: Vec<CompiledAllow>,
}

impl CompiledRule {
    pub(crate) fn compile(def: &RuleDef) -> Result<Self, SecretsError> {
        let invalid = |reason: String| SecretsError::InvalidRule {
            rule: if def.id.is_empty() {
                "<empty>".into()
            } else {
                def.id.clone()
            },
            reason,
        };
        if def.id.trim().is_empty() {
            return Err(invalid("rule without an id".into()));
        }
        if def.regex.is_empty() {
            return Err(invalid("`regex` is empty".into()));
        }
        if def.keywords.iter().any(|k| k.is_empty()) {
            return Err(invalid(
                "empty keyword: remove it or write the literal".into(),
            ));
        }
        if let Some(e) = def.entropy {
            if !(0.0..=8.0).contains(&e) {
                return Err(invalid(format!(
                    "entropy {e} is outside 0..=8 bits per byte"
                )));
            }
        }
        let regex = compile_regex(&def.id, "regex", &def.regex)?;
        let secret_group = match &def.secret_group {
            Some(name) => regex
                .group_info()
                .to_index(PatternID::ZERO, name)
                .ok_or_else(|| invalid(format!("regex has no capture group named `{name}`")))?,
            None => regex
                .group_info()
                .to_index(PatternID::ZERO, "secret")
                .unwrap_or(0),
        };
        let path = def
            .path
            .as_deref()
            .map(|p| compile_regex(&def.id, "path", p))
            .transpose()?;
        let allow = def
            .allow
            .iter()
            .map(CompiledAllow::compile)
            .collect::<Result<_, _>>()?;
        Ok(CompiledRule {
            id: Arc::from(def.id.as_str()),
            title: Arc::from(def.title.as_str()),
            severity: def.severity,
            category: def.category,
            keywords: def.keywords.clone(),
            regex_source: def.regex.clone(),
            regex,
            secret_group,
            entropy: def.entropy,
            window: def.window,
            exact_keywords: def.exact_keywords,
            generic: def.generic,
            reject_runs: def.reject_runs,
            file_requires: def.file_requires.map(memchr::memmem::Finder::new),
            validator: def.validator,
            path,
            allow,
        })
    }
}

/// Compiles a byte regex the way every rule is compiled; errors name the rule and field.
pub(crate) fn compile_regex(
    rule: &str,
    field: &'static str,
    pattern: &str,
) -> Result<Regex, SecretsError> {
    Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(Regex::config().utf8_empty(false))
        .build(pattern)
        .map_err(|e| SecretsError::Regex {
            rule: rule.to_owned(),
            field,
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_regex_names_the_rule() {
        let def = rule(
            "my-rule",
            "t",
            Severity::Low,
            Category::Generic,
            &["x"],
            "a(b",
        );
        let err = CompiledRule::compile(&def).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("my-rule") && msg.contains("regex"), "{msg}");
    }

    #[test]
    fn secret_group_defaults_to_named_group_or_whole_match() {
        let with = rule(
            "a",
            "t",
            Severity::Low,
            Category::Generic,
            &["x"],
            "x(?P<secret>y)",
        );
        assert_eq!(CompiledRule::compile(&with).unwrap().secret_group, 1);
        let without = rule("b", "t", Severity::Low, Category::Generic, &["x"], "x(y)");
        assert_eq!(CompiledRule::compile(&without).unwrap().secret_group, 0);
        let mut named = rule(
            "c",
            "t",
            Severity::Low,
            Category::Generic,
            &["x"],
            "x(?P<s>y)",
        );
        named.secret_group = Some("nope".into());
        assert!(CompiledRule::compile(&named).is_err());
    }

    #[test]
    fn allow_rule_needs_a_condition() {
        let def = AllowDef {
            id: "a".into(),
            description: String::new(),
            regex: None,
            path: None,
            rules: vec![],
        };
        assert!(CompiledAllow::compile(&def).is_err());
    }
}
