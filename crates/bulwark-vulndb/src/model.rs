//! Advisory records: the OSV input form (lenient, as found in the wild) and the compact form
//! stored in the database and handed to the matcher.

use serde::{Deserialize, Deserializer, Serialize};

/// One advisory as stored: identity, words and scores; which packages it affects is kept
/// apart in [`AffectedEntry`] rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advisory {
    /// The record's own ID (`DEBIAN-CVE-2023-1234`, `GHSA-...`, `RUSTSEC-...`).
    pub id: String,
    /// Other IDs of the same vulnerability: OSV `aliases` and `upstream`, without `id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// One-line summary (the first line of `details` when there is no summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Score vectors of the whole record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityVector>,
    /// A rating in words from the database that published the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_severity: Option<VendorRating>,
    /// OSV `published`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// OSV `modified`; the newest copy of a record wins at import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// The most useful reference URL (ADVISORY, then WEB, then any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A scoring vector as OSV gives it (`CVSS_V3`, `CVSS:3.1/AV:N/...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityVector {
    /// OSV severity type (`CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`).
    pub kind: String,
    /// The vector or word.
    pub score: String,
}

/// A severity in words with who said it (`ghsa: MODERATE`, `debian: unimportant`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorRating {
    /// Who rated it.
    pub source: String,
    /// The word as given.
    pub value: String,
}

/// Which versions of one package in one ecosystem an advisory affects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedEntry {
    /// OSV ecosystem with release (`Debian:12`, `Alpine:v3.10`, `PyPI`).
    pub ecosystem: String,
    /// Package name as the data gives it (a source package for Debian and Alpine).
    pub package: String,
    /// Version ranges that can be evaluated against installed versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions. Stored apart from the rest of the entry (they
    /// are most of its bytes), so lookups leave this empty and say whether the looked-up
    /// version is listed ([`AdvisoryMatch::listed`](crate::AdvisoryMatch::listed));
    /// [`VulnDb::listed_versions`](crate::VulnDb::listed_versions) returns them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Score vectors specific to this package.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<SeverityVector>,
    /// Rating in words specific to this package (Debian urgency, Ubuntu priority).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_severity: Option<VendorRating>,
    /// The vendor decided not to fix this package in this release.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub will_not_fix: bool,
}

/// An OSV range with an ordering the matcher can evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// How versions in `events` are ordered.
    pub kind: RangeKind,
    /// The events in the order the record lists them.
    pub events: Vec<Event>,
}

/// OSV range types we evaluate; `GIT` ranges name commits, which an installed package does
/// not carry, so they are dropped at import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    /// The ecosystem's own ordering.
    Ecosystem,
    /// SemVer 2.0 ordering.
    Semver,
}

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Versions from here on are affected (`0` = from the start).
    Introduced(String),
    /// Versions from here on are not affected.
    Fixed(String),
    /// Versions after this one are not affected.
    LastAffected(String),
    /// Versions from here on are outside this range.
    Limit(String),
}

/// The kind of a range event, without its version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// [`Event::Introduced`].
    Introduced,
    /// [`Event::Fixed`].
    Fixed,
    /// [`Event::LastAffected`].
    LastAffected,
    /// [`Event::Limit`].
    Limit,
}

impl EventKind {
    pub(crate) fn from_tag(tag: u8) -> Option<Self> {
        Some(match tag {
            0 => Self::Introduced,
            1 => Self::Fixed,
            2 => Self::LastAffected,
            3 => Self::Limit,
            _ => return None,
        })
    }

    /// The event of this kind at `version`.
    pub fn event(self, version: String) -> Event {
        match self {
            Self::Introduced => Event::Introduced(version),
            Self::Fixed => Event::Fixed(version),
            Self::LastAffected => Event::LastAffected(version),
            Self::Limit => Event::Limit(version),
        }
    }
}

impl Event {
    /// The kind and version of the event.
    pub fn parts(&self) -> (EventKind, &str) {
        match self {
            Event::Introduced(v) => (EventKind::Introduced, v),
            Event::Fixed(v) => (EventKind::Fixed, v),
            Event::LastAffected(v) => (EventKind::LastAffected, v),
            Event::Limit(v) => (EventKind::Limit, v),
        }
    }
}

