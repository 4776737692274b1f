//! Go module files: `go.mod`'s `require` directives, with `replace` applied.
//!
//! A go.mod says what a module needs at least, not what a build used (that is the binary's
//! build info, see `go_binary.rs`): its requirements are [`Fact::LockedPackages`] of the
//! module's directory. Since Go 1.17 go.mod lists every module of the build (indirect ones
//! marked `// indirect`), so all requirements count. `exclude`, `retract`, `go`,
//! `toolchain`, `godebug`, `tool` and unknown directives do not name dependencies and are
//! skipped; `go.sum` is a checksum database, not a dependency list, and is not read.
//!
//! Replacements as Trivy applies them: `replace A => B v2` turns requirement `A` into `B v2`;
//! `replace A v1 => ...` only applies to `A v1` (and wins over an unversioned `replace A`);
//! a replacement by a directory (`replace A => ../a`) is local code, so `A` is dropped.

use std::collections::BTreeSet;

use super::go_binary::{quoted_prefix_len, unquote};
use super::{absolute_dir, guarded, parent, MAX_MANIFEST_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, Package, PackageKind};

/// Reads `go.mod` files outside the module cache (`pkg/mod/`: the go.mod of every downloaded
/// dependency), `vendor/` directories and `testdata/` directories (which the go command
/// itself ignores).
pub(crate) struct GoModAnalyzer;

impl Analyzer for GoModAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::GoMod
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        (path == "go.mod" || path.ends_with("/go.mod"))
            && !path.split('/').any(|c| c == "vendor" || c == "testdata")
            && !path.starts_with("pkg/mod/")
            && !path.contains("/pkg/mod/")
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_MANIFEST_BYTES)
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(guarded(path, content, |bytes| {
            let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
            let file = parse_go_mod(text)?;
            // The Go distribution's own `std` and `cmd` modules (GOROOT/src): what they
            // vendor is part of the standard library, which the binaries' `stdlib` covers.
            if matches!(file.module.as_deref(), Some("std" | "cmd")) {
                return Ok(Vec::new());
            }
            Ok(vec![Fact::LockedPackages {
                project_dir: absolute_dir(parent(path)),
                packages: packages(&file, &format!("/{path}")),
            }])
        }))
    }
}

/// The parts of a go.mod that name dependencies.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct GoModFile {
    /// The `module` path.
    pub module: Option<String>,
    /// `require` directives in file order.
    pub requires: Vec<Require>,
    /// `replace` directives in file order.
    pub replaces: Vec<Replace>,
}

/// One `require path version [// indirect]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Require {
    pub path: String,
    pub version: String,
    /// Marked `// indirect`: needed by a dependency, not imported by this module.
    pub indirect: bool,
}

/// One `replace old [version] => new [version]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Replace {
    pub old_path: String,
    pub old_version: Option<String>,
    pub new_path: String,
    /// `None` when `new_path` is a directory.
    pub new_version: Option<String>,
}

/// Parses go.mod syntax: one directive per line or `verb ( ... )` blocks, `//` comments,
/// `"quoted"` and `` `raw` `` strings. `Err` names the first line Go would reject among the
/// directives read here.
pub(crate) fn parse_go_mod(text: &str) -> Result<GoModFile, String> {
    let mut file = GoModFile::default();
    let mut block: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let n = index + 1;
        let (tokens, comment) = tokenize(line).map_err(|e| format!("line {n}: {e}"))?;
        let Some(first) = tokens.first() else {
            continue;
        };
        let (verb, args) = match &block {
            Some(_) if tokens.len() == 1 && first == ")" => {
                block = None;
                continue;
            }
            Some(verb) => (verb.clone(), &tokens[..]),
            None if tokens.len() == 2 && tokens[1] == "(" => {
                block = Some(first.clone());
                continue;
            }
            None => (first.clone(), &tokens[1..]),
        };
        directive(&mut file, &verb, args, comment).map_err(|e| format!("line {n}: {e}"))?;
    }
    match block {
        Some(verb) => Err(format!("unterminated {verb} block")),
        None => Ok(file),
    }
}

