//! The [`Scanner`]: compiled rules, the keyword prefilter and the allow rules, and the scan
//! pipeline (skip checks → prefilter windows → regex → checks → overlap resolution →
//! masked findings).

use std::sync::Arc;

use regex_automata::Input;
use sha2::{Digest, Sha256};

use crate::config::{Config, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_MATCHES_PER_FILE};
use crate::entropy::{has_repeated_run, shannon_entropy};
use crate::error::SecretsError;
use crate::finding::{Category, ScanResult, SecretMatch, Severity, SkipReason};
use crate::mask::{key_body_fingerprint, mask, snippet, MaskedSpan};
use crate::prefilter::{Prefilter, RuleWindow};
use crate::rule::{AllowDef, CompiledAllow, CompiledRule, RuleDef, Window};
use crate::rules;

/// Bumped whenever built-in rules or matching behaviour change, so cached results made
/// by an older version are not reused. Part of [`Scanner::cache_key`].
pub const RULES_VERSION: u32 = 2;

/// How many leading bytes are checked for NUL to call a file binary (git's test).
const BINARY_SNIFF: usize = 8 * 1024;
/// At most this many findings per rule and file.
const MAX_MATCHES_PER_RULE: usize = 100;
/// Runs of this many identical characters mark a placeholder.
const PLACEHOLDER_RUN: usize = 6;

/// A compiled rule set, ready to scan any number of files from any number of threads.
///
/// ```
/// let scanner = bulwark_secrets::Scanner::builtin();
/// let found = scanner.scan_text("config:Env", "DB_PASSWORD=SuperSecret123!");
/// assert_eq!(found[0].rule_id, "generic-password");
/// assert_eq!(found[0].masked, "Supe****");
/// ```
pub struct Scanner {
    rules: Vec<CompiledRule>,
    prefilter: Prefilter,
    /// Rules without keywords: run on every whole file.
    unkeyed: Vec<usize>,
    has_path_rules: bool,
    allow: Vec<CompiledAllow>,
    max_file_size: u64,
    max_matches: usize,
    cache_key: String,
}

/// A rule's public description.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo<'a> {
    /// Stable id.
    pub id: &'a str,
    /// Human title.
    pub title: &'a str,
    /// Severity of its findings.
    pub severity: Severity,
    /// Remediation category.
    pub category: Category,
    /// Prefilter keywords.
    pub keywords: &'a [String],
    /// The regex source.
    pub regex: &'a str,
}

/// An allow rule's public description.
#[derive(Debug, Clone, Copy)]
pub struct AllowInfo<'a> {
    /// Stable id.
    pub id: &'a str,
    /// Why its findings are not secrets.
    pub description: &'a str,
}

/// A candidate that passed every check: spans into the content.
#[derive(Debug, Clone, Copy)]
struct Raw {
    rule: usize,
    start: usize,
    end: usize,
    secret_start: usize,
    secret_end: usize,
}

impl Scanner {
    /// The built-in rules with default allow rules and limits.
    pub fn builtin() -> Scanner {
        // The built-in set is compiled by a unit test; failing here is a bug in this crate.
        Scanner::new(&Config::default())
            .unwrap_or_else(|e| panic!("built-in secret rules do not compile: {e}"))
    }

