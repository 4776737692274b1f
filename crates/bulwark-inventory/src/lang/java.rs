//! Java archives: `*.jar`, `*.war`, `*.ear` and Jenkins plugins (`*.jpi`, `*.hpi`), with the
//! archives nested in them (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, an ear's modules).
//!
//! Identity, most precise first:
//! 1. every `META-INF/maven/<group>/<artifact>/pom.properties` (Maven writes one per built
//!    artifact; shaded jars carry those of what they shaded, which is in them too): Maven
//!    package `group:artifact` at `version`;
//! 2. when none of those is the archive's own (the only one, or its artifactId is the file
//!    name's), `META-INF/MANIFEST.MF`: `Implementation-Vendor-Id` as the group with the file
//!    name's (or a one-word `Implementation-Title`) artifact, else `Bundle-SymbolicName`,
//!    at `Implementation-Version` or `Bundle-Version`;
//! 3. else the file name `name-1.2.3.jar`.
//!
//! Names without a group (2 and 3 without a vendor id) are listed but match no Maven
//! advisory, whose names always are `group:artifact`; Trivy instead asks Maven Central for a
//! group (online) and Syft guesses one.
//!
//! `found_in` of a nested archive is `/outer.war!/WEB-INF/lib/inner.jar` (the JDK's `jar:`
//! URL convention); Syft writes `/outer.war:WEB-INF/lib/inner.jar`, Trivy
//! `/outer.war/WEB-INF/lib/inner.jar`.
//!
//! Zip bombs and deep nesting are bounded: an archive may declare at most
//! [`MAX_ENTRIES`] entries, metadata files are read up to 1 MiB and nested archives up to
//! 64 MiB each, three levels deep, and no more than 256 MiB is decompressed per top-level
//! file in all. What is skipped for a limit is a warning.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::{Cursor, Read};

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, Package, PackageKind};

/// Largest top-level archive read (256 MiB; big Spring Boot or Spark jars are ~200 MiB).
const MAX_ARCHIVE_BYTES: u64 = 256 << 20;
/// Most entries an archive may declare (fat jars have tens of thousands).
const MAX_ENTRIES: u64 = 200_000;
/// Largest `pom.properties` or `MANIFEST.MF` read.
const MAX_METADATA_BYTES: u64 = 1 << 20;
/// Largest nested archive read.
const MAX_NESTED_BYTES: u64 = 64 << 20;
/// Most bytes decompressed per top-level archive, metadata and nested archives together
/// (a zip bomb can point thousands of entries at the same compressed data).
const MAX_TOTAL_BYTES: u64 = 256 << 20;
/// Nesting levels read below the top-level archive (an ear's war's jar's jar is 3).
const MAX_DEPTH: usize = 3;

/// Reads Java archives.
pub(crate) struct JavaArchiveAnalyzer;

impl Analyzer for JavaArchiveAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::JavaArchive
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_java_archive(path)
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_ARCHIVE_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        let mut walk = Walk {
            packages: Vec::new(),
            warnings: Vec::new(),
            budget: MAX_TOTAL_BYTES,
            spent: false,
            seen: BTreeSet::new(),
        };
        let location = format!("/{path}");
        if let Err(reason) = walk.archive(content, &location, 0) {
            return Ok(vec![Fact::Warning(format!(
                "{location}: skipped: {reason}"
            ))]);
        }
        let mut facts = Vec::new();
        if !walk.packages.is_empty() {
            facts.push(Fact::Packages(walk.packages));
        }
        facts.extend(walk.warnings.into_iter().map(Fact::Warning));
        Ok(facts)
    }
}

/// True for the file names of Java archives (case-insensitive extension).
fn is_java_archive(name: &str) -> bool {
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && !stem.ends_with('/')
        && ["jar", "war", "ear", "jpi", "hpi"]
            .iter()
            .any(|e| ext.eq_ignore_ascii_case(e))
}

/// State of reading one top-level archive and everything nested in it.
struct Walk {
    packages: Vec<Package>,
    warnings: Vec<String>,
    /// Bytes that may still be decompressed.
    budget: u64,
    /// The budget ran out: said once, nothing more is read.
    spent: bool,
    /// (name, version, found_in) already recorded.
    seen: BTreeSet<(String, String, String)>,
}

