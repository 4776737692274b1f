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