    /// Compiles `config` on top of the built-in rules.
    pub fn new(config: &Config) -> Result<Scanner, SecretsError> {
        let mut defs: Vec<RuleDef> = rules::builtin();
        let builtin_ids: Vec<String> = defs.iter().map(|d| d.id.clone()).collect();
        for id in &config.enable_rules {
            if !builtin_ids.contains(id) {
                return Err(SecretsError::UnknownRule {
                    field: "enable-rules",
                    id: id.clone(),
                });
            }
        }
        if !config.enable_rules.is_empty() {
            defs.retain(|d| config.enable_rules.contains(&d.id));
        }
        for custom in &config.rules {
            if builtin_ids.contains(&custom.id) || defs.iter().any(|d| d.id == custom.id) {
                return Err(SecretsError::DuplicateRule(custom.id.clone()));
            }
            defs.push(custom_def(custom));
        }
        for id in &config.disable_rules {
            let known = builtin_ids.contains(id) || config.rules.iter().any(|r| &r.id == id);
            if !known {
                return Err(SecretsError::UnknownRule {
                    field: "disable-rules",
                    id: id.clone(),
                });
            }
        }
        defs.retain(|d| !config.disable_rules.contains(&d.id));

        let mut allow_defs = rules::default_allow();
        for id in &config.disable_allow_rules {
            if !allow_defs.iter().any(|a| &a.id == id) {
                return Err(SecretsError::UnknownRule {
                    field: "disable-allow-rules",
                    id: id.clone(),
                });
            }
        }
        allow_defs.retain(|a| !config.disable_allow_rules.contains(&a.id));
        for a in &config.allow_rules {
            if allow_defs.iter().any(|d| d.id == a.id) {
                return Err(SecretsError::DuplicateRule(a.id.clone()));
            }
            for r in &a.rules {
                let known = builtin_ids.contains(r) || config.rules.iter().any(|c| &c.id == r);
                if !known {
                    return Err(SecretsError::UnknownRule {
                        field: "allow-rules.rules",
                        id: r.clone(),
                    });
                }
            }
            allow_defs.push(allow_def(a));
        }

        let rules = defs
            .iter()
            .map(CompiledRule::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let allow = allow_defs
            .iter()
            .map(CompiledAllow::compile)
            .collect::<Result<Vec<_>, _>>()?;
        let prefilter = Prefilter::new(&rules)?;
        let unkeyed = (0..rules.len())
            .filter(|&i| rules[i].keywords.is_empty())
            .collect();
        let max_file_size = config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE);
        let max_matches = config
            .max_matches_per_file
            .unwrap_or(DEFAULT_MAX_MATCHES_PER_FILE);
        let cache_key = cache_key(&defs, &allow_defs, max_file_size, max_matches);
        Ok(Scanner {
            has_path_rules: rules.iter().any(|r| r.path.is_some()),
            rules,
            prefilter,
            unkeyed,
            allow,
            max_file_size,
            max_matches,
            cache_key,
        })
    }

    /// Scans one file. `path` is the file's path in the image or root filesystem (leading
    /// `/` and `./` are ignored); it decides path exclusions and path-restricted rules.
    pub fn scan(&self, path: &str, content: &[u8]) -> ScanResult {
        let path = normalize_path(path);
        if let Some(a) = self.allow.iter().find(|a| a.excludes_path(path)) {
            return ScanResult::Skipped(SkipReason::Excluded {
                allow_rule: a.id.clone(),
            });
        }
        let size = content.len() as u64;
        if size > self.max_file_size {
            return ScanResult::Skipped(SkipReason::TooLarge {
                size,
                limit: self.max_file_size,
            });
        }
        if memchr::memchr(0, &content[..content.len().min(BINARY_SNIFF)]).is_some() {
            return ScanResult::Skipped(SkipReason::Binary);
        }
        let (matches, truncated) = self.scan_bytes(path, content);
        ScanResult::Scanned { matches, truncated }
    }

    /// Scans text that is not a file: an image config `Env` entry (`KEY=value`), a label
    /// (`key=value`), a history `created_by` line. `source_label` plays the path's part
    /// for path-restricted rules and allow rules (e.g. `image-config/env`); nothing is
    /// skipped as binary or excluded, and text beyond the maximum file size is ignored.
    pub fn scan_text(&self, source_label: &str, text: &str) -> Vec<SecretMatch> {
        let bytes = text.as_bytes();
        let limit = usize::try_from(self.max_file_size).unwrap_or(usize::MAX);
        let bytes = &bytes[..bytes.len().min(limit)];
        self.scan_bytes(source_label, bytes).0
    }