impl Walk {
    /// Catalogues the archive `bytes` found at `location` (`/a.war` or `/a.war!/lib/b.jar`),
    /// `depth` levels below the top. `Err`: the archive itself is unreadable.
    fn archive(&mut self, bytes: &[u8], location: &str, depth: usize) -> Result<(), String> {
        if let Some(n) = declared_entries(bytes).filter(|n| *n > MAX_ENTRIES) {
            return Err(format!("{n} entries is over the {MAX_ENTRIES}-entry limit"));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| format!("not a readable zip archive: {e}"))?;
        let names: Vec<String> = zip
            .file_names()
            .map(|n| n.map(Cow::into_owned).unwrap_or_default())
            .collect();
        let file_name = location.rsplit('/').next().unwrap_or(location);
        let from_file_name = file_name_identity(file_name);

        let mut poms: Vec<(String, String, String)> = Vec::new();
        let mut manifest: Option<String> = None;
        let mut nested: Vec<usize> = Vec::new();
        for (index, name) in names.iter().enumerate() {
            if pom_properties_dir(name).is_some() || is_manifest(name) {
                let text = match self.read(&mut zip, index, MAX_METADATA_BYTES, location) {
                    Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
                    Ok(None) => continue,
                    Err(e) => {
                        self.warnings
                            .push(format!("{location}!/{name}: skipped: {e}"));
                        continue;
                    }
                };
                match pom_properties_dir(name) {
                    Some((group, artifact)) => poms.extend(pom_coordinates(&text, group, artifact)),
                    None => manifest = Some(text),
                }
            } else if is_java_archive(name) {
                nested.push(index);
            }
        }

        let own = poms.len() == 1
            || poms.iter().any(|(_, artifact, _)| {
                from_file_name
                    .as_ref()
                    .is_some_and(|(name, _)| name == artifact)
            });
        for (group, artifact, version) in &poms {
            self.push(format!("{group}:{artifact}"), version.clone(), location);
        }
        if !own {
            let identity = manifest
                .as_deref()
                .and_then(|m| manifest_identity(m, from_file_name.as_ref()))
                .or(from_file_name);
            if let Some((name, version)) = identity {
                self.push(name, version, location);
            }
        }

        for index in nested {
            let name = &names[index];
            let inner = format!("{location}!/{name}");
            if depth >= MAX_DEPTH {
                self.warnings.push(format!(
                    "{inner}: skipped: nested more than {MAX_DEPTH} archives deep"
                ));
                continue;
            }
            match self.read(&mut zip, index, MAX_NESTED_BYTES, location) {
                Ok(Some(bytes)) => {
                    if let Err(e) = self.archive(&bytes, &inner, depth + 1) {
                        self.warnings.push(format!("{inner}: skipped: {e}"));
                    }
                }
                Ok(None) => {}
                Err(e) => self.warnings.push(format!("{inner}: skipped: {e}")),
            }
        }
        Ok(())
    }

    /// Decompresses entry `index` (at most `cap` bytes) out of the budget. `Ok(None)` once
    /// the budget is spent: the first time, a warning for the whole archive says so.
    fn read(
        &mut self,
        zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
        index: usize,
        cap: u64,
        location: &str,
    ) -> Result<Option<Vec<u8>>, String> {
        if self.spent {
            return Ok(None);
        }
        let limit = cap.min(self.budget);
        match read_entry(zip, index, limit) {
            Ok(bytes) => {
                self.budget -= bytes.len() as u64;
                Ok(Some(bytes))
            }
            Err(EntryError::TooLarge) if limit < cap => {
                self.spent = true;
                let top = location.split("!/").next().unwrap_or(location);
                self.warnings.push(format!(
                    "{top}: partly read: {MAX_TOTAL_BYTES} bytes decompressed, the limit for one archive"
                ));
                Ok(None)
            }
            Err(EntryError::TooLarge) => Err(format!("decompresses to over {limit} bytes")),
            Err(EntryError::Unreadable(e)) => Err(e),
        }
    }

    fn push(&mut self, name: String, version: String, location: &str) {
        if self
            .seen
            .insert((name.clone(), version.clone(), location.to_string()))
        {
            self.packages
                .push(Package::new(PackageKind::Maven, name, version, location));
        }
    }
}

