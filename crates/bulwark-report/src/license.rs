//! License strings from package metadata, sorted into what SBOM formats can state: SPDX
//! license-list identifiers, SPDX expressions, or free-text names.
//!
//! Validation is strict (the SPDX license list, case-sensitive, no deprecated identifiers):
//! a document that claims `GPL-2` is an SPDX identifier fails validation, so such names are
//! kept as names, never guessed into identifiers.

use spdx::{AdditionItem, Expression, LicenseItem};

/// One license string as an SBOM can state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum License<'a> {
    /// A single SPDX license-list identifier (`MIT`, `GPL-2.0-or-later`).
    Id(&'a str),
    /// A valid SPDX expression made of list identifiers (`MIT OR Apache-2.0`).
    Expression(&'a str),
    /// Anything else, verbatim.
    Name(&'a str),
}

/// Sorts one license string.
pub(crate) fn classify(raw: &str) -> License<'_> {
    let s = raw.trim();
    let Ok(expr) = Expression::parse(s) else {
        return License::Name(s);
    };
    // LicenseRef-/AdditionRef- need the license text in the document, which we do not have.
    let only_list_ids = expr.requirements().all(|r| {
        matches!(r.req.license, LicenseItem::Spdx { .. })
            && !matches!(r.req.addition, Some(AdditionItem::Other(_)))
    });
    if !only_list_ids {
        return License::Name(s);
    }
    let single = expr.requirements().count() == 1;
    let first = expr.requirements().next().and_then(|r| r.req.license.id());
    match first {
        Some(id) if single && id.name == s => License::Id(s),
        _ => License::Expression(s),
    }
}

/// One SPDX expression covering all of `licenses` (joined with `AND`, duplicates dropped), or
/// `None` when there are none or any of them is not valid SPDX.
pub(crate) fn spdx_expression(licenses: &[String]) -> Option<String> {
    // (text, is compound)
    let mut parts: Vec<(&str, bool)> = Vec::new();
    for raw in licenses {
        let part = match classify(raw) {
            License::Id(id) => (id, false),
            License::Expression(e) => (e, true),
            License::Name(_) => return None,
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    match parts.as_slice() {
        [] => None,
        [(one, _)] => Some(one.to_string()),
        _ => Some(
            parts
                .iter()
                .map(|(p, compound)| {
                    if *compound {
                        format!("({p})")
                    } else {
                        p.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("MIT"), License::Id("MIT"));
        assert_eq!(classify(" GPL-2.0-only "), License::Id("GPL-2.0-only"));
        assert_eq!(
            classify("MIT OR Apache-2.0"),
            License::Expression("MIT OR Apache-2.0")
        );
        assert_eq!(
            classify("GPL-2.0-or-later WITH Classpath-exception-2.0"),
            License::Expression("GPL-2.0-or-later WITH Classpath-exception-2.0")
        );
        assert_eq!(classify("GPL-2"), License::Name("GPL-2"));
        assert_eq!(classify("mit"), License::Name("mit"));
        assert_eq!(classify("GPL-2.0+"), License::Name("GPL-2.0+"));
        assert_eq!(classify("LicenseRef-foo"), License::Name("LicenseRef-foo"));
        assert_eq!(
            classify("BSD-3-clause and GPL"),
            License::Name("BSD-3-clause and GPL")
        );
    }

    #[test]
    fn joins_for_spdx() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(spdx_expression(&v(&[])), None);
        assert_eq!(spdx_expression(&v(&["MIT"])).as_deref(), Some("MIT"));
        assert_eq!(
            spdx_expression(&v(&["MIT OR Apache-2.0"])).as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(
            spdx_expression(&v(&["Zlib", "MIT OR Apache-2.0", "Zlib"])).as_deref(),
            Some("Zlib AND (MIT OR Apache-2.0)")
        );
        assert_eq!(spdx_expression(&v(&["MIT", "GPL-2"])), None);
    }
}