    /// The rules this scanner runs, built-in first, in their fixed order.
    pub fn rules(&self) -> impl Iterator<Item = RuleInfo<'_>> {
        self.rules.iter().map(|r| RuleInfo {
            id: &r.id,
            title: &r.title,
            severity: r.severity,
            category: r.category,
            keywords: &r.keywords,
            regex: &r.regex_source,
        })
    }

    /// The allow rules in force (defaults not disabled, then the configured ones).
    pub fn allow_rules(&self) -> impl Iterator<Item = AllowInfo<'_>> {
        self.allow.iter().map(|a| AllowInfo {
            id: &a.id,
            description: &a.description,
        })
    }

    /// A digest of everything that decides this scanner's results ([`RULES_VERSION`],
    /// rules, allow rules, limits): cache per-file or per-layer results under it.
    pub fn cache_key(&self) -> &str {
        &self.cache_key
    }

    fn scan_bytes(&self, path: &str, content: &[u8]) -> (Vec<SecretMatch>, bool) {
        let active: Vec<bool> = if self.has_path_rules {
            self.rules
                .iter()
                .map(|r| r.path.as_ref().is_none_or(|p| p.is_match(path)))
                .collect()
        } else {
            vec![true; self.rules.len()]
        };
        let mut windows = self.prefilter.windows(&self.rules, content, &active);
        for &rule in &self.unkeyed {
            if active[rule] {
                windows.push(RuleWindow {
                    rule,
                    start: 0,
                    end: content.len(),
                });
            }
        }
        // Rule order, then position: per-rule caps and `file_requires` checks stay simple.
        windows.sort_unstable_by_key(|w| (w.rule, w.start));

        let mut raws = Vec::new();
        let mut truncated = false;
        let mut current_rule = usize::MAX;
        let mut rule_count = 0;
        let mut rule_ok = true;
        for w in windows {
            if w.rule != current_rule {
                current_rule = w.rule;
                rule_count = 0;
                rule_ok = self.rules[w.rule]
                    .file_requires
                    .as_ref()
                    .is_none_or(|f| f.find(content).is_some());
            }
            if !rule_ok || rule_count >= MAX_MATCHES_PER_RULE {
                continue;
            }
            if raws.len() >= self.max_matches {
                truncated = true;
                break;
            }
            let budget = MAX_MATCHES_PER_RULE
                .min(self.max_matches.saturating_sub(raws.len()))
                .saturating_sub(rule_count);
            let before = raws.len();
            let full = self.search_window(path, content, w, budget, &mut raws);
            rule_count += raws.len() - before;
            truncated |= full;
        }
        let kept = resolve_overlaps(&self.rules, raws);
        (self.to_matches(content, &kept), truncated)
    }

    /// Runs one rule's regex over one window, appending accepted candidates; returns
    /// whether `budget` ran out.
    fn search_window(
        &self,
        path: &str,
        content: &[u8],
        w: RuleWindow,
        budget: usize,
        out: &mut Vec<Raw>,
    ) -> bool {
        let rule = &self.rules[w.rule];
        let mut caps = rule.regex.create_captures();
        let mut at = w.start;
        let mut accepted = 0;
        while at < w.end {
            let input = Input::new(content).range(at..w.end);
            rule.regex.search_captures(&input, &mut caps);
            let Some(m) = caps.get_match() else {
                break;
            };
            let (start, end) = (m.start(), m.end());
            at = if end > start { end } else { start + 1 };
            let Some(secret) = caps.get_group(rule.secret_group) else {
                continue;
            };
            let (secret_start, secret_end) = trim_secret(content, secret.start, secret.end);
            if secret_start >= secret_end {
                continue;
            }
            let raw = Raw {
                rule: w.rule,
                start,
                end,
                secret_start,
                secret_end,
            };
            if self.accept(rule, path, content, &raw) {
                out.push(raw);
                accepted += 1;
                if accepted >= budget {
                    return true;
                }
            }
        }
        false
    }

    /// The checks after the regex: entropy, placeholder runs, the rule's validator, the
    /// rule's and the global allow rules.
    fn accept(&self, rule: &CompiledRule, path: &str, content: &[u8], raw: &Raw) -> bool {
        let secret = &content[raw.secret_start..raw.secret_end];
        if rule
            .entropy
            .is_some_and(|min| shannon_entropy(secret) < min)
        {
            return false;
        }
        if rule.reject_runs && has_repeated_run(secret, PLACEHOLDER_RUN) {
            return false;
        }
        if let Some(validate) = rule.validator {
            let before = &content[raw.start..raw.secret_start];
            let after = &content[raw.secret_end..raw.end];
            if !validate(before, secret, after) {
                return false;
            }
        }
        let path = Some(path);
        !(rule
            .allow
            .iter()
            .any(|a| a.allows(&rule.id[..], path, secret))
            || self
                .allow
                .iter()
                .any(|a| a.allows(&rule.id[..], path, secret)))
    }

    fn to_matches(&self, content: &[u8], kept: &[Raw]) -> Vec<SecretMatch> {
        let masked: Vec<String> = kept
            .iter()
            .map(|r| mask(&content[r.secret_start..r.secret_end]))
            .collect();
        let mut spans: Vec<MaskedSpan<'_>> = kept
            .iter()
            .zip(&masked)
            .map(|(r, m)| MaskedSpan {
                range: r.secret_start..r.secret_end,
                masked: m,
            })
            .collect();
        spans.sort_by_key(|s| s.range.start);

        let mut order: Vec<usize> = (0..kept.len()).collect();
        order.sort_by_key(|&i| (kept[i].start, kept[i].secret_start));
        let mut out = Vec::with_capacity(kept.len());
        let (mut line, mut counted_to) = (1usize, 0usize);
        for i in order {
            let r = &kept[i];
            line += memchr::memchr_iter(b'\n', &content[counted_to..r.start]).count();
            counted_to = r.start;
            let line_start = memchr::memrchr(b'\n', &content[..r.start]).map_or(0, |p| p + 1);
            let secret_last = r.secret_end.saturating_sub(1).max(r.start);
            let end_line =
                line + memchr::memchr_iter(b'\n', &content[r.start..secret_last]).count();
            let rule = &self.rules[r.rule];
            out.push(SecretMatch {
                rule_id: rule.id.to_string(),
                title: rule.title.to_string(),
                severity: rule.severity,
                category: rule.category,
                line,
                end_line,
                column: r.start - line_start + 1,
                masked: masked[i].clone(),
                fingerprint: key_body_fingerprint(&content[r.secret_start..r.secret_end]),
                snippet: snippet(content, r.start, r.secret_end, &spans),
            });
        }
        out
    }
}

