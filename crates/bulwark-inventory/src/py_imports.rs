//! The imports of Python source files, for entrypoint reachability (`bulwark-reach`).
//!
//! [`PythonImportsAnalyzer`] reads `*.py` files and executable scripts whose `#!` line
//! names Python, and keeps the `import` statements that run when the module itself is
//! imported: at module level, in class bodies and in `try`, `finally` and `with` blocks,
//! plus (marked [`PyImport::main_only`]) those under `if __name__ == "__main__":`. Imports
//! in functions, in `if`/`else`/`for`/`while`/`except` blocks and one-line compound
//! statements may not run, so they are left out: reachability only counts what is proven.
//! Dynamic imports (`importlib.import_module`, `__import__`) are not seen.
//!
//! The scan is line-based and never evaluates anything: strings (triple-quoted included),
//! comments, brackets and backslash continuations are tracked just enough to find
//! statement starts and their indentation.

use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::InventoryError;

/// Largest source file read; bigger ones (generated tables) give no fact, which only means
/// fewer proven imports.
const MAX_SOURCE_BYTES: u64 = 4 << 20;
/// Most imports kept per file.
const MAX_IMPORTS: usize = 4096;
/// Longest import statement (continuation lines included) parsed, in bytes.
const MAX_STATEMENT: usize = 64 << 10;

/// One import statement's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyImport {
    /// The module as written: `os.path`, or with leading dots for a relative import
    /// (`.compat`, `..`, `.`).
    pub module: String,
    /// For `from M import a, b`: the names imported from `M`, which may be submodules
    /// (`from email import utils`). Empty for `import M` and `from M import *`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    /// True when the import sits under `if __name__ == "__main__":`: it runs only when the
    /// file is the program's entry script.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub main_only: bool,
}

/// The Python import analyzer (see the module docs).
pub struct PythonImportsAnalyzer;

impl Analyzer for PythonImportsAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::PythonImports
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        path.ends_with(".py")
    }

    /// Also executables: scripts without `.py` whose `#!` line names Python.
    fn wants_file(&self, path: &str, mode: u32) -> bool {
        mode & 0o111 != 0 || self.wants(path)
    }

    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_SOURCE_BYTES)
    }

    fn oversized(&self, _path: &str, _size: u64, _limit: u64) -> Vec<Fact> {
        Vec::new()
    }

    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        if !path.ends_with(".py") && !is_python_script(content) {
            return Ok(Vec::new());
        }
        let imports = parse_python_imports(content);
        Ok(if imports.is_empty() {
            Vec::new()
        } else {
            vec![Fact::PythonImports(imports)]
        })
    }
}

/// True when the content starts with a `#!` line naming a Python interpreter.
fn is_python_script(content: &[u8]) -> bool {
    content.strip_prefix(b"#!").is_some_and(|rest| {
        let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
        line.len() < 256 && line.windows(6).any(|w| w == b"python")
    })
}

/// How a block's body runs when the module is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Runs {
    /// Always (module level, class, try, finally, with).
    Always,
    /// Only when the file is the entry script (`if __name__ == "__main__":`).
    AsMain,
    /// Maybe not (function, if, loop, except, else).
    Maybe,
}

/// The bytes [`Lexer::line`] must look at: quotes, `#`, brackets, backslash.
const LEXICAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    let special = b"\"'#()[]{}\\";
    while i < special.len() {
        table[special[i] as usize] = true;
        i += 1;
    }
    table
};

/// The lexical state carried from one line to the next.
#[derive(Default)]
struct Lexer {
    /// Inside a triple-quoted string opened with this quote byte.
    triple: Option<u8>,
    /// Open brackets.
    depth: usize,
    /// The previous line ended with a backslash.
    continued: bool,
}