/// Records one directive's arguments (`args` excludes the verb).
fn directive(
    file: &mut GoModFile,
    verb: &str,
    args: &[String],
    comment: &str,
) -> Result<(), String> {
    match verb {
        "module" => match args {
            [path] => file.module = Some(path.clone()),
            _ => return Err("usage: module path".into()),
        },
        "require" => match args {
            [path, version] => file.requires.push(Require {
                path: path.clone(),
                version: version.clone(),
                indirect: is_indirect(comment),
            }),
            _ => return Err("usage: require module/path v1.2.3".into()),
        },
        "replace" => {
            let arrow = args
                .iter()
                .position(|a| a == "=>")
                .ok_or("replace without =>")?;
            let (old, new) = (&args[..arrow], &args[arrow + 1..]);
            let (old_path, old_version) = match old {
                [p] => (p, None),
                [p, v] => (p, Some(v.clone())),
                _ => {
                    return Err("usage: replace module/path [v1.2.3] => other/path [v1.4.5]".into())
                }
            };
            let (new_path, new_version) = match new {
                [p] => (p, None),
                [p, v] => (p, Some(v.clone())),
                _ => {
                    return Err("usage: replace module/path [v1.2.3] => other/path [v1.4.5]".into())
                }
            };
            file.replaces.push(Replace {
                old_path: old_path.clone(),
                old_version,
                new_path: new_path.clone(),
                new_version,
            });
        }
        _ => {}
    }
    Ok(())
}

/// modfile's rule: the comment is `indirect`, or starts with `indirect;`.
fn is_indirect(comment: &str) -> bool {
    let c = comment.trim();
    c == "indirect" || c.starts_with("indirect;")
}

/// Splits a line into tokens and the text of its trailing `//` comment. `(`, `)` and `=>`
/// are tokens of their own; quoted strings are unquoted.
fn tokenize(line: &str) -> Result<(Vec<String>, &str), String> {
    let mut tokens = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok((tokens, ""));
        }
        if let Some(comment) = rest.strip_prefix("//") {
            return Ok((tokens, comment));
        }
        let end = if rest.starts_with(['"', '`']) {
            quoted_prefix_len(rest).ok_or("unterminated quoted string")?
        } else if rest.starts_with(['(', ')']) {
            1
        } else if rest.starts_with("=>") {
            2
        } else {
            rest.find(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '"')
                .unwrap_or(rest.len())
                .max(1)
        };
        let token = &rest[..end];
        tokens.push(if token.starts_with(['"', '`']) {
            unquote(token).ok_or("bad quoted string")?
        } else {
            token.to_string()
        });
        rest = &rest[end..];
    }
}

