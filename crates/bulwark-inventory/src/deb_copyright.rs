//! Licenses of Debian packages from `usr/share/doc/<package>/copyright`, as Syft reports
//! them.
//!
//! - Machine-readable (DEP-5) files: every `License:` field's short name (the field's first
//!   line), split into names at `or`, `and` and `,`. Syft keeps only the first word of the
//!   field (`Artistic or GPL-1+` gives `Artistic`); this keeps every name of the expression.
//! - Other files: Syft's patterns, the first word of lines starting `License: ` and the
//!   `NAME` of `/usr/share/common-licenses/NAME` references.
//!
//! Names are deduplicated in order of first appearance; `none` is dropped, and so is a
//! trailing `.` (the end of a sentence).

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::InventoryError;

const DOC: &str = "usr/share/doc/";
const COPYRIGHT: &str = "/copyright";
const COMMON_LICENSES: &str = "/usr/share/common-licenses/";
/// Copyright files are untrusted; real ones stay well under this (glibc's: ~60 KiB).
const MAX_BYTES: u64 = 1024 * 1024;

/// Reads `usr/share/doc/<package>/copyright`.
pub struct DebCopyrightAnalyzer;

impl Analyzer for DebCopyrightAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::DebCopyright
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        package_of(path).is_some()
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        let Some(package) = package_of(path) else {
            return Ok(Vec::new());
        };
        if u64::try_from(content.len()).map_or(true, |n| n > MAX_BYTES) {
            return Ok(vec![Fact::oversized(
                path,
                u64::try_from(content.len()).unwrap_or(u64::MAX),
                MAX_BYTES,
            )]);
        }
        let licenses = parse_copyright(&String::from_utf8_lossy(content));
        if licenses.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![Fact::PackageLicenses {
            package: package.to_string(),
            licenses,
        }])
    }
}

