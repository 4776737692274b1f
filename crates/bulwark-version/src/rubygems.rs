//! RubyGems versions, ordered like `Gem::Version#<=>`.
//!
//! Written by hand (no maintained crate implements `Gem::Version`): surrounding whitespace is
//! stripped, every `-` becomes `.pre.`, the segments are the runs of ASCII digits and letters
//! (`1.0.a10` → `1, 0, "a", 10`), trailing zeros are dropped from the numeric prefix and from
//! the rest (`canonical_segments`), and segments compare pairwise (missing ones are 0): numbers
//! numerically, strings bytewise, and a string (a prerelease marker) below any number.
//!
//! Like osv-scalibr, versions `Gem::Version.correct?` rejects but that still have segments
//! (`1beta`) are accepted; a string with no digit or letter at all is an error.

use std::cmp::Ordering;

use crate::util::{cmp_digits, strip_zeros};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Without leading zeros (`""` is 0).
    Num(String),
    Str(String),
}

/// A parsed gem version: its `canonical_segments`.
#[derive(Debug, Clone)]
pub(crate) struct GemVersion {
    segments: Vec<Segment>,
}

pub(crate) fn parse(s: &str) -> Result<GemVersion, String> {
    let b = s.trim().as_bytes();
    let mut segments = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let run = |pred: fn(&u8) -> bool| b[i..].iter().take_while(|c| pred(c)).count();
        if c.is_ascii_digit() {
            let n = run(u8::is_ascii_digit);
            let digits: String = b[i..i + n].iter().map(|&c| char::from(c)).collect();
            segments.push(Segment::Num(strip_zeros(&digits).to_string()));
            i += n;
        } else if c.is_ascii_alphabetic() {
            let n = run(u8::is_ascii_alphabetic);
            segments.push(Segment::Str(
                b[i..i + n].iter().map(|&c| char::from(c)).collect(),
            ));
            i += n;
        } else {
            if c == b'-' {
                // `gsub("-", ".pre.")`
                segments.push(Segment::Str("pre".to_string()));
            }
            i += 1;
        }
    }
    if segments.is_empty() {
        return Err("no version segments (digits or letters)".to_string());
    }
    // canonical_segments: split at the first string, drop trailing zeros from both halves.
    let split = segments
        .iter()
        .position(|s| matches!(s, Segment::Str(_)))
        .unwrap_or(segments.len());
    let mut strings = segments.split_off(split);
    let zero = Segment::Num(String::new());
    while segments.last() == Some(&zero) {
        segments.pop();
    }
    while strings.last() == Some(&zero) {
        strings.pop();
    }
    segments.extend(strings);
    Ok(GemVersion { segments })
}

impl GemVersion {
    /// `Gem::Version#<=>` on canonical segments.
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        let zero = Segment::Num(String::new());
        for k in 0..self.segments.len().max(other.segments.len()) {
            let l = self.segments.get(k).unwrap_or(&zero);
            let r = other.segments.get(k).unwrap_or(&zero);
            let ord = match (l, r) {
                (Segment::Num(a), Segment::Num(b)) => cmp_digits(a, b),
                (Segment::Str(a), Segment::Str(b)) => a.as_bytes().cmp(b.as_bytes()),
                (Segment::Str(_), Segment::Num(_)) => Ordering::Less,
                (Segment::Num(_), Segment::Str(_)) => Ordering::Greater,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp_version(&parse(b).unwrap())
    }

    #[test]
    fn prereleases_and_zeros() {
        assert_eq!(cmp("1.0", "1"), Ordering::Equal);
        assert_eq!(cmp("1.0.a", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0.a10", "1.0.a9"), Ordering::Greater);
        assert_eq!(cmp("1.0.a2", "1.0.a.2"), Ordering::Equal);
        assert_eq!(cmp("1.0.a.0", "1.0.a"), Ordering::Equal);
        assert_eq!(cmp("3.10", "3.2"), Ordering::Greater);
        assert_eq!(cmp("1.0-1", "1.0.pre.1"), Ordering::Equal);
        assert_eq!(cmp("1.0-1", "1.0"), Ordering::Less);
        assert_eq!(cmp(" 1.2 ", "1.2"), Ordering::Equal);
        assert_eq!(cmp("1.A", "1.a"), Ordering::Less);
    }

    #[test]
    fn errors() {
        assert!(parse("...").is_err());
        assert!(parse("   ").is_err());
    }
}
