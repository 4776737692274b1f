//! Dockerfile syntax: parser directives (`# syntax=`, `# escape=`, `# check=`), comments,
//! line continuations with the escape character, heredocs (`RUN <<EOF`, `COPY <<EOF /x`,
//! `<<-` and quoted delimiters), flags (`--from=`, `--mount=`, `--platform=`), JSON (exec)
//! versus shell form, ONBUILD, and stages. Variable expansion happens in the checks, where
//! the scope (global ARGs, stage ARG/ENV) is known; see [`super::shell`].
//!
//! Errors carry 1-based line and column: an unknown instruction, an instruction before the
//! first FROM, an unterminated heredoc, a bad escape directive, an ENV without `=`, an empty file.

use serde::Serialize;

use crate::finding::Position;

/// A parsed Dockerfile.
#[derive(Debug, Clone, Serialize)]
pub struct Dockerfile {
    pub directives: Vec<Directive>,
    /// `\` unless `# escape=` says `` ` ``.
    pub escape: char,
    pub instructions: Vec<Instruction>,
}

/// A parser directive from the top of the file.
#[derive(Debug, Clone, Serialize)]
pub struct Directive {
    pub name: String,
    pub value: String,
    pub line: u32,
}

/// Every Dockerfile instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
}

impl Keyword {
    fn parse(word: &str) -> Option<Keyword> {
        Some(match word.to_ascii_uppercase().as_str() {
            "ADD" => Keyword::Add,
            "ARG" => Keyword::Arg,
            "CMD" => Keyword::Cmd,
            "COPY" => Keyword::Copy,
            "ENTRYPOINT" => Keyword::Entrypoint,
            "ENV" => Keyword::Env,
            "EXPOSE" => Keyword::Expose,
            "FROM" => Keyword::From,
            "HEALTHCHECK" => Keyword::Healthcheck,
            "LABEL" => Keyword::Label,
            "MAINTAINER" => Keyword::Maintainer,
            "ONBUILD" => Keyword::Onbuild,
            "RUN" => Keyword::Run,
            "SHELL" => Keyword::Shell,
            "STOPSIGNAL" => Keyword::Stopsignal,
            "USER" => Keyword::User,
            "VOLUME" => Keyword::Volume,
            "WORKDIR" => Keyword::Workdir,
            _ => return None,
        })
    }

    fn takes_flags(self) -> bool {
        matches!(
            self,
            Keyword::From | Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::Healthcheck
        )
    }

    fn takes_json(self) -> bool {
        matches!(
            self,
            Keyword::Run
                | Keyword::Cmd
                | Keyword::Entrypoint
                | Keyword::Shell
                | Keyword::Copy
                | Keyword::Add
                | Keyword::Volume
        )
    }

    fn takes_heredocs(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// `--name=value` (or a bare `--name`) before the arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

/// A heredoc body.
#[derive(Debug, Clone, Serialize)]
pub struct Heredoc {
    /// The delimiter word, without quotes.
    pub name: String,
    /// The lines between the marker and the delimiter, each ending in `\n`.
    pub body: String,
    /// 1-based line of the body's first line.
    pub line: u32,
    /// `<<-`: leading tabs were stripped.
    pub strip_tabs: bool,
}

/// One instruction.
#[derive(Debug, Clone, Serialize)]
pub struct Instruction {
    pub keyword: Keyword,
    /// Where the keyword starts.
    pub position: Position,
    /// The last line of the instruction, heredoc bodies included.
    pub end_line: u32,
    pub flags: Vec<Flag>,
    /// The arguments after the flags, continuation lines joined (escape and newline removed,
    /// comment lines dropped), not expanded.
    pub args: String,
    /// The JSON (exec) form, when the arguments are a JSON array of strings.
    pub exec: Option<Vec<String>>,
    pub heredocs: Vec<Heredoc>,
    /// For ONBUILD: the instruction it registers.
    pub onbuild: Option<Box<Instruction>>,
}

impl Instruction {
    /// The value of `--name=...`, if given.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_deref().unwrap_or(""))
    }
}

/// One build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone)]
pub struct Stage<'a> {
    pub index: usize,
    pub from: &'a Instruction,
    /// The image word as written (unexpanded).
    pub image: String,
    pub alias: Option<String>,
    /// The instructions after FROM.
    pub body: &'a [Instruction],
}

impl Dockerfile {
    /// Instructions before the first FROM (only ARG may stand there).
    pub fn global_args(&self) -> &[Instruction] {
        let end = self
            .instructions
            .iter()
            .position(|i| i.keyword == Keyword::From)
            .unwrap_or(self.instructions.len());
        &self.instructions[..end]
    }

