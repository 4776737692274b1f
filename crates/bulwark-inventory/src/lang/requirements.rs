//! pip requirements files (`requirements.txt`, `requirements-dev.txt`, ...): the exact pins
//! (`name==version`, `name===version`) of a project, as `pip freeze`, `pip-compile` and
//! `uv pip compile` write them.
//!
//! Only pins are packages: `requests>=2`, URLs, paths, editables (`-e`) and VCS references
//! say what may be installed, not which version. Lines are read the way pip reads them:
//! a trailing `\` joins the next line (a comment line never continues), `#` comments
//! (at the start or after whitespace) are dropped, option lines (`-r`, `-c`, `-i`,
//! `--hash` ...) are ignored, and everything after the first token starting with `-` on a
//! requirement line is that requirement's options (`--hash=sha256:...`).

use super::pins::{file_name, in_installed_package, Pins};
use super::{guarded, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, PackageKind};

/// Reads `requirements*.txt` files of projects (not the ones installed packages ship in
/// `site-packages`, `dist-packages` or `node_modules`).
pub(crate) struct RequirementsAnalyzer;

impl Analyzer for RequirementsAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::PipRequirements
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        let name = file_name(path);
        name.starts_with("requirements") && name.ends_with(".txt") && !in_installed_package(path)
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let mut pins = Pins::new(PackageKind::Python, path);
            for line in logical_lines(bytes)? {
                if let Some((name, version)) = pinned(&line) {
                    pins.add(name, version);
                }
            }
            Ok(vec![pins.into_locked()])
        }))
    }
}

/// The file's logical lines: continuations joined, comments and blank lines dropped.
/// `Err` for a file that is not text (pip would refuse it too).
fn logical_lines(content: &[u8]) -> Result<Vec<String>, String> {
    let text = std::str::from_utf8(content).map_err(|e| format!("not UTF-8 text: {e}"))?;
    if text.contains('\0') {
        return Err("not a text file (NUL bytes)".into());
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut joined = String::new();
    for raw in text.lines() {
        let is_comment = comment_start(raw).is_some();
        if raw.ends_with('\\') && !is_comment {
            // pip joins without a separator: `requests==\` + `2.31.0` is one pin.
            joined.push_str(raw.trim_end_matches('\\'));
            continue;
        }
        if is_comment {
            // Ends a continuation; the space keeps it a comment once joined.
            joined.push(' ');
        }
        joined.push_str(raw);
        push_logical(&mut out, &joined);
        joined.clear();
    }
    // A continuation on the last line continues nothing.
    push_logical(&mut out, &joined);
    Ok(out)
}

/// Strips the comment of one logical line and keeps it if anything is left.
fn push_logical(out: &mut Vec<String>, line: &str) {
    let line = match comment_start(line) {
        Some(at) => &line[..at],
        None => line,
    };
    let line = line.trim();
    if !line.is_empty() {
        out.push(line.to_string());
    }
}

/// Where a comment starts: a `#` at the start of the line or after whitespace (pip's
/// `(^|\s+)#.*$`; a `#` inside a word, as in a URL fragment, is not one).
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
}

