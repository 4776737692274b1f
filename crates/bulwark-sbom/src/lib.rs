//! Reads an SBOM back into an [`Inventory`], so that `bulwark sbom-scan FILE` can match an
//! SBOM made earlier, elsewhere or by another tool against the advisory database.
//!
//! Formats: CycloneDX JSON (1.2 to 1.6, nested `components` included) and SPDX 2.x JSON.
//! Packages are identified by their package URL: the purl type gives the
//! [`PackageKind`], the purl's namespace and name the package name in the form the
//! cataloguers use (`@scope/name` for npm, `group:artifact` for Maven, the module path for
//! Go, `vendor/name` for Composer), `arch`, `epoch` and `upstream` (source package) its
//! OS-package details. Source packages also come from the properties bulwark
//! (`bulwark:package:sourceName`/`sourceVersion`) and Trivy
//! (`aquasecurity:trivy:SrcName`/`SrcVersion`/`SrcRelease`/`SrcEpoch`) write. The
//! operating system comes from a CycloneDX `operating-system` component, else from the
//! `distro` qualifier of the OS packages' purls (`distro=debian-12`).
//!
//! Components without a purl, or with a purl type Bulwark has no advisories for, are
//! skipped and counted in [`SbomInventory::skipped`]; an unparsable purl is a warning.
//! Input is bounded by [`MAX_SBOM_BYTES`]; JSON nesting is bounded by the parser's
//! recursion limit, and component nesting by [`MAX_DEPTH`].

use std::collections::BTreeSet;

use bulwark_inventory::{normalized_name, Inventory, OsInfo, Package, PackageKind};
use packageurl::PackageUrl;
use serde_json::Value;

/// Largest SBOM read (256 MiB: a very large image's SBOM is a few tens of MiB).
pub const MAX_SBOM_BYTES: u64 = 256 << 20;

/// Deepest nesting of CycloneDX `components` followed.
pub const MAX_DEPTH: usize = 32;

/// Why an SBOM could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// Over [`MAX_SBOM_BYTES`].
    #[error("{origin}: {size} bytes is over the {MAX_SBOM_BYTES}-byte limit for an SBOM")]
    TooLarge { origin: String, size: u64 },
    /// Not JSON.
    #[error("{origin}: not JSON: {message}")]
    Json { origin: String, message: String },
    /// JSON, but neither CycloneDX nor SPDX.
    #[error("{origin}: not a CycloneDX or SPDX JSON document (no `bomFormat: CycloneDX` or `spdxVersion`)")]
    UnknownFormat { origin: String },
    /// The right format with the wrong shape (`components` not a list, ...).
    #[error("{origin}: {message}")]
    Shape { origin: String, message: String },
}

/// The SBOM's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SbomFormat {
    CycloneDx,
    Spdx,
}

/// What an SBOM lists, as an inventory.
#[derive(Debug, Clone)]
pub struct SbomInventory {
    pub format: SbomFormat,
    /// The subject's name (CycloneDX `metadata.component.name`, SPDX `name`).
    pub name: Option<String>,
    pub inventory: Inventory,
    /// Components skipped because they have no purl or an unsupported purl type.
    pub skipped: usize,
}

/// Parses an SBOM; `origin` names it in errors and warnings.
pub fn read_sbom(bytes: &[u8], origin: &str) -> Result<SbomInventory, SbomError> {
    let size = bytes.len() as u64;
    if size > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge {
            origin: origin.to_string(),
            size,
        });
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| SbomError::Json {
        origin: origin.to_string(),
        message: e.to_string(),
    })?;
    let shape = |message: String| SbomError::Shape {
        origin: origin.to_string(),
        message,
    };
    let mut reader = Reader::default();
    let format = if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        let name = doc
            .pointer("/metadata/component/name")
            .and_then(Value::as_str);
        reader.name = name.map(str::to_string);
        if let Some(c) = doc.pointer("/metadata/component") {
            reader.cyclonedx_component(c, 0).map_err(shape)?;
        }
        match doc.get("components") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for c in list {
                    reader.cyclonedx_component(c, 0).map_err(shape)?;
                }
            }
            Some(_) => return Err(shape("`components` is not a list".to_string())),
        }
        SbomFormat::CycloneDx
    } else if doc.get("spdxVersion").and_then(Value::as_str).is_some() {
        reader.name = doc.get("name").and_then(Value::as_str).map(str::to_string);
        match doc.get("packages") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for p in list {
                    reader.spdx_package(p);
                }
            }
            Some(_) => return Err(shape("`packages` is not a list".to_string())),
        }
        SbomFormat::Spdx
    } else {
        return Err(SbomError::UnknownFormat {
            origin: origin.to_string(),
        });
    };
    Ok(reader.finish(format, origin))
}

