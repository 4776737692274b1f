//! SemVer 2.0.0 precedence, shared by [`Scheme::Semver`](crate::Scheme::Semver) (npm,
//! crates.io, Hex, Pub) and [`Scheme::Go`](crate::Scheme::Go).
//!
//! Written by hand rather than with the `semver` crate because that crate rejects what the
//! ecosystems' data contains and the vectors require: a leading `v` (npm's loose mode, Go's
//! mandatory prefix), missing minor/patch (`1`, Go's `v1.2`), numbers beyond `u64`, and
//! trailing components (`1.1.3.4.5`). Precedence is exactly SemVer §11: numeric
//! major/minor/patch, a prerelease sorts before the release, prerelease identifiers compare
//! numerically when all digits and in ASCII order otherwise (numeric < alphanumeric), more
//! identifiers win; build metadata (`+…`, including Go's `+incompatible`) is ignored.
//!
//! Leniencies (for versions outside the grammar, so they still order sensibly): a missing
//! minor or patch is 0; anything after the numeric core that is neither `-prerelease` nor
//! `+build` (a fourth component, `1.0.0beta`) is treated as a prerelease, minus one leading
//! `-` or `.`; an empty prerelease (`1.0.0-`) is no prerelease.

use std::cmp::Ordering;

use crate::util::{cmp_digits, digit_run, is_digits, strip_zeros};

/// One dot-separated prerelease identifier.
#[derive(Debug, Clone)]
enum Ident {
    Numeric(String),
    Alpha(String),
}

/// A parsed SemVer-like version.
#[derive(Debug, Clone)]
pub(crate) struct SemverVersion {
    /// Major, minor, patch without leading zeros.
    core: [String; 3],
    pre: Vec<Ident>,
}

pub(crate) fn parse(s: &str) -> Result<SemverVersion, String> {
    let body = s
        .strip_prefix('v')
        .or_else(|| s.strip_prefix('V'))
        .unwrap_or(s);
    let b = body.as_bytes();
    let mut core: [String; 3] = Default::default();
    let mut p = 0;
    for (k, slot) in core.iter_mut().enumerate() {
        if k > 0 {
            // Another component only if a dot and digits follow.
            if b.get(p) != Some(&b'.') || digit_run(&b[p + 1..]) == 0 {
                break;
            }
            p += 1;
        }
        let run = digit_run(&b[p..]);
        if run == 0 {
            return Err("version does not start with a number".to_string());
        }
        *slot = strip_zeros(&body[p..p + run]).to_string();
        p += run;
    }
    let rest = &body[p..];
    let pre = match rest.find('+') {
        Some(plus) => &rest[..plus],
        None => rest,
    };
    let pre = pre
        .strip_prefix('-')
        .or_else(|| pre.strip_prefix('.'))
        .unwrap_or(pre);
    let pre = if pre.is_empty() {
        Vec::new()
    } else {
        pre.split('.')
            .map(|id| {
                if is_digits(id) {
                    Ident::Numeric(id.to_string())
                } else {
                    Ident::Alpha(id.to_string())
                }
            })
            .collect()
    };
    Ok(SemverVersion { core, pre })
}

fn cmp_ident(a: &Ident, b: &Ident) -> Ordering {
    match (a, b) {
        (Ident::Numeric(x), Ident::Numeric(y)) => cmp_digits(x, y),
        (Ident::Alpha(x), Ident::Alpha(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Ident::Numeric(_), Ident::Alpha(_)) => Ordering::Less,
        (Ident::Alpha(_), Ident::Numeric(_)) => Ordering::Greater,
    }
}

impl SemverVersion {
    /// SemVer §11 precedence.
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        for (a, b) in self.core.iter().zip(&other.core) {
            let ord = cmp_digits(a, b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        for (a, b) in self.pre.iter().zip(&other.pre) {
            let ord = cmp_ident(a, b);
            if ord != Ordering::Equal {
                return ord;
            }
        }
        self.pre.len().cmp(&other.pre.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp_version(&parse(b).unwrap())
    }

    #[test]
    fn spec_precedence_chain() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.1.0",
            "2.0.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn leading_v_and_build_metadata() {
        assert_eq!(cmp("v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp("V1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(cmp("1.2.3+build", "1.2.3+other"), Ordering::Equal);
        assert_eq!(cmp("v1.2.3+incompatible", "v1.2.3"), Ordering::Equal);
        assert_eq!(cmp("v2.0.0+incompatible", "v1.9.9"), Ordering::Greater);
        assert_eq!(cmp("1.2.3-beta+x", "1.2.3-beta"), Ordering::Equal);
    }

    #[test]
    fn go_pseudo_versions_and_shorthand() {
        assert_eq!(
            cmp(
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-aaaaaaaaaaaa"
            ),
            Ordering::Less
        );
        assert_eq!(
            cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"),
            Ordering::Greater
        );
        assert_eq!(
            cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"),
            Ordering::Less
        );
        assert_eq!(cmp("v1", "v1.0.0"), Ordering::Equal);
        assert_eq!(cmp("v1.2", "v1.2.0"), Ordering::Equal);
    }

    #[test]
    fn lenient_shapes() {
        assert_eq!(cmp("1.1.3.4.5", "1.1.3.4.5"), Ordering::Equal);
        assert_eq!(cmp("1.1.3.4", "1.1.3"), Ordering::Less);
        assert_eq!(cmp("1.0.0-", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.2.3-r2", "1.2.3-r100"), Ordering::Greater);
        assert_eq!(cmp("1.2.3-01", "1.2.3-1"), Ordering::Equal);
        assert!(parse("v").is_err());
        assert!(parse("x1.0").is_err());
        assert!(parse(".1").is_err());
    }
}
