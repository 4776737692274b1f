//! PEP 440 versions (PyPI), ordered exactly like Python's `packaging.version`.
//!
//! Written by hand rather than with `pep440_rs` because PyPI's data (and the published
//! vectors) still contain pre-PEP 440 strings (`0.1-bulbasaur`, `0.3m1`) that packaging < 22
//! orders as `LegacyVersion` and `pep440_rs` rejects. A string matching packaging's
//! `VERSION_PATTERN` (case-insensitive, surrounding whitespace allowed) is a PEP 440 version,
//! normalized as packaging does (`1.0RC1 == 1.0rc1`, `alpha`→`a`, `c`/`pre`/`preview`→`rc`,
//! `rev`/`r`→`post`, implicit post release `1.0-1`, implicit 0 numbers, `v` prefix) and ordered
//! by packaging's `_cmpkey`. Any other string is a `LegacyVersion`, ordered by packaging
//! 21.3's `_legacy_cmpkey` and below every PEP 440 version. Only ASCII digits count as digits.

use std::cmp::Ordering;

use crate::util::{cmp_digits, digit_run, is_digits, strip_zeros};

/// A parsed PyPI version.
#[derive(Debug, Clone)]
pub(crate) enum Pep440Version {
    Pep440(Pep440),
    /// packaging's `LegacyVersion`: the parts of `_legacy_cmpkey`.
    Legacy(Vec<String>),
}

/// A PEP 440 version; numbers are digit strings without leading zeros.
#[derive(Debug, Clone)]
pub(crate) struct Pep440 {
    epoch: String,
    /// Release numbers with trailing zeros removed (as in `_cmpkey`).
    release: Vec<String>,
    /// Phase (0 = a, 1 = b, 2 = rc) and number.
    pre: Option<(u8, String)>,
    post: Option<String>,
    dev: Option<String>,
    local: Option<Vec<LocalPart>>,
}

#[derive(Debug, Clone)]
enum LocalPart {
    Num(String),
    Str(String),
}

/// Python's `str.isspace` for the characters `\s` matches.
fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

pub(crate) fn parse(s: &str) -> Result<Pep440Version, String> {
    let trimmed = s.trim_matches(is_py_space);
    let lower = trimmed.to_lowercase();
    match parse_pep440(lower.as_bytes()) {
        Some(v) => Ok(Pep440Version::Pep440(v)),
        None => Ok(Pep440Version::Legacy(legacy_key(s))),
    }
}

/// Optional `[-_.]` separator: the candidates in the regex's (greedy) order.
fn sep_options(b: &[u8], p: usize) -> Vec<usize> {
    match b.get(p) {
        Some(b'-' | b'_' | b'.') => vec![p + 1, p],
        _ => vec![p],
    }
}

/// `(end, number)` candidates for an optional `[0-9]+` at `p`, greedy first.
fn number_options(b: &[u8], p: usize) -> Vec<(usize, Option<String>)> {
    let d = digit_run(b.get(p..).unwrap_or(&[]));
    let mut out = Vec::new();
    if d > 0 {
        out.push((p + d, Some(digits_at(b, p, d))));
    }
    out.push((p, None));
    out
}

fn digits_at(b: &[u8], p: usize, d: usize) -> String {
    // Digits are ASCII, so the bytes are valid UTF-8.
    let raw: String = b[p..p + d].iter().map(|&c| char::from(c)).collect();
    strip_zeros(&raw).to_string()
}

/// `[-_.]? LABEL [-_.]? [0-9]*` for one of `labels`: `(end, label index, number)` candidates.
fn labelled(b: &[u8], p: usize, labels: &[&str]) -> Vec<(usize, usize, Option<String>)> {
    let mut out = Vec::new();
    for sp in sep_options(b, p) {
        for (k, label) in labels.iter().enumerate() {
            if b.get(sp..)
                .is_some_and(|rest| rest.starts_with(label.as_bytes()))
            {
                for sp2 in sep_options(b, sp + label.len()) {
                    for (end, n) in number_options(b, sp2) {
                        out.push((end, k, n));
                    }
                }
            }
        }
    }
    out
}

