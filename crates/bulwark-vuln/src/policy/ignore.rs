//! The exceptions file, `.bulwarkignore.yaml`: time-boxed, owned waivers of single findings.
//!
//! ```yaml
//! exceptions:
//!   - id: CVE-2023-4807          # required; a finding's id or any of its aliases (case-insensitive)
//!     package: openssl           # optional; package name, source package name, or a purl
//!     reason: "not reachable: we never call X"   # required, non-empty
//!     owner: security@example.com                 # required, non-empty
//!     expires: 2027-01-31                         # required, YYYY-MM-DD; applies through that day (UTC)
//! ```
//!
//! - `id` matches [`Finding::id`], any of [`Finding::aliases`] and the matched advisory IDs
//!   ([`Finding::advisories`]), ignoring ASCII case: an exception written for the GHSA ID
//!   also covers the finding shown under its CVE.
//! - `package`, when given, narrows the entry to findings whose package name or source
//!   package name equals it (ignoring case), or, when it starts with `pkg:`, whose package
//!   URL it matches: type, namespace, name; the version only if the entry has one; every
//!   qualifier the entry has. Without `package` the entry covers the vulnerability in every
//!   package.
//! - `expires` is inclusive: an entry expiring `2027-01-31` still applies on that day (UTC)
//!   and stops applying on `2027-02-01`. An expired entry does nothing except add a warning,
//!   so forgotten waivers surface instead of hiding new risk forever.
//! - An entry that is in force but matched no finding of the scan adds a warning too, so
//!   stale entries can be cleaned up.
//! - The same entries waive misconfiguration findings (built-in checks such as
//!   `BW-DF-001` and Rego policy results): `id` is the check id, and the optional `path`
//!   (a glob: `*` within a path segment, `**` across segments) narrows the entry to
//!   findings in matching files. Anything that can be waived implements [`Waivable`]: one
//!   mechanism for every kind of finding.
//!
//! Any other field, a missing or empty required field, a date that is not a real
//! `YYYY-MM-DD` day, or text that is not YAML makes the whole file invalid
//! ([`VulnError::Exceptions`], naming the entry): a typo must not silently waive nothing, or
//! everything. Files larger than 4 MiB are refused.

use std::path::Path;

use serde::Deserialize;
use time::{Date, Month};

use super::{read_bounded, Bounded, Purl};
use crate::error::VulnError;
use crate::finding::{Finding, Suppression};

/// Largest exceptions file accepted.
const MAX_EXCEPTIONS_BYTES: u64 = 4 * 1024 * 1024;

/// One entry of the exceptions file, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The vulnerability ID it waives (a CVE, GHSA, distro advisory ID, ...), as written.
    pub id: String,
    /// Narrows it to one package: a name, a source package name or a package URL.
    pub package: Option<String>,
    /// Narrows it to findings in files matching this glob (misconfigurations, by the path
    /// the report shows).
    pub path: Option<String>,
    /// Why the finding is acceptable.
    pub reason: String,
    /// Who answers for the waiver.
    pub owner: String,
    /// The last day (UTC) it applies.
    pub expires: Date,
}

impl Exception {
    /// Whether the entry is still in force on `today` (the expiry day included).
    pub fn in_force(&self, today: Date) -> bool {
        today <= self.expires
    }

    /// Whether the entry covers `finding`, ignoring expiry: the ID matches one of the
    /// finding's IDs and, if the entry names a package, that package matches.
    pub fn matches(&self, finding: &dyn Waivable) -> bool {
        let id = self.id.as_str();
        let id_matches = finding
            .waiver_ids()
            .iter()
            .any(|fid| fid.eq_ignore_ascii_case(id));
        id_matches
            && self
                .package
                .as_deref()
                .is_none_or(|p| finding.waiver_package_matches(p))
            && self
                .path
                .as_deref()
                .is_none_or(|glob| finding.waiver_path().is_some_and(|f| glob_matches(glob, f)))
    }

    /// `expires` as `YYYY-MM-DD`.
    pub fn expires_text(&self) -> String {
        format_date(self.expires)
    }
}

