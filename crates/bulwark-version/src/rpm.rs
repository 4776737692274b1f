//! RPM versions: `[epoch:]version[-release]`, ordered like `rpm.vercmp` (rpm ≥ 4.15).
//!
//! Written by hand (no maintained crate implements rpm's EVR split and `rpmvercmp` with the
//! `~` and `^` separators exactly): this follows rpm's `rpmio/rpmvercmp.c` and the EVR parsing
//! of `rpmverParse`. The epoch is the leading run of digits when a `:` follows it (an empty
//! epoch is 0, a missing one is 0); the release is whatever follows the last `-`; a missing
//! release sorts before any present one, even an empty one (`1 < 1-`), as `rpm.vercmp` does.

use std::cmp::Ordering;

use crate::util::digit_run;

/// A parsed RPM EVR.
#[derive(Debug, Clone)]
pub(crate) struct RpmVersion {
    epoch: String,
    version: String,
    release: Option<String>,
}

/// Splits an EVR like rpm does. Every non-empty string is an EVR.
pub(crate) fn parse(s: &str) -> Result<RpmVersion, String> {
    let run = digit_run(s.as_bytes());
    let (epoch, rest) = if s[run..].starts_with(':') {
        let e = &s[..run];
        (if e.is_empty() { "0" } else { e }, &s[run + 1..])
    } else {
        ("0", s)
    };
    let (version, release) = match rest.rfind('-') {
        Some(hyphen) => (&rest[..hyphen], Some(rest[hyphen + 1..].to_string())),
        None => (rest, None),
    };
    Ok(RpmVersion {
        epoch: epoch.to_string(),
        version: version.to_string(),
        release,
    })
}

/// rpm's `rpmvercmp`: segments of ASCII letters or digits separated by anything else; digits
/// beat letters, longer digit runs win, `~` sorts before everything (even the end), `^` after
/// the end but before anything else.
pub(crate) fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let a = a.as_bytes();
    let b = b.as_bytes();
    let (mut i, mut j) = (0, 0);
    let is_sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    while i < a.len() || j < b.len() {
        while i < a.len() && is_sep(a[i]) {
            i += 1;
        }
        while j < b.len() && is_sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        // Tilde: sorts before everything else.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // Caret: like tilde, except that the end of a string (the base version) sorts lower.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(first), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = first.is_ascii_digit();
        let run = |s: &[u8], from: usize| -> usize {
            s[from..]
                .iter()
                .take_while(|c| {
                    if numeric {
                        c.is_ascii_digit()
                    } else {
                        c.is_ascii_alphabetic()
                    }
                })
                .count()
        };
        let la = run(a, i);
        let lb = run(b, j);
        // `la` is never 0 here: `first` is alphanumeric.
        if lb == 0 {
            // Different segment types: numeric beats alphabetic.
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (sa, sb) = (&a[i..i + la], &b[j..j + lb]);
        let ord = if numeric {
            let za = sa.iter().take_while(|&&c| c == b'0').count();
            let zb = sb.iter().take_while(|&&c| c == b'0').count();
            let (na, nb) = (&sa[za..], &sb[zb..]);
            na.len().cmp(&nb.len()).then_with(|| na.cmp(nb))
        } else {
            sa.cmp(sb)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i += la;
        j += lb;
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl RpmVersion {
    /// Epoch, then version, then release (missing < present).
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        rpmvercmp(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => rpmvercmp(a, b),
                (Some(_), None) => Ordering::Greater,
                (None, Some(_)) => Ordering::Less,
                (None, None) => Ordering::Equal,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp_version(&parse(b).unwrap())
    }

    #[test]
    fn tilde_and_caret() {
        assert_eq!(rpmvercmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0~rc1", "1.0~rc2"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^", "1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp("1.0^git1", "1.0.1"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^git1", "1.01"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0^git1~pre", "1.0^git1"), Ordering::Less);
        assert_eq!(rpmvercmp("1.0~rc1^git1", "1.0~rc1"), Ordering::Greater);
    }

    #[test]
    fn segments() {
        assert_eq!(rpmvercmp("1.0a", "1.0"), Ordering::Greater);
        assert_eq!(rpmvercmp("2.0.1a", "2.0.1"), Ordering::Greater);
        assert_eq!(rpmvercmp("xyz.4", "8"), Ordering::Less);
        assert_eq!(rpmvercmp("10.0001", "10.1"), Ordering::Equal);
        assert_eq!(rpmvercmp("2_0", "2.0"), Ordering::Equal);
        assert_eq!(rpmvercmp("1.1.α", "1.1.β"), Ordering::Equal);
        assert_eq!(
            rpmvercmp("1.999999999999999999999999", "1.1000000000000000000000000"),
            Ordering::Less
        );
    }

    #[test]
    fn epoch_and_release() {
        assert_eq!(cmp("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp(":1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("013:5", "004:2"), Ordering::Greater);
        assert_eq!(cmp("1", "1-"), Ordering::Less);
        assert_eq!(cmp("1", "1-0"), Ordering::Less);
        assert_eq!(cmp("1-1.", "1-1"), Ordering::Equal);
        // Not an epoch: letters before the colon.
        assert_eq!(cmp("a:1", "b:1"), Ordering::Less);
        assert_eq!(
            cmp("0:3.10.0-229.el7", "0:3.10.0-229.1.2.ael7b"),
            Ordering::Less
        );
    }
}