/// Converts one OSV record into what the database stores. `Err` says why the record is
/// unusable (the import counts it as skipped). Withdrawn records give `Ok(None)`.
pub(crate) fn from_osv(bytes: &[u8]) -> Result<Option<(Advisory, Vec<AffectedEntry>)>, String> {
    let rec: OsvRecord = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if rec.id.trim().is_empty() {
        return Err("empty id".into());
    }
    if rec.withdrawn.is_some() {
        return Ok(None);
    }
    let mut aliases: Vec<String> = rec
        .aliases
        .into_iter()
        .chain(rec.upstream)
        .filter(|a| !a.is_empty() && *a != rec.id)
        .collect();
    aliases.sort();
    aliases.dedup();
    let summary = rec
        .summary
        .filter(|s| !s.trim().is_empty())
        .or_else(|| {
            rec.details
                .as_deref()
                .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
                .map(str::to_string)
        })
        .map(|s| truncate(s.trim(), 300));
    let url = ["ADVISORY", "WEB", "REPORT", "ARTICLE"]
        .iter()
        .find_map(|t| rec.references.iter().find(|r| r.kind == *t))
        .or(rec.references.first())
        .map(|r| r.url.clone());
    let vendor_severity = rec
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(|s| s.as_str())
        .map(|value| VendorRating {
            source: id_prefix(&rec.id),
            value: value.to_string(),
        });
    let advisory = Advisory {
        id: rec.id.clone(),
        aliases,
        summary,
        severity: rec.severity.into_iter().map(Into::into).collect(),
        vendor_severity,
        published: rec.published,
        modified: rec.modified,
        url,
    };
    let mut entries = Vec::new();
    for a in rec.affected {
        let Some(pkg) = a.package else { continue };
        if pkg.ecosystem.is_empty() || pkg.name.is_empty() {
            continue;
        }
        let ranges: Vec<Range> = a
            .ranges
            .into_iter()
            .filter_map(|r| {
                let kind = match r.kind.as_str() {
                    "ECOSYSTEM" => RangeKind::Ecosystem,
                    "SEMVER" => RangeKind::Semver,
                    _ => return None,
                };
                let events: Vec<Event> = r
                    .events
                    .into_iter()
                    .filter_map(OsvEvent::into_event)
                    .collect();
                (!events.is_empty()).then_some(Range { kind, events })
            })
            .collect();
        if ranges.is_empty() && a.versions.is_empty() {
            continue;
        }
        let specific = [a.ecosystem_specific.as_ref(), a.database_specific.as_ref()];
        let vendor_severity = specific.iter().flatten().find_map(|v| {
            ["urgency", "priority", "severity"].iter().find_map(|k| {
                v.get(k).and_then(|s| s.as_str()).map(|value| VendorRating {
                    source: vendor_of(&pkg.ecosystem),
                    value: value.to_string(),
                })
            })
        });
        let will_not_fix = specific.iter().flatten().any(|v| {
            ["status", "fix_state", "fix-state"].iter().any(|k| {
                v.get(k)
                    .and_then(|s| s.as_str())
                    .is_some_and(is_will_not_fix)
            })
        });
        entries.push(AffectedEntry {
            ecosystem: pkg.ecosystem,
            package: pkg.name,
            ranges,
            versions: a.versions,
            severity: a.severity.into_iter().map(Into::into).collect(),
            vendor_severity,
            will_not_fix,
        });
    }
    Ok(Some((advisory, entries)))
}

/// Vendor words meaning "will not be fixed in this release".
fn is_will_not_fix(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().replace(['-', ' '], "_").as_str(),
        "will_not_fix" | "wont_fix" | "no_fix_planned" | "ignored" | "end_of_life"
    )
}

/// `GHSA-xxxx` → `ghsa`; names the database behind a rating.
fn id_prefix(id: &str) -> String {
    id.split('-').next().unwrap_or(id).to_ascii_lowercase()
}

/// `Debian:12` → `debian`.
fn vendor_of(ecosystem: &str) -> String {
    ecosystem
        .split(':')
        .next()
        .unwrap_or(ecosystem)
        .to_ascii_lowercase()
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// `null` reads as the default, as OSV producers write both.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct OsvRecord {
    id: String,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "null_default")]
    aliases: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    upstream: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_default")]
    affected: Vec<OsvAffected>,
    #[serde(default, deserialize_with = "null_default")]
    references: Vec<OsvReference>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

