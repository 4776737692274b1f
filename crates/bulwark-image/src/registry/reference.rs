//! Image references as users type them (`alpine`, `ghcr.io/org/app:1.2`, `host:5000/app@sha256:…`),
//! normalised the way Docker does: a first path component without `.` or `:` (and not `localhost`)
//! is a Docker Hub repository, and single-component Hub names live under `library/`.

use std::fmt;
use std::str::FromStr;

use crate::{Digest, ImageError};

/// The host that serves Docker Hub's registry API.
pub const DOCKER_HUB_REGISTRY: &str = "registry-1.docker.io";
/// The name Docker Hub images carry in reports (`docker.io/library/alpine`).
pub const DOCKER_HUB_NAME: &str = "docker.io";
/// The key Docker uses for Hub credentials in `config.json` and credential helpers.
pub const DOCKER_HUB_AUTH_KEY: &str = "https://index.docker.io/v1/";

/// Names that all mean Docker Hub.
const DOCKER_HUB_ALIASES: [&str; 3] = [DOCKER_HUB_NAME, "index.docker.io", DOCKER_HUB_REGISTRY];

/// A parsed image reference: where the image lives and which version of it to pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// API host, with port when one was given (`127.0.0.1:5000`; `registry-1.docker.io` for Hub).
    pub registry: String,
    /// Repository path (`library/alpine`).
    pub repository: String,
    /// Tag; `latest` when the reference names neither tag nor digest.
    pub tag: Option<String>,
    /// Manifest digest; when present it decides what is pulled and the tag is informational.
    pub digest: Option<Digest>,
}

impl Reference {
    /// True for Docker Hub.
    pub fn is_docker_hub(&self) -> bool {
        self.registry == DOCKER_HUB_REGISTRY
    }

    /// True when `host` (as a user would write it, e.g. in `--insecure`) names this registry.
    pub fn registry_is(&self, host: &str) -> bool {
        let rest = host
            .strip_prefix("https://")
            .or_else(|| host.strip_prefix("http://"))
            .unwrap_or(host);
        let host = rest.split('/').next().unwrap_or(rest);
        host == self.registry || (self.is_docker_hub() && DOCKER_HUB_ALIASES.contains(&host))
    }

    /// The registry as reports show it: `docker.io` for Docker Hub, the API host otherwise.
    pub fn registry_name(&self) -> &str {
        if self.is_docker_hub() {
            DOCKER_HUB_NAME
        } else {
            &self.registry
        }
    }

    /// `registry/repository` as reports show it, e.g. `docker.io/library/alpine`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry_name(), self.repository)
    }

    /// What to ask the registry's manifest endpoint for: the digest if any, else the tag.
    pub fn manifest_ref(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => "latest".into(),
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl FromStr for Reference {
    type Err = ImageError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: String| ImageError::Target {
            target: s.to_string(),
            reason,
        };
        if s.is_empty() || s.len() > 4096 {
            return Err(bad("an image reference must be 1 to 4096 characters".into()));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("an image reference cannot contain spaces".into()));
        }

        let (rest, digest) = match s.split_once('@') {
            Some((rest, d)) => {
                let digest = d.parse::<Digest>().map_err(|_| {
                    bad(format!(
                        "{d:?} is not a digest: expected sha256:<64 lowercase hex>"
                    ))
                })?;
                (rest, Some(digest))
            }
            None => (s, None),
        };

        // A tag follows the last ':' unless that colon is a registry port (a '/' comes after it).
        let (name, tag) = match rest.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
            _ => (rest, None),
        };

        let (registry, repository) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                (first, remainder.to_string())
            }
            _ => (DOCKER_HUB_NAME, name.to_string()),
        };

        let registry = if DOCKER_HUB_ALIASES.contains(&registry) {
            DOCKER_HUB_REGISTRY.to_string()
        } else {
            check_registry(registry).map_err(bad)?;
            registry.to_string()
        };
        let repository = if registry == DOCKER_HUB_REGISTRY && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        check_repository(&repository).map_err(bad)?;
        if let Some(t) = tag {
            check_tag(t).map_err(bad)?;
        }

        let tag = match (tag, &digest) {
            (Some(t), _) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
            (None, Some(_)) => None,
        };
        Ok(Self {
            registry,
            repository,
            tag,
            digest,
        })
    }
}

/// True when `s` reads as an image reference rather than a file path. Purely syntactic: callers
/// that also accept paths should check the filesystem first (`./alpine` is a path, `alpine` is not).
pub fn looks_like_reference(s: &str) -> bool {
    let path_like = s.starts_with(['/', '.', '~'])
        || s.contains('\\')
        || s.contains("//")
        || [".tar", ".tar.gz", ".tgz", ".tar.zst"]
            .iter()
            .any(|ext| s.ends_with(ext));
    !path_like && s.parse::<Reference>().is_ok()
}

/// `host[:port]`: DNS labels or an IPv4 address, or a bracketed IPv6 address.
fn check_registry(host: &str) -> Result<(), String> {
    let err = || format!("{host:?} is not a valid registry host[:port]");
    let (h, port) = if let Some(v6) = host.strip_prefix('[') {
        let (addr, after) = v6.split_once(']').ok_or_else(err)?;
        if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(err());
        }
        match after {
            "" => (addr, None),
            p => (addr, Some(p.strip_prefix(':').ok_or_else(err)?)),
        }
    } else {
        let (h, port) = match host.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host, None),
        };
        let label_ok = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !h.split('.').all(label_ok) {
            return Err(err());
        }
        (h, port)
    };
    if h.is_empty() {
        return Err(err());
    }
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
    }
    Ok(())
}