impl Lexer {
    /// Advances over one line; true when a statement ends at the end of it. Jumps from one
    /// lexically interesting byte ([`LEXICAL`]) to the next: most bytes are not.
    fn line(&mut self, line: &[u8]) -> bool {
        let mut i = 0;
        // Where the code ends: a comment, or the end of the line.
        let mut code_end = line.len();
        while i < line.len() {
            if let Some(q) = self.triple {
                // Jump to the next quote or backslash: docstrings are most of many files.
                match line[i..].iter().position(|&c| c == q || c == b'\\') {
                    None => i = line.len(),
                    Some(k) => {
                        let j = i + k;
                        if line[j] == b'\\' {
                            i = j + 2;
                        } else if line[j..].starts_with(&[q, q, q]) {
                            self.triple = None;
                            i = j + 3;
                        } else {
                            i = j + 1;
                        }
                    }
                }
                continue;
            }
            let Some(k) = line[i..].iter().position(|&c| LEXICAL[usize::from(c)]) else {
                break;
            };
            i += k;
            match line[i] {
                b'#' => {
                    code_end = i;
                    break;
                }
                q @ (b'"' | b'\'') => {
                    if line[i..].starts_with(&[q, q, q]) {
                        self.triple = Some(q);
                        i += 3;
                        continue;
                    }
                    // A one-line string: to its closing quote, escapes skipped.
                    i += 1;
                    loop {
                        let next = line
                            .get(i..)
                            .and_then(|rest| rest.iter().position(|&c| c == q || c == b'\\'));
                        let Some(k) = next else {
                            // Unterminated: the rest of the line is the string.
                            i = line.len();
                            break;
                        };
                        let j = i + k;
                        if line[j] == q {
                            i = j;
                            break;
                        }
                        i = j + 2;
                    }
                }
                b'(' | b'[' | b'{' => self.depth += 1,
                b')' | b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
            i += 1;
        }
        let last_code = line[..code_end]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map(|p| line[p]);
        self.continued = self.triple.is_none() && last_code == Some(b'\\');
        self.triple.is_none() && self.depth == 0 && !self.continued
    }
}

/// The imports of a Python source file that run when it is imported (see the module docs).
pub fn parse_python_imports(content: &[u8]) -> Vec<PyImport> {
    let text = String::from_utf8_lossy(content);
    let mut out = Vec::new();
    let mut lexer = Lexer::default();
    // Open blocks: (indentation of the header line, how the body runs, counting the
    // enclosing blocks: the most restrictive of them all).
    let mut blocks: Vec<(usize, Runs)> = Vec::new();
    // The import statement being collected over continuation lines, and how it runs.
    let mut statement: Option<(String, Runs)> = None;
    let mut at_statement_start = true;
    for line in text.lines() {
        if at_statement_start {
            let indent = indentation(line);
            let code = line.trim();
            if !code.is_empty() && !code.starts_with('#') {
                while blocks.last().is_some_and(|(i, _)| *i >= indent) {
                    blocks.pop();
                }
                let runs = blocks.last().map_or(Runs::Always, |(_, r)| *r);
                let first = code
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default();
                if let Some(body) = block_runs(first, code) {
                    blocks.push((indent, body.max(runs)));
                } else if (first == "import" || first == "from") && runs != Runs::Maybe {
                    statement = Some((String::new(), runs));
                }
            }
        }
        if let Some((text, _)) = statement.as_mut() {
            if text.len() + line.len() < MAX_STATEMENT {
                text.push_str(line);
                text.push('\n');
            }
        }
        at_statement_start = lexer.line(line.as_bytes());
        if at_statement_start {
            if let Some((text, runs)) = statement.take() {
                for part in text.split(';') {
                    parse_statement(part, runs == Runs::AsMain, &mut out);
                }
                if out.len() >= MAX_IMPORTS {
                    out.truncate(MAX_IMPORTS);
                    break;
                }
            }
        }
    }
    out
}

/// How the body of a block opened by a line starting with keyword `first` runs, or `None`
/// when the line opens no block.
fn block_runs(first: &str, code: &str) -> Option<Runs> {
    match first {
        "class" | "try" | "finally" | "with" => Some(Runs::Always),
        "if" if is_main_guard(code) => Some(Runs::AsMain),
        "def" | "if" | "elif" | "else" | "except" | "for" | "while" | "lambda" => Some(Runs::Maybe),
        "async" => Some(if code["async".len()..].trim_start().starts_with("with") {
            Runs::Always
        } else {
            Runs::Maybe
        }),
        "match" | "case"
            if code
                .split('#')
                .next()
                .unwrap_or_default()
                .trim_end()
                .ends_with(':') =>
        {
            Some(Runs::Maybe)
        }
        _ => None,
    }
}

/// `if __name__ == "__main__":` in its usual spellings.
fn is_main_guard(code: &str) -> bool {
    let squeezed: String = code
        .split('#')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '\'' { '"' } else { c })
        .collect();
    matches!(
        squeezed.as_str(),
        "if__name__==\"__main__\":" | "if\"__main__\"==__name__:" | "if(__name__==\"__main__\"):"
    )
}

/// Columns of leading whitespace (tabs to the next multiple of 8, as Python does).
fn indentation(line: &str) -> usize {
    let mut col = 0;
    for c in line.chars() {
        match c {
            ' ' => col += 1,
            '\t' => col = (col / 8 + 1) * 8,
            '\x0c' => col = 0,
            _ => break,
        }
    }
    col
}

