//! Package URLs (purl) for inventory packages and images, written after the package-url
//! specification: per-type name normalisation, percent-encoding of every component, qualifiers
//! sorted by key, empty qualifiers dropped.
//!
//! OS packages follow what Syft emits (namespace = os-release `ID`, `distro=<ID>-<VERSION_ID>`,
//! `upstream=` for the source package) with one deliberate difference: Syft leaves `+` in
//! versions unencoded, the specification (and packageurl-python, Trivy) encode it as `%2B`.
//! Both decode to the same package.

use bulwark_image::ImageMeta;
use bulwark_inventory::{OsInfo, Package, PackageKind};

/// The package URL of `pkg`, given the image's OS (which names the namespace and `distro` of OS
/// packages). `None` when the package has no name to build one from.
///
/// ```
/// use bulwark_inventory::{OsInfo, Package, PackageKind};
///
/// let os = OsInfo { id: "alpine".into(), version_id: Some("3.10.3".into()), ..Default::default() };
/// let mut musl = Package::new(PackageKind::Apk, "musl", "1.1.22-r3", "lib/apk/db/installed");
/// musl.arch = Some("x86_64".into());
/// assert_eq!(
///     bulwark_report::purl(&musl, Some(&os)).as_deref(),
///     Some("pkg:apk/alpine/musl@1.1.22-r3?arch=x86_64&distro=alpine-3.10.3"),
/// );
/// ```
pub fn purl(pkg: &Package, os: Option<&OsInfo>) -> Option<String> {
    if pkg.name.trim().is_empty() {
        return None;
    }
    let parts = match pkg.kind {
        PackageKind::Deb => os_package("deb", pkg, os, pkg.name.clone()),
        PackageKind::Apk => os_package("apk", pkg, os, pkg.name.to_lowercase()),
        PackageKind::Rpm => rpm(pkg, os),
        PackageKind::Python => Parts::new(
            "pypi",
            pkg.name.to_lowercase().replace('_', "-"),
            &pkg.version,
        ),
        PackageKind::Npm => {
            let name = pkg.name.to_lowercase();
            match name.strip_prefix('@').and_then(|s| s.split_once('/')) {
                Some((scope, base)) => {
                    Parts::new("npm", base.to_string(), &pkg.version).namespace(format!("@{scope}"))
                }
                None => Parts::new("npm", name, &pkg.version),
            }
        }
        PackageKind::Cargo => Parts::new("cargo", pkg.name.clone(), &pkg.version),
        PackageKind::Go => split_last("golang", &pkg.name, '/', &pkg.version),
        PackageKind::Maven => split_last("maven", &pkg.name, ':', &pkg.version),
        PackageKind::Gem => Parts::new("gem", pkg.name.clone(), &pkg.version),
        PackageKind::Composer => {
            split_last("composer", &pkg.name.to_lowercase(), '/', &pkg.version)
        }
        PackageKind::Nuget => Parts::new("nuget", pkg.name.clone(), &pkg.version),
    };
    Some(parts.render())
}

/// `pkg:oci/<name>@<manifest digest>?arch=..&repository_url=..&tag=..` for an image whose
/// repository and manifest digest are known (registry pulls, OCI layouts with full ref names,
/// docker archives with `RepoDigests`); `None` otherwise, since an oci purl without the digest
/// does not identify anything.
pub(crate) fn image_purl(meta: &ImageMeta) -> Option<String> {
    let from_digests = meta.repo_digests.iter().find_map(|rd| rd.split_once('@'));
    let digest = match (&meta.manifest_digest, from_digests) {
        (Some(d), _) => d.as_str().to_string(),
        (None, Some((_, d))) => d.to_string(),
        (None, None) => return None,
    };
    let tagged = meta.repo_tags.iter().find_map(|t| split_tag(t));
    let repository = from_digests
        .map(|(repo, _)| repo)
        .or(tagged.map(|(repo, _)| repo))?;
    let repository = normalize_repository(repository);
    let name = repository.rsplit('/').next()?.to_lowercase();
    let mut parts = Parts::new("oci", name, &digest);
    if let Some(arch) = &meta.config.architecture {
        parts = parts.qualifier("arch", arch);
    }
    parts = parts.qualifier("repository_url", &repository);
    if let Some((_, tag)) = tagged {
        parts = parts.qualifier("tag", tag);
    }
    Some(parts.render())
}

/// The components of one purl, raw (unencoded) until [`Parts::render`].
struct Parts {
    ty: &'static str,
    /// `/`-separated segments.
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(&'static str, String)>,
}

impl Parts {
    fn new(ty: &'static str, name: String, version: &str) -> Self {
        Self {
            ty,
            namespace: None,
            name,
            version: Some(version.to_string()).filter(|v| !v.is_empty()),
            qualifiers: Vec::new(),
        }
    }

