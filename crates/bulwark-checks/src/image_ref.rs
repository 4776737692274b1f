//! Image references as written in FROM, `image:` and `Config.Image`: registry, repository,
//! tag and digest, normalised the way Docker does (`nginx` is `docker.io/library/nginx`).

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `docker.io` when none is given.
    pub registry: String,
    /// The path, with `library/` added for Docker Hub official images.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses `[registry/]path[:tag][@digest]`; `None` for something that is not a reference
    /// (empty, blanks, an unexpanded variable).
    pub fn parse(s: &str) -> Option<ImageRef> {
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) || s.contains('$') {
            return None;
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        // A tag is after the last ':' that follows the last '/'.
        let slash = rest.rfind('/').map(|n| n + 1).unwrap_or(0);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(n) => (&rest[..slash + n], Some(rest[slash + n + 1..].to_string())),
            None => (rest, None),
        };
        if name.is_empty() {
            return None;
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_ascii_lowercase(), path.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => "docker.io".to_string(),
            _ => registry,
        };
        let repository = if registry == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        Some(ImageRef {
            registry,
            repository,
            tag: tag.filter(|t| !t.is_empty()),
            digest,
        })
    }

    /// `registry/repository`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Whether the reference pins nothing: no tag and no digest, or the `latest` tag.
    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref().is_none_or(|t| t == "latest")
    }

    /// Whether `prefix` (`registry[/path]`) covers this image, at a path boundary.
    pub fn is_under(&self, prefix: &str) -> bool {
        let full = self.full_name();
        let prefix = prefix.trim().trim_end_matches('/');
        let first = prefix.split('/').next().unwrap_or("");
        // `bitnami` or `library/nginx` mean Docker Hub; anything else starts with a registry.
        let prefix = if first.contains('.') || first.contains(':') || first == "localhost" {
            prefix.to_ascii_lowercase()
        } else {
            format!("docker.io/{prefix}")
        };
        full == prefix || full.starts_with(&format!("{prefix}/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(
            (r.full_name().as_str(), r.tag.as_deref()),
            ("docker.io/library/nginx", None)
        );
        assert!(r.is_latest());
        let r = ImageRef::parse("localhost:5000/team/app:1.2@sha256:abc").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert!(!r.is_latest());
        let r = ImageRef::parse("bitnami/redis:latest").unwrap();
        assert_eq!(r.full_name(), "docker.io/bitnami/redis");
        assert!(r.is_latest());
        assert!(ImageRef::parse("python@sha256:1").is_some_and(|r| !r.is_latest()));
        assert!(ImageRef::parse("${BASE}").is_none());
    }

    #[test]
    fn prefixes() {
        let r = ImageRef::parse("gcr.io/distroless/static-debian12:nonroot").unwrap();
        assert!(r.is_under("gcr.io/distroless"));
        assert!(!r.is_under("gcr.io/dist"));
        assert!(ImageRef::parse("debian:12")
            .unwrap()
            .is_under("docker.io/library"));
        assert!(!ImageRef::parse("someone/debian:12")
            .unwrap()
            .is_under("docker.io/library"));
        assert!(ImageRef::parse("someone/debian:12")
            .unwrap()
            .is_under("someone"));
    }
}
