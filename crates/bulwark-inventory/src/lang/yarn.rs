//! Yarn lockfiles (`yarn.lock`), both formats:
//! - classic (Yarn 1, "yarn lockfile v1"): a custom indented format, entries headed by
//!   their comma-separated specifiers (`"lodash@^4.17.4", lodash@^4.17.21:`) with a
//!   `version "4.17.21"` line;
//! - berry (Yarn 2+): YAML with a `__metadata` entry; each entry's `resolution`
//!   (`"lodash@npm:4.17.21"`) names the package and version actually locked.
//!
//! Local code is not a package: classic `link:`/`file:` specifiers, berry `workspace:`,
//! `link:`, `portal:`, `file:` and `exec:` resolutions. Berry's `patch:` resolutions are
//! skipped too: the unpatched npm entry they wrap is in the file as well. Aliases
//! (`"old@npm:lodash@4.17.20"`) count under the real package's name.

use super::pins::{from_yaml, in_dir, is_named, yaml_str, Pins};
use super::{guarded, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, PackageKind};

/// Reads `yarn.lock` files of projects (not the ones packages ship inside `node_modules`).
pub(crate) struct YarnLockAnalyzer;

impl Analyzer for YarnLockAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::YarnLock
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        is_named(path, "yarn.lock") && !in_dir(path, "node_modules")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
            let mut pins = Pins::new(PackageKind::Npm, path);
            if is_berry(text) {
                parse_berry(bytes, &mut pins)?;
            } else {
                parse_classic(text, &mut pins)?;
            }
            Ok(vec![pins.into_locked()])
        }))
    }
}

/// Berry lockfiles start their YAML with the `__metadata` entry; classic ones never have it.
fn is_berry(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("__metadata:") || l.starts_with("\"__metadata\":"))
}

/// Splits `name@range` at the `@` that ends the name (a scoped name starts with `@`).
fn split_name(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

/// Parses the classic format. `Err` for a line that fits no entry: the file is then not a
/// classic lockfile (yarn itself would refuse it).
fn parse_classic(text: &str, pins: &mut Pins) -> Result<(), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The current entry: its package name (None for local code), and its version.
    let mut current: Option<(Option<String>, Option<String>)> = None;
    let finish = |entry: Option<(Option<String>, Option<String>)>, pins: &mut Pins| {
        if let Some((Some(name), Some(version))) = entry {
            pins.add(&name, &version);
        }
    };
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent == 0 {
            let header = trimmed
                .strip_suffix(':')
                .ok_or_else(|| format!("line {}: not a yarn.lock entry", number + 1))?;
            finish(current.take(), pins);
            current = Some((classic_name(first_specifier(header)), None));
        } else if indent == 2 {
            let Some((_, version)) = current.as_mut() else {
                return Err(format!("line {}: field outside any entry", number + 1));
            };
            if let Some(value) = trimmed.strip_prefix("version ") {
                *version = Some(unquote(value.trim()).to_string());
            }
        }
        // Deeper lines (dependency lists) say nothing about this entry's own version.
    }
    finish(current, pins);
    Ok(())
}

/// The first of an entry header's comma-separated, possibly quoted specifiers.
fn first_specifier(header: &str) -> &str {
    match header.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or_default(),
        None => header.split(',').next().unwrap_or_default().trim(),
    }
}

/// The package a classic specifier locks: its own name, or the real name behind an
/// `npm:` alias; `None` for local code and for specifiers that name no package.
fn classic_name(spec: &str) -> Option<String> {
    let (name, range) = split_name(spec)?;
    if ["link:", "file:", "portal:", "workspace:"]
        .iter()
        .any(|p| range.starts_with(p))
    {
        return None;
    }
    if let Some(aliased) = range.strip_prefix("npm:") {
        // `npm:lodash@4.17.20` names another package; `npm:^1.0.0` only a range.
        if let Some((real, _)) = split_name(aliased).filter(|(n, _)| !n.is_empty()) {
            return Some(real.to_string());
        }
    }
    (!name.is_empty()).then(|| name.to_string())
}

