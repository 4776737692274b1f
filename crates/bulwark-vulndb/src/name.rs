//! Package-name keys: the same package must be found whatever spelling the advisory and the
//! inventory use.

/// The lookup key of `name` in `ecosystem`: PEP 503 normalization for PyPI; lower case where
/// the registry is case-insensitive (NuGet, Packagist, crates.io is not); as given otherwise.
pub fn name_key(ecosystem: &str, name: &str) -> String {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    match base {
        "PyPI" => {
            let mut out = String::with_capacity(name.len());
            let mut sep = false;
            for c in name.trim().chars() {
                if matches!(c, '-' | '_' | '.') {
                    sep = true;
                } else {
                    if sep && !out.is_empty() {
                        out.push('-');
                    }
                    sep = false;
                    out.extend(c.to_lowercase());
                }
            }
            out
        }
        "NuGet" | "Packagist" => name.trim().to_ascii_lowercase(),
        _ => name.trim().to_string(),
    }
}

/// The key of a package's rows in the `listed` table: a 64-bit FNV-1a hash of the ecosystem
/// and the [`name_key`]. A lookup finds the entries that list its version with one index
/// seek on (key, version) instead of one per entry. Two packages may share a key; that only
/// adds candidates, which the lookup then matches against the entries of its own package.
pub(crate) fn package_key(ecosystem: &str, name_key: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in ecosystem.bytes().chain([0]).chain(name_key.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    i64::from_ne_bytes(h.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::name_key;

    #[test]
    fn pep503_and_case() {
        assert_eq!(name_key("PyPI", "PyYAML"), "pyyaml");
        assert_eq!(name_key("PyPI", "zope.interface"), "zope-interface");
        assert_eq!(name_key("PyPI", "Foo__Bar-.baz"), "foo-bar-baz");
        assert_eq!(name_key("NuGet", "Newtonsoft.Json"), "newtonsoft.json");
        assert_eq!(name_key("crates.io", "Inflector"), "Inflector");
        assert_eq!(name_key("Debian:12", "openssl"), "openssl");
    }
}
