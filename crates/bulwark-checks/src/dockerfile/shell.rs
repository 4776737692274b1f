//! The little shell the checks need: Dockerfile word splitting and variable expansion
//! (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`,
//! quotes, the escape character), and splitting a RUN script into pipelines of commands.
//! Not a shell interpreter: enough to see `curl ... | sh` or `apt-get install sudo`.

use std::collections::BTreeMap;

/// Variables in scope: name → value.
pub type Vars = BTreeMap<String, String>;

/// Splits on unquoted blanks, keeping quotes and escapes in the words.
pub fn split_words(s: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == escape && q == '"' {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None if c == escape => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                cur.push(c);
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            None => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Removes quotes and escapes and expands variables, as BuildKit does for FROM, USER, ENV,
/// EXPOSE, ... Unknown variables expand to the empty string.
pub fn process_word(s: &str, vars: &Vars, escape: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut k = 0;
    let mut in_double = false;
    while k < chars.len() {
        let c = chars[k];
        if c == '\'' && !in_double {
            k += 1;
            while k < chars.len() && chars[k] != '\'' {
                out.push(chars[k]);
                k += 1;
            }
            k += 1;
        } else if c == '"' {
            in_double = !in_double;
            k += 1;
        } else if c == escape {
            match chars.get(k + 1) {
                Some(&n) if !in_double || matches!(n, '"' | '$') || n == escape => {
                    out.push(n);
                    k += 2;
                }
                _ => {
                    out.push(c);
                    k += 1;
                }
            }
        } else if c == '$' {
            k = expand_at(&chars, k, vars, escape, &mut out);
        } else {
            out.push(c);
            k += 1;
        }
    }
    out
}

/// Expands the variable at `chars[k] == '$'`; returns the index after it.
fn expand_at(chars: &[char], k: usize, vars: &Vars, escape: char, out: &mut String) -> usize {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    match chars.get(k + 1) {
        Some('{') => {
            // Find the matching brace.
            let mut depth = 0;
            let mut end = None;
            for (j, &c) in chars.iter().enumerate().skip(k + 1) {
                if c == '{' {
                    depth += 1;
                } else if c == '}' {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(j);
                        break;
                    }
                }
            }
            let Some(end) = end else {
                out.extend(&chars[k..]);
                return chars.len();
            };
            let inner: String = chars[k + 2..end].iter().collect();
            let name_len = inner.chars().take_while(|&c| is_name(c)).count();
            let name = &inner[..name_len];
            let op = &inner[name_len..];
            let value = vars.get(name);
            let set_nonempty = value.is_some_and(|v| !v.is_empty());
            let word = |w: &str| process_word(w, vars, escape);
            let result = if op.is_empty() {
                value.cloned().unwrap_or_default()
            } else if let Some(w) = op.strip_prefix(":-") {
                if set_nonempty {
                    value.cloned().unwrap_or_default()
                } else {
                    word(w)
                }
            } else if let Some(w) = op.strip_prefix(":+") {
                if set_nonempty {
                    word(w)
                } else {
                    String::new()
                }
            } else if let Some(w) = op.strip_prefix('-') {
                value.cloned().unwrap_or_else(|| word(w))
            } else if let Some(w) = op.strip_prefix('+') {
                if value.is_some() {
                    word(w)
                } else {
                    String::new()
                }
            } else {
                // ${VAR:?msg}, ${VAR#pattern} and friends: the value, unchanged.
                value.cloned().unwrap_or_default()
            };
            out.push_str(&result);
            end + 1
        }
        Some(&c) if is_name(c) => {
            let mut j = k + 1;
            while j < chars.len() && is_name(chars[j]) {
                j += 1;
            }
            let name: String = chars[k + 1..j].iter().collect();
            if let Some(v) = vars.get(&name) {
                out.push_str(v);
            }
            j
        }
        _ => {
            out.push('$');
            k + 1
        }
    }
}

/// `name=value` pairs of ENV/LABEL/ARG (values processed), or the legacy `ENV name value`.
/// ARG words without `=` come back with `None`.
pub fn pairs(args: &str, vars: &Vars, escape: char) -> Vec<(String, Option<String>)> {
    let words = split_words(args, escape);
    if let [first, rest @ ..] = words.as_slice() {
        if !first.contains('=') && !rest.is_empty() && !rest[0].contains('=') {
            // Legacy form: the rest of the line is the value.
            let value = args.trim_start()[first.len()..].trim();
            return vec![(first.clone(), Some(process_word(value, vars, escape)))];
        }
    }
    words
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (
                process_word(k, vars, escape),
                Some(process_word(v, vars, escape)),
            ),
            None => (process_word(w, vars, escape), None),
        })
        .collect()
}

/// One simple command: its words with quotes removed (no expansion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<String>,
}

impl Command {
    /// The program run, skipping `VAR=x` assignments and wrappers (`sudo`, `env`, `exec`,
    /// `nohup`, `time`, `command`), and its arguments.
    pub fn program(&self) -> Option<(&str, &[String])> {
        let mut k = 0;
        while k < self.words.len() {
            let w = self.words[k].as_str();
            let is_assign = w.split_once('=').is_some_and(|(n, _)| {
                !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            });
            if is_assign
                || matches!(
                    w,
                    "sudo" | "env" | "exec" | "nohup" | "time" | "command" | "(" | "{" | "!"
                )
            {
                k += 1;
                continue;
            }
            if w.starts_with('-') && k > 0 && self.words[k - 1] == "sudo" {
                k += 1;
                continue;
            }
            let name = w.rsplit('/').next().unwrap_or(w);
            return Some((name, &self.words[k + 1..]));
        }
        None
    }
}

