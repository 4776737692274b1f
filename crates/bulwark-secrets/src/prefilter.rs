//! The keyword prefilter: one Aho-Corasick automaton over every rule's keywords (ASCII
//! case-insensitive), run once per file, turned into per-rule windows for the regexes.
//!
//! The automaton runs leftmost-longest (much faster than reporting every overlapping
//! match) and restarts one byte after each hit's start, so every position where a keyword
//! begins is seen; a keyword's rule list also holds the rules of every keyword that is a
//! prefix of it, which covers shorter keywords starting at the same position.
//!
//! Each keyword hit maps to the rules listing that keyword; each rule gets the window its
//! [`Window`] kind asks for (the hit's line, a byte range around it, or the whole file).
//! Overlapping or touching windows of one rule are merged as hits arrive, so a rule's regex
//! never reads a byte twice, however many keywords a line holds: a file costs one automaton
//! pass plus at most one regex pass per triggered rule over the merged windows.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};

use crate::error::SecretsError;
use crate::rule::{CompiledRule, Window, LINE_CAP};

/// One rule listening on a keyword.
#[derive(Clone)]
struct Target {
    rule: usize,
    /// Length of the rule's own keyword (a prefix of the automaton's keyword).
    len: usize,
    /// The keyword's exact bytes when the rule wants case-sensitive keywords.
    exact: Option<Box<[u8]>>,
}

/// The automaton and, per keyword, the rules that listen on it.
pub(crate) struct Prefilter {
    ac: Option<AhoCorasick>,
    targets: Vec<Vec<Target>>,
}

/// A byte range of the content one rule's regex must search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RuleWindow {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
}

impl Prefilter {
    /// Builds the automaton over the keywords of `rules` (rules without keywords are not
    /// listed: the scanner runs them on whole files).
    pub(crate) fn new(rules: &[CompiledRule]) -> Result<Self, SecretsError> {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            for keyword in &rule.keywords {
                let lower = keyword.as_bytes().to_ascii_lowercase();
                let id = match patterns.iter().position(|p| *p == lower) {
                    Some(id) => id,
                    None => {
                        patterns.push(lower);
                        targets.push(Vec::new());
                        patterns.len() - 1
                    }
                };
                if targets[id].iter().any(|t| t.rule == index) {
                    continue;
                }
                targets[id].push(Target {
                    rule: index,
                    len: keyword.len(),
                    exact: rule
                        .exact_keywords
                        .then(|| keyword.as_bytes().to_vec().into_boxed_slice()),
                });
            }
        }
        // A hit on a keyword also stands for every keyword that is a prefix of it.
        let own = targets.clone();
        for (i, pattern) in patterns.iter().enumerate() {
            for (j, other) in patterns.iter().enumerate() {
                if i != j && other.len() < pattern.len() && pattern.starts_with(other) {
                    targets[i].extend(own[j].iter().cloned());
                }
            }
        }
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&patterns)
                    .map_err(|e| SecretsError::InvalidRule {
                        rule: "<keywords>".into(),
                        reason: format!("cannot build the keyword automaton: {e}"),
                    })?,
            )
        };
        Ok(Prefilter { ac, targets })
    }

    /// One pass over `content`: the merged windows of every rule `active` allows, in no
    /// particular order across rules, ascending and disjoint within a rule.
    pub(crate) fn windows(
        &self,
        rules: &[CompiledRule],
        content: &[u8],
        active: &[bool],
    ) -> Vec<RuleWindow> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let len = content.len();
        let mut pending: Vec<Option<(usize, usize)>> = vec![None; rules.len()];
        let mut out = Vec::new();
        let mut lines = LineCursor::default();
        let mut at = 0;
        while let Some(hit) = ac.find(Input::new(content).span(at..len)) {
            let s = hit.start();
            at = s + 1;
            let Some(targets) = self.targets.get(hit.pattern().as_usize()) else {
                continue;
            };
            for target in targets {
                if !active.get(target.rule).copied().unwrap_or(false) {
                    continue;
                }
                let e = s + target.len;
                if let Some(exact) = &target.exact {
                    if content.get(s..e) != Some(&exact[..]) {
                        continue;
                    }
                }
                let (ws, we) = match rules[target.rule].window {
                    Window::Line => lines.window(content, s, e),
                    Window::Around { before, after } => {
                        (s.saturating_sub(before), e.saturating_add(after).min(len))
                    }
                    Window::File => (0, len),
                };
                match &mut pending[target.rule] {
                    Some(p) if ws <= p.1 => {
                        p.0 = p.0.min(ws);
                        p.1 = p.1.max(we);
                    }
                    slot => {
                        if let Some((start, end)) = slot.replace((ws, we)) {
                            out.push(RuleWindow {
                                rule: target.rule,
                                start,
                                end,
                            });
                        }
                    }
                }
            }
        }
        for (rule, slot) in pending.into_iter().enumerate() {
            if let Some((start, end)) = slot {
                out.push(RuleWindow { rule, start, end });
            }
        }
        out
    }
}

/// Finds line bounds for keyword hits, which arrive in ascending order: every byte is
/// searched for `\n` at most about once, so dense hits on one huge line stay linear.
#[derive(Default)]
struct LineCursor {
    /// Start of the current line (or `LINE_CAP` before the first hit on it).
    start: usize,
    /// How far the current line is known to extend (its `\n`, or a cap).
    end: usize,
    /// Whether `end` is the real end of the line.
    end_is_real: bool,
    valid: bool,
}

impl LineCursor {
    /// The window for a hit at `s..e`: its line, capped to `LINE_CAP` either side.
    fn window(&mut self, content: &[u8], s: usize, e: usize) -> (usize, usize) {
        let len = content.len();
        let want_end = e.saturating_add(LINE_CAP).min(len);
        if !(self.valid && s >= self.start && s <= self.end) {
            // A new line: search back to its start, no further than the previous line's
            // end or the cap.
            let floor = if self.valid && self.end_is_real && self.end <= s {
                self.end
            } else {
                0
            }
            .max(s.saturating_sub(LINE_CAP));
            self.start =
                memchr::memrchr(b'\n', &content[floor..s]).map_or(floor, |p| floor + p + 1);
            self.end = s;
            self.end_is_real = false;
            self.valid = true;
        }
        if !self.end_is_real && self.end < want_end {
            let from = self.end.max(e.min(len));
            match memchr::memchr(b'\n', &content[from..want_end]) {
                Some(p) => {
                    self.end = from + p;
                    self.end_is_real = true;
                }
                None => self.end = want_end,
            }
        }
        (
            self.start.max(s.saturating_sub(LINE_CAP)),
            self.end.min(want_end).max(e.min(len)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_cursor_finds_lines_and_caps_long_ones() {
        let content = b"aaa\nbb key cc\ndd";
        let mut c = LineCursor::default();
        assert_eq!(c.window(content, 7, 10), (4, 13));
        assert_eq!(c.window(content, 8, 9), (4, 13));
        assert_eq!(c.window(content, 14, 15), (14, 16));

        let long = vec![b'x'; 10 * LINE_CAP];
        let mut c = LineCursor::default();
        let (s, e) = c.window(&long, 5 * LINE_CAP, 5 * LINE_CAP + 3);
        assert_eq!((s, e), (4 * LINE_CAP, 6 * LINE_CAP + 3));
        let (s, e) = c.window(&long, 5 * LINE_CAP + 100, 5 * LINE_CAP + 103);
        assert_eq!((s, e), (4 * LINE_CAP + 100, 6 * LINE_CAP + 103));
    }
}