/// A finding an exception can waive: a vulnerability, a built-in misconfiguration check
/// or a policy result. Every kind answers the same questions, so one exceptions file and
/// one set of rules cover them all.
pub trait Waivable {
    /// Every ID the finding goes by (exceptions match any of them, ignoring case).
    fn waiver_ids(&self) -> Vec<&str>;
    /// Whether an entry's `package` selector picks this finding. Findings without a
    /// package (misconfigurations) are never picked by one.
    fn waiver_package_matches(&self, selector: &str) -> bool;
    /// The file the finding is in, for an entry's `path` glob; `None` when it is not about
    /// a file (a vulnerability, an image config check).
    fn waiver_path(&self) -> Option<&str>;
    /// True when something (an exception, a VEX statement) already waived it.
    fn is_waived(&self) -> bool;
    /// Records that `entry` waives it.
    fn waive(&mut self, entry: &Exception);
}

impl Waivable for Finding {
    fn waiver_ids(&self) -> Vec<&str> {
        self.ids()
            .chain(self.advisories.iter().map(String::as_str))
            .collect()
    }
    fn waiver_package_matches(&self, selector: &str) -> bool {
        package_matches(selector, self)
    }
    fn waiver_path(&self) -> Option<&str> {
        None
    }
    fn is_waived(&self) -> bool {
        self.suppressed.is_some()
    }
    fn waive(&mut self, entry: &Exception) {
        self.suppressed = Some(Suppression::Exception {
            reason: entry.reason.clone(),
            owner: entry.owner.clone(),
            expires: entry.expires_text(),
        });
    }
}

/// Whether `path` matches `glob`: `*` matches within one path segment, `**` any number of
/// segments, `?` one character; a leading `/` on either side is ignored, so `app/*.yaml`
/// and `/app/*.yaml` are the same pattern. Written by hand: the whole syntax is these
/// three tokens, and exceptions must not pull a glob engine into the vulnerability crate.
pub fn glob_matches(glob: &str, path: &str) -> bool {
    let glob: Vec<&str> = glob.trim_start_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    segments_match(&glob, &path)
}

fn segments_match(glob: &[&str], path: &[&str]) -> bool {
    match glob.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| segments_match(rest, &path[skip..])),
        Some((first, rest)) => match path.split_first() {
            Some((segment, path_rest)) => {
                segment_matches(first.as_bytes(), segment.as_bytes())
                    && segments_match(rest, path_rest)
            }
            None => false,
        },
    }
}

/// `*` and `?` within one segment (iterative, with backtracking to the last `*`: linear
/// in practice, never exponential).
fn segment_matches(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

/// Whether an entry's `package` selects the finding's package.
fn package_matches(selector: &str, finding: &Finding) -> bool {
    let pkg = &finding.package;
    if let Some(pattern) = Purl::parse(selector) {
        return pkg
            .purl
            .as_deref()
            .and_then(Purl::parse)
            .is_some_and(|installed| pattern.matches(&installed));
    }
    pkg.name.eq_ignore_ascii_case(selector)
        || pkg
            .source_name
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case(selector))
}

/// The parsed exceptions file: an ordered list of [`Exception`]s. The first entry in file
/// order that covers a finding is the one recorded on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exceptions {
    origin: String,
    entries: Vec<Exception>,
}

/// The file's top level, checked for unknown keys.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    exceptions: Option<Vec<serde_norway::Value>>,
}

/// One entry as written. Fields are optional here so that a missing one is reported by
/// name together with the entry's ID.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Option<String>,
    package: Option<String>,
    path: Option<String>,
    reason: Option<String>,
    owner: Option<String>,
    /// Any scalar, so that `expires: 20270131` gets the date message rather than a type error.
    expires: Option<serde_norway::Value>,
}

/// The same file, typed all the way down: only used to find the line of the first error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct TypedFile {
    #[serde(default)]
    exceptions: Option<Vec<RawEntry>>,
}