/// A classic value without its double quotes (`"4.17.21"` → `4.17.21`).
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// Parses the berry (YAML) format.
fn parse_berry(content: &[u8], pins: &mut Pins) -> Result<(), String> {
    let doc = from_yaml(content, "yarn.lock")?;
    let entries = doc.as_mapping().ok_or("not a YAML mapping")?;
    for (key, entry) in entries {
        if key.as_str() == Some("__metadata") {
            continue;
        }
        let Some(entry) = entry.as_mapping() else {
            continue;
        };
        let Some((name, protocol, selector)) = yaml_str(entry, "resolution").and_then(|r| {
            let (name, rest) = split_name(r)?;
            let (protocol, selector) = rest.split_once(':')?;
            Some((name, protocol, selector))
        }) else {
            continue;
        };
        let version = match protocol {
            // An npm resolution is exact: `lodash@npm:4.17.21`.
            "npm" => Some(selector),
            "workspace" | "link" | "portal" | "file" | "patch" | "exec" => None,
            // git and tarball URLs: the version their package.json declares.
            _ => yaml_str(entry, "version"),
        };
        if let Some(version) = version.filter(|v| *v != "0.0.0-use.local") {
            pins.add(name, version);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{self as ts, nv};

    fn locked(text: &str) -> Vec<(String, String)> {
        let path = "app/web/yarn.lock";
        ts::locked(&YarnLockAnalyzer, path, text.as_bytes(), PackageKind::Npm)
    }

    #[test]
    fn wants_project_lockfiles_only() {
        assert!(YarnLockAnalyzer.wants("app/yarn.lock"));
        assert!(YarnLockAnalyzer.wants("yarn.lock"));
        assert!(!YarnLockAnalyzer.wants("app/node_modules/x/yarn.lock"));
        assert!(!YarnLockAnalyzer.wants("app/yarn.lock.bak"));
    }

    #[test]
    fn classic_entries_aliases_and_local_code() {
        let lock = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.22.13":
  version "7.22.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.22.13.tgz#abc"
  integrity sha512-x
  dependencies:
    "@babel/highlight" "^7.22.13"
    version "9.9.9"

lodash@^4.17.4, lodash@^4.17.21:
  version "4.17.21"

"js-tokens@^3.0.0 || ^4.0.0":
  version "4.0.0"

"old-lodash@npm:lodash@4.17.20":
  version "4.17.20"

"string-width@npm:^4.2.0":
  version "4.2.3"

"local-lib@link:./local-lib":
  version "0.0.0"
  uid ""

"other@file:../other":
  version "1.0.0"

gitdep@https://example.invalid/gitdep.git#abc:
  version "2.0.0"

noversion@^1.0.0:
  resolved "https://example.invalid/x.tgz"
"#;
        assert_eq!(
            locked(lock),
            nv(&[
                ("@babel/code-frame", "7.22.13"),
                ("gitdep", "2.0.0"),
                ("js-tokens", "4.0.0"),
                ("lodash", "4.17.20"),
                ("lodash", "4.17.21"),
                ("string-width", "4.2.3"),
            ])
        );
        assert!(locked("# yarn lockfile v1\n").is_empty());
        assert!(locked("").is_empty());
    }

    #[test]
    fn berry_resolutions() {
        let lock = r#"# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 8
  cacheKey: 10c0

"@types/node@npm:*, @types/node@npm:^20.0.0":
  version: 20.10.0
  resolution: "@types/node@npm:20.10.0"
  languageName: node
  linkType: hard

"demo@workspace:.":
  version: 0.0.0-use.local
  resolution: "demo@workspace:."
  languageName: unknown
  linkType: soft

"member@workspace:packages/member":
  version: 1.0.0
  resolution: "member@workspace:packages/member"

"local-lib@link:./local-lib::locator=demo%40workspace%3A.":
  version: 0.0.0-use.local
  resolution: "local-lib@link:./local-lib::locator=demo%40workspace%3A."

"portal-lib@portal:../p::locator=demo%40workspace%3A.":
  version: 0.0.0-use.local
  resolution: "portal-lib@portal:../p::locator=demo%40workspace%3A."

"typescript@npm:^5.0.0":
  version: 5.3.3
  resolution: "typescript@npm:5.3.3"

"typescript@patch:typescript@npm%3A^5.0.0#optional!builtin<compat/typescript>":
  version: 5.3.3
  resolution: "typescript@patch:typescript@npm%3A5.3.3#optional!builtin<compat/typescript>::version=5.3.3&hash=e012d7"

"old-lodash@npm:lodash@4.17.20":
  version: 4.17.20
  resolution: "lodash@npm:4.17.20"

"gitdep@https://example.invalid/gitdep.git#commit=abc":
  version: 2.0.0
  resolution: "gitdep@https://example.invalid/gitdep.git#commit=abc"

"broken@npm:1":
  version: 1.0.0

"weird": 5
"#;
        assert_eq!(
            locked(lock),
            nv(&[
                ("@types/node", "20.10.0"),
                ("gitdep", "2.0.0"),
                ("lodash", "4.17.20"),
                ("typescript", "5.3.3"),
            ])
        );
    }

    #[test]
    fn malformed_lockfiles_are_warnings() {
        for bad in [
            &b"lodash@^4:\n  version \"1\"\nstray line\n"[..],
            b"  version \"1\"\n",
            b"\xff\xfe",
            b"__metadata:\n  version: [\n",
            b"__metadata:\n  version: 8\n- a\n",
        ] {
            let w = ts::skipped(&YarnLockAnalyzer, "app/yarn.lock", bad);
            assert!(!w.contains('\n'), "{bad:?}: {w}");
        }
    }

    #[test]
    fn yaml_bombs_and_deep_nesting_are_bounded() {
        let mut bomb =
            String::from("__metadata:\n  version: 8\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, prev) in (b'b'..=b'z').zip(b'a'..) {
            let (i, prev) = (i as char, prev as char);
            bomb.push_str(&format!(
                "{i}: &{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let facts = YarnLockAnalyzer
            .analyze("yarn.lock", bomb.as_bytes())
            .unwrap();
        assert!(matches!(&facts[..], [Fact::Warning(_)]), "{facts:?}");
        let deep = format!(
            "__metadata:\n  v: {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let facts = YarnLockAnalyzer
            .analyze("yarn.lock", deep.as_bytes())
            .unwrap();
        assert!(matches!(&facts[..], [Fact::Warning(_)]), "{facts:?}");
    }

    #[test]
    fn never_panics_on_truncated_input() {
        let classic = "\"@a/b@^1\", \"@a/b@npm:c@2\":\n  version \"1\"\n\"@\":\n  version \"\n";
        let berry = "__metadata:\n  version: 8\n\"@a/b@npm:1\":\n  resolution: \"@a/b@npm:1\"\n\"@@:\":\n  resolution: \"@\"\n";
        for text in [classic, berry] {
            for end in 0..=text.len() {
                assert!(YarnLockAnalyzer
                    .analyze("yarn.lock", &text.as_bytes()[..end])
                    .is_ok());
            }
        }
    }
}
