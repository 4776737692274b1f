//! NuGet versions, ordered like `NuGet.Versioning`'s `VersionComparer.Default`.
//!
//! Written by hand (there is no maintained Rust port of NuGet.Versioning): one to four
//! numeric parts (missing ones are 0, leading zeros allowed: `1.0.01 = 1.0.1.0`), an optional
//! `-prerelease` of dot-separated labels made of `[0-9A-Za-z-]`, and optional `+metadata`,
//! which is ignored. Labels compare numerically when all digits (numeric < alphanumeric) and
//! otherwise like .NET's `StringComparer.OrdinalIgnoreCase` (ASCII upper-cased), more labels
//! win, and a release sorts after its prereleases. A leading `v` is tolerated. Numbers of any
//! length compare exactly (NuGet itself rejects parts beyond `int`).

use std::cmp::Ordering;

use crate::util::{cmp_digits, is_digits, strip_zeros};

/// A parsed NuGet version.
#[derive(Debug, Clone)]
pub(crate) struct NuGetVersion {
    /// Up to four parts without leading zeros; missing parts are `""` (0).
    parts: [String; 4],
    /// Prerelease labels, upper-cased for the case-insensitive comparison.
    labels: Vec<String>,
}

pub(crate) fn parse(s: &str) -> Result<NuGetVersion, String> {
    let body = s
        .strip_prefix('v')
        .or_else(|| s.strip_prefix('V'))
        .unwrap_or(s);
    let body = match body.find('+') {
        Some(plus) => {
            let metadata = &body[plus + 1..];
            if metadata.is_empty() || !metadata.split('.').all(valid_label) {
                return Err("invalid build metadata".to_string());
            }
            &body[..plus]
        }
        None => body,
    };
    let (numbers, pre) = match body.find('-') {
        Some(dash) => (&body[..dash], Some(&body[dash + 1..])),
        None => (body, None),
    };
    let mut parts: [String; 4] = Default::default();
    for (count, piece) in numbers.split('.').enumerate() {
        if !is_digits(piece) {
            return Err(format!("version part {piece:?} is not a number"));
        }
        let Some(slot) = parts.get_mut(count) else {
            return Err("more than four version parts".to_string());
        };
        *slot = strip_zeros(piece).to_string();
    }
    let labels = match pre {
        None => Vec::new(),
        Some(pre) => {
            if pre.is_empty() || !pre.split('.').all(valid_label) {
                return Err("invalid prerelease label".to_string());
            }
            pre.split('.').map(|l| l.to_ascii_uppercase()).collect()
        }
    };
    Ok(NuGetVersion { parts, labels })
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// NuGet's `CompareRelease` for one label pair (labels are already upper-cased).
fn cmp_label(a: &str, b: &str) -> Ordering {
    match (is_digits(a), is_digits(b)) {
        (true, true) => cmp_digits(a, b),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.as_bytes().cmp(b.as_bytes()),
    }
}

impl NuGetVersion {
    /// Numeric parts, then release > prerelease, then labels.
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        for (a, b) in self.parts.iter().zip(&other.parts) {
            let ord = cmp_digits(a, b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        match (self.labels.is_empty(), other.labels.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        for (a, b) in self.labels.iter().zip(&other.labels) {
            let ord = cmp_label(a, b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        self.labels.len().cmp(&other.labels.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp_version(&parse(b).unwrap())
    }

    #[test]
    fn four_parts_and_case_insensitive_labels() {
        assert_eq!(cmp("1.0", "1.0.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0.01", "1.0.1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0.0.1", "1.0.0"), Ordering::Greater);
        assert_eq!(cmp("1.0.0-BETA", "1.0.0-beta"), Ordering::Equal);
        assert_eq!(cmp("1.0.0-beta", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-beta.2", "1.0.0-beta.10"), Ordering::Less);
        assert_eq!(cmp("1.0.0-1", "1.0.0-a"), Ordering::Less);
        assert_eq!(cmp("1.0.0+aa", "1.0.0+bb"), Ordering::Equal);
        assert_eq!(cmp("1.0.0-beta+AA", "1.0.0+aa"), Ordering::Less);
    }

    #[test]
    fn invalid_inputs() {
        for v in [
            "1.0.0.0.0",
            "1..0",
            "a.b",
            "1.0-",
            "1.0-be_ta",
            "1.0+",
            "1.0-a..b",
            "-1",
        ] {
            assert!(parse(v).is_err(), "{v}");
        }
    }
}