/// The package whose copyright file `path` (relative) is.
fn package_of(path: &str) -> Option<&str> {
    path.strip_prefix(DOC)
        .and_then(|rest| rest.strip_suffix(COPYRIGHT))
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

/// The licenses a copyright file names, in order of first appearance.
pub fn parse_copyright(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    if is_dep5(text) {
        for line in text.lines() {
            if let Some((key, value)) = line.split_once(':') {
                if !line.starts_with([' ', '\t']) && key.trim().eq_ignore_ascii_case("License") {
                    for name in split_expression(value) {
                        add(&mut found, name);
                    }
                }
            }
        }
    } else {
        for line in text.lines() {
            if let Some(value) = line.strip_prefix("License: ") {
                if let Some(word) = value.split_whitespace().next() {
                    add(&mut found, word);
                }
            }
            let mut rest = line;
            while let Some(at) = rest.find(COMMON_LICENSES) {
                rest = &rest[at + COMMON_LICENSES.len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
                    .unwrap_or(rest.len());
                add(&mut found, &rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    found
}

/// True if the first paragraph is a DEP-5 header (`Format:`, or the drafts'
/// `Format-Specification:`).
fn is_dep5(text: &str) -> bool {
    text.lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| l.split_once(':'))
        .any(|(key, _)| {
            let key = key.trim();
            key.eq_ignore_ascii_case("Format") || key.eq_ignore_ascii_case("Format-Specification")
        })
}

/// The names of a DEP-5 license expression (`GPL-2+ or Artistic`, `MIT, BSD-3-clause`,
/// `GPL-3+ with Bison exception`).
fn split_expression(value: &str) -> Vec<&str> {
    let mut names = Vec::new();
    for part in value.split([',', '(', ')']) {
        let mut start: Option<usize> = None;
        let mut end = 0;
        for (offset, word) in words(part) {
            if word.eq_ignore_ascii_case("or") || word.eq_ignore_ascii_case("and") {
                if let Some(s) = start.take() {
                    names.push(&part[s..end]);
                }
            } else {
                start.get_or_insert(offset);
                end = offset + word.len();
            }
        }
        if let Some(s) = start {
            names.push(&part[s..end]);
        }
    }
    names
}

/// The whitespace-separated words of `s` with their byte offsets.
fn words(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split_whitespace()
        .map(move |w| (w.as_ptr() as usize - s.as_ptr() as usize, w))
}

/// Adds `name` to `found` unless it is empty, `none` or already there.
fn add(found: &mut Vec<String>, name: &str) {
    let name = name.trim().trim_end_matches('.');
    if name.is_empty() || name.eq_ignore_ascii_case("none") || found.iter().any(|f| f == name) {
        return;
    }
    found.push(name.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shortened from bash's and libssl3's copyright files in Debian 12.
    const DEP5: &str = "\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: OpenSSL
Source: https://www.openssl.org/source/
Comment:
 License: NotAField

Files: *
Copyright: 1998-2023 The OpenSSL Project
License: Apache-2.0

Files: crypto/ec/asm/ecp_nistz256-armv4.pl
Copyright: 2015 CRYPTOGAMS by <appro@openssl.org>
License: Artistic or GPL-1+
Comment: dual licensed

Files: lib/sh/snprintf.c
License: BSD-4-clause-UC and MIT-like

Files: y.tab.c
license: GPL-3+ with Bison exception

Files: debian/*
License: (GPL-2+ or LGPL-2.1), MIT-like.

License: Apache-2.0
 Licensed under the Apache License 2.0 (the \"License\").
 On Debian systems see /usr/share/common-licenses/Apache-2.0.

License: none
";

    /// Shortened from libc6's copyright file in Debian 12 (not machine-readable).
    const FREE_FORM: &str = "\
This is the Debian prepackaged version of the GNU C Library version 2.23.

Copyright (C) 1991-2015 Free Software Foundation, Inc.

  On Debian systems, the complete text of the GNU Library
  General Public License can be found in `/usr/share/common-licenses/LGPL-2.1'.

  The complete text of the GNU General Public License can be found in
  /usr/share/common-licenses/GPL-2. See also /usr/share/common-licenses/LGPL-2.1.
License: BSD style
 License: indented, not a field
";

    #[test]
    fn dep5_license_fields_split_into_names() {
        assert_eq!(
            parse_copyright(DEP5),
            vec![
                "Apache-2.0",
                "Artistic",
                "GPL-1+",
                "BSD-4-clause-UC",
                "MIT-like",
                "GPL-3+ with Bison exception",
                "GPL-2+",
                "LGPL-2.1",
            ]
        );
    }

    #[test]
    fn free_form_files_use_common_license_paths_and_license_lines() {
        assert_eq!(parse_copyright(FREE_FORM), vec!["LGPL-2.1", "GPL-2", "BSD"]);
        assert!(parse_copyright("Copyright 2020 someone\n").is_empty());
        assert!(parse_copyright("/usr/share/common-licenses/\n").is_empty());
    }

    #[test]
    fn wants_only_copyright_files_directly_in_a_doc_dir() {
        let a = DebCopyrightAnalyzer;
        assert!(a.wants("usr/share/doc/bash/copyright"));
        assert!(a.wants("usr/share/doc/libstdc++6/copyright"));
        assert!(!a.wants("usr/share/doc//copyright"));
        assert!(!a.wants("usr/share/doc/bash/examples/copyright"));
        assert!(!a.wants("usr/share/doc/bash/copyright.gz"));
        assert!(!a.wants("usr/share/doc/copyright"));
        assert!(!a.wants("opt/usr/share/doc/bash/copyright"));
    }

    #[test]
    fn analyze_keys_by_package_and_survives_garbage() {
        let a = DebCopyrightAnalyzer;
        let facts = a
            .analyze("usr/share/doc/libssl3/copyright", DEP5.as_bytes())
            .unwrap();
        assert!(matches!(
            &facts[..],
            [Fact::PackageLicenses { package, licenses }]
                if package == "libssl3" && licenses[0] == "Apache-2.0"
        ));
        for junk in [
            &b""[..],
            b"\xff\xfe\x00License: \xff",
            b"Format:\n",
            b"Format: x\nLicense:\nLicense: , or and ()",
            b"License: ",
            b"/usr/share/common-licenses/...",
        ] {
            assert_eq!(
                a.analyze("usr/share/doc/x/copyright", junk).unwrap(),
                vec![],
                "{junk:?}"
            );
        }
        let huge = vec![b'a'; (MAX_BYTES + 1) as usize];
        let facts = a.analyze("usr/share/doc/x/copyright", &huge).unwrap();
        assert!(matches!(&facts[..], [Fact::Warning(_)]));
    }
}