    fn namespace(mut self, ns: String) -> Self {
        self.namespace = Some(ns).filter(|n| !n.is_empty());
        self
    }

    fn qualifier(mut self, key: &'static str, value: &str) -> Self {
        // The specification treats an empty value as an absent qualifier.
        if !value.is_empty() {
            self.qualifiers.push((key, value.to_string()));
        }
        self
    }

    fn render(mut self) -> String {
        let mut out = format!("pkg:{}/", self.ty);
        if let Some(ns) = &self.namespace {
            for segment in ns.split('/').filter(|s| !s.is_empty()) {
                out.push_str(&encode(segment));
                out.push('/');
            }
        }
        out.push_str(&encode(&self.name));
        if let Some(v) = &self.version {
            out.push('@');
            out.push_str(&encode(v));
        }
        self.qualifiers.sort_by(|a, b| a.0.cmp(b.0));
        for (i, (key, value)) in self.qualifiers.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            out.push_str(key);
            out.push('=');
            out.push_str(&encode(value));
        }
        out
    }
}

/// deb and apk: the OS-package base plus `upstream` for a differing source.
fn os_package(ty: &'static str, pkg: &Package, os: Option<&OsInfo>, name: String) -> Parts {
    let parts = os_base(ty, pkg, os, name, &pkg.version);
    match upstream(pkg) {
        Some(upstream) => parts.qualifier("upstream", &upstream),
        None => parts,
    }
}

/// rpm: the version is `version-release` without the epoch, which goes to `epoch=`; like
/// Syft, `upstream=` is the source RPM's file name whenever the source is known.
fn rpm(pkg: &Package, os: Option<&OsInfo>) -> Parts {
    let (epoch_in_version, version) = split_rpm_epoch(&pkg.version);
    let mut parts = os_base("rpm", pkg, os, pkg.name.clone(), version);
    if let Some(source) = pkg.source_name.as_deref().filter(|s| !s.is_empty()) {
        let srpm = if source.ends_with(".src.rpm") {
            source.to_string()
        } else {
            let source_version = pkg.source_version.as_deref().filter(|v| !v.is_empty());
            let source_version = source_version.map_or(version, |v| split_rpm_epoch(v).1);
            format!("{source}-{source_version}.src.rpm")
        };
        parts = parts.qualifier("upstream", &srpm);
    }
    // Epoch 0 is what rpm assumes when there is none; leaving it out keeps purls of the same
    // package equal whether or not the database spelled it out.
    if let Some(epoch) = pkg.epoch.or(epoch_in_version).filter(|e| *e != 0) {
        parts = parts.qualifier("epoch", &epoch.to_string());
    }
    parts
}

/// What every OS package purl has: namespace and `distro` from the OS, and `arch`.
fn os_base(
    ty: &'static str,
    pkg: &Package,
    os: Option<&OsInfo>,
    name: String,
    version: &str,
) -> Parts {
    let mut parts = Parts::new(ty, name, version);
    if let Some(ns) = os.map(|o| o.id.to_lowercase()) {
        parts = parts.namespace(ns);
    }
    parts = parts.qualifier("arch", pkg.arch.as_deref().unwrap_or(""));
    match os.and_then(distro) {
        Some(distro) => parts.qualifier("distro", &distro),
        None => parts,
    }
}

/// `<ID>-<VERSION_ID>`, or the bare ID when the version is unknown.
fn distro(os: &OsInfo) -> Option<String> {
    let id = os.id.to_lowercase();
    if id.is_empty() {
        return None;
    }
    Some(match os.version_id.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => format!("{id}-{v}"),
        None => id,
    })
}

/// Syft's `upstream` qualifier: the source name when it differs from the binary package's,
/// `name@version` when the source version differs.
fn upstream(pkg: &Package) -> Option<String> {
    let source = pkg.source_name.as_deref().filter(|s| !s.is_empty())?;
    let source_version = pkg
        .source_version
        .as_deref()
        .filter(|v| !v.is_empty() && *v != pkg.version);
    match source_version {
        Some(v) => Some(format!("{source}@{v}")),
        None if source != pkg.name => Some(source.to_string()),
        None => None,
    }
}

/// Splits a leading `N:` epoch off an rpm version string.
fn split_rpm_epoch(version: &str) -> (Option<u64>, &str) {
    match version.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
            (epoch.parse().ok(), rest)
        }
        _ => (None, version),
    }
}

/// `namespace<sep>name` types (golang module paths, maven `group:artifact`, composer
/// `vendor/package`).
fn split_last(ty: &'static str, full: &str, sep: char, version: &str) -> Parts {
    match full.rsplit_once(sep) {
        Some((ns, name)) if !name.is_empty() => {
            Parts::new(ty, name.to_string(), version).namespace(ns.replace(sep, "/"))
        }
        _ => Parts::new(ty, full.to_string(), version),
    }
}