    /// The build stages, in order.
    pub fn stages(&self) -> Vec<Stage<'_>> {
        let froms: Vec<usize> = self
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.keyword == Keyword::From)
            .map(|(n, _)| n)
            .collect();
        let mut out = Vec::new();
        for (k, &start) in froms.iter().enumerate() {
            let end = froms.get(k + 1).copied().unwrap_or(self.instructions.len());
            let from = &self.instructions[start];
            let words: Vec<&str> = from.args.split_whitespace().collect();
            let alias = match words.as_slice() {
                [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => Some(name.to_string()),
                _ => None,
            };
            out.push(Stage {
                index: k,
                from,
                image: words.first().map(|s| s.to_string()).unwrap_or_default(),
                alias,
                body: &self.instructions[start + 1..end],
            });
        }
        out
    }
}

/// Parses a Dockerfile. Errors are `(line, column, message)`, 1-based.
pub fn parse(text: &str) -> Result<Dockerfile, (u32, u32, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut escape = '\\';
    let mut directives = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((name, value)) = directive(lines[i]) else {
            break;
        };
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            break; // an unknown directive is a comment, and comments end the directives
        }
        if directives.iter().any(|d: &Directive| d.name == name) {
            return Err((
                line_no(i),
                1,
                format!("only one {name} parser directive can be used"),
            ));
        }
        if name == "escape" {
            escape = match value.as_str() {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err((
                        line_no(i),
                        1,
                        format!("invalid escape token {value:?} does not match ` or \\"),
                    ))
                }
            };
        }
        directives.push(Directive {
            name,
            value,
            line: line_no(i),
        });
        i += 1;
    }

    let mut instructions: Vec<Instruction> = Vec::new();
    let mut seen_from = false;
    while i < lines.len() {
        let raw = lines[i];
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let column = (raw.chars().count() - trimmed.chars().count()) as u32 + 1;
        // Join continuation lines.
        let mut logical = String::new();
        let mut current = trimmed;
        loop {
            let (content, continued) = continuation(current, escape);
            logical.push_str(content);
            if !continued {
                break;
            }
            // Inside a continuation, comment lines and empty lines are dropped.
            let mut next = i + 1;
            while next < lines.len() {
                let t = lines[next].trim_start();
                if t.is_empty() || t.starts_with('#') {
                    next += 1;
                } else {
                    break;
                }
            }
            if next >= lines.len() {
                i = lines.len() - 1;
                break;
            }
            i = next;
            current = lines[i];
        }
        i += 1;
        let pos = Position::new(line_no(start), column);
        let mut ins = instruction(&logical, pos, escape, false)?;
        ins.end_line = line_no(i - 1);

        // Heredoc bodies follow the instruction's (logical) line.
        if ins.keyword.takes_heredocs() && ins.exec.is_none() {
            for (offset, name, strip_tabs) in heredoc_markers(&ins.args) {
                let body_start = i;
                let mut body = String::new();
                loop {
                    if i >= lines.len() {
                        let col = column + ins_keyword_len(&logical) + offset as u32;
                        return Err((
                            pos.line,
                            col,
                            format!("unterminated heredoc <<{name}: no line {name:?} before the end of the file"),
                        ));
                    }
                    let l = if strip_tabs {
                        lines[i].trim_start_matches('\t')
                    } else {
                        lines[i]
                    };
                    i += 1;
                    if l == name {
                        break;
                    }
                    body.push_str(l);
                    body.push('\n');
                }
                ins.heredocs.push(Heredoc {
                    name,
                    body,
                    line: line_no(body_start),
                    strip_tabs,
                });
                ins.end_line = line_no(i - 1);
            }
        }

        match ins.keyword {
            Keyword::From => seen_from = true,
            Keyword::Arg => {}
            k if !seen_from => {
                return Err((
                    pos.line,
                    pos.column,
                    format!("{k:?} before the first FROM: no build stage in current context")
                        .to_uppercase_first(),
                ))
            }
            _ => {}
        }
        instructions.push(ins);
    }
    if !seen_from {
        let (line, col) = instructions
            .first()
            .map(|i| (i.position.line, i.position.column))
            .unwrap_or((1, 1));
        return Err((
            line,
            col,
            "no FROM instruction: a Dockerfile needs at least one build stage".into(),
        ));
    }
    Ok(Dockerfile {
        directives,
        escape,
        instructions,
    })
}

trait UpperFirst {
    fn to_uppercase_first(self) -> String;
}

impl UpperFirst for String {
    /// `Run before ...` → `RUN before ...` (the keyword as users write it).
    fn to_uppercase_first(self) -> String {
        match self.split_once(' ') {
            Some((k, rest)) => format!("{} {rest}", k.to_ascii_uppercase()),
            None => self,
        }
    }
}