/// Parses one `import ...` or `from ... import ...` statement (continuations joined).
fn parse_statement(text: &str, main_only: bool, out: &mut Vec<PyImport>) {
    // Comments, brackets and continuation backslashes carry nothing for an import.
    let cleaned: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['(', ')', '\\'], " ");
    let mut words = cleaned.split_whitespace();
    match words.next() {
        Some("import") => {
            let rest: Vec<&str> = words.collect();
            for item in rest.join(" ").split(',') {
                let module = item.split_whitespace().next().unwrap_or_default();
                if is_dotted_name(module) {
                    out.push(PyImport {
                        module: module.to_string(),
                        names: Vec::new(),
                        main_only,
                    });
                }
            }
        }
        Some("from") => {
            let Some(module) = words.next() else { return };
            if words.next() != Some("import") || module == "__future__" {
                return;
            }
            let dots = module.len() - module.trim_start_matches('.').len();
            let base = &module[dots..];
            let relative_package = base.is_empty() && dots > 0;
            if !relative_package && !is_dotted_name(base) {
                return;
            }
            let rest: Vec<&str> = words.collect();
            let names = rest
                .join(" ")
                .split(',')
                .filter_map(|item| item.split_whitespace().next())
                .filter(|n| is_identifier(n))
                .map(String::from)
                .collect();
            out.push(PyImport {
                module: module.to_string(),
                names,
                main_only,
            });
        }
        _ => {}
    }
}

fn is_dotted_name(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_identifier)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modules(src: &str) -> Vec<(String, Vec<String>, bool)> {
        parse_python_imports(src.as_bytes())
            .into_iter()
            .map(|i| (i.module, i.names, i.main_only))
            .collect()
    }

    fn m(module: &str, names: &[&str]) -> (String, Vec<String>, bool) {
        (
            module.into(),
            names.iter().map(|n| n.to_string()).collect(),
            false,
        )
    }

    #[test]
    fn module_level_imports_in_every_spelling() {
        let src = r#""""Demo service: serves the current directory.

import not_this   (inside the docstring)
"""
import http.server
import os, sys as system
from email import (utils,
    header as h)  # comment
from . import compat
from ..pkg.sub import *
from .x import y; import json
import a.b \
    as c
from __future__ import annotations
x = "import nope"
"""
import nope2
"""
"#;
        assert_eq!(
            modules(src),
            vec![
                m("http.server", &[]),
                m("os", &[]),
                m("sys", &[]),
                m("email", &["utils", "header"]),
                m(".", &["compat"]),
                m("..pkg.sub", &[]),
                m(".x", &["y"]),
                m("json", &[]),
                m("a.b", &[]),
            ]
        );
    }

    #[test]
    fn only_imports_that_run_on_import_are_kept() {
        let src = "\
import top
try:
    import ssl
except ImportError:
    import fallback
else:
    import maybe
finally:
    import fin
if TYPE_CHECKING:
    import typing_only
def f():
    import lazy
    class Inner:
        import nested_lazy
class C:
    import in_class
    def g(self):
        import lazy2
    x = (1,
import_not_a_statement)
with ctx():
    import in_with
for x in y: import loop
if sys.platform == 'win32': import winreg
if __name__ == '__main__':
    import cli
    try:
        import main_try
    except Exception:
        pass
import last
";
        let got = modules(src);
        let plain: Vec<&str> = got
            .iter()
            .filter(|(_, _, main)| !main)
            .map(|(m, _, _)| m.as_str())
            .collect();
        assert_eq!(plain, ["top", "ssl", "fin", "in_class", "in_with", "last"]);
        let main: Vec<&str> = got
            .iter()
            .filter(|(_, _, main)| *main)
            .map(|(m, _, _)| m.as_str())
            .collect();
        assert_eq!(main, ["cli", "main_try"]);
    }

    #[test]
    fn scripts_need_a_python_shebang() {
        let a = PythonImportsAnalyzer;
        assert!(a.wants_file("usr/local/bin/gunicorn", 0o755));
        assert!(a.wants_file("app/app.py", 0o644));
        assert!(!a.wants_file("app/app.txt", 0o644));
        let facts = a
            .analyze("usr/local/bin/gunicorn", b"#!/usr/bin/python3\nimport re\n")
            .unwrap();
        assert!(matches!(&facts[..], [Fact::PythonImports(i)] if i[0].module == "re"));
        assert!(a
            .analyze("usr/bin/tool", b"#!/bin/sh\nimport x\n")
            .unwrap()
            .is_empty());
        assert!(a.analyze("usr/bin/ls", b"\x7fELF\x02").unwrap().is_empty());
    }

    #[test]
    fn hostile_input_is_bounded() {
        let many = "import a\n".repeat(MAX_IMPORTS + 10);
        assert_eq!(parse_python_imports(many.as_bytes()).len(), MAX_IMPORTS);
        let open = format!("from x import ({}", "a,\n".repeat(100_000));
        let _ = parse_python_imports(open.as_bytes());
        let _ = parse_python_imports(b"\"\"\"\nimport x\n\\");
        let _ = parse_python_imports(&[0xff, 0xfe, b'\n', b'\t', b'(']);
        // Deep nesting: each line looks at the innermost block only.
        let deep: String = (0..2_000)
            .map(|i| format!("{}try:\n", " ".repeat(i)))
            .chain(std::iter::once(format!(
                "{}import deep\n",
                " ".repeat(2_000)
            )))
            .collect();
        assert_eq!(modules(&deep), vec![m("deep", &[])]);
        assert!(modules("from import x\nfrom 3x import y\nimport 1a\n").is_empty());
    }
}