/// `repo:tag` → (`repo`, `tag`), minding registry ports (`host:5000/repo:tag`).
fn split_tag(reference: &str) -> Option<(&str, &str)> {
    let reference = reference.split('@').next().unwrap_or(reference);
    let (repo, tag) = reference.rsplit_once(':')?;
    if tag.contains('/') || repo.is_empty() || tag.is_empty() {
        return None;
    }
    Some((repo, tag))
}

/// Spells out Docker Hub's implicit registry and `library/` namespace.
fn normalize_repository(repo: &str) -> String {
    let first = repo.split('/').next().unwrap_or(repo);
    let has_registry =
        repo.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        repo.to_string()
    } else if repo.contains('/') {
        format!("docker.io/{repo}")
    } else {
        format!("docker.io/library/{repo}")
    }
}

/// Percent-encodes everything but the characters the specification forbids encoding:
/// ASCII letters and digits, `.-_~`, and `:`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(id: &str, version: &str) -> OsInfo {
        OsInfo {
            id: id.into(),
            version_id: Some(version.into()),
            ..Default::default()
        }
    }

    fn pkg(kind: PackageKind, name: &str, version: &str) -> Package {
        Package::new(kind, name, version, "db")
    }

    #[test]
    fn deb_like_syft() {
        let mut p = pkg(PackageKind::Deb, "openssl", "3.0.11-1~deb12u2");
        p.arch = Some("amd64".into());
        let debian = os("debian", "12");
        assert_eq!(
            purl(&p, Some(&debian)).as_deref(),
            Some("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12")
        );

        // Binary package built from a differently named source.
        let mut libssl = pkg(PackageKind::Deb, "libssl3", "3.0.11-1~deb12u2");
        libssl.arch = Some("amd64".into());
        libssl.source_name = Some("openssl".into());
        assert_eq!(
            purl(&libssl, Some(&debian)).as_deref(),
            Some("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl")
        );

        // Source version differs (binNMU, `Source: gcc-12 (12.2.0-14)`): `+` and `@` encoded.
        let mut libgcc = pkg(PackageKind::Deb, "libgcc-s1", "12.2.0-14+b1");
        libgcc.arch = Some("amd64".into());
        libgcc.source_name = Some("gcc-12".into());
        libgcc.source_version = Some("12.2.0-14".into());
        assert_eq!(
            purl(&libgcc, Some(&debian)).as_deref(),
            Some("pkg:deb/debian/libgcc-s1@12.2.0-14%2Bb1?arch=amd64&distro=debian-12&upstream=gcc-12%4012.2.0-14")
        );

        // dpkg epochs stay in the version; ':' is never encoded.
        let mut adduser = pkg(PackageKind::Deb, "login", "1:4.13+dfsg1-1+b1");
        adduser.arch = Some("amd64".into());
        adduser.source_name = Some("shadow".into());
        adduser.source_version = Some("1:4.13+dfsg1-1".into());
        let ubuntu = os("ubuntu", "22.04");
        assert_eq!(
            purl(&adduser, Some(&ubuntu)).as_deref(),
            Some("pkg:deb/ubuntu/login@1:4.13%2Bdfsg1-1%2Bb1?arch=amd64&distro=ubuntu-22.04&upstream=shadow%401:4.13%2Bdfsg1-1")
        );
    }

    #[test]
    fn apk_like_syft() {
        let alpine = os("alpine", "3.10.3");
        let mut musl = pkg(PackageKind::Apk, "musl", "1.1.22-r3");
        musl.arch = Some("x86_64".into());
        musl.source_name = Some("musl".into());
        assert_eq!(
            purl(&musl, Some(&alpine)).as_deref(),
            Some("pkg:apk/alpine/musl@1.1.22-r3?arch=x86_64&distro=alpine-3.10.3")
        );
        let mut libcrypto = pkg(PackageKind::Apk, "libcrypto1.1", "1.1.1d-r0");
        libcrypto.arch = Some("x86_64".into());
        libcrypto.source_name = Some("openssl".into());
        assert_eq!(
            purl(&libcrypto, Some(&alpine)).as_deref(),
            Some("pkg:apk/alpine/libcrypto1.1@1.1.1d-r0?arch=x86_64&distro=alpine-3.10.3&upstream=openssl")
        );
    }

    #[test]
    fn rpm_epoch_is_a_qualifier_not_part_of_the_version() {
        let rhel = os("rhel", "9.3");
        let mut p = pkg(PackageKind::Rpm, "openssl-libs", "1:3.0.7-27.el9");
        p.epoch = Some(1);
        p.arch = Some("x86_64".into());
        p.source_name = Some("openssl-3.0.7-27.el9.src.rpm".into());
        assert_eq!(
            purl(&p, Some(&rhel)).as_deref(),
            Some("pkg:rpm/rhel/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm")
        );
        // The inventory's split form of the source RPM (name, version when it differs).
        p.source_name = Some("openssl".into());
        assert_eq!(
            purl(&p, Some(&rhel)).as_deref(),
            Some("pkg:rpm/rhel/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm")
        );
        p.source_version = Some("3.0.7-28.el9".into());
        assert!(purl(&p, Some(&rhel))
            .is_some_and(|u| u.ends_with("&upstream=openssl-3.0.7-28.el9.src.rpm")));
        p.source_version = None;
        // Epoch only in the version string, or only in the field.
        p.epoch = None;
        assert!(purl(&p, Some(&rhel))
            .is_some_and(|u| u.contains("@3.0.7-27.el9?") && u.contains("&epoch=1&")));
        p.version = "3.0.7-27.el9".into();
        p.epoch = Some(1);
        assert!(purl(&p, Some(&rhel))
            .is_some_and(|u| u.contains("@3.0.7-27.el9?") && u.contains("&epoch=1&")));
        // Epoch 0 is the default and left out.
        p.epoch = Some(0);
        assert!(purl(&p, Some(&rhel)).is_some_and(|u| !u.contains("epoch")));
    }

    #[test]
    fn os_packages_without_os_have_no_namespace() {
        let p = pkg(PackageKind::Deb, "bash", "5.2.15-2+b2");
        assert_eq!(
            purl(&p, None).as_deref(),
            Some("pkg:deb/bash@5.2.15-2%2Bb2")
        );
    }

    #[test]
    fn language_packages() {
        let cases = [
            (
                PackageKind::Python,
                "Flask_SQLAlchemy",
                "3.1.1",
                "pkg:pypi/flask-sqlalchemy@3.1.1",
            ),
            (
                PackageKind::Npm,
                "@babel/core",
                "7.23.2",
                "pkg:npm/%40babel/core@7.23.2",
            ),
            (
                PackageKind::Npm,
                "lodash",
                "4.17.21",
                "pkg:npm/lodash@4.17.21",
            ),
            (
                PackageKind::Cargo,
                "serde_json",
                "1.0.108",
                "pkg:cargo/serde_json@1.0.108",
            ),
            (
                PackageKind::Go,
                "github.com/sirupsen/logrus",
                "v1.9.3",
                "pkg:golang/github.com/sirupsen/logrus@v1.9.3",
            ),
            (
                PackageKind::Go,
                "github.com/docker/docker",
                "v24.0.7+incompatible",
                "pkg:golang/github.com/docker/docker@v24.0.7%2Bincompatible",
            ),
            (
                PackageKind::Go,
                "stdlib",
                "go1.21.5",
                "pkg:golang/stdlib@go1.21.5",
            ),
            (
                PackageKind::Maven,
                "org.apache.logging.log4j:log4j-core",
                "2.14.1",
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            ),
            (PackageKind::Gem, "rack", "2.2.8", "pkg:gem/rack@2.2.8"),
            (
                PackageKind::Composer,
                "Laravel/Framework",
                "v10.0.0",
                "pkg:composer/laravel/framework@v10.0.0",
            ),
            (
                PackageKind::Nuget,
                "Newtonsoft.Json",
                "13.0.3",
                "pkg:nuget/Newtonsoft.Json@13.0.3",
            ),
        ];
        for (kind, name, version, expected) in cases {
            assert_eq!(
                purl(&pkg(kind, name, version), None).as_deref(),
                Some(expected),
                "{name}"
            );
        }
    }

    #[test]
    fn empty_parts() {
        assert_eq!(purl(&pkg(PackageKind::Npm, " ", "1"), None), None);
        assert_eq!(
            purl(&pkg(PackageKind::Gem, "rack", ""), None).as_deref(),
            Some("pkg:gem/rack")
        );
    }

    #[test]
    fn encoding_follows_the_spec() {
        assert_eq!(
            encode("a b/c@d+e%f:g~h_i.j-k"),
            "a%20b%2Fc%40d%2Be%25f:g~h_i.j-k"
        );
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn tags_and_repositories() {
        assert_eq!(split_tag("alpine:3.19"), Some(("alpine", "3.19")));
        assert_eq!(
            split_tag("localhost:5000/app:v1"),
            Some(("localhost:5000/app", "v1"))
        );
        assert_eq!(split_tag("localhost:5000/app"), None);
        assert_eq!(normalize_repository("alpine"), "docker.io/library/alpine");
        assert_eq!(
            normalize_repository("bitnami/redis"),
            "docker.io/bitnami/redis"
        );
        assert_eq!(normalize_repository("ghcr.io/org/app"), "ghcr.io/org/app");
        assert_eq!(normalize_repository("localhost/app"), "localhost/app");
    }
}
