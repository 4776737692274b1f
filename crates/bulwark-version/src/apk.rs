//! Alpine (apk) versions: `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}`.
//!
//! Written by hand: no maintained crate implements apk-tools' `version.c`, and the published
//! vectors need something no single apk release does. Alpine 3.x ships apk-tools 2.x, whose
//! tokenizer is lenient (`6.6.2p1`, `0..8`, `1-r`, `.1` all compare), while apk-tools 3
//! rewrote the comparison (leading-zero components compare as strings, `~hash`, `6.0_pre1 <
//! 6.0`, malformed tails sort *below* a clean end). The vectors from both generations agree
//! with each other on every version apk-tools 3 accepts; they differ only on malformed input.
//!
//! So this is apk-tools 3's algorithm (`token_next`/`token_cmp`/`apk_version_compare`), with
//! three leniencies taken from apk-tools 2 for malformed versions it still ordered:
//!
//! * a letter may be followed by digits (`6.6.2p1` is `6.6.2`, `p`, `1`);
//! * a `.` not followed by digits, or a version not starting with a digit, yields an *empty*
//!   number token: it compares equal to another empty token, and otherwise sorts like an
//!   invalid tail (below everything, including the end of the version);
//! * `-r` with no number is revision 0 when the version ends there or another `-` follows
//!   (`1-r = 1-r0`); `-r` followed by anything else (`-ruff`) is invalid, as in apk-tools 3.
//!
//! As in apk, comparison stops at the first invalid token: two versions equal up to their
//! invalid parts compare equal, and an invalid tail sorts below any valid continuation.

use std::cmp::Ordering;

use crate::util::cmp_digits;

/// Token types, in apk-tools 3's order: when two versions agree up to a point and then
/// continue with different token types, the one whose token type is *later* in this list
/// is the smaller version (a pre-release suffix excepted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    /// apk-tools 2 leniency: an empty digit run (`0..1`, `.1`, `a`).
    Empty,
    Invalid,
}

/// Suffix order: `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`.
const SUFFIX_NONE: u8 = 5;

fn suffix_value(s: &str) -> Option<u8> {
    Some(match s {
        "alpha" => 1,
        "beta" => 2,
        "pre" => 3,
        "rc" => 4,
        "cvs" => 6,
        "svn" => 7,
        "git" => 8,
        "hg" => 9,
        "p" => 10,
        _ => return None,
    })
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// Digits, the letter, the suffix name or the hash.
    text: String,
    /// For [`Kind::Suffix`]: its [`suffix_value`].
    suffix: u8,
}

impl Token {
    fn new(kind: Kind, text: &str) -> Token {
        Token {
            kind,
            text: text.to_string(),
            suffix: 0,
        }
    }
}

/// A tokenized apk version (always ends with an `End` or `Invalid` token).
#[derive(Debug, Clone)]
pub(crate) struct ApkVersion {
    tokens: Vec<Token>,
}

/// Tokenizes like apk's `token_first`/`token_next`, with the leniencies in the module docs.
/// Never fails on a non-empty string: apk orders malformed versions too.
pub(crate) fn parse(s: &str) -> Result<ApkVersion, String> {
    Ok(ApkVersion {
        tokens: tokenize(s),
    })
}

fn tokenize(s: &str) -> Vec<Token> {
    let b = s.as_bytes();
    let n = b.len();
    let digits_end =
        |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut out = Vec::new();
    let mut p = digits_end(0);
    // `state` is the kind of the last token for the transition rules; an `Empty` token
    // behaves like a digit there.
    let mut state;
    if p > 0 {
        out.push(Token::new(Kind::InitialDigit, &s[..p]));
        state = Kind::InitialDigit;
    } else {
        out.push(Token::new(Kind::Empty, ""));
        state = Kind::Empty;
    }
    let digit_like = |k: Kind| matches!(k, Kind::InitialDigit | Kind::Digit | Kind::Empty);
    loop {
        let Some(&c) = b.get(p) else {
            out.push(Token::new(Kind::End, ""));
            return out;
        };
        match c {
            b'a'..=b'z' if digit_like(state) => {
                out.push(Token::new(Kind::Letter, &s[p..p + 1]));
                state = Kind::Letter;
                p += 1;
            }
            b'.' if digit_like(state) => {
                let q = digits_end(p + 1);
                if q > p + 1 {
                    out.push(Token::new(Kind::Digit, &s[p + 1..q]));
                    state = Kind::Digit;
                } else {
                    out.push(Token::new(Kind::Empty, ""));
                    state = Kind::Empty;
                }
                p = q;
            }
            b'0'..=b'9' if matches!(state, Kind::Suffix | Kind::Letter) => {
                let q = digits_end(p);
                let kind = if state == Kind::Suffix {
                    Kind::SuffixNo
                } else {
                    Kind::Digit
                };
                out.push(Token::new(kind, &s[p..q]));
                state = kind;
                p = q;
            }
            b'_' if state <= Kind::SuffixNo || state == Kind::Empty => {
                let q = p
                    + 1
                    + b[p + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_lowercase())
                        .count();
                let Some(value) = suffix_value(&s[p + 1..q]) else {
                    break;
                };
                out.push(Token {
                    kind: Kind::Suffix,
                    text: s[p + 1..q].to_string(),
                    suffix: value,
                });
                state = Kind::Suffix;
                p = q;
            }
            b'~' if state < Kind::CommitHash || state == Kind::Empty => {
                let q = p
                    + 1
                    + b[p + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_hexdigit())
                        .count();
                if q == p + 1 {
                    break;
                }
                out.push(Token::new(Kind::CommitHash, &s[p + 1..q]));
                state = Kind::CommitHash;
                p = q;
            }
            b'-' if (state < Kind::RevisionNo || state == Kind::Empty)
                && b.get(p + 1) == Some(&b'r') =>
            {
                let q = digits_end(p + 2);
                if q > p + 2 {
                    out.push(Token::new(Kind::RevisionNo, &s[p + 2..q]));
                } else if q == n || b[q] == b'-' {
                    out.push(Token::new(Kind::RevisionNo, "0"));
                } else {
                    break;
                }
                state = Kind::RevisionNo;
                p = q;
            }
            _ => break,
        }
    }
    out.push(Token::new(Kind::Invalid, ""));
    out
}