/// Path components of lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`.
fn check_repository(repo: &str) -> Result<(), String> {
    let component_ok = |c: &str| {
        let b = c.as_bytes();
        let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
        if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            if alnum(b[i]) {
                i += 1;
                continue;
            }
            let sep_start = i;
            while i < b.len() && !alnum(b[i]) {
                i += 1;
            }
            let sep = &c[sep_start..i];
            let dashes = sep.bytes().all(|x| x == b'-');
            if !(sep == "." || sep == "_" || sep == "__" || dashes) {
                return false;
            }
        }
        true
    };
    if repo.len() > 255 || !repo.split('/').all(component_ok) {
        return Err(format!(
            "{repo:?} is not a valid repository name: use lowercase letters, digits and . _ - between path components"
        ));
    }
    Ok(())
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn check_tag(tag: &str) -> Result<(), String> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && !tag.starts_with(['.', '-'])
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{tag:?} is not a valid tag: up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:efbc66f9a894c94852dfe9419ea632ee889e3862ce2a60dc35bd483cddc88b69";

    fn parse(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r: Reference = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
        (
            r.registry,
            r.repository,
            r.tag,
            r.digest.map(|d| d.to_string()),
        )
    }

    fn hub(repo: &str, tag: Option<&str>) -> (String, String, Option<String>, Option<String>) {
        (
            DOCKER_HUB_REGISTRY.into(),
            repo.into(),
            tag.map(Into::into),
            None,
        )
    }

    #[test]
    fn docker_hub_short_names() {
        assert_eq!(parse("alpine"), hub("library/alpine", Some("latest")));
        assert_eq!(parse("alpine:3.19"), hub("library/alpine", Some("3.19")));
        assert_eq!(parse("bitnami/redis:7"), hub("bitnami/redis", Some("7")));
        assert_eq!(
            parse("docker.io/library/alpine"),
            hub("library/alpine", Some("latest"))
        );
        assert_eq!(
            parse("docker.io/alpine"),
            hub("library/alpine", Some("latest"))
        );
        assert_eq!(parse("index.docker.io/x/y:1"), hub("x/y", Some("1")));
        assert_eq!(parse("docker.io/x/y"), hub("x/y", Some("latest")));
        // Neither '.' nor ':' in the first component: a Hub namespace, not a host.
        assert_eq!(parse("myhost/app"), hub("myhost/app", Some("latest")));
    }

    #[test]
    fn hosts_ports_tags_and_digests() {
        assert_eq!(
            parse("127.0.0.1:5000/library/alpine:3.19.4"),
            (
                "127.0.0.1:5000".into(),
                "library/alpine".into(),
                Some("3.19.4".into()),
                None
            )
        );
        assert_eq!(
            parse("localhost/app"),
            (
                "localhost".into(),
                "app".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            parse("localhost:5000/a/b/c"),
            (
                "localhost:5000".into(),
                "a/b/c".into(),
                Some("latest".into()),
                None
            )
        );
        assert_eq!(
            parse(&format!("ghcr.io/org/app@{D}")),
            ("ghcr.io".into(), "org/app".into(), None, Some(D.into()))
        );
        assert_eq!(
            parse(&format!("host:5000/app:1.0@{D}")),
            (
                "host:5000".into(),
                "app".into(),
                Some("1.0".into()),
                Some(D.into())
            )
        );
        assert_eq!(
            parse(&format!("alpine@{D}")),
            (
                "registry-1.docker.io".into(),
                "library/alpine".into(),
                None,
                Some(D.into())
            )
        );
        assert_eq!(parse("[::1]:5000/app:v1").0, "[::1]:5000".to_string());
    }

    #[test]
    fn display_and_manifest_ref() {
        let r: Reference = "alpine".parse().unwrap();
        assert_eq!(r.to_string(), "docker.io/library/alpine:latest");
        assert_eq!(r.manifest_ref(), "latest");
        assert!(r.registry_is("docker.io") && r.registry_is("https://index.docker.io/v1/"));
        let r: Reference = format!("127.0.0.1:5000/a:1@{D}").parse().unwrap();
        assert_eq!(r.to_string(), format!("127.0.0.1:5000/a:1@{D}"));
        assert_eq!(r.manifest_ref(), D);
        assert!(r.registry_is("127.0.0.1:5000") && r.registry_is("http://127.0.0.1:5000/"));
        assert!(!r.registry_is("127.0.0.1"));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "Alpine",
            "alpine:",
            "alpine:-x",
            "alpine@sha256:abc",
            "alpine@md5:d41d8cd98f00b204e9800998ecf8427e",
            "a b",
            "host:port/app",
            "host:5000/",
            "host:5000/App",
            "library//alpine",
            "a--/b",
            "_a",
            "-bad.host/app",
        ] {
            assert!(
                bad.parse::<Reference>().is_err(),
                "{bad:?} should be rejected"
            );
        }
        let err = "alpine@sha256:abc".parse::<Reference>().unwrap_err();
        assert!(
            err.to_string().contains("sha256:<64 lowercase hex>"),
            "{err}"
        );
    }

    #[test]
    fn looks_like_reference_versus_paths() {
        for yes in [
            "alpine",
            "alpine:3.19",
            "127.0.0.1:5000/a/b:1",
            "ghcr.io/o/r",
        ] {
            assert!(looks_like_reference(yes), "{yes}");
        }
        for no in [
            "./alpine",
            "/tmp/image",
            "../x",
            "~/img",
            "image.tar",
            "image.tar.gz",
            "Some Dir",
            "C:\\images\\x",
            "",
        ] {
            assert!(!looks_like_reference(no), "{no}");
        }
    }
}