/// The requirements as Go packages, replacements applied (see the module docs), each
/// (name, version) once. The module itself is the project's own code: not listed.
pub(crate) fn packages(file: &GoModFile, found_in: &str) -> Vec<Package> {
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut out = Vec::new();
    for req in &file.requires {
        let exact = file
            .replaces
            .iter()
            .find(|r| r.old_path == req.path && r.old_version.as_deref() == Some(&req.version));
        let any = || {
            file.replaces
                .iter()
                .find(|r| r.old_path == req.path && r.old_version.is_none())
        };
        let (name, version) = match exact.or_else(any) {
            Some(Replace {
                new_path,
                new_version: Some(v),
                ..
            }) => (new_path.as_str(), v.as_str()),
            Some(_) => continue,
            None => (req.path.as_str(), req.version.as_str()),
        };
        if seen.insert((name, version)) {
            out.push(Package::new(PackageKind::Go, name, version, found_in));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::{locked_packages, nv, skipped};

    const GO_MOD: &str = r#"// A comment line.
module example.com/app // trailing comment

go 1.22
toolchain go1.22.3

godebug (
	default=go1.21
)

require example.com/single v1.0.0

require (
	example.com/direct v1.2.3
	"example.com/quoted" v0.1.0 // indirect
	example.com/replaced v1.0.0
	example.com/pinned v1.1.0
	example.com/local v0.0.0-00010101000000-000000000000 // indirect; needed by x
	example.com/notindirect v2.0.0+incompatible // indirectly
)

replace (
	example.com/replaced => example.com/fork v1.0.1
	example.com/pinned v1.0.0 => example.com/never v9.9.9
)
replace example.com/pinned v1.1.0 => example.com/pinned-fork v1.1.1
replace example.com/pinned => example.com/wildcard v0.0.1
replace example.com/local => ../local

exclude example.com/direct v1.2.2
exclude (
	example.com/direct v1.2.1
)
retract [v0.9.0, v0.9.5]
retract (
	v0.8.0 // broken
)
"#;

    #[test]
    fn parses_requires_and_replaces() {
        let f = parse_go_mod(GO_MOD).unwrap();
        assert_eq!(f.module.as_deref(), Some("example.com/app"));
        let reqs: Vec<(&str, &str, bool)> = f
            .requires
            .iter()
            .map(|r| (r.path.as_str(), r.version.as_str(), r.indirect))
            .collect();
        assert_eq!(
            reqs,
            vec![
                ("example.com/single", "v1.0.0", false),
                ("example.com/direct", "v1.2.3", false),
                ("example.com/quoted", "v0.1.0", true),
                ("example.com/replaced", "v1.0.0", false),
                ("example.com/pinned", "v1.1.0", false),
                (
                    "example.com/local",
                    "v0.0.0-00010101000000-000000000000",
                    true
                ),
                ("example.com/notindirect", "v2.0.0+incompatible", false),
            ]
        );
        assert_eq!(f.replaces.len(), 5);
        assert_eq!(f.replaces[4].new_version, None);
        let got: Vec<(String, String)> = packages(&f, "/app/go.mod")
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        let want = nv(&[
            ("example.com/single", "v1.0.0"),
            ("example.com/direct", "v1.2.3"),
            ("example.com/quoted", "v0.1.0"),
            ("example.com/fork", "v1.0.1"),
            ("example.com/pinned-fork", "v1.1.1"),
            ("example.com/notindirect", "v2.0.0+incompatible"),
        ]);
        assert_eq!(got, want);
    }

    #[test]
    fn analyzer_paths_and_facts() {
        let a = GoModAnalyzer;
        assert!(a.wants("go.mod"));
        assert!(a.wants("src/app/go.mod"));
        for no in [
            "root/go/pkg/mod/example.com/x@v1.0.0/go.mod",
            "pkg/mod/example.com/x@v1.0.0/go.mod",
            "src/app/vendor/example.com/x/go.mod",
            "usr/lib/go/src/cmd/go/testdata/mod/go.mod",
            "src/app/go.sum",
            "src/app/notgo.mod",
        ] {
            assert!(!a.wants(no), "{no}");
        }
        // Project /src/app, all Go, found in /src/app/go.mod (checked by `locked_packages`).
        let packages = locked_packages(&a, "src/app/go.mod", GO_MOD.as_bytes(), PackageKind::Go);
        assert_eq!(packages.len(), 6);
        // GOROOT's own modules give nothing.
        let std = "module std\n\ngo 1.19\n\nrequire golang.org/x/net v0.0.0-20220722155237-a158d28d115b\n";
        assert!(a
            .analyze("usr/lib/go-1.19/src/go.mod", std.as_bytes())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn malformed_go_mod_is_a_warning() {
        for bad in [
            &b"require (\n\texample.com/a v1.0.0\n"[..],
            b"require example.com/a\n",
            b"require example.com/a v1 extra\n",
            b"replace example.com/a v1.0.0\n",
            b"replace a => b c d\n",
            b"replace a b c => d\n",
            b"module \"unterminated\n",
            b"module \"bad\\q\"\n",
            b"module\n",
            b"\xff\xfe",
        ] {
            skipped(&GoModAnalyzer, "x/go.mod", bad);
        }
    }

    #[test]
    fn tokens() {
        let (t, c) = tokenize("\trequire (// x").unwrap();
        assert_eq!((t, c), (vec!["require".to_string(), "(".to_string()], " x"));
        let (t, c) = tokenize("`raw//x` \"q\\\"s\" => b").unwrap();
        assert_eq!(
            (t, c),
            (
                vec!["raw//x".to_string(), "q\"s".into(), "=>".into(), "b".into()],
                ""
            )
        );
        assert_eq!(
            tokenize("  // only a comment").unwrap(),
            (Vec::new(), " only a comment")
        );
    }

    #[test]
    fn never_panics_on_truncated_input() {
        for end in 0..=GO_MOD.len() {
            if let Some(prefix) = GO_MOD.get(..end) {
                let _ = GoModAnalyzer.analyze("go.mod", prefix.as_bytes());
            }
        }
    }
}