fn line_no(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Length in characters of the keyword plus following whitespace, for heredoc columns.
fn ins_keyword_len(logical: &str) -> u32 {
    let kw = logical.split_whitespace().next().unwrap_or("");
    let rest = &logical[kw.len()..];
    (kw.chars().count() + rest.chars().count() - rest.trim_start().chars().count()) as u32
}

/// `# name=value` at the top of the file.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim().strip_prefix('#')?.trim_start();
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((name.to_ascii_lowercase(), value.trim().to_string()))
}

/// Strips a trailing escape character (followed only by blanks): `(content, continued)`.
fn continuation(line: &str, escape: char) -> (&str, bool) {
    let t = line.trim_end_matches([' ', '\t']);
    match t.strip_suffix(escape) {
        Some(content) => (content, true),
        None => (line, false),
    }
}

/// Parses one logical line into an instruction.
fn instruction(
    logical: &str,
    pos: Position,
    escape: char,
    nested: bool,
) -> Result<Instruction, (u32, u32, String)> {
    let logical = logical.trim();
    let (word, rest) = match logical.find(char::is_whitespace) {
        Some(n) => (&logical[..n], logical[n..].trim_start()),
        None => (logical, ""),
    };
    let keyword = Keyword::parse(word)
        .ok_or_else(|| (pos.line, pos.column, format!("unknown instruction: {word}")))?;
    let mut rest = rest;
    let mut flags = Vec::new();
    if keyword.takes_flags() {
        while let Some(after) = rest.strip_prefix("--") {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            let token = &after[..end];
            let (name, value) = match token.split_once('=') {
                Some((n, v)) => (n, Some(unquote(v).to_string())),
                None => (token, None),
            };
            flags.push(Flag {
                name: name.to_string(),
                value,
            });
            rest = after[end..].trim_start();
        }
    }
    let needs_args = !matches!(keyword, Keyword::Healthcheck);
    if rest.is_empty() && needs_args {
        return Err((
            pos.line,
            pos.column,
            format!(
                "{} requires at least one argument",
                word.to_ascii_uppercase()
            ),
        ));
    }
    let exec = if keyword.takes_json() && rest.starts_with('[') {
        serde_json::from_str::<Vec<String>>(rest).ok()
    } else {
        None
    };
    let onbuild = if keyword == Keyword::Onbuild {
        if nested {
            return Err((
                pos.line,
                pos.column,
                "ONBUILD ONBUILD is not allowed".into(),
            ));
        }
        let inner = instruction(rest, pos, escape, true)?;
        if matches!(inner.keyword, Keyword::From | Keyword::Maintainer) {
            return Err((
                pos.line,
                pos.column,
                format!("{:?} is not allowed as an ONBUILD trigger", inner.keyword)
                    .to_ascii_uppercase(),
            ));
        }
        Some(Box::new(inner))
    } else {
        None
    };
    if matches!(keyword, Keyword::Env | Keyword::Label) {
        check_pairs(rest, escape).map_err(|m| (pos.line, pos.column, m))?;
    }
    Ok(Instruction {
        keyword,
        position: pos,
        end_line: pos.line,
        flags,
        args: rest.to_string(),
        exec,
        heredocs: Vec::new(),
        onbuild,
    })
}

/// ENV/LABEL `a=b c=d` must all have `=`; the legacy `ENV key value` form has one key.
fn check_pairs(rest: &str, escape: char) -> Result<(), String> {
    let words = super::shell::split_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(());
    };
    if !first.contains('=') {
        if words.len() < 2 {
            return Err(format!(
                "{first} has no value: use name=value (or the legacy form 'ENV name value')"
            ));
        }
        return Ok(()); // legacy `ENV key value...`
    }
    for w in &words {
        if !w.contains('=') {
            return Err(format!(
                "syntax error: can't find = in {w:?}; must be of the form name=value"
            ));
        }
    }
    Ok(())
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    s
}