#[derive(Default)]
struct Reader {
    name: Option<String>,
    os: Option<OsInfo>,
    /// `distro` qualifiers seen on OS packages, for when no OS component exists.
    distros: BTreeSet<String>,
    packages: Vec<Package>,
    warnings: Vec<String>,
    skipped: usize,
}

impl Reader {
    fn cyclonedx_component(&mut self, c: &Value, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("components nested deeper than {MAX_DEPTH} levels"));
        }
        let Some(obj) = c.as_object() else {
            return Err("a component is not an object".to_string());
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str);
        if text("type") == Some("operating-system") {
            if let Some(id) = text("name") {
                self.os.get_or_insert_with(|| OsInfo {
                    id: id.to_ascii_lowercase(),
                    version_id: text("version").map(str::to_string),
                    pretty_name: text("description").map(str::to_string),
                    ..OsInfo::default()
                });
            }
        } else if let Some(purl) = text("purl") {
            let props = properties(obj.get("properties"));
            self.package(purl, text("name"), text("version"), &props);
        } else if text("type").is_some_and(|t| t == "library" || t == "application") {
            self.skipped += 1;
        }
        if let Some(Value::Array(children)) = obj.get("components") {
            for child in children {
                self.cyclonedx_component(child, depth + 1)?;
            }
        }
        Ok(())
    }

    fn spdx_package(&mut self, p: &Value) {
        let purpose = p.get("primaryPackagePurpose").and_then(Value::as_str);
        let name = p.get("name").and_then(Value::as_str);
        let version = p.get("versionInfo").and_then(Value::as_str);
        if purpose == Some("OPERATING-SYSTEM") {
            if let Some(id) = name {
                self.os.get_or_insert_with(|| OsInfo {
                    id: id.to_ascii_lowercase(),
                    version_id: version.map(str::to_string),
                    ..OsInfo::default()
                });
            }
            return;
        }
        let purl = p
            .get("externalRefs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
            .and_then(|r| r.get("referenceLocator"))
            .and_then(Value::as_str);
        // Trivy's SPDX names the source package only in `sourceInfo`:
        // "built package from: expat 2.5.0-1+deb12u2".
        let mut props = Vec::new();
        if let Some(info) = p.get("sourceInfo").and_then(Value::as_str) {
            if let Some(rest) = info.strip_prefix("built package from: ") {
                let mut words = rest.split_whitespace();
                if let (Some(n), Some(v)) = (words.next(), words.next()) {
                    props.push(("bulwark:package:sourceName".to_string(), n.to_string()));
                    props.push(("bulwark:package:sourceVersion".to_string(), v.to_string()));
                }
            }
        }
        match purl {
            Some(purl) => self.package(purl, name, version, &props),
            None => self.skipped += 1,
        }
    }

    fn package(
        &mut self,
        purl: &str,
        display: Option<&str>,
        version: Option<&str>,
        props: &[(String, String)],
    ) {
        let parsed = match purl.parse::<PackageUrl<'static>>() {
            Ok(p) => p,
            Err(e) => {
                self.warnings.push(format!(
                    "skipped component with an invalid purl {purl:?}: {e}"
                ));
                return;
            }
        };
        let Some(kind) = kind_of(parsed.ty()) else {
            self.skipped += 1;
            return;
        };
        let name = match (kind, parsed.namespace()) {
            (PackageKind::Maven, Some(ns)) => format!("{ns}:{}", parsed.name()),
            (PackageKind::Npm | PackageKind::Go | PackageKind::Composer, Some(ns)) => {
                format!("{ns}/{}", parsed.name())
            }
            _ => parsed.name().to_string(),
        };
        // pypi purls are lower-cased; the component's own name keeps the spelling the
        // package's metadata uses (`PyYAML`), as the cataloguers do.
        let name = match display {
            Some(d) if d != name && normalized_name(kind, d) == normalized_name(kind, &name) => {
                d.to_string()
            }
            _ => name,
        };
        let Some(version) = parsed.version().or(version).filter(|v| !v.is_empty()) else {
            self.warnings
                .push(format!("skipped {purl}: it has no version"));
            return;
        };
        let qualifier = |k: &str| parsed.qualifiers().get(k).map(|v| v.to_string());
        let prop = |k: &str| props.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone());
        // Go's toolchain: bulwark records `stdlib` at `1.19.8`, Trivy and Syft at `v1.19.8`.
        let version = match (kind, name.as_str()) {
            (PackageKind::Go, "stdlib") => version.strip_prefix('v').unwrap_or(version),
            _ => version,
        };
        let mut pkg = Package::new(kind, name, version, format!("sbom:{purl}"));
        pkg.arch = qualifier("arch").filter(|a| !a.is_empty());
        if kind.is_os() {
            if let Some(distro) = qualifier("distro") {
                self.distros.insert(distro);
            }
        }
        if kind == PackageKind::Rpm {
            pkg.epoch = qualifier("epoch").and_then(|e| e.parse().ok());
            if let Some(epoch) = pkg.epoch.filter(|e| *e != 0) {
                pkg.version = format!("{epoch}:{}", pkg.version);
            }
        }
        // Source package: purl `upstream=name[@version]` (deb, apk), then properties.
        if matches!(kind, PackageKind::Deb | PackageKind::Apk) {
            if let Some(up) = qualifier("upstream") {
                match up.split_once('@') {
                    Some((n, v)) => {
                        pkg.source_name = Some(n.to_string());
                        pkg.source_version = Some(v.to_string());
                    }
                    None => pkg.source_name = Some(up),
                }
            }
        }
        if let Some(n) = prop("bulwark:package:sourceName").or(prop("aquasecurity:trivy:SrcName")) {
            pkg.source_name = Some(n);
        }
        if let Some(v) = prop("bulwark:package:sourceVersion") {
            pkg.source_version = Some(v);
        } else if let Some(v) = prop("aquasecurity:trivy:SrcVersion") {
            let release = prop("aquasecurity:trivy:SrcRelease").filter(|r| !r.is_empty());
            let epoch = prop("aquasecurity:trivy:SrcEpoch").filter(|e| e != "0" && !e.is_empty());
            let mut full = v;
            if let Some(r) = release {
                full = format!("{full}-{r}");
            }
            if let Some(e) = epoch {
                full = format!("{e}:{full}");
            }
            pkg.source_version = Some(full);
        }
        if kind == PackageKind::Deb && pkg.source_name.is_some() && pkg.source_version.is_none() {
            // Debian binary and source versions are equal unless a binNMU (`+bN`) was
            // built; without the source version, the binary one is the best available.
            pkg.source_version = Some(strip_binnmu(&pkg.version).to_string());
        }
        self.packages.push(pkg);
    }

    fn finish(mut self, format: SbomFormat, origin: &str) -> SbomInventory {
        if self.os.is_none() && self.distros.len() == 1 {
            if let Some(distro) = self.distros.iter().next() {
                self.os = Some(os_from_distro(distro));
            }
        }
        self.packages
            .sort_by(|a, b| (a.kind, &a.name, &a.version).cmp(&(b.kind, &b.name, &b.version)));
        self.packages.dedup_by(|a, b| {
            a.kind == b.kind && a.name == b.name && a.version == b.version && a.arch == b.arch
        });
        let mut inventory = Inventory {
            os: self.os,
            packages: self.packages,
            ..Inventory::default()
        };
        inventory.warnings = self
            .warnings
            .into_iter()
            .map(|w| format!("{origin}: {w}"))
            .collect();
        SbomInventory {
            format,
            name: self.name,
            inventory,
            skipped: self.skipped,
        }
    }
}

