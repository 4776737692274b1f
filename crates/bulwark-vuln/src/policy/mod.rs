//! Policy inputs that suppress findings without hiding them: the exceptions file
//! (`.bulwarkignore.yaml`, see [`Exceptions`]) and OpenVEX documents (`--vex FILE`, see
//! [`VexDocument`]).
//!
//! Both only ever *mark* a finding ([`Finding::suppressed`](crate::Finding::suppressed)); the
//! finding stays in the report so that what was waived, by whom and why stays visible, and
//! gates count only unsuppressed findings. Neither input un-suppresses a finding another one
//! suppressed, so the order they are applied in only decides which reason is recorded.
//!
//! Both inputs are bounded in size (4 MiB for an exceptions file, 16 MiB for a VEX document)
//! because they may come from outside the repository being scanned.

mod ignore;
mod vex;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

pub use ignore::{glob_matches, Exception, Exceptions, Waivable};
pub use vex::VexDocument;

use crate::error::VulnError;

/// Result of reading a policy file with a size bound.
enum Bounded {
    /// The whole content.
    Content(Vec<u8>),
    /// The file holds more than the limit; the number is what was seen (a lower bound).
    TooLarge(u64),
}

/// Reads `path` completely unless it holds more than `limit` bytes. The length is checked
/// both up front and while reading, so a file that grows (or a FIFO) cannot exceed it.
fn read_bounded(path: &Path, limit: u64) -> Result<Bounded, VulnError> {
    let read_err = |source| VulnError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let declared = file.metadata().map_err(read_err)?.len();
    if declared > limit {
        return Ok(Bounded::TooLarge(declared));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > limit {
        return Ok(Bounded::TooLarge(read));
    }
    Ok(Bounded::Content(bytes))
}

/// A package URL split into the parts matching compares, each percent-decoded and
/// normalised for comparison (type, namespace and name lower-cased, PyPI separators folded,
/// an `epoch` qualifier folded into the version, an explicit epoch 0 dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Purl {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
}

impl Purl {
    /// Parses `pkg:type/namespace/name@version?qualifiers#subpath`; `None` when `s` is not
    /// a package URL (no `pkg:` scheme, no type or no name).
    pub(crate) fn parse(s: &str) -> Option<Purl> {
        let s = s.trim();
        let scheme = s.get(..4)?;
        if !scheme.eq_ignore_ascii_case("pkg:") {
            return None;
        }
        let rest = s.get(4..)?.trim_start_matches('/');
        let (rest, subpath) = match rest.rsplit_once('#') {
            Some((r, sp)) => (r, Some(sp)),
            None => (rest, None),
        };
        let (rest, qualifiers) = match rest.rsplit_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (ty, path) = rest.split_once('/')?;
        let ty = ty.to_ascii_lowercase();
        let path = path.trim_end_matches('/');
        // The version is after an `@` in the last segment only, so that an unencoded npm
        // scope (`@angular/core`) is not taken for one.
        let (path, version) = match path.rsplit_once('/') {
            Some((ns, last)) => match last.split_once('@') {
                Some((name, v)) => (format!("{ns}/{name}"), Some(v)),
                None => (path.to_string(), None),
            },
            None => match path.split_once('@') {
                Some((name, v)) => (name.to_string(), Some(v)),
                None => (path.to_string(), None),
            },
        };
        let mut segments: Vec<String> = path
            .split('/')
            .filter(|seg| !seg.is_empty())
            .map(percent_decode)
            .collect();
        let name = normalize_name(&ty, &segments.pop()?);
        if ty.is_empty() || name.is_empty() {
            return None;
        }
        let namespace = Some(segments.join("/").to_lowercase()).filter(|n| !n.is_empty());
        let mut qualifier_map = BTreeMap::new();
        for pair in qualifiers.unwrap_or_default().split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value);
            if !key.is_empty() && !value.is_empty() {
                qualifier_map.insert(key.to_ascii_lowercase(), value);
            }
        }
        let mut version = version.map(percent_decode).filter(|v| !v.is_empty());
        if let Some(epoch) = qualifier_map.remove("epoch") {
            version = version.map(|v| {
                if v.contains(':') {
                    v
                } else {
                    format!("{epoch}:{v}")
                }
            });
        }
        if let Some(v) = &version {
            if let Some(without) = v.strip_prefix("0:") {
                version = Some(without.to_string());
            }
        }
        let subpath = subpath
            .map(|sp| sp.trim_matches('/').to_string())
            .filter(|sp| !sp.is_empty());
        Some(Purl {
            ty,
            namespace,
            name,
            version,
            qualifiers: qualifier_map,
            subpath,
        })
    }

    /// Whether `self`, read as a pattern (from a VEX statement or an exception), matches
    /// the concrete `candidate` (an installed package or the scanned image): same type,
    /// namespace and name; the same version unless `self` has none (then every version
    /// matches); every qualifier of `self` present in `candidate` with the same value
    /// (the candidate may have more); the same subpath if `self` has one.
    pub(crate) fn matches(&self, candidate: &Purl) -> bool {
        self.ty == candidate.ty
            && self.namespace == candidate.namespace
            && self.name == candidate.name
            && self
                .version
                .as_ref()
                .is_none_or(|v| candidate.version.as_ref() == Some(v))
            && self
                .qualifiers
                .iter()
                .all(|(k, v)| candidate.qualifiers.get(k) == Some(v))
            && self
                .subpath
                .as_ref()
                .is_none_or(|sp| candidate.subpath.as_ref() == Some(sp))
    }
}