impl Exceptions {
    /// Reads and validates the exceptions file at `path`.
    ///
    /// # Errors
    ///
    /// [`VulnError::Read`] when the file cannot be read (including when it does not exist:
    /// callers that treat a missing default file as "no exceptions" check for
    /// [`std::io::ErrorKind::NotFound`]); [`VulnError::Exceptions`] when it is larger than
    /// 4 MiB, not UTF-8, or invalid (see [`Exceptions::parse`]).
    pub fn load(path: &Path) -> Result<Exceptions, VulnError> {
        let origin = path.display().to_string();
        let bytes = match read_bounded(path, MAX_EXCEPTIONS_BYTES)? {
            Bounded::Content(bytes) => bytes,
            Bounded::TooLarge(size) => {
                return Err(VulnError::Exceptions {
                    origin,
                    reason: too_large(size),
                })
            }
        };
        let text = String::from_utf8(bytes).map_err(|e| VulnError::Exceptions {
            origin: origin.clone(),
            reason: format!("not UTF-8 text ({e})"),
        })?;
        Self::parse(&text, &origin)
    }

    /// Parses and validates exceptions-file text; `origin` names it in messages.
    ///
    /// An empty document (or one with only comments, or `exceptions:` with nothing under
    /// it) is valid and holds no exceptions.
    ///
    /// # Errors
    ///
    /// [`VulnError::Exceptions`] naming the entry (position and ID) and the problem: text
    /// that is not YAML, a top-level key other than `exceptions`, an unknown field, a
    /// missing or empty `id`/`reason`/`owner`/`expires`, an empty `package`, an `expires`
    /// that is not a `YYYY-MM-DD` calendar day; or text larger than 4 MiB.
    pub fn parse(text: &str, origin: &str) -> Result<Exceptions, VulnError> {
        let fail = |reason: String| VulnError::Exceptions {
            origin: origin.to_string(),
            reason,
        };
        let size = u64::try_from(text.len()).unwrap_or(u64::MAX);
        if size > MAX_EXCEPTIONS_BYTES {
            return Err(fail(too_large(size)));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let document: serde_norway::Value =
            serde_norway::from_str(text).map_err(|e| fail(format!("not valid YAML: {e}")))?;
        if document.is_null() {
            return Ok(Exceptions {
                origin: origin.to_string(),
                entries: Vec::new(),
            });
        }
        if !document.is_mapping() {
            return Err(fail(
                "the top level must be a mapping with an `exceptions:` list".to_string(),
            ));
        }
        let raw: RawFile = serde_norway::from_value(document)
            .map_err(|e| fail(format!("{e} (the only top-level key is `exceptions`)")))?;
        let mut entries = Vec::new();
        for (index, value) in raw.exceptions.unwrap_or_default().into_iter().enumerate() {
            let position = index + 1;
            let label = entry_label(position, value.get("id").and_then(|v| v.as_str()));
            let raw: RawEntry = serde_norway::from_value(value).map_err(|e| {
                let line = first_error_line(text)
                    .map(|l| format!(" (line {l})"))
                    .unwrap_or_default();
                fail(format!("{label}{line}: {e}"))
            })?;
            entries.push(validate(raw).map_err(|reason| fail(format!("{label}: {reason}")))?);
        }
        Ok(Exceptions {
            origin: origin.to_string(),
            entries,
        })
    }

    /// Marks the findings the exceptions cover, as of `today` (UTC), and returns how many
    /// were newly suppressed.
    ///
    /// A finding already suppressed (by a VEX statement or an earlier pass) is left as it
    /// is. Each expired entry adds one warning
    /// (`exception for CVE-X (owner o) expired on D; it no longer applies`) and suppresses
    /// nothing; each entry in force that matched no finding adds one warning too.
    pub fn apply(
        &self,
        findings: &mut [Finding],
        today: Date,
        warnings: &mut Vec<String>,
    ) -> usize {
        let mut items: Vec<&mut dyn Waivable> = findings
            .iter_mut()
            .map(|f| f as &mut dyn Waivable)
            .collect();
        self.apply_all(&mut items, today, warnings)
    }

    /// [`apply`](Self::apply) for findings of any kind at once (vulnerabilities and
    /// misconfigurations of one scan), so that "matched no finding" means none of them.
    pub fn apply_all(
        &self,
        findings: &mut [&mut dyn Waivable],
        today: Date,
        warnings: &mut Vec<String>,
    ) -> usize {
        let mut matched = vec![false; self.entries.len()];
        let suppressed = self.waive(findings, today, &mut matched);
        warnings.extend(self.warnings(&matched, today));
        suppressed
    }

    /// The matching half of [`apply_all`](Self::apply_all), for findings that arrive in
    /// several passes: marks the findings covered, sets `matched[i]` for each entry that
    /// covered one, and returns how many were newly suppressed. `matched` has one flag
    /// per entry.
    pub fn waive(
        &self,
        findings: &mut [&mut dyn Waivable],
        today: Date,
        matched: &mut [bool],
    ) -> usize {
        let mut suppressed = 0;
        for finding in findings.iter_mut() {
            let mut chosen = None;
            for (i, entry) in self.entries.iter().enumerate() {
                if entry.in_force(today) && entry.matches(&**finding) {
                    matched[i] = true;
                    chosen = chosen.or(Some(entry));
                }
            }
            if let Some(entry) = chosen {
                if !finding.is_waived() {
                    finding.waive(entry);
                    suppressed += 1;
                }
            }
        }
        suppressed
    }

    /// The warnings after the last [`waive`](Self::waive) pass: one per expired entry,
    /// one per entry in force whose `matched` flag is still false.
    pub fn warnings(&self, matched: &[bool], today: Date) -> Vec<String> {
        let mut warnings = Vec::new();
        for (entry, &matched) in self.entries.iter().zip(matched) {
            if !entry.in_force(today) {
                warnings.push(format!(
                    "exception for {} (owner {}) expired on {}; it no longer applies",
                    entry.id,
                    entry.owner,
                    entry.expires_text()
                ));
            } else if !matched {
                let package = entry
                    .package
                    .as_deref()
                    .map(|p| format!(" in {p}"))
                    .unwrap_or_default();
                warnings.push(format!(
                    "exception for {}{package} (owner {}) matched no finding; remove it if it is no longer needed",
                    entry.id, entry.owner
                ));
            }
        }
        warnings
    }

    /// The entries in file order.
    pub fn entries(&self) -> &[Exception] {
        &self.entries
    }

    /// Where the exceptions came from (the path or the `origin` given to
    /// [`Exceptions::parse`]).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// How many entries the file has.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the file has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn too_large(size: u64) -> String {
    format!("the file is {size} bytes; exceptions files are limited to 4 MiB")
}

fn entry_label(position: usize, id: Option<&str>) -> String {
    match id.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => format!("entry {position} ({id})"),
        None => format!("entry {position}"),
    }
}