impl From<OsvSeverity> for SeverityVector {
    fn from(s: OsvSeverity) -> Self {
        Self {
            kind: s.kind,
            score: s.score,
        }
    }
}

#[derive(Deserialize)]
struct OsvReference {
    #[serde(rename = "type", default)]
    kind: String,
    url: String,
}

#[derive(Deserialize)]
struct OsvAffected {
    #[serde(default)]
    package: Option<OsvPackage>,
    #[serde(default, deserialize_with = "null_default")]
    ranges: Vec<OsvRange>,
    #[serde(default, deserialize_with = "null_default")]
    versions: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    ecosystem_specific: Option<serde_json::Value>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OsvPackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, deserialize_with = "null_default")]
    events: Vec<OsvEvent>,
}

#[derive(Deserialize)]
struct OsvEvent {
    #[serde(default)]
    introduced: Option<String>,
    #[serde(default)]
    fixed: Option<String>,
    #[serde(default)]
    last_affected: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

impl OsvEvent {
    fn into_event(self) -> Option<Event> {
        if let Some(v) = self.introduced {
            Some(Event::Introduced(v))
        } else if let Some(v) = self.fixed {
            Some(Event::Fixed(v))
        } else if let Some(v) = self.last_affected {
            Some(Event::LastAffected(v))
        } else {
            self.limit.map(Event::Limit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_record_keeps_upstream_as_alias() {
        let rec = br#"{"schema_version":"1.6.0","id":"DEBIAN-CVE-2006-4334","modified":"2006-09-19T06:35:26Z",
          "upstream":["CVE-2006-4334"],"details":"gzip 1.3.5-15: CVE-2006-4334\n",
          "affected":[{"package":{"ecosystem":"Debian:12","name":"gzip"},
            "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.3.5-15"}]}]}]}"#;
        let (adv, aff) = from_osv(rec).unwrap().unwrap();
        assert_eq!(adv.aliases, ["CVE-2006-4334"]);
        assert_eq!(adv.summary.as_deref(), Some("gzip 1.3.5-15: CVE-2006-4334"));
        assert_eq!(aff.len(), 1);
        assert_eq!(aff[0].ecosystem, "Debian:12");
        assert_eq!(
            aff[0].ranges[0].events,
            [
                Event::Introduced("0".into()),
                Event::Fixed("1.3.5-15".into())
            ]
        );
    }

    #[test]
    fn withdrawn_git_only_nulls_and_garbage() {
        assert!(
            from_osv(br#"{"id":"X-1","withdrawn":"2024-01-01T00:00:00Z"}"#)
                .unwrap()
                .is_none()
        );
        let (_, aff) = from_osv(
            br#"{"id":"X-2","aliases":null,"affected":[{"package":{"ecosystem":"Go","name":"a"},
                "ranges":[{"type":"GIT","repo":"r","events":[{"introduced":"abc"}]}],"versions":null}]}"#,
        )
        .unwrap()
        .unwrap();
        assert!(aff.is_empty(), "GIT-only ranges cannot be evaluated");
        assert!(from_osv(b"{\"id\": 3}").is_err());
        assert!(from_osv(b"not json").is_err());
        assert!(from_osv(br#"{"id":" "}"#).is_err());
    }

    #[test]
    fn vendor_words_and_will_not_fix() {
        let (adv, aff) = from_osv(
            br#"{"id":"GHSA-aaaa-bbbb-cccc","database_specific":{"severity":"MODERATE"},
                "affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"p"},
                  "ecosystem_specific":{"priority":"low","status":"will-not-fix"},
                  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
        )
        .unwrap()
        .unwrap();
        let v = adv.vendor_severity.unwrap();
        assert_eq!((v.source.as_str(), v.value.as_str()), ("ghsa", "MODERATE"));
        let v = aff[0].vendor_severity.as_ref().unwrap();
        assert_eq!((v.source.as_str(), v.value.as_str()), ("ubuntu", "low"));
        assert!(aff[0].will_not_fix);
    }
}
