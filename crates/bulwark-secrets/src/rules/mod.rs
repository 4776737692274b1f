//! The built-in rule set, one module per family of credentials, plus the default allow
//! rules (documentation example keys, package documentation trees).
//!
//! Every rule has a stable kebab-case id (reports, config files and ignore lists refer to
//! it), at least one keyword for the prefilter, and a regex whose `secret` group is the
//! credential itself. Precision comes from fixed prefixes where vendors have them; rules for
//! prefix-less formats require the vendor's name next to the value (`keyed`).

mod cloud;
mod commerce;
mod devtools;
mod generic;
mod infra;
mod keys;
mod saas;

use crate::rule::{AllowDef, RuleDef};

/// Every built-in rule, in a fixed order (the order breaks ties between overlapping
/// findings).
pub(crate) fn builtin() -> Vec<RuleDef> {
    let mut rules = Vec::with_capacity(160);
    rules.extend(keys::rules());
    rules.extend(cloud::rules());
    rules.extend(devtools::rules());
    rules.extend(infra::rules());
    rules.extend(commerce::rules());
    rules.extend(saas::rules());
    rules.extend(generic::rules());
    rules
}

/// The allow rules that apply unless `disable-allow-rules` names them.
pub(crate) fn default_allow() -> Vec<AllowDef> {
    let allow = |id: &str, description: &str, regex: Option<&str>, path: Option<&str>| AllowDef {
        id: id.to_owned(),
        description: description.to_owned(),
        regex: regex.map(str::to_owned),
        path: path.map(str::to_owned),
        rules: Vec::new(),
    };
    vec![
        allow(
            "documentation-examples",
            "Example credentials from vendor documentation (AWS's AKIAIOSFODNN7EXAMPLE and \
             wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, and any secret containing EXAMPLE)",
            Some(r"(?i)example"),
            None,
        ),
        allow(
            "package-documentation",
            "Documentation trees owned by the package manager (usr/share/doc, man, info, \
             gtk-doc, help): their credentials are examples in prose",
            None,
            Some(r"^(?:usr/(?:local/)?share/(?:doc|doc-base|man|info|gtk-doc|help|javadoc)/)"),
        ),
        allow(
            "locale-data",
            "Translations, locale and time-zone data",
            None,
            Some(r"^usr/(?:local/)?share/(?:locale|i18n|zoneinfo)/"),
        ),
        allow(
            "git-objects",
            "Git's compressed object store (a repository's config is still scanned)",
            None,
            Some(r"(?:^|/)\.git/objects/"),
        ),
    ]
}

/// Assignment between a key and its value: optional closing quote or bracket, an
/// operator (`=`, `:=`, `:`, `=>`, `,`, `?=`, `||`), optional opening quote.
pub(super) const ASSIGN: &str =
    r#"["'\x60\]]{0,2}[ \t]{0,5}(?:=|:=|:|=>|,|\?=|\|\|)[ \t]{0,5}["'\x60]?"#;

/// The end of a token: a character that cannot continue it, or the end of the line.
pub(super) const END: &str = r"(?:[^A-Za-z0-9_/+=\-]|(?m:$))";

/// A rule regex for a prefix-less format: the vendor's name, up to 30 key characters, an
/// assignment, then the secret (matched case-sensitively).
pub(super) fn keyed(vendor: &str, secret: &str) -> String {
    format!(r"(?i)(?:{vendor})[a-z0-9_.\-]{{0,30}}{ASSIGN}(?P<secret>(?-i:{secret})){END}")
}

/// A rule regex for a fixed-prefix token: a word boundary, then the token.
pub(super) fn prefixed(token: &str) -> String {
    format!(r"\b(?P<secret>{token}){END}")
}

/// Lenient base64 decoding of either alphabet (standard or URL-safe), stopping at the
/// first character outside them (padding included).
pub(super) fn base64_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in input {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => break,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// A UUID, lowercase or uppercase hex.
pub(super) const UUID: &str =
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::CompiledRule;
    use std::collections::BTreeSet;

    #[test]
    fn builtin_rules_compile_with_unique_ids_and_keywords() {
        let rules = builtin();
        let mut ids = BTreeSet::new();
        for def in &rules {
            assert!(ids.insert(def.id.clone()), "duplicate id {}", def.id);
            assert!(!def.keywords.is_empty(), "{} has no keyword", def.id);
            assert!(
                def.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{} is not kebab-case",
                def.id
            );
            CompiledRule::compile(def).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(rules.len() >= 80, "only {} rules", rules.len());
    }
}