/// The (name, version) a logical requirement line pins exactly, if it does.
fn pinned(line: &str) -> Option<(&str, &str)> {
    if line.starts_with('-') {
        return None; // -r, -c, -e, -i, --index-url, --hash ...: options, not packages
    }
    // Everything from the first token starting with `-` on is the requirement's options.
    let bytes = line.as_bytes();
    let options =
        (1..bytes.len()).find(|&i| bytes[i] == b'-' && bytes[i - 1].is_ascii_whitespace());
    let requirement = &line[..options.unwrap_or(line.len())];
    // The environment marker does not change which version is pinned.
    let requirement = requirement.split(';').next().unwrap_or_default().trim();
    let name_end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(requirement.len());
    let (name, rest) = requirement.split_at(name_end);
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = rest.trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        rest = extras.split_once(']')?.1.trim_start();
    }
    // Old-style parenthesised specifiers: `name (==1.0)`.
    if let Some(inner) = rest.strip_prefix('(') {
        rest = inner.strip_suffix(')')?.trim();
    }
    let version = rest
        .strip_prefix("===")
        .or_else(|| rest.strip_prefix("=="))?
        .trim();
    let exact = !version.is_empty()
        && !version.contains([',', '*', '<', '>', '=', '!', '~', '@', ' ', '\t', '(', ')']);
    exact.then_some((name, version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{locked_unsorted, nv, skipped};

    fn pins(text: &str) -> Vec<(String, String)> {
        let path = "app/requirements.txt";
        locked_unsorted(
            &RequirementsAnalyzer,
            path,
            text.as_bytes(),
            PackageKind::Python,
        )
    }

    #[test]
    fn wants_requirement_files_of_projects() {
        let a = RequirementsAnalyzer;
        for yes in [
            "app/requirements.txt",
            "requirements.txt",
            "srv/requirements-dev.txt",
            "srv/requirements_prod.txt",
        ] {
            assert!(a.wants(yes), "{yes}");
        }
        for no in [
            "app/requirements.in",
            "app/dev-requirements.txt",
            "app/requirements.txt.bak",
            "usr/lib/python3/dist-packages/foo/requirements.txt",
            "app/venv/lib/python3.11/site-packages/x/requirements.txt",
            "app/node_modules/x/requirements.txt",
            "app/x.egg-info/requires.txt",
        ] {
            assert!(!a.wants(no), "{no}");
        }
    }

    #[test]
    fn only_exact_pins_are_packages() {
        let text = "\
# comment
requests==2.31.0
Django === 4.2.1
idna >=3.4
six
urllib3==1.*
packaging==23.2,<24
attrs==23.1.0 ; python_version >= \"3.7\"
zope.interface==6.1;python_version<\"3\"
PyYAML[extra1,extra2]==6.0.1
markupsafe (==2.1.3)
pip @ https://example.invalid/pip-23.0-py3-none-any.whl
https://example.invalid/x-1.0.tar.gz
./local/pkg
-e git+https://example.invalid/repo.git#egg=thing
-r other.txt
-c constraints.txt
--index-url https://example.invalid/simple
-i https://example.invalid/simple
--extra-index-url=https://example.invalid
certifi==2023.7.22 --hash=sha256:abc --hash=sha256:def
click==8.1.7  # pinned by hand
";
        assert_eq!(
            pins(text),
            nv(&[
                ("requests", "2.31.0"),
                ("Django", "4.2.1"),
                ("attrs", "23.1.0"),
                ("zope.interface", "6.1"),
                ("PyYAML", "6.0.1"),
                ("markupsafe", "2.1.3"),
                ("certifi", "2023.7.22"),
                ("click", "8.1.7"),
            ])
        );
    }

    #[test]
    fn continuations_hashes_and_comments_as_pip_compile_writes_them() {
        let text = "\
#    uv pip compile --generate-hashes requirements.in \\
certifi==2023.7.22 \\
    --hash=sha256:539cc1d13202e \\
    --hash=sha256:92d6037539857d
    # via requests
charset-normalizer==3.2.0 \\
    --hash=sha256:04e57ab9fbf9607b77f7d057974694b4f6b142da9ed4a199859d9d4d5c63fe96
urllib3==2.0.4 ; python_version < \"3.10\" \\
    --hash=sha256:8d22f86aae8ef5e4
requests==\\
2.31.0
url-with-fragment==1.0 # not#a comment
trailing==9.9 \\";
        assert_eq!(
            pins(text),
            nv(&[
                ("certifi", "2023.7.22"),
                ("charset-normalizer", "3.2.0"),
                ("urllib3", "2.0.4"),
                ("requests", "2.31.0"),
                ("url-with-fragment", "1.0"),
                ("trailing", "9.9"),
            ])
        );
    }

    #[test]
    fn a_comment_ending_in_backslash_continues_nothing() {
        assert_eq!(pins("# note \\\nsix==1.16.0\n"), nv(&[("six", "1.16.0")]));
    }

    #[test]
    fn same_package_twice_counts_once_and_crlf_and_bom_are_read() {
        assert_eq!(
            pins("\u{feff}PyYAML==5.3\r\npyyaml==5.3\r\nidna==2.7\r\n"),
            nv(&[("PyYAML", "5.3"), ("idna", "2.7")])
        );
    }

    #[test]
    fn unpinned_or_empty_files_give_no_packages() {
        assert!(pins("").is_empty());
        assert!(pins("flask\nrequests>=2\n\n# nothing\n").is_empty());
    }

    #[test]
    fn binary_is_a_warning() {
        for bad in [&b"\xff\xfe\x00r\x00e"[..], b"six==1\0"] {
            skipped(&RequirementsAnalyzer, "app/requirements.txt", bad);
        }
    }

    #[test]
    fn never_panics_on_truncated_input() {
        let text = "a[b]==1 ; c<\"2\" \\\n --hash=x\n(==1)\n[x]==1\n-r\n é==1\nb (==2\n";
        for end in 0..=text.len() {
            if let Some(prefix) = text.get(..end) {
                assert!(RequirementsAnalyzer
                    .analyze("requirements.txt", prefix.as_bytes())
                    .is_ok());
            }
        }
    }
}