const PRE_LABELS: [&str; 8] = ["a", "b", "c", "rc", "alpha", "beta", "pre", "preview"];
/// Normalized phase of each [`PRE_LABELS`] entry: a = 0, b = 1, rc = 2.
const PRE_PHASE: [u8; 8] = [0, 1, 2, 2, 0, 1, 2, 2];

/// Matches packaging's `VERSION_PATTERN` against a trimmed, lower-cased string, trying the
/// optional groups in the regex's order (first success wins, as with Python's backtracking).
fn parse_pep440(b: &[u8]) -> Option<Pep440> {
    let mut p = usize::from(b.first() == Some(&b'v'));
    let mut epoch = String::new();
    let d = digit_run(&b[p..]);
    if d > 0 && b.get(p + d) == Some(&b'!') {
        epoch = digits_at(b, p, d);
        p += d + 1;
    }
    let mut release = Vec::new();
    loop {
        let d = digit_run(&b[p..]);
        if d == 0 {
            return None;
        }
        release.push(digits_at(b, p, d));
        p += d;
        if b.get(p) == Some(&b'.') && digit_run(&b[p + 1..]) > 0 {
            p += 1;
        } else {
            break;
        }
    }
    while release.last().is_some_and(|r| r.is_empty()) {
        release.pop();
    }

    let mut pres: Vec<(usize, Option<(u8, String)>)> = labelled(b, p, &PRE_LABELS)
        .into_iter()
        .map(|(end, k, n)| (end, Some((PRE_PHASE[k], n.unwrap_or_default()))))
        .collect();
    pres.push((p, None));
    for (p1, pre) in pres {
        let mut posts: Vec<(usize, Option<String>)> = Vec::new();
        if b.get(p1) == Some(&b'-') {
            let d = digit_run(&b[p1 + 1..]);
            if d > 0 {
                posts.push((p1 + 1 + d, Some(digits_at(b, p1 + 1, d))));
            }
        }
        posts.extend(
            labelled(b, p1, &["post", "rev", "r"])
                .into_iter()
                .map(|(end, _, n)| (end, Some(n.unwrap_or_default()))),
        );
        posts.push((p1, None));
        for (p2, post) in posts {
            let mut devs: Vec<(usize, Option<String>)> = labelled(b, p2, &["dev"])
                .into_iter()
                .map(|(end, _, n)| (end, Some(n.unwrap_or_default())))
                .collect();
            devs.push((p2, None));
            for (p3, dev) in devs {
                let (end, local) = match_local(b, p3);
                if end == b.len() {
                    return Some(Pep440 {
                        epoch,
                        release,
                        pre,
                        post,
                        dev,
                        local,
                    });
                }
            }
        }
    }
    None
}

/// `(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?`: the greedy match (the only one that can reach
/// the end of the string) or none.
fn match_local(b: &[u8], p: usize) -> (usize, Option<Vec<LocalPart>>) {
    if b.get(p) != Some(&b'+') {
        return (p, None);
    }
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut q = p + 1;
    let first = b[q..].iter().take_while(|c| alnum(c)).count();
    if first == 0 {
        return (p, None);
    }
    q += first;
    while matches!(b.get(q), Some(b'-' | b'_' | b'.')) {
        let n = b[q + 1..].iter().take_while(|c| alnum(c)).count();
        if n == 0 {
            break;
        }
        q += 1 + n;
    }
    let text: String = b[p + 1..q].iter().map(|&c| char::from(c)).collect();
    let parts = text
        .split(['-', '_', '.'])
        .map(|part| {
            if is_digits(part) {
                LocalPart::Num(strip_zeros(part).to_string())
            } else {
                LocalPart::Str(part.to_string())
            }
        })
        .collect();
    (q, Some(parts))
}