/// apk's `token_cmp` for two tokens of the same kind.
fn token_cmp(a: &Token, b: &Token) -> Ordering {
    match a.kind {
        // A leading zero in a non-initial number means "compare as a string", like Gentoo.
        Kind::Digit if a.text.starts_with('0') || b.text.starts_with('0') => {
            a.text.as_bytes().cmp(b.text.as_bytes())
        }
        Kind::InitialDigit | Kind::Digit | Kind::SuffixNo | Kind::RevisionNo => {
            cmp_digits(&a.text, &b.text)
        }
        Kind::Letter => a.text.cmp(&b.text),
        Kind::Suffix => a.suffix.cmp(&b.suffix),
        Kind::CommitHash => a.text.as_bytes().cmp(b.text.as_bytes()),
        Kind::End | Kind::Empty | Kind::Invalid => Ordering::Equal,
    }
}

impl ApkVersion {
    /// apk's `apk_version_compare`.
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        self.compare(other, false)
    }

    /// `apk_version_compare_fuzzy`: with `fuzzy`, `self` matches when `other` is a token
    /// prefix of it (apk's `~` dependency operator). Only the unit tests use `fuzzy`.
    fn compare(&self, other: &Self, fuzzy: bool) -> Ordering {
        // Both token lists end with End or Invalid, so the walk always stops at a pair.
        let mut stop = None;
        for (ta, tb) in self.tokens.iter().zip(&other.tokens) {
            if ta.kind != tb.kind || matches!(ta.kind, Kind::End | Kind::Invalid) {
                stop = Some((ta, tb));
                break;
            }
            let r = token_cmp(ta, tb);
            if r != Ordering::Equal {
                return r;
            }
        }
        let Some((ta, tb)) = stop else {
            return Ordering::Equal;
        };
        if ta.kind == tb.kind {
            return Ordering::Equal;
        }
        if fuzzy && tb.kind == Kind::End {
            return Ordering::Equal;
        }
        // The non-terminating version is greater, unless it continues with a pre-release.
        if ta.kind == Kind::Suffix && ta.suffix < SUFFIX_NONE {
            return Ordering::Less;
        }
        if tb.kind == Kind::Suffix && tb.suffix < SUFFIX_NONE {
            return Ordering::Greater;
        }
        tb.kind.cmp(&ta.kind)
    }
}