/// CycloneDX `properties` as (name, value) pairs.
fn properties(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_string(),
                p.get("value")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The package kind of a purl type; `None` for types without advisories here.
fn kind_of(ty: &str) -> Option<PackageKind> {
    Some(match ty {
        "deb" => PackageKind::Deb,
        "apk" => PackageKind::Apk,
        "rpm" => PackageKind::Rpm,
        "pypi" => PackageKind::Python,
        "npm" => PackageKind::Npm,
        "cargo" => PackageKind::Cargo,
        "golang" => PackageKind::Go,
        "maven" => PackageKind::Maven,
        "gem" => PackageKind::Gem,
        "composer" => PackageKind::Composer,
        "nuget" => PackageKind::Nuget,
        _ => return None,
    })
}

/// `debian-12` → id `debian`, version `12`; `alpine-3.19.4`; a bare `debian`.
fn os_from_distro(distro: &str) -> OsInfo {
    let (id, version) = match distro.split_once('-') {
        Some((id, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => (id, Some(v)),
        _ => (distro, None),
    };
    OsInfo {
        id: id.to_ascii_lowercase(),
        version_id: version.map(str::to_string),
        ..OsInfo::default()
    }
}

/// `1.2-3+b1` → `1.2-3`: a Debian binNMU suffix is not part of the source version.
fn strip_binnmu(version: &str) -> &str {
    match version.rfind("+b") {
        Some(i)
            if version[i + 2..].chars().all(|c| c.is_ascii_digit()) && i + 2 < version.len() =>
        {
            &version[..i]
        }
        _ => version,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &SbomInventory) -> Vec<(PackageKind, &str, &str)> {
        s.inventory
            .packages
            .iter()
            .map(|p| (p.kind, p.name.as_str(), p.version.as_str()))
            .collect()
    }

    #[test]
    fn cyclonedx_with_nesting_os_and_sources() {
        let doc = br#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
          "metadata": {"component": {"type": "container", "name": "demo/app:1"}},
          "components": [
            {"type": "operating-system", "name": "debian", "version": "12.4"},
            {"type": "library", "name": "libssl3", "version": "3.0.11-1~deb12u2",
             "purl": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"},
            {"type": "library", "name": "bash", "purl": "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&upstream=bash%405.2.15-2"},
            {"type": "application", "name": "app", "components": [
              {"type": "library", "purl": "pkg:npm/%40babel/core@7.0.0"},
              {"type": "library", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
              {"type": "library", "purl": "pkg:golang/github.com/docker/distribution@v2.8.2"},
              {"type": "library", "purl": "pkg:github/actions/checkout@v4"},
              {"type": "library", "name": "no-purl"}
            ]},
            {"type": "library", "purl": "pkg:pypi/requests@2.19.1"},
            {"type": "library", "purl": "not a purl"}
          ]}"#;
        let s = read_sbom(doc, "x.json").unwrap();
        assert_eq!(s.format, SbomFormat::CycloneDx);
        assert_eq!(s.name.as_deref(), Some("demo/app:1"));
        assert_eq!(s.inventory.os.as_ref().unwrap().id, "debian");
        assert_eq!(
            names(&s),
            vec![
                (PackageKind::Deb, "bash", "5.2.15-2+b2"),
                (PackageKind::Deb, "libssl3", "3.0.11-1~deb12u2"),
                (PackageKind::Python, "requests", "2.19.1"),
                (PackageKind::Npm, "@babel/core", "7.0.0"),
                (PackageKind::Go, "github.com/docker/distribution", "v2.8.2"),
                (
                    PackageKind::Maven,
                    "org.apache.logging.log4j:log4j-core",
                    "2.14.1"
                ),
            ]
        );
        let ssl = &s.inventory.packages[1];
        assert_eq!(ssl.source_name.as_deref(), Some("openssl"));
        assert_eq!(ssl.source_version.as_deref(), Some("3.0.11-1~deb12u2"));
        assert_eq!(ssl.arch.as_deref(), Some("amd64"));
        let bash = &s.inventory.packages[0];
        assert_eq!(bash.source_version.as_deref(), Some("5.2.15-2"));
        assert_eq!(
            s.skipped, 3,
            "pkg:github, the purl-less library and application"
        );
        assert_eq!(s.inventory.warnings.len(), 1, "{:?}", s.inventory.warnings);
    }

    #[test]
    fn spdx_and_os_from_distro() {
        let doc = br#"{"spdxVersion": "SPDX-2.3", "name": "alpine",
          "packages": [
            {"name": "musl", "versionInfo": "1.2.4-r2", "externalRefs": [
              {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
               "referenceLocator": "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.4"}]},
            {"name": "openssl-libs", "versionInfo": "3.0.7-27.el9", "externalRefs": [
              {"referenceType": "purl", "referenceLocator": "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?epoch=1&arch=x86_64"}]},
            {"name": "libexpat1", "versionInfo": "2.5.0-1+deb12u2",
             "sourceInfo": "built package from: expat 2.5.0-1+deb12u2", "externalRefs": [
              {"referenceType": "purl", "referenceLocator": "pkg:deb/debian/libexpat1@2.5.0-1%2Bdeb12u2?arch=amd64"}]},
            {"name": "thing"}
          ]}"#;
        let s = read_sbom(doc, "x.spdx.json").unwrap();
        assert_eq!(s.format, SbomFormat::Spdx);
        let os = s.inventory.os.as_ref().unwrap();
        assert_eq!(
            (os.id.as_str(), os.version_id.as_deref()),
            ("alpine", Some("3.19.4"))
        );
        assert_eq!(
            names(&s),
            vec![
                (PackageKind::Deb, "libexpat1", "2.5.0-1+deb12u2"),
                (PackageKind::Apk, "musl", "1.2.4-r2"),
                (PackageKind::Rpm, "openssl-libs", "1:3.0.7-27.el9"),
            ]
        );
        assert_eq!(
            s.inventory.packages[0].source_name.as_deref(),
            Some("expat")
        );
        assert_eq!(s.skipped, 1);
    }

    #[test]
    fn trivy_source_properties() {
        let doc = br#"{"bomFormat": "CycloneDX", "components": [
          {"type": "library", "purl": "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12.5",
           "properties": [{"name": "aquasecurity:trivy:SrcName", "value": "glibc"},
                          {"name": "aquasecurity:trivy:SrcVersion", "value": "2.36"},
                          {"name": "aquasecurity:trivy:SrcRelease", "value": "9+deb12u4"}]}]}"#;
        let s = read_sbom(doc, "t").unwrap();
        let p = &s.inventory.packages[0];
        assert_eq!(p.source_name.as_deref(), Some("glibc"));
        assert_eq!(p.source_version.as_deref(), Some("2.36-9+deb12u4"));
        let os = s.inventory.os.as_ref().unwrap();
        assert_eq!(
            (os.id.as_str(), os.version_id.as_deref()),
            ("debian", Some("12.5"))
        );
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        assert!(matches!(read_sbom(b"{", "f"), Err(SbomError::Json { .. })));
        assert!(matches!(
            read_sbom(b"{\"a\": 1}", "f"),
            Err(SbomError::UnknownFormat { .. })
        ));
        assert!(matches!(
            read_sbom(b"{\"bomFormat\": \"CycloneDX\", \"components\": 3}", "f"),
            Err(SbomError::Shape { .. })
        ));
        let mut deep = String::from("{\"bomFormat\": \"CycloneDX\", \"components\": [");
        for _ in 0..40 {
            deep.push_str("{\"type\": \"library\", \"components\": [");
        }
        for _ in 0..40 {
            deep.push_str("]}");
        }
        deep.push_str("]}");
        let e = read_sbom(deep.as_bytes(), "f").unwrap_err();
        assert!(e.to_string().contains("nested deeper"), "{e}");
        // Deeper than serde_json's recursion limit: an error, not a stack overflow.
        let bomb = "[".repeat(100_000);
        assert!(read_sbom(bomb.as_bytes(), "f").is_err());
        assert_eq!(strip_binnmu("5.2.15-2+b2"), "5.2.15-2");
        assert_eq!(strip_binnmu("1.0+b"), "1.0+b");
        assert_eq!(strip_binnmu("2.0+build1"), "2.0+build1");
    }
}