/// Heredoc markers in order: `(char offset in args, delimiter, strip tabs)`. A marker is a
/// word `<<NAME`, `<<-NAME`, `<<"NAME"`, `<<'NAME'`, optionally after a file descriptor
/// number (`3<<EOF`); `<<<` (a here-string) is not one.
fn heredoc_markers(args: &str) -> Vec<(usize, String, bool)> {
    let mut out = Vec::new();
    let chars: Vec<char> = args.chars().collect();
    let mut k = 0;
    let mut quote: Option<char> = None;
    while k + 1 < chars.len() {
        let c = chars[k];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            k += 1;
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
            k += 1;
            continue;
        }
        if c == '<'
            && chars[k + 1] == '<'
            && chars.get(k + 2) != Some(&'<')
            && (k == 0 || chars[k - 1] != '<')
        {
            let at = k;
            let mut j = k + 2;
            let strip = chars.get(j) == Some(&'-');
            if strip {
                j += 1;
            }
            let q = match chars.get(j) {
                Some(&c @ ('"' | '\'')) => {
                    j += 1;
                    Some(c)
                }
                _ => None,
            };
            let name_start = j;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            let name: String = chars[name_start..j].iter().collect();
            if let Some(q) = q {
                if chars.get(j) == Some(&q) {
                    j += 1;
                } else {
                    k = j.max(k + 1);
                    continue;
                }
            }
            if !name.is_empty() {
                out.push((at, name, strip));
            }
            k = j.max(k + 2);
            continue;
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(d: &Dockerfile) -> Vec<Keyword> {
        d.instructions.iter().map(|i| i.keyword).collect()
    }

    #[test]
    fn directives_continuations_and_comments() {
        let d = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM alpine\nRUN echo a `\n  # comment\n\n  && echo b\nCMD [\"sh\"]\n").unwrap();
        assert_eq!(d.escape, '`');
        assert_eq!(d.directives.len(), 2);
        assert_eq!(kinds(&d), [Keyword::From, Keyword::Run, Keyword::Cmd]);
        assert_eq!(d.instructions[1].args, "echo a   && echo b");
        assert_eq!(d.instructions[1].end_line, 7);
        assert_eq!(
            d.instructions[2].exec.as_deref(),
            Some(&["sh".to_string()][..])
        );
        assert_eq!(d.instructions[2].position, Position::new(8, 1));
    }

    #[test]
    fn directive_after_comment_is_a_comment() {
        let d = parse("# hello\n# escape=`\nFROM a\nRUN x \\\n y\n").unwrap();
        assert_eq!(d.escape, '\\');
        assert!(d.directives.is_empty());
        assert_eq!(d.instructions[1].args, "x  y");
    }

    #[test]
    fn heredocs() {
        let d = parse("FROM a\nRUN <<EOF\napt-get update\nFROM x\nEOF\nCOPY <<-'CONF' /etc/x.conf\n\tkey=1\n\tCONF\nRUN 3<<A cat <<\"B\"\na\nA\nb\nB\nUSER 1\n").unwrap();
        assert_eq!(
            kinds(&d),
            [
                Keyword::From,
                Keyword::Run,
                Keyword::Copy,
                Keyword::Run,
                Keyword::User
            ]
        );
        assert_eq!(
            d.instructions[1].heredocs[0].body,
            "apt-get update\nFROM x\n"
        );
        assert_eq!(d.instructions[1].heredocs[0].line, 3);
        assert_eq!(d.instructions[1].end_line, 5);
        assert_eq!(d.instructions[2].heredocs[0].body, "key=1\n");
        assert_eq!(d.instructions[3].heredocs.len(), 2);
        assert_eq!(d.instructions[4].position.line, 14);
    }

    #[test]
    fn here_string_is_not_a_heredoc() {
        let d = parse("FROM a\nRUN cat <<< hi\nUSER x\n").unwrap();
        assert!(d.instructions[1].heredocs.is_empty());
    }

    #[test]
    fn errors_have_positions() {
        assert_eq!(parse("FROM a\n  FORM b\n").unwrap_err().0, 2);
        assert_eq!(parse("FROM a\n  FORM b\n").unwrap_err().1, 3);
        let e = parse("FROM a\nRUN <<EOF\nno end\n").unwrap_err();
        assert_eq!((e.0, e.1), (2, 5));
        assert!(e.2.contains("unterminated heredoc"));
        let e = parse("RUN x\nFROM a\n").unwrap_err();
        assert_eq!((e.0, e.1), (1, 1));
        assert!(e.2.starts_with("RUN before the first FROM"), "{}", e.2);
        assert_eq!(parse("# escape=x\nFROM a\n").unwrap_err().0, 1);
        assert!(parse("").unwrap_err().2.contains("no FROM"));
        assert_eq!(parse("FROM a\nENV a=1 b\n").unwrap_err().0, 2);
        assert_eq!(parse("FROM a\nUSER\n").unwrap_err().0, 2);
    }

    #[test]
    fn flags_stages_onbuild() {
        let d = parse("ARG V=3\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN --mount=type=cache,target=/root/.cache go build\nFROM scratch\nCOPY --from=build /app /app\nONBUILD RUN echo hi\n").unwrap();
        let s = d.stages();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].alias.as_deref(), Some("build"));
        assert_eq!(s[0].image, "golang:1.22");
        assert_eq!(s[0].from.flag("platform"), Some("$BUILDPLATFORM"));
        assert_eq!(s[1].body[0].flag("from"), Some("build"));
        assert_eq!(d.global_args().len(), 1);
        assert_eq!(s[1].body[1].onbuild.as_ref().unwrap().keyword, Keyword::Run);
    }

    #[test]
    fn crlf_and_bom() {
        let d = parse("\u{feff}FROM a\r\nRUN a \\\r\n b\r\n").unwrap();
        assert_eq!(d.instructions[1].args, "a  b");
    }
}
