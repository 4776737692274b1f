//! Python distributions: the core metadata of installed distributions (`*.dist-info/METADATA`
//! from wheels, `*.egg-info/PKG-INFO` and bare `*.egg-info` files from setuptools) and their
//! installed-file lists (`RECORD`, `installed-files.txt`).

use super::{absolute_dir, guarded, join_normalized, parent, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, Package, PackageKind};

/// Reads the core metadata of installed Python distributions, wherever they are
/// (site-packages, dist-packages, `pip --target` directories, virtualenvs).
pub(crate) struct PythonAnalyzer;

impl Analyzer for PythonAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::Python
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with(".dist-info/METADATA")
            || path.ends_with(".egg-info/PKG-INFO")
            // Old setuptools and distutils write the metadata as a file named like the dir.
            || path.ends_with(".egg-info")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            parse_metadata(path, bytes).map(|p| vec![Fact::Packages(vec![p])])
        }))
    }
}

/// Reads the lists of files Python installers record per distribution.
pub(crate) struct PythonFilesAnalyzer;

impl Analyzer for PythonFilesAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::PythonFiles
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with(".dist-info/RECORD") || path.ends_with(".egg-info/installed-files.txt")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            Ok(vec![parse_file_list(path, bytes)])
        }))
    }
}

/// Parses core metadata (RFC 822 headers; the body, the long description, is ignored) into
/// a package. `Err` says why the file is unusable.
fn parse_metadata(path: &str, content: &[u8]) -> Result<Package, String> {
    // Metadata is UTF-8 by spec; ancient distributions wrote Latin-1 descriptions, which
    // must not cost us the name and version.
    let text = String::from_utf8_lossy(content);
    let headers = headers(&text);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    let name = get("Name").ok_or("no Name header")?;
    let version = get("Version").ok_or_else(|| format!("distribution {name} has no Version"))?;
    if name.contains(char::is_whitespace) || version.contains(char::is_whitespace) {
        return Err(format!("malformed Name or Version: {name:?} {version:?}"));
    }
    let mut pkg = Package::new(PackageKind::Python, name, version, format!("/{path}"));
    pkg.licenses = licenses(&headers);
    Ok(pkg)
}

/// The header fields of an RFC 822 message, in order, up to the first blank line;
/// continuation lines are joined to their field with newlines.
fn headers(text: &str) -> Vec<(&str, String)> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            fields.push((k.trim(), v.trim().to_string()));
        }
    }
    fields
}