/// The line of the first typed deserialization error, which is the entry that failed
/// (entries are checked in order and the top level already passed).
fn first_error_line(text: &str) -> Option<usize> {
    serde_norway::from_str::<TypedFile>(text)
        .err()
        .and_then(|e| e.location())
        .map(|l| l.line())
}

/// Checks the required fields and the date.
fn validate(raw: RawEntry) -> Result<Exception, String> {
    let required = |value: Option<String>, field: &str| -> Result<String, String> {
        match value.map(|v| v.trim().to_string()) {
            Some(v) if !v.is_empty() => Ok(v),
            Some(_) => Err(format!("`{field}` is empty")),
            None => Err(format!("missing required field `{field}`")),
        }
    };
    let id = required(raw.id, "id")?;
    let reason = required(raw.reason, "reason")?;
    let owner = required(raw.owner, "owner")?;
    let expires_text = match raw.expires {
        None | Some(serde_norway::Value::Null) => None,
        Some(serde_norway::Value::String(s)) => Some(s),
        Some(serde_norway::Value::Number(n)) => Some(n.to_string()),
        Some(_) => return Err("`expires` must be a date written YYYY-MM-DD".to_string()),
    };
    let expires_raw = required(expires_text, "expires")?;
    let expires = parse_date(&expires_raw).ok_or_else(|| {
        format!("`expires: {expires_raw}` is not a calendar date written YYYY-MM-DD")
    })?;
    let package = match raw.package.map(|p| p.trim().to_string()) {
        Some(p) if p.is_empty() => {
            return Err("`package` is empty (leave it out to match every package)".to_string())
        }
        other => other,
    };
    let path = match raw.path.map(|p| p.trim().to_string()) {
        Some(p) if p.is_empty() => {
            return Err("`path` is empty (leave it out to match every file)".to_string())
        }
        other => other,
    };
    Ok(Exception {
        id,
        package,
        path,
        reason,
        owner,
        expires,
    })
}

