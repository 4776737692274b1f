//! Packagist (Composer) versions, ordered like PHP's `version_compare` after `ltrim($v, "vV")`.
//!
//! Written by hand (no Rust crate implements PHP's `version_compare`): this follows
//! `ext/standard/versioning.c`. The version is canonicalized (`-`, `_`, `+` and other
//! non-alphanumerics become `.`, a `.` is inserted between digits and non-digits, runs of
//! `.` collapse), then compared element by element: numbers numerically, other elements by
//! their special form (prefix match, case-sensitive: `dev < alpha = a < beta = b < RC = rc <
//! # < pl = p`, anything else below `dev`), a number counting as `#`. When one version has
//! more elements, a number there makes it greater and anything else is compared with `#`;
//! a trailing separator (`1.0-`) sorts below everything.
//!
//! Deliberate differences from PHP, all on inputs PHP itself orders inconsistently: numbers of
//! any length compare exactly (PHP's `strtol` saturates), a version's own `#` never counts as
//! PHP's internal number marker, and two versions ending in a separator at the same place are
//! equal (PHP finds `1.0-` < `1.0-`). The result is a total order (PHP's is not), which
//! `sort` needs.

use std::cmp::Ordering;

use crate::util::{cmp_digits, digit_run, strip_zeros};

/// One element of a canonical version.
#[derive(Debug, Clone)]
enum Elem {
    /// The empty remainder after a trailing separator (`1.0-`): PHP sorts it below anything.
    Empty,
    /// A non-numeric element: its special-form order (-1 unknown, 0 dev, 1 alpha, 2 beta,
    /// 3 RC, 5 pl/p).
    Special(i8),
    /// A number, without leading zeros.
    Num(String),
}

/// A Packagist version: the elements of its canonical form.
#[derive(Debug, Clone)]
pub(crate) struct PackagistVersion {
    elems: Vec<Elem>,
}

pub(crate) fn parse(s: &str) -> Result<PackagistVersion, String> {
    let canonical = canonicalize(s.trim_start_matches(['v', 'V']));
    if canonical.is_empty() {
        // PHP: an empty version sorts below every other one.
        return Ok(PackagistVersion {
            elems: vec![Elem::Empty],
        });
    }
    let pieces: Vec<&str> = canonical.split('.').collect();
    let last = pieces.len() - 1;
    let elems = pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            let digits = digit_run(piece.as_bytes());
            if i == last && piece.is_empty() {
                Elem::Empty
            } else if digits > 0 {
                Elem::Num(strip_zeros(&piece[..digits]).to_string())
            } else {
                Elem::Special(special_form(piece))
            }
        })
        .collect();
    Ok(PackagistVersion { elems })
}

/// `php_canonicalize_version`: `-`, `_`, `+` and every other non-alphanumeric byte become a
/// single `.`, and a `.` goes between digits and non-digits; the first byte is kept as is.
fn canonicalize(s: &str) -> String {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return String::new();
    };
    let is_dig = |c: u8| c.is_ascii_digit();
    let is_ndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut out: Vec<u8> = vec![first];
    let mut lp = first;
    for &c in &b[1..] {
        let last_is_dot = out.last() == Some(&b'.');
        if matches!(c, b'-' | b'_' | b'+') {
            if !last_is_dot {
                out.push(b'.');
            }
        } else if (is_ndig(lp) && is_dig(c)) || (is_dig(lp) && is_ndig(c)) {
            // PHP keeps the byte even when it is not alphanumeric (`1#` → `1.#`).
            if !last_is_dot {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if !last_is_dot {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    // Only ASCII was added after the first byte, which may start a multi-byte character;
    // keep the result valid UTF-8 either way.
    String::from_utf8_lossy(&out).into_owned()
}

/// `compare_special_version_forms`: the order of the first form `s` starts with
/// (case-sensitive), -1 if none. PHP's internal `#` form (a number) is never matched by a
/// version's own text: PHP turns `#` into a separator.
fn special_form(s: &str) -> i8 {
    const FORMS: [(&str, i8); 9] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| s.starts_with(name))
        .map_or(-1, |(_, order)| *order)
}

/// Where an element (or `None`, a missing one) sits in PHP's order: trailing empty <
/// unknown < dev < alpha < beta < RC < missing < any number < pl/p.
fn class(e: Option<&Elem>) -> i8 {
    match e {
        Some(Elem::Empty) => -10,
        Some(Elem::Special(r)) if *r == 5 => 10,
        Some(Elem::Special(r)) => *r,
        None => 4,
        Some(Elem::Num(_)) => 5,
    }
}

impl PackagistVersion {
    /// PHP's `version_compare`, as a lexicographic comparison of elements where a missing
    /// element sits between `RC` and numbers. This is what PHP's loop computes (numbers
    /// count as `#` against words; when one version runs out, a number after it wins and a
    /// word is compared with `#`), written so that the order is total: PHP itself compares
    /// `1.0-` below `1.0-` and is asymmetric when one side ends in a separator.
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        for k in 0..self.elems.len().max(other.elems.len()) {
            let (a, b) = (self.elems.get(k), other.elems.get(k));
            let ord = match (a, b) {
                (Some(Elem::Num(x)), Some(Elem::Num(y))) => cmp_digits(x, y),
                _ => class(a).cmp(&class(b)),
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
    fn canonical_forms() {
        assert_eq!(canonicalize("1.0rc1"), "1.0.rc.1");
        assert_eq!(canonicalize("1.25.0-beta2.1"), "1.25.0.beta.2.1");
        assert_eq!(canonicalize("1..2__3"), "1.2.3");
        assert_eq!(canonicalize("1.2.3.#"), "1.2.3.");
        assert_eq!(canonicalize("1#"), "1.#");
        assert_eq!(canonicalize("-1"), "-.1");
    }

    #[test]
    fn php_order() {
        let chain = ["1.0-dev", "1.0a1", "1.0b1", "1.0RC1", "1.0", "1.0pl1"];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(cmp("1.0RC1", "1.0rc1"), Ordering::Equal);
        assert_eq!(cmp("1.0.0", "1.0"), Ordering::Greater);
        assert_eq!(cmp("v1.0", "V1.0"), Ordering::Equal);
        assert_eq!(cmp("vv1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("dev-foo", "1.26.0"), Ordering::Less);
        assert_eq!(cmp("1.0-foo", "1.0-dev"), Ordering::Less);
        assert_eq!(cmp("1.0-Beta", "1.0-dev"), Ordering::Less);
        assert_eq!(cmp("1.2.3.#.beta", "1.2.3"), Ordering::Less);
        assert_eq!(cmp("1.2.3.#.p3", "1.2.3"), Ordering::Greater);
        assert_eq!(cmp("1.0.dev", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0.5", "1.0.p"), Ordering::Less);
        assert_eq!(
            cmp("1.0pre1", "1.0"),
            Ordering::Greater,
            "pre matches `p`, as in PHP"
        );
    }

    #[test]
    fn trailing_separators_and_empty() {
        assert_eq!(cmp("1.0-", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0-", "1.0-"), Ordering::Equal);
        assert_eq!(cmp("1.0-", "1.0-dev"), Ordering::Less);
        assert_eq!(cmp("1.2.3.#", "1.2.3.#"), Ordering::Equal);
        assert_eq!(cmp("v", "0"), Ordering::Less);
        assert_eq!(cmp("v", "dev"), Ordering::Less);
        assert_eq!(cmp("v", "V"), Ordering::Equal);
    }
}