/// Why an entry was not read.
enum EntryError {
    /// It decompresses to more than the limit.
    TooLarge,
    /// Corrupt, encrypted or in an unsupported compression method.
    Unreadable(String),
}

/// Decompresses entry `index`, refusing more than `limit` bytes.
fn read_entry(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    limit: u64,
) -> Result<Vec<u8>, EntryError> {
    let entry = zip
        .by_index(index)
        .map_err(|e| EntryError::Unreadable(e.to_string()))?;
    let mut out = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| EntryError::Unreadable(format!("unreadable: {e}")))?;
    if out.len() as u64 > limit {
        return Err(EntryError::TooLarge);
    }
    Ok(out)
}

/// The entry count the end-of-central-directory record declares (the zip64 one when the
/// classic field is saturated), before the zip reader allocates anything for them.
fn declared_entries(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let window_start = bytes.len().saturating_sub(22 + 0xffff);
    let eocd = window_start + memchr::memmem::rfind(&bytes[window_start..], EOCD)?;
    let count = u16::from_le_bytes(bytes.get(eocd + 10..eocd + 12)?.try_into().ok()?);
    if count != 0xffff {
        return Some(u64::from(count));
    }
    let locator = bytes.get(eocd.checked_sub(20)?..eocd)?;
    if &locator[..4] != b"PK\x06\x07" {
        return Some(u64::from(count));
    }
    let offset = usize::try_from(u64::from_le_bytes(locator[8..16].try_into().ok()?)).ok()?;
    let record = bytes.get(offset..offset.checked_add(40)?)?;
    if &record[..4] != b"PK\x06\x06" {
        return Some(u64::from(count));
    }
    Some(u64::from_le_bytes(record[32..40].try_into().ok()?))
}

/// `(group, artifact)` of a `META-INF/maven/<group>/<artifact>/pom.properties` entry.
fn pom_properties_dir(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix("META-INF/maven/")?;
    let rest = rest.strip_suffix("/pom.properties")?;
    let (group, artifact) = rest.split_once('/')?;
    (!group.is_empty() && !artifact.is_empty() && !artifact.contains('/'))
        .then_some((group, artifact))
}

fn is_manifest(name: &str) -> bool {
    name.eq_ignore_ascii_case("META-INF/MANIFEST.MF")
}

/// `(group, artifact, version)` from a pom.properties (Java properties: `key=value` or
/// `key: value`, `#`/`!` comments); group and artifact default to the directory names.
fn pom_coordinates(text: &str, group: &str, artifact: &str) -> Option<(String, String, String)> {
    let mut props = std::collections::HashMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with(['#', '!']) {
            continue;
        }
        if let Some(split) = line.find(['=', ':']) {
            props.insert(line[..split].trim(), line[split + 1..].trim());
        }
    }
    let get = |k: &str, default: &str| {
        props
            .get(k)
            .copied()
            .filter(|v| !v.is_empty())
            .unwrap_or(default)
            .to_string()
    };
    let version = get("version", "");
    let (group, artifact) = (get("groupId", group), get("artifactId", artifact));
    let clean = |s: &str| !s.is_empty() && !s.contains(char::is_whitespace);
    (clean(&group) && clean(&artifact) && clean(&version)).then_some((group, artifact, version))
}

/// The main section's attributes of a MANIFEST.MF (continuation lines start with a space).
fn manifest_attributes(text: &str) -> Vec<(String, String)> {
    let mut attrs: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some((_, v)) = attrs.last_mut() {
                v.push_str(cont);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            attrs.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    attrs
}

/// Name and version from a MANIFEST.MF (rule 2 of the module docs).
fn manifest_identity(text: &str, file: Option<&(String, String)>) -> Option<(String, String)> {
    let attrs = manifest_attributes(text);
    let get = |k: &str| {
        attrs
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty() && !v.contains(char::is_whitespace))
    };
    let version = get("Implementation-Version")
        .or_else(|| get("Bundle-Version"))
        .map(str::to_string)
        .or_else(|| file.map(|(_, v)| v.clone()))?;
    let artifact = file
        .map(|(n, _)| n.as_str())
        .or_else(|| get("Implementation-Title"));
    let symbolic = get("Bundle-SymbolicName").map(|s| s.split(';').next().unwrap_or(s).trim());
    let name = match (get("Implementation-Vendor-Id"), artifact, symbolic) {
        (Some(group), Some(artifact), _) => format!("{group}:{artifact}"),
        (_, _, Some(symbolic)) if !symbolic.is_empty() => symbolic.to_string(),
        (_, Some(artifact), _) => artifact.to_string(),
        _ => return None,
    };
    Some((name, version))
}