/// The distribution's licenses, from the most precise source present: `License-Expression`
/// (an SPDX expression, metadata 2.4), then a one-line `License` (a multi-line one is the
/// license text, not a name), then `License :: ... :: X` trove classifiers.
fn licenses(headers: &[(&str, String)]) -> Vec<String> {
    let values = |name: &'static str| {
        headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    };
    if let Some(expr) = values("License-Expression").next() {
        return vec![expr.to_string()];
    }
    if let Some(license) =
        values("License").find(|l| !l.contains('\n') && !l.eq_ignore_ascii_case("UNKNOWN"))
    {
        return vec![license.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    for classifier in values("Classifier") {
        let Some(rest) = classifier.strip_prefix("License ::") else {
            continue;
        };
        let parts: Vec<&str> = rest.split("::").map(str::trim).collect();
        // "License :: OSI Approved" alone names no license.
        let Some(last) = parts.last().filter(|l| !l.is_empty()) else {
            continue;
        };
        if parts.len() == 1 && *last == "OSI Approved" {
            continue;
        }
        if !out.iter().any(|o| o == last) {
            out.push(last.to_string());
        }
    }
    out
}

/// Parses `RECORD` (CSV `path,hash,size`, paths relative to the directory holding the
/// `.dist-info` dir) or `installed-files.txt` (one path per line, relative to the
/// `.egg-info` dir) into absolute paths. Never fails: a line it cannot read is skipped.
fn parse_file_list(path: &str, content: &[u8]) -> Fact {
    let text = String::from_utf8_lossy(content);
    let metadata_dir = parent(path);
    let (base, csv) = if path.ends_with(".dist-info/RECORD") {
        (absolute_dir(parent(metadata_dir)), true)
    } else {
        (absolute_dir(metadata_dir), false)
    };
    let files = text
        .lines()
        .filter_map(|line| {
            if csv {
                first_csv_field(line)
            } else {
                Some(line.trim().to_string())
            }
        })
        .filter(|f| !f.is_empty())
        .map(|f| join_normalized(&base, &f))
        .collect();
    Fact::PackageFiles {
        metadata_dir: absolute_dir(metadata_dir),
        files,
    }
}

/// The first field of a CSV line as Python's `csv` module writes it: quoted (with `""` for
/// a quote) when it holds a comma, quote or newline. `None` for an unterminated quote.
fn first_csv_field(line: &str) -> Option<String> {
    let Some(quoted) = line.strip_prefix('"') else {
        return Some(line.split(',').next().unwrap_or_default().to_string());
    };
    let mut out = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            match chars.next() {
                Some('"') => out.push('"'),
                _ => return Some(out),
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = "Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.3\nSummary: YAML\nLicense: MIT\nClassifier: License :: OSI Approved :: MIT License\nClassifier: Programming Language :: Python\n\nName: not-a-header\n";

    fn analyze(a: &dyn Analyzer, path: &str, content: &[u8]) -> Vec<Fact> {
        assert!(a.wants(path), "{path}");
        a.analyze(path, content).expect("never an error")
    }

    #[test]
    fn wants_metadata_files_only() {
        let a = PythonAnalyzer;
        assert!(a.wants("usr/lib/python3/dist-packages/PyYAML-5.4.1.egg-info"));
        assert!(a.wants("app/site-packages/pyyaml-5.3.dist-info/METADATA"));
        assert!(a.wants("x/foo.egg-info/PKG-INFO"));
        assert!(!a.wants("app/site-packages/pyyaml-5.3.dist-info/RECORD"));
        assert!(!a.wants("app/METADATA"));
        let f = PythonFilesAnalyzer;
        assert!(f.wants("app/site-packages/pyyaml-5.3.dist-info/RECORD"));
        assert!(f.wants("x/foo.egg-info/installed-files.txt"));
        assert!(!f.wants("x/foo.egg-info/PKG-INFO"));
    }

    #[test]
    fn parses_name_version_and_license() {
        let path = "app/site-packages/pyyaml-5.3.dist-info/METADATA";
        let facts = analyze(&PythonAnalyzer, path, METADATA.as_bytes());
        let [Fact::Packages(p)] = &facts[..] else {
            panic!("{facts:?}")
        };
        assert_eq!(
            (p[0].kind, p[0].name.as_str(), p[0].version.as_str()),
            (PackageKind::Python, "PyYAML", "5.3")
        );
        assert_eq!(p[0].licenses, vec!["MIT"]);
        assert_eq!(p[0].found_in, format!("/{path}"));
    }

    #[test]
    fn license_precedence() {
        let lic = |h: &str| licenses(&headers(h));
        assert_eq!(
            lic("License-Expression: MIT OR Apache-2.0\nLicense: MIT\n"),
            vec!["MIT OR Apache-2.0"]
        );
        assert_eq!(
            lic("License: UNKNOWN\nClassifier: License :: OSI Approved :: BSD License\nClassifier: License :: OSI Approved\nClassifier: License :: OSI Approved :: BSD License\n"),
            vec!["BSD License"]
        );
        // A multi-line License field is the license text itself.
        assert_eq!(
            lic("License: Copyright (c) 2020\n        Permission is hereby granted\nClassifier: License :: Public Domain\n"),
            vec!["Public Domain"]
        );
        assert!(lic("Name: x\n").is_empty());
    }

    #[test]
    fn bare_egg_info_with_crlf_and_latin1() {
        let mut bytes = b"Metadata-Version: 1.1\r\nName: python-apt\r\nVersion: 2.6.0\r\nAuthor: J\xe9r\r\n\r\n".to_vec();
        bytes.extend_from_slice(b"body");
        let facts = analyze(
            &PythonAnalyzer,
            "usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info",
            &bytes,
        );
        let [Fact::Packages(p)] = &facts[..] else {
            panic!("{facts:?}")
        };
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str()),
            ("python-apt", "2.6.0")
        );
    }

    #[test]
    fn malformed_metadata_is_a_warning() {
        let path = "a/x-1.dist-info/METADATA";
        for bad in [
            &b""[..],
            b"Version: 1\n",
            b"Name: x\n",
            b"Name: x y\nVersion: 1\n",
            b"\n\nName: x\nVersion: 1\n",
            b"\xff\xfe\x00\x01",
        ] {
            let facts = analyze(&PythonAnalyzer, path, bad);
            assert!(
                matches!(&facts[..], [Fact::Warning(w)] if w.starts_with("/a/x-1.dist-info/METADATA: skipped: ")),
                "{bad:?}: {facts:?}"
            );
        }
    }

    #[test]
    fn record_paths_become_absolute() {
        let record = "requests/__init__.py,sha256=abc,4924\n\"odd,name.py\",sha256=x,1\n\"we\"\"ird.py\",,\nrequests-2.19.1.dist-info/RECORD,,\n../../bin/chardetect,sha256=y,245\n\n\"unterminated\n";
        let facts = analyze(
            &PythonFilesAnalyzer,
            "app/site-packages/requests-2.19.1.dist-info/RECORD",
            record.as_bytes(),
        );
        assert_eq!(
            facts,
            vec![Fact::PackageFiles {
                metadata_dir: "/app/site-packages/requests-2.19.1.dist-info".into(),
                files: vec![
                    "/app/site-packages/requests/__init__.py".into(),
                    "/app/site-packages/odd,name.py".into(),
                    "/app/site-packages/we\"ird.py".into(),
                    "/app/site-packages/requests-2.19.1.dist-info/RECORD".into(),
                    "/bin/chardetect".into(),
                ]
            }]
        );
    }

    #[test]
    fn installed_files_are_relative_to_the_egg_info_dir() {
        let facts = analyze(
            &PythonFilesAnalyzer,
            "usr/lib/python3/site-packages/foo-1.0.egg-info/installed-files.txt",
            b"../foo/__init__.py\nPKG-INFO\n",
        );
        assert_eq!(
            facts,
            vec![Fact::PackageFiles {
                metadata_dir: "/usr/lib/python3/site-packages/foo-1.0.egg-info".into(),
                files: vec![
                    "/usr/lib/python3/site-packages/foo/__init__.py".into(),
                    "/usr/lib/python3/site-packages/foo-1.0.egg-info/PKG-INFO".into(),
                ]
            }]
        );
    }

    #[test]
    fn never_panics_on_truncated_or_mangled_input() {
        let record = "a/b.py,sha256=abc,1\n\"q\"\"x\",,\n../../c,,\n";
        for input in [METADATA, record] {
            for end in 0..=input.len() {
                let bytes = &input.as_bytes()[..end];
                for (a, path) in [
                    (&PythonAnalyzer as &dyn Analyzer, "s/x-1.dist-info/METADATA"),
                    (&PythonFilesAnalyzer, "s/x-1.dist-info/RECORD"),
                ] {
                    assert!(a.analyze(path, bytes).is_ok());
                }
            }
        }
    }
}
