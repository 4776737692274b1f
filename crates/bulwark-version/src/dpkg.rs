//! Debian versions: `[epoch:]upstream[-revision]`, ordered like `dpkg --compare-versions`.
//!
//! Written by hand (no maintained crate implements dpkg's `parseversion` + `verrevcmp`
//! exactly, including its error/warning split): this follows dpkg's `lib/dpkg/parsehelp.c` and
//! `lib/dpkg/version.c`. What dpkg only *warns* about (a version not starting with a digit,
//! characters outside `[A-Za-z0-9.+~:-]`) is accepted, because `dpkg --compare-versions` still
//! compares such versions; what dpkg rejects (empty parts, a non-numeric, negative or too big
//! epoch, embedded spaces) is an error here too.

use std::cmp::Ordering;

use crate::util::digit_run;

/// A parsed Debian version.
#[derive(Debug, Clone)]
pub(crate) struct DpkgVersion {
    epoch: u32,
    upstream: String,
    revision: String,
}

/// C's `isspace` in the "C" locale.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Parses like dpkg's `parseversion`; errors carry dpkg's messages.
pub(crate) fn parse(s: &str) -> Result<DpkgVersion, String> {
    let t = s.trim_matches(|c: char| c.is_ascii() && is_c_space(c as u8));
    if t.is_empty() {
        return Err("version string is empty".to_string());
    }
    if t.bytes().any(is_c_space) {
        return Err("version string has embedded spaces".to_string());
    }
    let (epoch, rest) = match t.find(':') {
        Some(colon) => {
            let epoch = parse_epoch(&t[..colon])?;
            let rest = &t[colon + 1..];
            if rest.is_empty() {
                return Err("nothing after colon in version number".to_string());
            }
            (epoch, rest)
        }
        None => (0, t),
    };
    let (upstream, revision) = match rest.rfind('-') {
        Some(hyphen) => {
            let revision = &rest[hyphen + 1..];
            if revision.is_empty() {
                return Err("revision number is empty".to_string());
            }
            (&rest[..hyphen], revision)
        }
        None => (rest, ""),
    };
    if upstream.is_empty() {
        return Err("version number is empty".to_string());
    }
    Ok(DpkgVersion {
        epoch,
        upstream: upstream.to_string(),
        revision: revision.to_string(),
    })
}

/// The epoch as dpkg reads it with `strtol`: optional sign, then digits up to the colon,
/// 0 ..= `INT_MAX`.
fn parse_epoch(e: &str) -> Result<u32, String> {
    let (negative, digits) = match e.as_bytes().first() {
        Some(b'-') => (true, &e[1..]),
        Some(b'+') => (false, &e[1..]),
        _ => (false, e),
    };
    let run = digit_run(digits.as_bytes());
    if run == 0 {
        return Err("epoch in version is empty".to_string());
    }
    if run != digits.len() {
        return Err("epoch in version is not number".to_string());
    }
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Ok(0);
    }
    if negative {
        return Err("epoch in version is negative".to_string());
    }
    match significant.parse::<u32>() {
        Ok(n) if n <= i32::MAX as u32 => Ok(n),
        _ => Err("epoch in version is too big".to_string()),
    }
}

/// dpkg's `order()`: digits 0, letters their code, `~` below everything (even the end of
/// the string, which is 0), any other byte above letters. dpkg reads bytes as (signed) `char`,
/// so a non-ASCII byte `c` becomes `c - 256 + 256 = c`, between letters and ASCII punctuation.
fn order(c: u8) -> i32 {
    if c.is_ascii_digit() {
        0
    } else if c.is_ascii_alphabetic() {
        i32::from(c)
    } else if c == b'~' {
        -1
    } else if c >= 0x80 {
        i32::from(c)
    } else {
        i32::from(c) + 256
    }
}

/// dpkg's `verrevcmp`: alternating non-digit runs (compared by [`order`]) and digit runs
/// (compared numerically, of any length).
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = a.get(i).map_or(0, |&c| order(c));
            let bc = b.get(j).map_or(0, |&c| order(c));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let da = digit_run(&a[i..]);
        let db = digit_run(&b[j..]);
        let ord = da.cmp(&db).then_with(|| a[i..i + da].cmp(&b[j..j + db]));
        if ord != Ordering::Equal {
            return ord;
        }
        i += da;
        j += db;
    }
    Ordering::Equal
}

impl DpkgVersion {
    /// dpkg's `dpkg_version_compare`: epoch, then upstream, then revision.
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp_version(&parse(b).unwrap())
    }

    #[test]
    fn tilde_sorts_before_everything_even_the_end() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Ordering::Less);
        assert_eq!(cmp("1.0~", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~rc1-1", "1.0-1"), Ordering::Less);
        assert_eq!(cmp("1.2.3-1~deb7u1", "1.2.3-1"), Ordering::Less);
    }

    #[test]
    fn letters_sort_before_non_letters() {
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(cmp("1.0a", "1.0."), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0a"), Ordering::Less);
        assert_eq!(cmp("1.0+b1", "1.0.1"), Ordering::Less);
    }

    #[test]
    fn epochs_and_revisions() {
        assert_eq!(cmp("1:0.1", "2.0"), Ordering::Greater);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0-0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0-1-2", "1.0-1-1"), Ordering::Greater);
        assert_eq!(cmp("010:1", "10:1"), Ordering::Equal);
        assert_eq!(cmp("+1:2", "1:2"), Ordering::Equal);
        assert_eq!(cmp("2147483647:1", "1:9"), Ordering::Greater);
    }

    #[test]
    fn digit_runs_of_any_length() {
        assert_eq!(
            cmp(
                "1.99999999999999999999999999",
                "1.100000000000000000000000000"
            ),
            Ordering::Less
        );
        assert_eq!(cmp("1.0001", "1.1"), Ordering::Equal);
    }

    #[test]
    fn errors_are_dpkgs_errors() {
        for (v, msg) in [
            ("", "version string is empty"),
            ("   ", "version string is empty"),
            ("1.0 1", "version string has embedded spaces"),
            (":1", "epoch in version is empty"),
            ("a:1", "epoch in version is empty"),
            ("1a:1", "epoch in version is not number"),
            ("-1:1", "epoch in version is negative"),
            ("2147483648:1", "epoch in version is too big"),
            ("99999999999999999999:1", "epoch in version is too big"),
            ("1:", "nothing after colon in version number"),
            ("1.0-", "revision number is empty"),
            ("-1", "version number is empty"),
            (
                "1.2.3-not-a-debian:version!@#$",
                "epoch in version is not number",
            ),
        ] {
            assert_eq!(parse(v).unwrap_err(), msg, "{v:?}");
        }
        // Only warnings for dpkg: still compared.
        assert!(parse("x1.0").is_ok());
        assert!(parse("1.0!@").is_ok());
        assert!(parse(" 1.0 ").is_ok());
        assert!(parse("-0:1").is_ok());
    }

    #[test]
    fn non_ascii_bytes_sort_between_letters_and_punctuation() {
        assert_eq!(cmp("1.0z", "1.0é"), Ordering::Less);
        assert_eq!(cmp("1.0é", "1.0+"), Ordering::Less);
    }
}
