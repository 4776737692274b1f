//! YAML (and JSON) into a small tree whose every node knows its line and column, so a
//! finding can point at `privileged: true` rather than at the file.
//!
//! Why not serde_norway (already in the workspace): it reports positions for errors only,
//! not for the nodes it builds, and locating keys afterwards by searching lines breaks on
//! anchors, flow style and repeated keys. saphyr-parser is a pure-Rust YAML 1.2 event parser
//! that gives a span for every event; building the tree here also lets us bound depth,
//! document count and alias expansion ("billion laughs") ourselves.
//!
//! Scalars keep their text and whether they were quoted; the accessors interpret YAML 1.1
//! booleans (`yes`/`on`) too, because compose files written for docker-compose v1 use them.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::finding::Position;
use crate::options::Limits;

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Position,
}

/// The shapes a YAML value takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Text and whether it was quoted (quoted `true` is a string).
    Scalar(String, bool),
    Seq(Vec<Node>),
    /// Entries in document order; keys are nodes so their positions are kept.
    Map(Vec<(Node, Node)>),
}

/// A loader error: `(line, column, message)`, 1-based.
pub type LoadError = (u32, u32, String);

static NULL: Node = Node {
    value: Value::Null,
    pos: Position::new(0, 0),
};

impl Node {
    /// The entry `key` of a mapping: `(key node, value node)`.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .rev() // the last duplicate wins, as in most YAML libraries
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The value at `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The value at a path of keys, or a null node.
    pub fn at(&self, path: &[&str]) -> &Node {
        let mut cur = self;
        for k in path {
            match cur.get(k) {
                Some(n) => cur = n,
                None => return &NULL,
            }
        }
        cur
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A scalar's text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// `true`/`yes`/`on` (any case, quoted or not: compose and Kubernetes both accept them).
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()?.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "y" => Some(true),
            "false" | "no" | "off" | "n" => Some(false),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.as_str()?.trim().parse().ok()
    }

    /// The items of a sequence (none for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(v) => v,
            _ => &[],
        }
    }

    /// The entries of a mapping (none for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(v) => v,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A scalar, or the scalars of a sequence, as strings (`cap_add: ALL` and
    /// `cap_add: [ALL]` both give `["ALL"]`).
    pub fn strings(&self) -> Vec<(&str, Position)> {
        match &self.value {
            Value::Scalar(s, _) => vec![(s.as_str(), self.pos)],
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| n.as_str().map(|s| (s, n.pos)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Loads every document of a YAML stream (JSON is YAML too).
pub fn load(text: &str, limits: &Limits) -> Result<Vec<Node>, LoadError> {
    let mut loader = Loader {
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
        nodes: 0,
        limits,
    };
    let mut docs = Vec::new();
    loop {
        let (ev, span) = loader.next()?;
        match ev {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                if docs.len() >= limits.max_documents {
                    return Err(at(
                        span,
                        format!("more than {} YAML documents", limits.max_documents),
                    ));
                }
                loader.anchors.clear();
                let (ev, span) = loader.next()?;
                let node = loader.node(ev, span, 0)?;
                docs.push(node);
            }
            other => return Err(at(span, format!("unexpected YAML event {other:?}"))),
        }
    }
    Ok(docs)
}

fn at(span: Span, message: String) -> LoadError {
    (
        u32::try_from(span.start.line()).unwrap_or(u32::MAX).max(1),
        u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
        message,
    )
}

fn pos(span: Span) -> Position {
    Position::new(
        u32::try_from(span.start.line()).unwrap_or(u32::MAX).max(1),
        u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
    )
}

struct Loader<'a, 'l> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    limits: &'l Limits,
}

impl<'a> Loader<'a, '_> {
    fn next(&mut self) -> Result<(Event<'a>, Span), LoadError> {
        match self.parser.next_event() {
            Some(Ok(e)) => Ok(e),
            Some(Err(e)) => {
                let m = e.marker();
                Err((
                    u32::try_from(m.line()).unwrap_or(u32::MAX).max(1),
                    u32::try_from(m.col() + 1).unwrap_or(u32::MAX),
                    e.info().to_string(),
                ))
            }
            None => Ok((Event::StreamEnd, Span::default())),
        }
    }

    fn count(&mut self, n: usize, span: Span) -> Result<(), LoadError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > self.limits.max_nodes {
            return Err(at(
                span,
                format!(
                    "more than {} YAML nodes (alias expansion included)",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn node(&mut self, ev: Event<'a>, span: Span, depth: usize) -> Result<Node, LoadError> {
        if depth > self.limits.max_depth {
            return Err(at(
                span,
                format!("YAML nested deeper than {} levels", self.limits.max_depth),
            ));
        }
        self.count(1, span)?;
        let p = pos(span);
        let (node, anchor) = match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let quoted = !matches!(style, ScalarStyle::Plain);
                let value =
                    if !quoted && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                        Value::Null
                    } else {
                        Value::Scalar(text.into_owned(), quoted)
                    };
                (Node { value, pos: p }, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, span, depth + 1)?);
                }
                (
                    Node {
                        value: Value::Seq(items),
                        pos: p,
                    },
                    anchor,
                )
            }
            Event::MappingStart(anchor, _) => {
                let mut entries: Vec<(Node, Node)> = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let key = self.node(ev, span, depth + 1)?;
                    let (ev, span) = self.next()?;
                    let value = self.node(ev, span, depth + 1)?;
                    if key.as_str() == Some("<<") && !matches!(key.value, Value::Scalar(_, true)) {
                        merge(&mut entries, value);
                    } else {
                        entries.push((key, value));
                    }
                }
                (
                    Node {
                        value: Value::Map(entries),
                        pos: p,
                    },
                    anchor,
                )
            }
            Event::Alias(id) => {
                let target = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| at(span, "alias to an unknown anchor".into()))?;
                self.count(size(&target), span)?;
                // An alias keeps the anchored node's content; point it at the alias.
                return Ok(Node {
                    value: target.value,
                    pos: p,
                });
            }
            other => return Err(at(span, format!("unexpected YAML event {other:?}"))),
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }
}

/// `<<: *base` / `<<: [*a, *b]`: copies entries whose keys are not already present.
fn merge(entries: &mut Vec<(Node, Node)>, value: Node) {
    let sources = match value.value {
        Value::Map(_) => vec![value],
        Value::Seq(items) => items,
        _ => return,
    };
    for src in sources {
        if let Value::Map(src_entries) = src.value {
            for (k, v) in src_entries {
                if !entries.iter().any(|(e, _)| e.as_str() == k.as_str()) {
                    entries.push((k, v));
                }
            }
        }
    }
}

fn size(n: &Node) -> usize {
    match &n.value {
        Value::Seq(v) => 1 + v.iter().map(size).sum::<usize>(),
        Value::Map(v) => 1 + v.iter().map(|(k, v)| size(k) + size(v)).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_values() {
        let docs = load(
            "a:\n  b: true\n  c: [x, 'y']\n---\n- 1\n",
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let (k, v) = docs[0].get("a").unwrap().entry("b").unwrap();
        assert_eq!((k.pos, v.as_bool()), (Position::new(2, 3), Some(true)));
        assert_eq!(
            docs[0].at(&["a", "c"]).strings()[1],
            ("y", Position::new(3, 10))
        );
        assert_eq!(docs[1].items()[0].as_i64(), Some(1));
    }

    #[test]
    fn merge_keys_and_aliases() {
        let docs = load(
            "x: &d {a: 1, b: 2}\ny:\n  <<: *d\n  b: 3\n",
            &Limits::default(),
        )
        .unwrap();
        let y = docs[0].get("y").unwrap();
        assert_eq!(y.get("a").and_then(Node::as_i64), Some(1));
        assert_eq!(y.get("b").and_then(Node::as_i64), Some(3));
    }

    #[test]
    fn errors_and_limits() {
        let e = load("a: [1, 2\nb: 3\n", &Limits::default()).unwrap_err();
        assert!(e.0 >= 1 && e.1 >= 1, "{e:?}");
        let e = load("a:\n  b: c\n d: e\n", &Limits::default()).unwrap_err();
        assert_eq!(e.0, 3, "{e:?}");
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(load(&deep, &Limits::default())
            .unwrap_err()
            .2
            .contains("deeper"));
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
        assert!(load(bomb, &Limits::default())
            .unwrap_err()
            .2
            .contains("nodes"));
        let many = "---\na: 1\n".repeat(1001);
        assert!(load(&many, &Limits::default())
            .unwrap_err()
            .2
            .contains("documents"));
    }
}