/// Parses exactly `YYYY-MM-DD` (four, two and two ASCII digits) into a real calendar day.
fn parse_date(s: &str) -> Option<Date> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    if !(y.bytes().chain(m.bytes()).chain(d.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = Month::try_from(m.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

/// `YYYY-MM-DD`.
fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    use crate::policy::test_support::deb_finding as finding;

    fn libssl(id: &str, aliases: &[&str]) -> Finding {
        finding(
            id,
            aliases,
            "libssl3",
            Some("openssl"),
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12&upstream=openssl",
        )
    }

    const FILE: &str = r#"
# Waivers reviewed by the security team.
exceptions:
  - id: CVE-2023-4807
    package: openssl
    reason: "not reachable: we never call POLY1305 on Windows"
    owner: security@example.com
    expires: 2027-01-31
  - id: GHSA-jfh8-c2jp-5v3q   # log4shell, by its GHSA ID
    reason: log4j-core is not on the classpath
    owner: platform-team
    expires: "2026-06-30"
"#;

    #[test]
    fn parses_a_realistic_file() {
        let ex = Exceptions::parse(FILE, ".bulwarkignore.yaml").unwrap();
        assert_eq!(ex.len(), 2);
        assert_eq!(ex.origin(), ".bulwarkignore.yaml");
        let first = &ex.entries()[0];
        assert_eq!(first.id, "CVE-2023-4807");
        assert_eq!(first.package.as_deref(), Some("openssl"));
        assert_eq!(first.owner, "security@example.com");
        assert_eq!(first.expires_text(), "2027-01-31");
        assert_eq!(ex.entries()[1].package, None);
        assert_eq!(ex.entries()[1].expires, date("2026-06-30"));
    }

    #[test]
    fn empty_documents_hold_no_exceptions() {
        for text in [
            "",
            "# nothing yet\n",
            "exceptions:\n",
            "exceptions: []\n",
            "\u{feff}exceptions: []",
        ] {
            let ex = Exceptions::parse(text, "x").unwrap();
            assert!(ex.is_empty(), "{text:?}");
        }
    }

    fn error(text: &str) -> String {
        match Exceptions::parse(text, ".bulwarkignore.yaml") {
            Err(VulnError::Exceptions { origin, reason }) => {
                assert_eq!(origin, ".bulwarkignore.yaml");
                reason
            }
            other => panic!("expected an exceptions error, got {other:?}"),
        }
    }

    #[test]
    fn invalid_files_name_the_entry_and_the_problem() {
        let entry = |extra: &str| {
            format!(
                "exceptions:\n  - id: CVE-2024-1\n    reason: r\n    owner: o\n    expires: 2027-01-31\n  - id: CVE-2024-2\n{extra}"
            )
        };
        let reason = error(&entry("    reason: r\n    expires: 2027-01-31\n"));
        assert!(reason.contains("entry 2 (CVE-2024-2)"), "{reason}");
        assert!(reason.contains("`owner`"), "{reason}");

        let reason = error(&entry(
            "    reason: r\n    owner: o\n    expires: 2027-01-31\n    expiry: 2028-01-01\n",
        ));
        assert!(reason.contains("entry 2 (CVE-2024-2)"), "{reason}");
        assert!(reason.contains("unknown field `expiry`"), "{reason}");
        assert!(reason.contains("line 10"), "{reason}");

        let reason = error(&entry(
            "    reason: r\n    owner: o\n    expires: 2027-02-30\n",
        ));
        assert!(
            reason.contains("entry 2 (CVE-2024-2)") && reason.contains("2027-02-30"),
            "{reason}"
        );
        for bad_date in [
            "31/01/2027",
            "2027-1-31",
            "2027-01-31T00:00:00Z",
            "tomorrow",
            "20270131",
        ] {
            let reason = error(&entry(&format!(
                "    reason: r\n    owner: o\n    expires: {bad_date}\n"
            )));
            assert!(reason.contains("YYYY-MM-DD"), "{bad_date}: {reason}");
        }

        let reason = error(&entry(
            "    reason: \"  \"\n    owner: o\n    expires: 2027-01-31\n",
        ));
        assert!(reason.contains("`reason` is empty"), "{reason}");
        let reason = error(&entry(
            "    package: \"\"\n    reason: r\n    owner: o\n    expires: 2027-01-31\n",
        ));
        assert!(reason.contains("`package` is empty"), "{reason}");

        let reason = error("exceptions:\n  - reason: r\n    owner: o\n    expires: 2027-01-31\n");
        assert!(
            reason.contains("entry 1:") && reason.contains("`id`"),
            "{reason}"
        );

        let reason = error("ignore:\n  - id: CVE-2024-1\n");
        assert!(reason.contains("unknown field `ignore`"), "{reason}");
        let reason = error("exceptions: [unclosed\n");
        assert!(reason.contains("not valid YAML"), "{reason}");
        let reason = error("- id: CVE-2024-1\n");
        assert!(reason.contains("top level"), "{reason}");
        let reason = error("exceptions:\n  - CVE-2024-1\n");
        assert!(reason.contains("entry 1"), "{reason}");
        let reason = error("exceptions:\n  - id: [CVE-2024-1]\n    reason: r\n    owner: o\n    expires: 2027-01-31\n");
        assert!(reason.contains("entry 1"), "{reason}");
    }

    #[test]
    fn size_is_bounded() {
        let big = format!("# {}\nexceptions: []\n", "x".repeat(4 * 1024 * 1024));
        assert!(error(&big).contains("4 MiB"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".bulwarkignore.yaml");
        std::fs::write(&path, &big).unwrap();
        assert!(
            matches!(Exceptions::load(&path), Err(VulnError::Exceptions { reason, .. }) if reason.contains("4 MiB"))
        );
    }

    #[test]
    fn load_reads_the_file_and_reports_missing_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".bulwarkignore.yaml");
        std::fs::write(&path, FILE).unwrap();
        let ex = Exceptions::load(&path).unwrap();
        assert_eq!(
            (ex.len(), ex.origin()),
            (2, path.display().to_string().as_str())
        );
        match Exceptions::load(&dir.path().join("missing.yaml")) {
            Err(VulnError::Read { source, .. }) => {
                assert_eq!(source.kind(), std::io::ErrorKind::NotFound)
            }
            other => panic!("{other:?}"),
        }
        std::fs::write(&path, b"exceptions: [\xff]").unwrap();
        assert!(
            matches!(Exceptions::load(&path), Err(VulnError::Exceptions { reason, .. }) if reason.contains("UTF-8"))
        );
    }

    #[test]
    fn expiry_is_inclusive() {
        let ex = Exceptions::parse(
            "exceptions:\n  - id: CVE-2023-4807\n    reason: r\n    owner: o\n    expires: 2027-01-31\n",
            "x",
        )
        .unwrap();
        // On the expiry day it still applies.
        let mut findings = vec![libssl("CVE-2023-4807", &[])];
        let mut warnings = Vec::new();
        assert_eq!(
            ex.apply(&mut findings, date("2027-01-31"), &mut warnings),
            1
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            findings[0].suppressed,
            Some(Suppression::Exception {
                reason: "r".into(),
                owner: "o".into(),
                expires: "2027-01-31".into()
            })
        );
        // The day after it does not, and says so once.
        let mut findings = vec![libssl("CVE-2023-4807", &[]), libssl("CVE-2023-4807", &[])];
        let mut warnings = Vec::new();
        assert_eq!(
            ex.apply(&mut findings, date("2027-02-01"), &mut warnings),
            0
        );
        assert!(findings.iter().all(|f| f.suppressed.is_none()));
        assert_eq!(
            warnings,
            ["exception for CVE-2023-4807 (owner o) expired on 2027-01-31; it no longer applies"]
        );
    }

    #[test]
    fn ids_match_aliases_case_insensitively() {
        let ex = Exceptions::parse(FILE, "x").unwrap();
        // The log4shell entry is written with the GHSA ID; the finding shows the CVE.
        let mut findings = vec![finding(
            "CVE-2021-44228",
            &["GHSA-JFH8-C2JP-5V3Q"],
            "org.apache.logging.log4j:log4j-core",
            None,
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
        )];
        let mut warnings = Vec::new();
        assert_eq!(
            ex.apply(&mut findings, date("2026-01-01"), &mut warnings),
            1
        );
        assert!(
            matches!(&findings[0].suppressed, Some(Suppression::Exception { owner, .. }) if owner == "platform-team")
        );
        // The CVE-2023-4807 entry matched nothing and says so.
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0]
            .contains("CVE-2023-4807 in openssl (owner security@example.com) matched no finding"));

        let lower = Exceptions::parse(
            "exceptions:\n  - id: cve-2023-4807\n    reason: r\n    owner: o\n    expires: 2027-01-31\n",
            "x",
        )
        .unwrap();
        let mut findings = vec![libssl("CVE-2023-4807", &[])];
        assert_eq!(
            lower.apply(&mut findings, date("2026-01-01"), &mut Vec::new()),
            1
        );
    }

    #[test]
    fn package_selectors() {
        let make = |package: &str| {
            Exceptions::parse(
                &format!("exceptions:\n  - id: CVE-2023-4807\n    package: \"{package}\"\n    reason: r\n    owner: o\n    expires: 2027-01-31\n"),
                "x",
            )
            .unwrap()
        };
        let today = date("2026-01-01");
        let cases = [
            ("libssl3", true),
            ("openssl", true), // the source package
            ("OpenSSL", true),
            ("curl", false),
            ("pkg:deb/debian/libssl3", true),
            ("pkg:deb/debian/libssl3@3.0.11-1~deb12u1", true),
            ("pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64", true),
            ("pkg:deb/debian/libssl3?arch=arm64", false),
            ("pkg:deb/debian/libssl3@3.0.11-1~deb12u2", false),
            ("pkg:deb/ubuntu/libssl3", false),
        ];
        for (selector, expected) in cases {
            let mut findings = vec![libssl("CVE-2023-4807", &[])];
            let n = make(selector).apply(&mut findings, today, &mut Vec::new());
            assert_eq!(n == 1, expected, "{selector}");
        }
        // A purl selector never matches a finding without a purl.
        let mut f = libssl("CVE-2023-4807", &[]);
        f.package.purl = None;
        assert_eq!(
            make("pkg:deb/debian/libssl3").apply(&mut [f], today, &mut Vec::new()),
            0
        );
    }

    #[test]
    fn already_suppressed_findings_are_kept_and_first_entry_wins() {
        let ex = Exceptions::parse(
            "exceptions:\n  - id: CVE-2023-4807\n    reason: first\n    owner: a\n    expires: 2027-01-31\n  - id: CVE-2023-4807\n    package: libssl3\n    reason: second\n    owner: b\n    expires: 2027-01-31\n",
            "x",
        )
        .unwrap();
        let vex = Suppression::Vex {
            document: "app.vex.json".into(),
            justification: Some("vulnerable_code_not_present".into()),
            impact: None,
        };
        let mut findings = vec![libssl("CVE-2023-4807", &[]), libssl("CVE-2023-4807", &[])];
        findings[0].suppressed = Some(vex.clone());
        let mut warnings = Vec::new();
        assert_eq!(
            ex.apply(&mut findings, date("2026-01-01"), &mut warnings),
            1
        );
        assert_eq!(findings[0].suppressed, Some(vex));
        assert!(
            matches!(&findings[1].suppressed, Some(Suppression::Exception { reason, .. }) if reason == "first")
        );
        // Both entries matched something, so neither warns.
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn dates() {
        assert_eq!(format_date(date("2024-02-29")), "2024-02-29");
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2023-13-01").is_none());
        assert!(parse_date("2023-00-10").is_none());
        assert!(parse_date("+023-01-10").is_none());
        assert!(parse_date("2023-01-10-").is_none());
    }

    #[test]
    fn globs_match_by_segment() {
        assert!(glob_matches("Dockerfile", "Dockerfile"));
        assert!(glob_matches("/app/*.yaml", "app/deploy.yaml"));
        assert!(!glob_matches("app/*.yaml", "app/k8s/deploy.yaml"));
        assert!(glob_matches("app/**/*.yaml", "app/k8s/deploy.yaml"));
        assert!(glob_matches("app/**/*.yaml", "app/deploy.yaml"));
        assert!(glob_matches("**", "any/thing"));
        assert!(glob_matches("k8s/dep?oy.yaml", "k8s/deploy.yaml"));
        assert!(!glob_matches("k8s/dep?oy.yaml", "k8s/depoy.yaml"));
        assert!(glob_matches("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!glob_matches("*a*b*c*d", "xxaxxbxxcxx"));
        // No exponential blow-up on adversarial patterns.
        let text = "a".repeat(5000);
        assert!(!glob_matches(&"*a".repeat(50).add_b(), &text));
    }

    trait AddB {
        fn add_b(self) -> String;
    }
    impl AddB for String {
        fn add_b(mut self) -> String {
            self.push('b');
            self
        }
    }

    /// A waivable with a path: what a misconfiguration looks like to the exceptions.
    struct FileFinding {
        id: &'static str,
        path: &'static str,
        waived: Option<String>,
    }

    impl Waivable for FileFinding {
        fn waiver_ids(&self) -> Vec<&str> {
            vec![self.id]
        }
        fn waiver_package_matches(&self, _: &str) -> bool {
            false
        }
        fn waiver_path(&self) -> Option<&str> {
            Some(self.path)
        }
        fn is_waived(&self) -> bool {
            self.waived.is_some()
        }
        fn waive(&mut self, entry: &Exception) {
            self.waived = Some(entry.owner.clone());
        }
    }

    #[test]
    fn one_file_waives_vulnerabilities_and_misconfigurations() {
        let ex = Exceptions::parse(
            r#"
exceptions:
  - id: BW-DF-001
    path: "services/**/Dockerfile"
    reason: the build stage runs as root, the final stage does not
    owner: platform-team
    expires: 2027-01-31
  - id: CVE-2023-4807
    reason: not reachable
    owner: security
    expires: 2027-01-31
  - id: BW-RT-001
    package: openssl
    reason: a package selector never matches a misconfiguration
    owner: security
    expires: 2027-01-31
"#,
            "x",
        )
        .unwrap();
        assert_eq!(
            ex.entries()[0].path.as_deref(),
            Some("services/**/Dockerfile")
        );
        let mut vuln = libssl("CVE-2023-4807", &[]);
        let mut in_scope = FileFinding {
            id: "bw-df-001",
            path: "services/api/Dockerfile",
            waived: None,
        };
        let mut out_of_scope = FileFinding {
            id: "BW-DF-001",
            path: "tools/Dockerfile",
            waived: None,
        };
        let mut rt = FileFinding {
            id: "BW-RT-001",
            path: "compose.yaml",
            waived: None,
        };
        let mut warnings = Vec::new();
        let n = ex.apply_all(
            &mut [&mut vuln, &mut in_scope, &mut out_of_scope, &mut rt],
            date("2026-12-01"),
            &mut warnings,
        );
        assert_eq!(n, 2);
        assert!(vuln.suppressed.is_some());
        assert_eq!(in_scope.waived.as_deref(), Some("platform-team"));
        assert!(out_of_scope.waived.is_none());
        assert!(rt.waived.is_none());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("BW-RT-001 in openssl"), "{warnings:?}");

        let e = Exceptions::parse(
            "exceptions:\n  - {id: X, path: ' ', reason: r, owner: o, expires: 2027-01-01}\n",
            "x",
        )
        .unwrap_err();
        assert!(e.to_string().contains("`path` is empty"), "{e}");
    }
}