/// packaging 21.3's `_legacy_cmpkey` parts (the epoch, always -1, is implied).
fn legacy_key(s: &str) -> Vec<String> {
    let lower = s.to_lowercase();
    let mut parts: Vec<String> = Vec::new();
    for piece in legacy_split(&lower)
        .into_iter()
        .filter_map(legacy_part)
        .chain(std::iter::once("*final".to_string()))
    {
        if piece.starts_with('*') {
            if piece.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(piece);
    }
    parts
}

/// `re.split(r"(\d+|[a-z]+|\.|-)", s)`: matches and the text between them.
fn legacy_split(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut gap) = (0, 0);
    while i < b.len() {
        let len = if b[i].is_ascii_digit() {
            digit_run(&b[i..])
        } else if b[i].is_ascii_lowercase() {
            b[i..].iter().take_while(|c| c.is_ascii_lowercase()).count()
        } else if b[i] == b'.' || b[i] == b'-' {
            1
        } else {
            i += 1;
            continue;
        };
        out.push(&s[gap..i]);
        out.push(&s[i..i + len]);
        i += len;
        gap = i;
    }
    out.push(&s[gap..]);
    out
}

/// One step of `_parse_version_parts`: replacement map, then zero-padding or `*` prefix.
fn legacy_part(part: &str) -> Option<String> {
    let part = match part {
        "pre" | "preview" | "rc" => "c",
        "-" => "final-",
        "dev" => "@",
        other => other,
    };
    if part.is_empty() || part == "." {
        return None;
    }
    if part.as_bytes()[0].is_ascii_digit() {
        Some(format!("{part:0>8}"))
    } else {
        Some(format!("*{part}"))
    }
}

/// `_cmpkey`'s infinities around a value.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Bound<T> {
    NegInf,
    Val(T),
    Inf,
}