/// `commons-lang3-3.12.0.jar` → `("commons-lang3", "3.12.0")`: the version starts after the
/// last `-` that a digit follows. `None` without a version.
fn file_name_identity(file_name: &str) -> Option<(String, String)> {
    let stem = file_name.rsplit_once('.')?.0;
    let split = stem
        .char_indices()
        .filter(|(i, c)| *c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        .map(|(i, _)| i)
        .next_back()?;
    let (name, version) = (&stem[..split], &stem[split + 1..]);
    (!name.is_empty()).then(|| (name.to_string(), version.to_string()))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use zip::write::SimpleFileOptions;

    use super::*;

    /// A zip of `(name, bytes)` entries, deflated.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn analyze(path: &str, bytes: &[u8]) -> (Vec<(String, String, String)>, Vec<String>) {
        let facts = JavaArchiveAnalyzer.analyze(path, bytes).unwrap();
        let mut pkgs = Vec::new();
        let mut warnings = Vec::new();
        for f in facts {
            match f {
                Fact::Packages(p) => pkgs.extend(p.into_iter().map(|p| {
                    assert_eq!(p.kind, PackageKind::Maven);
                    (p.name, p.version, p.found_in)
                })),
                Fact::Warning(w) => warnings.push(w),
                other => panic!("{other:?}"),
            }
        }
        (pkgs, warnings)
    }

    const POM: &[u8] = b"#Generated by Maven\n#Tue Jan 01 00:00:00 UTC 2019\nversion=3.12.0\ngroupId=org.apache.commons\nartifactId=commons-lang3\n";

    fn triple(n: &str, v: &str, f: &str) -> (String, String, String) {
        (n.into(), v.into(), f.into())
    }

    #[test]
    fn wants_archives_by_extension() {
        let a = JavaArchiveAnalyzer;
        for yes in ["a/b.jar", "x.WAR", "app.ear", "plugins/git.jpi", "p.hpi"] {
            assert!(a.wants(yes), "{yes}");
        }
        for no in ["a/b.jar.sha1", "jar", "a/.jar", "a/b.zip", "a/jar/x"] {
            assert!(!a.wants(no), "{no}");
        }
    }

    #[test]
    fn pom_properties_win_and_nested_archives_are_read() {
        let lang3 = zip_of(&[
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\nBundle-SymbolicName: org.apache.commons.lang3\nBundle-Version: 3.12.0\n"),
            ("META-INF/maven/org.apache.commons/commons-lang3/pom.properties", POM),
        ]);
        // No pom.properties: the manifest's vendor id and the file name's artifact.
        let bare = zip_of(&[(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\nImplementation-Title: Some Library\r\nImplementation-Vendor-Id: com.exa\r\n mple\r\nImplementation-Version: 2.0.1\r\n\r\nName: x\r\nImplementation-Version: 9\r\n",
        )]);
        let osgi = zip_of(&[(
            "META-INF/MANIFEST.MF",
            b"Bundle-SymbolicName: org.example.osgi;singleton:=true\nBundle-Version: 1.4.0\n",
        )]);
        let nameonly = zip_of(&[("a/B.class", b"\xca\xfe\xba\xbe")]);
        let war = zip_of(&[
            ("WEB-INF/web.xml", b"<web-app/>"),
            ("WEB-INF/lib/commons-lang3-3.12.0.jar", &lang3),
            ("WEB-INF/lib/some-library-2.0.1.jar", &bare),
            ("WEB-INF/lib/osgi.jar", &osgi),
            ("WEB-INF/lib/guava-31.1-jre.jar", &nameonly),
            ("WEB-INF/lib/noversion.jar", &nameonly),
        ]);
        let ear = zip_of(&[("shop.war", &war), ("lib/commons-lang3-3.12.0.jar", &lang3)]);
        let (pkgs, warnings) = analyze("srv/shop.ear", &ear);
        assert!(warnings.is_empty(), "{warnings:?}");
        let w = "/srv/shop.ear!/shop.war!/WEB-INF/lib";
        assert_eq!(
            pkgs,
            vec![
                triple(
                    "org.apache.commons:commons-lang3",
                    "3.12.0",
                    &format!("{w}/commons-lang3-3.12.0.jar")
                ),
                triple(
                    "com.example:some-library",
                    "2.0.1",
                    &format!("{w}/some-library-2.0.1.jar")
                ),
                triple("org.example.osgi", "1.4.0", &format!("{w}/osgi.jar")),
                triple("guava", "31.1-jre", &format!("{w}/guava-31.1-jre.jar")),
                triple(
                    "org.apache.commons:commons-lang3",
                    "3.12.0",
                    "/srv/shop.ear!/lib/commons-lang3-3.12.0.jar"
                ),
            ]
        );
    }

    #[test]
    fn shaded_poms_are_listed_and_the_jar_itself_too() {
        let shaded = zip_of(&[
            (
                "META-INF/maven/com.google.guava/guava/pom.properties",
                b"groupId=com.google.guava\nartifactId=guava\nversion=31.1-jre\n",
            ),
            (
                "META-INF/maven/org.slf4j/slf4j-api/pom.properties",
                b"version=1.7.36\n",
            ),
            (
                "META-INF/MANIFEST.MF",
                b"Implementation-Vendor-Id: com.example\nImplementation-Version: 5.0\n",
            ),
        ]);
        let (pkgs, _) = analyze("app/uber-5.0.jar", &shaded);
        assert_eq!(
            pkgs,
            vec![
                triple("com.google.guava:guava", "31.1-jre", "/app/uber-5.0.jar"),
                triple("org.slf4j:slf4j-api", "1.7.36", "/app/uber-5.0.jar"),
                triple("com.example:uber", "5.0", "/app/uber-5.0.jar"),
            ]
        );
    }

    #[test]
    fn file_names() {
        let f = |n: &str| file_name_identity(n);
        assert_eq!(
            f("commons-lang3-3.12.0.jar"),
            Some(("commons-lang3".into(), "3.12.0".into()))
        );
        assert_eq!(
            f("log4j-1.2-api-2.17.1.jar"),
            Some(("log4j-1.2-api".into(), "2.17.1".into()))
        );
        assert_eq!(
            f("spring-boot-2.7.0-SNAPSHOT.jar"),
            Some(("spring-boot".into(), "2.7.0-SNAPSHOT".into()))
        );
        assert_eq!(f("app.jar"), None);
        assert_eq!(f("-1.0.jar"), None);
        assert_eq!(f("x-1.jar"), Some(("x".into(), "1".into())));
    }

    #[test]
    fn depth_and_size_limits_are_warnings() {
        // Five levels: the top and three below are read, the fifth is not.
        let mut inner = zip_of(&[("META-INF/maven/g/a/pom.properties", b"version=1\n")]);
        for level in (1..=4).rev() {
            inner = zip_of(&[(&format!("l{level}.jar"), &inner)]);
        }
        let (pkgs, warnings) = analyze("top.jar", &inner);
        assert!(pkgs.is_empty(), "{pkgs:?}");
        assert_eq!(
            warnings,
            vec!["/top.jar!/l1.jar!/l2.jar!/l3.jar!/l4.jar: skipped: nested more than 3 archives deep"]
        );
        // A nested bomb: 65 MiB of zeros in a few hundred KiB.
        let bomb = zip_of(&[("big.jar", &vec![0u8; 65 << 20])]);
        assert!(bomb.len() < 1 << 20);
        let (_, warnings) = analyze("bomb.war", &bomb);
        assert_eq!(
            warnings,
            vec!["/bomb.war!/big.jar: skipped: decompresses to over 67108864 bytes"]
        );
        // Oversized metadata.
        let big_pom = zip_of(&[(
            "META-INF/maven/g/a/pom.properties",
            &vec![b'#'; (1 << 20) + 1],
        )]);
        let (pkgs, warnings) = analyze("x.jar", &big_pom);
        assert!(pkgs.is_empty());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].ends_with("decompresses to over 1048576 bytes"),
            "{warnings:?}"
        );
    }

    #[test]
    fn decompression_is_bounded_per_top_level_archive() {
        // 300 entries all pointing at one deflated MiB: 300 MiB if all were read. The zip
        // writer cannot share data, so build one entry and copy its central directory record.
        let pom = vec![b'#'; 1 << 20];
        let one = zip_of(&[("META-INF/maven/g/a/pom.properties", &pom)]);
        let cd = memchr::memmem::find(&one, b"PK\x01\x02").unwrap();
        let eocd = memchr::memmem::rfind(&one, b"PK\x05\x06").unwrap();
        let record = &one[cd..eocd];
        let name_len = u16::from_le_bytes([record[28], record[29]]) as usize;
        let mut bomb = one[..cd].to_vec();
        let cd_start = bomb.len();
        let n = 300u16;
        for i in 0..n {
            let mut r = record.to_vec();
            // Same data, distinct names: META-INF/maven/g/aNNN/pom.properties.
            let name = format!("META-INF/maven/g/a{i:03}/pom.properties");
            r.splice(46..46 + name_len, name.bytes());
            r[28..30].copy_from_slice(&(name.len() as u16).to_le_bytes());
            bomb.extend(r);
        }
        let cd_size = (bomb.len() - cd_start) as u32;
        let mut end = one[eocd..eocd + 22].to_vec();
        end[8..10].copy_from_slice(&n.to_le_bytes());
        end[10..12].copy_from_slice(&n.to_le_bytes());
        end[12..16].copy_from_slice(&cd_size.to_le_bytes());
        end[16..20].copy_from_slice(&(cd_start as u32).to_le_bytes());
        bomb.extend(end);
        assert!(bomb.len() < 64 << 10);
        let (pkgs, warnings) = analyze("bomb.jar", &bomb);
        assert!(pkgs.is_empty());
        assert_eq!(
            warnings,
            vec!["/bomb.jar: partly read: 268435456 bytes decompressed, the limit for one archive"]
        );
    }

    #[test]
    fn too_many_declared_entries_is_refused_before_reading() {
        let mut z = zip_of(&[("a", b"x")]);
        // Patch the EOCD's entry counts to 0xffff and add a zip64 locator claiming 10^9.
        let eocd = memchr::memmem::rfind(&z, b"PK\x05\x06").unwrap();
        let mut record = b"PK\x06\x06".to_vec();
        record.resize(56, 0);
        record[32..40].copy_from_slice(&1_000_000_000u64.to_le_bytes());
        let record_at = eocd as u64;
        let mut locator = b"PK\x06\x07".to_vec();
        locator.extend([0; 4]);
        locator.extend(record_at.to_le_bytes());
        locator.extend(1u32.to_le_bytes());
        let mut tail = z.split_off(eocd);
        tail[8..12].copy_from_slice(&[0xff; 4]);
        z.extend(record);
        z.extend(locator);
        z.extend(tail);
        assert_eq!(declared_entries(&z), Some(1_000_000_000));
        let facts = JavaArchiveAnalyzer.analyze("x.jar", &z).unwrap();
        assert!(
            matches!(&facts[..], [Fact::Warning(w)] if w.contains("1000000000 entries")),
            "{facts:?}"
        );
    }

    #[test]
    fn broken_archives_are_warnings_never_panics() {
        let good = zip_of(&[
            (
                "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
                POM,
            ),
            (
                "lib/inner-1.0.jar",
                &zip_of(&[(
                    "META-INF/MANIFEST.MF",
                    b"Bundle-SymbolicName: x\nBundle-Version: 1\n",
                )]),
            ),
        ]);
        let (pkgs, _) = analyze("a.jar", &good);
        assert_eq!(pkgs.len(), 2);
        let facts = JavaArchiveAnalyzer.analyze("a.jar", b"not a zip").unwrap();
        assert!(matches!(&facts[..], [Fact::Warning(w)] if w.starts_with("/a.jar: skipped: ")));
        for end in 0..good.len() {
            let _ = JavaArchiveAnalyzer.analyze("a.jar", &good[..end]);
        }
        for i in 0..good.len() {
            let mut b = good.clone();
            b[i] ^= 0x55;
            let _ = JavaArchiveAnalyzer.analyze("a.jar", &b);
        }
    }
}
