//! Alpine's secdb YAML (`secfixes` per origin package) converted to OSV-shaped records, so
//! one matcher serves both.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{Advisory, AffectedEntry, Event, Range, RangeKind};

/// What one secdb file yields: records keyed by advisory ID, each with one affected entry per
/// package that lists the ID.
pub(crate) struct SecdbRecords {
    /// `(advisory, entries)` per ID.
    pub records: Vec<(Advisory, Vec<AffectedEntry>)>,
    /// Unusable package entries (no name, bad shape), counted as skipped.
    pub skipped: u64,
}

/// True when `text` looks like a secdb document (has `distroversion` and `packages`).
pub(crate) fn looks_like_secdb(text: &str) -> bool {
    text.contains("distroversion") && text.contains("packages")
}

/// Parses one secdb file. A malformed document is an error; a malformed package entry is
/// skipped and counted.
pub(crate) fn parse(text: &str) -> Result<SecdbRecords, String> {
    let doc: Doc = serde_norway::from_str(text).map_err(|e| e.to_string())?;
    let release = doc.distroversion.trim();
    if release.is_empty() {
        return Err("empty distroversion".into());
    }
    let ecosystem = format!("Alpine:{release}");
    let mut by_id: BTreeMap<String, Vec<AffectedEntry>> = BTreeMap::new();
    let mut skipped = 0;
    for item in doc.packages {
        let Some(pkg) = item.pkg else {
            skipped += 1;
            continue;
        };
        let name = pkg.name.trim();
        if name.is_empty() {
            skipped += 1;
            continue;
        }
        for (fixed, ids) in pkg.secfixes {
            let Some(fixed) = scalar(&fixed) else {
                skipped += 1;
                continue;
            };
            // `0` means "this release was never affected".
            if fixed == "0" {
                continue;
            }
            let ids: Vec<String> = match ids {
                serde_norway::Value::Sequence(seq) => seq.iter().filter_map(scalar).collect(),
                serde_norway::Value::Null => Vec::new(),
                other => scalar(&other).into_iter().collect(),
            };
            for id in ids.iter().flat_map(|s| s.split_whitespace()) {
                by_id
                    .entry(id.to_string())
                    .or_default()
                    .push(AffectedEntry {
                        ecosystem: ecosystem.clone(),
                        package: name.to_string(),
                        ranges: vec![Range {
                            kind: RangeKind::Ecosystem,
                            events: vec![
                                Event::Introduced("0".into()),
                                Event::Fixed(fixed.clone()),
                            ],
                        }],
                        versions: Vec::new(),
                        severity: Vec::new(),
                        vendor_severity: None,
                        will_not_fix: false,
                    });
            }
        }
    }
    let records = by_id
        .into_iter()
        .map(|(id, entries)| {
            let advisory = Advisory {
                id: format!("ALPINE-{id}"),
                aliases: vec![id.clone()],
                summary: None,
                severity: Vec::new(),
                vendor_severity: None,
                published: None,
                modified: None,
                url: id
                    .starts_with("CVE-")
                    .then(|| format!("https://security.alpinelinux.org/vuln/{id}")),
            };
            (advisory, entries)
        })
        .collect();
    Ok(SecdbRecords { records, skipped })
}

/// A YAML scalar as text (secdb keys such as `1.2` may parse as numbers).
fn scalar(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.trim().to_string()),
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

#[derive(Deserialize)]
struct Doc {
    distroversion: String,
    #[serde(default)]
    packages: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    pkg: Option<Pkg>,
}

#[derive(Deserialize)]
struct Pkg {
    #[serde(default)]
    name: String,
    #[serde(default)]
    secfixes: serde_norway::Mapping,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_secfixes_and_skips_never_affected() {
        let text = "---\ndistroversion: v3.7\nreponame: main\npackages:\n  - pkg:\n      name: musl\n      secfixes:\n        1.1.18-r4:\n          - CVE-2019-14697\n        0:\n          - CVE-2020-0001\n        1.1.16-r14:\n          - CVE-2017-15650 CVE-2017-0002\n  - pkg:\n      name: ''\n";
        let out = parse(text).unwrap();
        assert_eq!(out.skipped, 1);
        let ids: Vec<&str> = out.records.iter().map(|(a, _)| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "ALPINE-CVE-2017-0002",
                "ALPINE-CVE-2017-15650",
                "ALPINE-CVE-2019-14697"
            ]
        );
        let (adv, entries) = &out.records[2];
        assert_eq!(adv.aliases, ["CVE-2019-14697"]);
        assert_eq!(entries[0].ecosystem, "Alpine:v3.7");
        assert_eq!(entries[0].package, "musl");
        assert_eq!(
            entries[0].ranges[0].events[1],
            Event::Fixed("1.1.18-r4".into())
        );
        assert!(parse("packages: [").is_err());
        assert!(parse("distroversion: ''\npackages: []").is_err());
    }
}
