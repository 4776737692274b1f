//! Maven versions, ordered like `org.apache.maven.artifact.versioning.ComparableVersion`.
//!
//! Written by hand (no maintained crate implements `ComparableVersion`, whose behaviour also
//! changed between Maven releases). This is the algorithm of maven-artifact 3.8.6 (the release
//! osv-scalibr's fixture generator pins, and the one that reproduces all of its 14,752
//! generated comparisons): the version is lower-cased and split into a tree of items: numbers,
//! strings (qualifiers) and lists, where `-` and every transition between letters and digits
//! open a nested list; trailing "null" items (`0`, `""`/`ga`/`final`/`release`, empty lists)
//! are removed from each list; qualifiers order `alpha < beta < milestone < rc = cr <
//! snapshot < "" = ga = final = release < sp < (any other, lexically)`, and a single `a`, `b`
//! or `m` directly followed by a digit means alpha, beta, milestone. It includes MNG-6964 (a
//! list compared with "nothing" looks at all its items). Later releases (3.8.7+) changed how
//! `1.0.RC1` vs `1.0-RC1` and `X-1` vs `X1` compare; those are not followed.
//!
//! Deviations, all outside the vectors: only ASCII digits are digits (Java's
//! `Character.isDigit` also accepts other scripts' digits), and qualifiers compare by code
//! point rather than by UTF-16 unit.

use std::cmp::Ordering;

use crate::util::{cmp_digits, strip_zeros};

#[derive(Debug, Clone)]
enum Item {
    /// A number without leading zeros (`""` is 0).
    Int(String),
    /// A qualifier after aliasing (`ga`, `final`, `release` → `""`, `cr` → `rc`).
    Str(String),
    List(Vec<Item>),
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_empty(),
            Item::Str(s) => s.is_empty(),
            Item::List(l) => l.is_empty(),
        }
    }
}

/// A parsed Maven version (the root list).
#[derive(Debug, Clone)]
pub(crate) struct MavenVersion {
    items: Vec<Item>,
}

fn string_item(value: &str, followed_by_digit: bool) -> Item {
    let value = match value {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(value.to_string())
}

fn parse_item(is_digit: bool, buf: &str) -> Item {
    if is_digit {
        Item::Int(strip_zeros(buf).to_string())
    } else {
        string_item(buf, false)
    }
}

/// Removes trailing null items, looking through (but keeping) non-null lists, like
/// `ListItem.normalize()`.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if list[i].is_null() {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// `ComparableVersion.parseVersion`. Every string parses.
pub(crate) fn parse(s: &str) -> Result<MavenVersion, String> {
    let version = s.to_lowercase();
    // `stack[0]` is the root; new lists are opened at the end of the current one and never
    // left until the end of the string, so a stack of lists under construction suffices.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    for (i, c) in version.char_indices() {
        match c {
            '.' | '-' => {
                let item = if i == start {
                    Item::Int(String::new())
                } else {
                    parse_item(is_digit, &version[start..i])
                };
                push(&mut stack, item);
                start = i + 1;
                if c == '-' {
                    stack.push(Vec::new());
                }
            }
            '0'..='9' => {
                if !is_digit && i > start {
                    push(&mut stack, string_item(&version[start..i], true));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = true;
            }
            _ => {
                if is_digit && i > start {
                    push(&mut stack, parse_item(true, &version[start..i]));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = false;
            }
        }
    }
    if version.len() > start {
        push(&mut stack, parse_item(is_digit, &version[start..]));
    }
    // Close the lists innermost first, normalizing each before its parent (as Maven does).
    loop {
        let Some(mut list) = stack.pop() else {
            return Err("internal error: empty list stack".to_string());
        };
        normalize(&mut list);
        match stack.last_mut() {
            Some(parent) => parent.push(Item::List(list)),
            None => return Ok(MavenVersion { items: list }),
        }
    }
}

fn push(stack: &mut [Vec<Item>], item: Item) {
    if let Some(list) = stack.last_mut() {
        list.push(item);
    }
}

/// `StringItem.comparableQualifier`: known qualifiers by index, `""` is 5, others `7-<q>`.
fn comparable_qualifier(q: &str) -> String {
    const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => i.to_string(),
        None => format!("{}-{q}", QUALIFIERS.len()),
    }
}

/// `Item.compareTo(Item)`, with `None` for Java's `null` ("nothing left").
fn compare(a: &Item, b: Option<&Item>) -> Ordering {
    match (a, b) {
        (Item::Int(n), None) => {
            if n.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        (Item::Int(x), Some(Item::Int(y))) => cmp_digits(x, y),
        (Item::Int(_), Some(_)) => Ordering::Greater,
        (Item::Str(s), None) => comparable_qualifier(s).as_str().cmp("5"),
        (Item::Str(_), Some(Item::Int(_))) => Ordering::Less,
        (Item::Str(x), Some(Item::Str(y))) => comparable_qualifier(x).cmp(&comparable_qualifier(y)),
        (Item::Str(_), Some(Item::List(_))) => Ordering::Less,
        (Item::List(l), None) => l
            .iter()
            .map(|item| compare(item, None))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal),
        (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
        (Item::List(_), Some(Item::Str(_))) => Ordering::Greater,
        (Item::List(l), Some(Item::List(r))) => compare_lists(l, r),
    }
}

fn compare_lists(l: &[Item], r: &[Item]) -> Ordering {
    for k in 0..l.len().max(r.len()) {
        let ord = match (l.get(k), r.get(k)) {
            (Some(x), y) => compare(x, y),
            (None, Some(y)) => compare(y, None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

impl MavenVersion {
    /// `ComparableVersion.compareTo`.
    pub(crate) fn cmp_version(&self, other: &Self) -> Ordering {
        compare_lists(&self.items, &other.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        parse(a).unwrap().cmp_version(&parse(b).unwrap())
    }

    #[test]
    fn qualifier_order() {
        let chain = [
            "1-alpha-1",
            "1-alpha-2",
            "1-beta-1",
            "1-milestone-1",
            "1-rc-1",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.1",
        ];
        for w in chain.windows(2) {
            assert_eq!(cmp(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn aliases_and_trimming() {
        for (a, b) in [
            ("1", "1.0.0"),
            ("1", "1-0"),
            ("1.0-ga", "1"),
            ("1.FINAL", "1"),
            ("1-release", "1"),
            ("1cr", "1rc"),
            ("1a1", "1-alpha-1"),
            ("1b2", "1-beta-2"),
            ("1m3", "1-milestone-3"),
            ("1.1", "1.01"),
            ("1", "1."),
            ("1", "1-"),
        ] {
            assert_eq!(cmp(a, b), Ordering::Equal, "{a} == {b}");
        }
        // `a` alone (not followed by a digit) is an unknown qualifier, above the release.
        assert_eq!(cmp("1a", "1"), Ordering::Greater);
        // MNG-6964: every item of a list counts when the other side has run out.
        assert_eq!(cmp("1", "1-0.1"), Ordering::Less);
    }

    #[test]
    fn big_numbers() {
        assert_eq!(cmp("20190126.230843", "1234567890.12345"), Ordering::Less);
        assert_eq!(
            cmp(
                "123456789012345.1H.5-beta",
                "12345678901234567890.1H.5-beta"
            ),
            Ordering::Less
        );
        assert_eq!(cmp("0000000001", "1"), Ordering::Equal);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let v = "1-".repeat(128);
        assert_eq!(cmp(&v, &v), Ordering::Equal);
        let w = "a-1".repeat(85);
        assert_eq!(cmp(&w, &v), Ordering::Less);
    }
}