/// Keeps, among candidates whose secrets overlap, the most specific: a vendor rule over a
/// heuristic one, then the higher severity, then the earlier rule.
fn resolve_overlaps(rules: &[CompiledRule], mut raws: Vec<Raw>) -> Vec<Raw> {
    raws.sort_by_key(|r| (r.secret_start, r.secret_end, r.rule));
    let rank = |r: &Raw| {
        let rule = &rules[r.rule];
        (!rule.generic, rule.severity, std::cmp::Reverse(r.rule))
    };
    let mut kept: Vec<Raw> = Vec::with_capacity(raws.len());
    for cand in raws {
        let overlapping: Vec<usize> = kept
            .iter()
            .enumerate()
            .filter(|(_, k)| k.secret_start < cand.secret_end && cand.secret_start < k.secret_end)
            .map(|(i, _)| i)
            .collect();
        if overlapping.iter().all(|&i| rank(&cand) > rank(&kept[i])) {
            for &i in overlapping.iter().rev() {
                kept.remove(i);
            }
            kept.push(cand);
        }
    }
    kept
}

/// Narrows a secret's span past surrounding whitespace and JSON `\n` escapes (key bodies
/// start and end with line breaks), so masks show key material.
fn trim_secret(content: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    loop {
        let rest = &content[start..end];
        if rest.first().is_some_and(u8::is_ascii_whitespace) {
            start += 1;
        } else if rest.starts_with(b"\\n") || rest.starts_with(b"\\r") {
            start += 2;
        } else if rest.last().is_some_and(u8::is_ascii_whitespace) {
            end -= 1;
        } else if rest.ends_with(b"\\n") || rest.ends_with(b"\\r") {
            end -= 2;
        } else {
            return (start, end);
        }
    }
}

/// Paths as the rules see them: no leading `/` or `./`.
fn normalize_path(mut path: &str) -> &str {
    loop {
        if let Some(rest) = path.strip_prefix("./") {
            path = rest;
        } else if let Some(rest) = path.strip_prefix('/') {
            path = rest;
        } else {
            return path;
        }
    }
}

fn custom_def(c: &crate::config::CustomRule) -> RuleDef {
    let mut def = crate::rule::rule(
        &c.id,
        c.title.as_deref().unwrap_or(&c.id),
        c.severity,
        c.category.unwrap_or(Category::Generic),
        &[],
        c.regex.clone(),
    );
    def.keywords = c.keywords.clone();
    def.secret_group = c.secret_group.clone();
    def.entropy = c.entropy;
    def.path = c.path.clone();
    def.reject_runs = false;
    if c.multiline {
        def.window = Window::File;
    }
    def.allow = c.allow_rules.iter().map(allow_def).collect();
    def
}

fn allow_def(a: &crate::config::AllowRule) -> AllowDef {
    AllowDef {
        id: a.id.clone(),
        description: a.description.clone().unwrap_or_default(),
        regex: a.regex.clone(),
        path: a.path.clone(),
        rules: a.rules.clone(),
    }
}

fn cache_key(rules: &[RuleDef], allow: &[AllowDef], max_size: u64, max_matches: usize) -> String {
    let mut h = Sha256::new();
    h.update(RULES_VERSION.to_le_bytes());
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    for r in rules {
        field(r.id.as_bytes());
        field(r.regex.as_bytes());
        field(r.severity.as_str().as_bytes());
        field(r.keywords.join("\0").as_bytes());
        field(r.path.as_deref().unwrap_or("").as_bytes());
        field(format!("{:?}{:?}", r.entropy, r.window).as_bytes());
        for a in &r.allow {
            field(format!("{:?}", (&a.id, &a.regex, &a.path, &a.rules)).as_bytes());
        }
    }
    for a in allow {
        field(format!("{:?}", (&a.id, &a.regex, &a.path, &a.rules)).as_bytes());
    }
    field(&max_size.to_le_bytes());
    field(&(max_matches as u64).to_le_bytes());
    hex::encode(h.finalize())
}

/// Shares the compiled rules between threads.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Scanner>();
    assert_send_sync::<Arc<Scanner>>();
};