/// A script split into pipelines (`&&`, `||`, `;`, `&`, newlines separate them), each a list
/// of commands joined by `|`. Quotes are honoured; `\`-newline joins lines; `#` comments are
/// dropped.
pub fn pipelines(script: &str) -> Vec<Vec<Command>> {
    let mut out: Vec<Vec<Command>> = Vec::new();
    let mut pipeline: Vec<Command> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let chars: Vec<char> = script.chars().collect();
    let mut k = 0;
    let flush_word = |cur: &mut String, words: &mut Vec<String>, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(cur));
            *in_word = false;
        }
    };
    let flush_cmd = |words: &mut Vec<String>, pipeline: &mut Vec<Command>| {
        if !words.is_empty() {
            pipeline.push(Command {
                words: std::mem::take(words),
            });
        }
    };
    while k < chars.len() {
        let c = chars[k];
        match c {
            '\\' if chars.get(k + 1) == Some(&'\n') => k += 2,
            '\\' => {
                if let Some(&n) = chars.get(k + 1) {
                    cur.push(n);
                }
                in_word = true;
                k += 2;
            }
            '\'' | '"' => {
                in_word = true;
                k += 1;
                while k < chars.len() && chars[k] != c {
                    if c == '"' && chars[k] == '\\' && k + 1 < chars.len() {
                        k += 1;
                    }
                    cur.push(chars[k]);
                    k += 1;
                }
                k += 1;
            }
            '#' if !in_word => {
                while k < chars.len() && chars[k] != '\n' {
                    k += 1;
                }
            }
            '|' if chars.get(k + 1) == Some(&'|') => {
                flush_word(&mut cur, &mut words, &mut in_word);
                flush_cmd(&mut words, &mut pipeline);
                out.push(std::mem::take(&mut pipeline));
                k += 2;
            }
            '|' => {
                flush_word(&mut cur, &mut words, &mut in_word);
                flush_cmd(&mut words, &mut pipeline);
                k += 1;
            }
            '&' | ';' | '\n' => {
                flush_word(&mut cur, &mut words, &mut in_word);
                flush_cmd(&mut words, &mut pipeline);
                if !pipeline.is_empty() {
                    out.push(std::mem::take(&mut pipeline));
                }
                k += if c == '&' && chars.get(k + 1) == Some(&'&') {
                    2
                } else {
                    1
                };
            }
            c if c.is_whitespace() => {
                flush_word(&mut cur, &mut words, &mut in_word);
                k += 1;
            }
            '$' if chars.get(k + 1) == Some(&'(') => {
                // Keep a command substitution as one word: `$(curl -fsSL x)`.
                let mut depth = 0;
                while k < chars.len() {
                    cur.push(chars[k]);
                    if chars[k] == '(' {
                        depth += 1;
                    } else if chars[k] == ')' {
                        depth -= 1;
                        if depth == 0 {
                            k += 1;
                            break;
                        }
                    }
                    k += 1;
                }
                in_word = true;
            }
            _ => {
                cur.push(c);
                in_word = true;
                k += 1;
            }
        }
    }
    flush_word(&mut cur, &mut words, &mut in_word);
    flush_cmd(&mut words, &mut pipeline);
    if !pipeline.is_empty() {
        out.push(pipeline);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> Vars {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn expansion_forms() {
        let v = vars(&[("A", "x"), ("E", "")]);
        assert_eq!(process_word("$A-${A}/${B:-def}", &v, '\\'), "x-x/def");
        assert_eq!(
            process_word("${E:-d}${E-d}${A:+alt}${B+alt}", &v, '\\'),
            "d".to_string() + "alt"
        );
        assert_eq!(
            process_word("'$A'\"$A\"\\$A", &v, '\\'),
            "$Axx".replace("xx", "x$A")
        );
        assert_eq!(process_word("${B:-${A}}", &v, '\\'), "x");
        assert_eq!(process_word("`$A", &v, '`'), "$A");
        assert_eq!(process_word("$", &v, '\\'), "$");
        assert_eq!(process_word("${unterminated", &v, '\\'), "${unterminated");
    }

    #[test]
    fn env_pairs() {
        let v = vars(&[("HOME", "/root")]);
        assert_eq!(
            pairs("A=1 B=\"two words\" C=$HOME", &v, '\\'),
            vec![
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two words".into())),
                ("C".into(), Some("/root".into()))
            ]
        );
        assert_eq!(
            pairs("KEY some value", &v, '\\'),
            vec![("KEY".into(), Some("some value".into()))]
        );
        assert_eq!(pairs("NAME", &v, '\\'), vec![("NAME".into(), None)]);
    }

    #[test]
    fn script_splitting() {
        let p = pipelines("apt-get update && curl -fsSL 'https://x/y z' | sudo -E bash -\nsh -c \"$(wget -qO- x)\" # c | sh");
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].len(), 2);
        assert_eq!(p[1][0].words[2], "https://x/y z");
        assert_eq!(p[1][1].program().unwrap().0, "bash");
        assert_eq!(p[2][0].words, ["sh", "-c", "$(wget -qO- x)"]);
        let p = pipelines("DEBIAN_FRONTEND=noninteractive /usr/bin/apt-get install -y \\\n sudo");
        let (prog, args) = p[0][0].program().unwrap();
        assert_eq!((prog, args.len()), ("apt-get", 3));
    }
}