/// Names compare case-insensitively (the purl types Bulwark emits are case-insensitive or
/// lower-case by specification); PyPI also treats `-`, `_` and `.` as the same.
fn normalize_name(ty: &str, name: &str) -> String {
    let lower = name.to_lowercase();
    if ty == "pypi" {
        lower.replace(['_', '.'], "-")
    } else {
        lower
    }
}

/// Decodes `%XX` escapes; a malformed escape is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(decoded) = hex {
                out.push(decoded);
                i += 3;
                continue;
            }
        }
        out.push(byte);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purl(s: &str) -> Purl {
        Purl::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn parses_the_parts() {
        let p = purl("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12");
        assert_eq!(p.ty, "deb");
        assert_eq!(p.namespace.as_deref(), Some("debian"));
        assert_eq!(p.name, "openssl");
        assert_eq!(p.version.as_deref(), Some("3.0.11-1~deb12u2"));
        assert_eq!(p.qualifiers.get("arch").map(String::as_str), Some("amd64"));
        let npm = purl("pkg:npm/%40angular/core@16.2.0");
        assert_eq!(npm.namespace.as_deref(), Some("@angular"));
        assert_eq!(
            (npm.name.as_str(), npm.version.as_deref()),
            ("core", Some("16.2.0"))
        );
        // An unencoded scope and no version.
        let npm = purl("pkg:npm/@angular/core");
        assert_eq!(
            (npm.namespace.as_deref(), npm.version),
            (Some("@angular"), None)
        );
        assert_eq!(
            purl("pkg:pypi/Django_Rest.Framework@3").name,
            "django-rest-framework"
        );
        assert_eq!(
            purl("pkg:golang/github.com/x/net@v0.1.0#http2")
                .subpath
                .as_deref(),
            Some("http2")
        );
        assert_eq!(
            purl("pkg:deb/debian/bash@5.2.15-2%2Bb2").version.as_deref(),
            Some("5.2.15-2+b2")
        );
        for bad in [
            "",
            "openssl",
            "pkg:",
            "pkg:deb",
            "pkg:deb/",
            "pkg:/openssl",
            "cpe:2.3:a",
        ] {
            assert_eq!(Purl::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pattern_matching() {
        let installed = purl(
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        );
        assert!(purl("pkg:deb/debian/openssl").matches(&installed));
        assert!(purl("pkg:deb/debian/openssl@3.0.11-1~deb12u2").matches(&installed));
        assert!(purl("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64").matches(&installed));
        assert!(purl("PKG:DEB/Debian/OpenSSL?distro=debian-12").matches(&installed));
        assert!(!purl("pkg:deb/debian/openssl@3.0.11-1~deb12u1").matches(&installed));
        assert!(!purl("pkg:deb/debian/openssl?arch=arm64").matches(&installed));
        assert!(!purl("pkg:deb/debian/openssl?foo=bar").matches(&installed));
        assert!(!purl("pkg:deb/ubuntu/openssl").matches(&installed));
        assert!(!purl("pkg:apk/debian/openssl").matches(&installed));
        assert!(!purl("pkg:deb/debian/libssl3").matches(&installed));
        // The candidate's qualifiers do not constrain a pattern without them; the reverse does.
        assert!(!installed.matches(&purl("pkg:deb/debian/openssl@3.0.11-1~deb12u2")));
    }

    #[test]
    fn epochs_compare_either_way() {
        let rpm = purl("pkg:rpm/redhat/openssl@3.0.7-27.el9?arch=x86_64&epoch=1");
        assert!(purl("pkg:rpm/redhat/openssl@1:3.0.7-27.el9").matches(&rpm));
        assert!(purl("pkg:rpm/redhat/openssl@3.0.7-27.el9?epoch=1").matches(&rpm));
        assert!(!purl("pkg:rpm/redhat/openssl@3.0.7-27.el9").matches(&rpm));
        let deb = purl("pkg:deb/debian/bash@5.2.15-2");
        assert!(purl("pkg:deb/debian/bash@0:5.2.15-2").matches(&deb));
        assert!(purl("pkg:deb/debian/bash@5.2.15-2?epoch=0").matches(&deb));
    }

    #[test]
    fn arbitrary_input_never_panics() {
        let pieces = [
            "pkg:",
            "PKG:",
            "deb",
            "/",
            "@",
            "?",
            "&",
            "=",
            "#",
            "%",
            "%4",
            "%zz",
            "%2F",
            "é",
            "epoch",
            "0:",
            ":",
            "a",
            "",
            "arch=amd64",
        ];
        let mut state: u64 = 42;
        for _ in 0..20_000 {
            let mut s = String::new();
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            for _ in 0..(state >> 59) + 1 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                s.push_str(pieces[(state >> 33) as usize % pieces.len()]);
            }
            if let Some(p) = Purl::parse(&s) {
                assert!(p.matches(&p), "{s}");
            }
        }
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%2Bb%3a%zz%4"), "a+b:%zz%4");
    }

    #[test]
    fn reads_with_a_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert!(matches!(read_bounded(&path, 5), Ok(Bounded::Content(c)) if c == b"12345"));
        assert!(matches!(read_bounded(&path, 4), Ok(Bounded::TooLarge(5))));
        assert!(matches!(
            read_bounded(&dir.path().join("missing"), 4),
            Err(VulnError::Read { .. })
        ));
    }
}

/// A Debian finding for the policy tests: one place to build it, so the exceptions and VEX
/// tests agree on what a finding looks like.
#[cfg(test)]
pub(crate) mod test_support {
    use bulwark_inventory::PackageKind;

    use crate::{AffectedPackage, Finding, Severity, Status};

    pub(crate) fn deb_finding(
        id: &str,
        aliases: &[&str],
        name: &str,
        source: Option<&str>,
        purl: &str,
    ) -> Finding {
        Finding {
            package: AffectedPackage {
                kind: PackageKind::Deb,
                name: name.into(),
                version: "3.0.11-1~deb12u1".into(),
                source_name: source.map(Into::into),
                purl: Some(purl.into()),
                found_in: "var/lib/dpkg/status".into(),
                layer: None,
            },
            id: id.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            advisories: vec![id.into()],
            title: None,
            status: Status::Fixed,
            fixed_version: Some("3.0.11-1~deb12u2".into()),
            severity: Severity::High,
            cvss: Vec::new(),
            vendor_severity: Vec::new(),
            ecosystem: "Debian:12".into(),
            url: None,
            published: None,
            suppressed: None,
            reachability: None,
        }
    }
}
