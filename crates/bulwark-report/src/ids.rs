//! Document-unique identifiers (CycloneDX `bom-ref`, SPDX `SPDXID`): readable where possible,
//! disambiguated only when two items would collide, and stable for the same inventory.

use std::collections::HashSet;

/// Hands out identifiers, never the same one twice.
#[derive(Default)]
pub(crate) struct UniqueIds {
    taken: HashSet<String>,
}

impl UniqueIds {
    /// The first of `candidates` not yet taken; when all are, the last one with `{sep}2`,
    /// `{sep}3`, ... appended.
    pub fn claim(&mut self, candidates: &[String], sep: &str) -> String {
        for c in candidates {
            if self.taken.insert(c.clone()) {
                return c.clone();
            }
        }
        let last = candidates.last().map(String::as_str).unwrap_or("id");
        let mut n = 2u64;
        loop {
            let id = format!("{last}{sep}{n}");
            if self.taken.insert(id.clone()) {
                return id;
            }
            n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_in_order_then_counts() {
        let mut ids = UniqueIds::default();
        let c = ["a".to_string(), "a|x".to_string()];
        assert_eq!(ids.claim(&c, "|"), "a");
        assert_eq!(ids.claim(&c, "|"), "a|x");
        assert_eq!(ids.claim(&c, "|"), "a|x|2");
        assert_eq!(ids.claim(&c, "|"), "a|x|3");
    }
}