/// apk-tools 3's `apk_version_validate`: whether apk 3 itself would accept `s` (for the
/// upstream vectors' validity lines; parsing here is deliberately more lenient).
#[cfg(test)]
fn apk3_valid(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut p = digits(0);
    if p == 0 {
        return false;
    }
    let mut state = Kind::InitialDigit;
    while p < b.len() {
        let c = b[p];
        match c {
            b'a'..=b'z' if state <= Kind::Digit => {
                state = Kind::Letter;
                p += 1;
            }
            b'.' | b'0'..=b'9' => {
                if c == b'.' {
                    if state > Kind::Digit {
                        return false;
                    }
                    p += 1;
                }
                state = match state {
                    Kind::InitialDigit | Kind::Digit => Kind::Digit,
                    Kind::Suffix => Kind::SuffixNo,
                    _ => return false,
                };
                let d = digits(p);
                if d == 0 {
                    return false;
                }
                p += d;
            }
            b'_' if state <= Kind::SuffixNo => {
                let q = p
                    + 1
                    + b[p + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_lowercase())
                        .count();
                let Ok(name) = std::str::from_utf8(&b[p + 1..q]) else {
                    return false;
                };
                if suffix_value(name).is_none() {
                    return false;
                }
                state = Kind::Suffix;
                p = q;
            }
            b'~' if state < Kind::CommitHash => {
                let q = p
                    + 1
                    + b[p + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_hexdigit())
                        .count();
                if q == p + 1 {
                    return false;
                }
                state = Kind::CommitHash;
                p = q;
            }
            b'-' if state < Kind::RevisionNo && b.get(p + 1) == Some(&b'r') => {
                let d = digits(p + 2);
                if d == 0 {
                    return false;
                }
                state = Kind::RevisionNo;
                p += 2 + d;
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp_version(&parse(b).unwrap())
    }

    #[test]
    fn suffixes_letters_revisions() {
        assert_eq!(cmp("1.2_rc1", "1.2"), Ordering::Less);
        assert_eq!(cmp("1.2_p1", "1.2"), Ordering::Greater);
        assert_eq!(cmp("1.2_alpha", "1.2_alpha1"), Ordering::Less);
        assert_eq!(cmp("1.2_alpha_pre2", "1.2_alpha"), Ordering::Less);
        assert_eq!(cmp("1.2a", "1.2"), Ordering::Greater);
        assert_eq!(cmp("1.2a", "1.2b"), Ordering::Less);
        assert_eq!(cmp("1.2-r10", "1.2-r9"), Ordering::Greater);
        assert_eq!(cmp("1.2", "1.2-r0"), Ordering::Less);
        assert_eq!(cmp("6.0_pre1", "6.0"), Ordering::Less);
    }

    #[test]
    fn leading_zeros_compare_as_strings() {
        assert_eq!(cmp("8.2.0", "8.2.001"), Ordering::Less);
        assert_eq!(cmp("8.2.0015", "8.2.002"), Ordering::Less);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Less);
        // ... but not in the first number.
        assert_eq!(cmp("01.0", "1.0"), Ordering::Equal);
    }

    #[test]
    fn commit_hash_and_huge_numbers() {
        assert_eq!(cmp("1.0~1234", "1.0~2345"), Ordering::Less);
        assert_eq!(cmp("1.0~1234-r1", "1.0~1234-r0"), Ordering::Greater);
        assert_eq!(
            cmp("1.99999999999999999999999", "1.100000000000000000000000"),
            Ordering::Less
        );
    }

    #[test]
    fn malformed_versions_order_like_apk() {
        assert_eq!(cmp("1.0", "1.0bc"), Ordering::Less);
        assert_eq!(cmp("23_foo", "4_beta"), Ordering::Greater);
        assert_eq!(cmp("6.6.2p1", "6.6.2p2"), Ordering::Less);
        assert_eq!(cmp("1-r", "1-r0"), Ordering::Equal);
        assert_eq!(cmp("1", "1-ruff"), Ordering::Greater);
        assert_eq!(cmp("0..8", "0...8"), Ordering::Greater);
        assert_eq!(cmp(".1", "1"), Ordering::Less);
        assert_eq!(cmp("a", "b"), Ordering::Less);
        assert_eq!(cmp("1.2.0A", "1.2.0d"), Ordering::Less);
        assert!(parse("~").is_ok());
    }

    #[test]
    fn apk3_validity() {
        for v in [
            "1.2",
            "0.1_pre2",
            "0.1_pre2~1234abcd",
            "0.1_p1_pre2",
            "1.0-r5",
        ] {
            assert!(apk3_valid(v), "{v}");
        }
        for v in ["", "0.1bc", "0.1a1", "0.1_", "1-r", ".1", "a", "0.1-r2-r3"] {
            assert!(!apk3_valid(v), "{v}");
        }
    }

    /// Every line of apk-tools' own `test/unit/version.data` (upstream, apk-tools 3),
    /// including the validity lines (`v` / `!v`) and the fuzzy operators (`~`, `<~`, `>~`,
    /// `!~`), which the public API does not expose; the plain comparisons are also checked
    /// through the public API in `tests/vectors.rs`.
    #[test]
    fn apk_tools_version_data_all_lines() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/versions/upstream/apk-tools_version.data"
        );
        let data = std::fs::read_to_string(path).expect("read apk-tools_version.data");
        let mut failures = Vec::new();
        let mut checked = 0;
        for (n, raw) in data.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            checked += 1;
            let parts: Vec<&str> = line.split_whitespace().collect();
            let ok = match parts.as_slice() {
                [a, op, b] => {
                    let (invert, op) = match op.strip_prefix('!') {
                        Some(rest) => (true, rest),
                        None => (false, *op),
                    };
                    let fuzzy = op.contains('~');
                    let r = parse(a).unwrap().compare(&parse(b).unwrap(), fuzzy);
                    let hit = op.chars().any(|c| match c {
                        '<' => r == Ordering::Less,
                        '>' => r == Ordering::Greater,
                        '=' | '~' => r == Ordering::Equal,
                        _ => false,
                    });
                    hit != invert
                }
                [v] => match v.strip_prefix('!') {
                    Some(bad) => !apk3_valid(bad),
                    None => apk3_valid(v),
                },
                _ => false,
            };
            if !ok {
                failures.push(format!("line {}: {raw}", n + 1));
            }
        }
        assert!(checked > 780, "only {checked} lines");
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