fn cmp_bound<T>(a: &Bound<T>, b: &Bound<T>, f: impl Fn(&T, &T) -> Ordering) -> Ordering {
    match (a, b) {
        (Bound::Val(x), Bound::Val(y)) => f(x, y),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn rank<T>(b: &Bound<T>) -> u8 {
    match b {
        Bound::NegInf => 0,
        Bound::Val(_) => 1,
        Bound::Inf => 2,
    }
}

fn cmp_local(a: &[LocalPart], b: &[LocalPart]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let ord = match (x, y) {
            (LocalPart::Num(m), LocalPart::Num(n)) => cmp_digits(m, n),
            (LocalPart::Num(_), LocalPart::Str(_)) => Ordering::Greater,
            (LocalPart::Str(_), LocalPart::Num(_)) => Ordering::Less,
            (LocalPart::Str(m), LocalPart::Str(n)) => m.cmp(n),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

impl Pep440 {
    fn pre_key(&self) -> Bound<(u8, &str)> {
        match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => Bound::NegInf,
            (None, _, _) => Bound::Inf,
            (Some((phase, n)), _, _) => Bound::Val((*phase, n.as_str())),
        }
    }

    /// packaging's `_cmpkey` order.
    fn cmp_pep440(&self, other: &Self) -> Ordering {
        let release = || {
            for (a, b) in self.release.iter().zip(&other.release) {
                let ord = cmp_digits(a, b);
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            self.release.len().cmp(&other.release.len())
        };
        let opt = |v: &Option<String>, none: Bound<String>| match v {
            Some(n) => Bound::Val(n.clone()),
            None => none,
        };
        cmp_digits(&self.epoch, &other.epoch)
            .then_with(release)
            .then_with(|| {
                cmp_bound(&self.pre_key(), &other.pre_key(), |a, b| {
                    a.0.cmp(&b.0).then_with(|| cmp_digits(a.1, b.1))
                })
            })
            .then_with(|| {
                cmp_bound(
                    &opt(&self.post, Bound::NegInf),
                    &opt(&other.post, Bound::NegInf),
                    |a, b| cmp_digits(a, b),
                )
            })
            .then_with(|| {
                cmp_bound(
                    &opt(&self.dev, Bound::Inf),
                    &opt(&other.dev, Bound::Inf),
                    |a, b| cmp_digits(a, b),
                )
            })
            .then_with(|| match (&self.local, &other.local) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => cmp_local(a, b),
            })
    }
}

impl Pep440Version {
    /// packaging 21.3's order: legacy versions first, then PEP 440 `_cmpkey`.
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Pep440Version::Pep440(a), Pep440Version::Pep440(b)) => a.cmp_pep440(b),
            (Pep440Version::Legacy(a), Pep440Version::Legacy(b)) => a.cmp(b),
            (Pep440Version::Legacy(_), Pep440Version::Pep440(_)) => Ordering::Less,
            (Pep440Version::Pep440(_), Pep440Version::Legacy(_)) => Ordering::Greater,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp_version(&parse(b).unwrap())
    }

    fn is_pep440(s: &str) -> bool {
        matches!(parse(s), Ok(Pep440Version::Pep440(_)))
    }

    #[test]
    fn normalization() {
        for (a, b) in [
            ("1.0RC1", "1.0rc1"),
            ("1.0c1", "1.0rc1"),
            ("1.0-preview-1", "1.0rc1"),
            ("1.0alpha1", "1.0a1"),
            ("1.0.BETA.2", "1.0b2"),
            ("v1.0", "1.0"),
            ("  1.0\n", "1.0"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev1", "1.0.post1"),
            ("1.0r", "1.0.post0"),
            ("1.0.dev", "1.0.dev0"),
            ("1.0a", "1.0a0"),
            ("0!1.0", "1.0"),
            ("1.0.0", "1"),
            ("1.0+ABC.1", "1.0+abc-1"),
            ("1.0+01", "1.0+1"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Equal, "{a} == {b}");
        }
    }

    #[test]
    fn ordering_chain() {
        let chain = [
            "1.0.dev0",
            "1.0a0.dev1",
            "1.0a0",
            "1.0a1",
            "1.0b1.dev1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+local",
            "1.0+local.1",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1.dev1",
            "1.1",
            "1!0.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(cmp("1.0+abc", "1.0+1"), Ordering::Less);
        assert_eq!(cmp("1.0+a", "1.0+a.b"), Ordering::Less);
    }

    #[test]
    fn legacy_versions() {
        assert!(!is_pep440("0.1-bulbasaur"));
        assert!(!is_pep440("1.0-SNAPSHOT"));
        assert!(is_pep440("1.0.post-"));
        assert!(is_pep440("1.0a."));
        assert!(is_pep440("1.0-dev"));
        assert_eq!(cmp("0.1-bulbasaur", "0.1-charmander"), Ordering::Less);
        assert_eq!(cmp("0.9-ivysaur", "0.0.1"), Ordering::Less);
        assert_eq!(cmp("foo", "foo"), Ordering::Equal);
        // Keys checked against packaging 21.3's `LegacyVersion._key`.
        assert_eq!(
            legacy_key("1.0-foo-dev"),
            vec!["00000001", "*final-", "*foo", "*@", "*final"]
        );
        assert_eq!(
            legacy_key("2.0-SNAPSHOT"),
            vec!["00000002", "*final-", "*snapshot", "*final"]
        );
        assert_eq!(legacy_key("1.0_x"), vec!["00000001", "*_", "*x", "*final"]);
    }

    #[test]
    fn huge_numbers() {
        assert_eq!(
            cmp(
                "1.99999999999999999999999999",
                "1.100000000000000000000000000"
            ),
            Ordering::Less
        );
        assert_eq!(cmp("99999999999999999999!1", "1!2"), Ordering::Greater);
    }
}
