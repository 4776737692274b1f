//! What the language-manifest fuzz targets share: feed the bytes, as each of `paths`, to
//! the analyzers the registry picks for that path, exactly as the scan calls them, and
//! check what comes back. Included by each `lang_*` target with `#[path]`.

use std::sync::OnceLock;

use bulwark_inventory::{AnalyzerRegistry, Fact, Package};

fn registry() -> &'static AnalyzerRegistry {
    static REGISTRY: OnceLock<AnalyzerRegistry> = OnceLock::new();
    REGISTRY.get_or_init(AnalyzerRegistry::builtin)
}

fn check(path: &str, packages: &[Package]) {
    for p in packages {
        assert_eq!(p.found_in, format!("/{path}"));
        for s in [&p.name, &p.version] {
            assert!(
                !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control()),
                "{p:?}"
            );
        }
    }
}

/// Runs every analyzer that wants each path on `data`; each must produce packages with
/// clean names and versions, or one-line warnings naming the file, never panic.
pub fn run(paths: &[&str], data: &[u8]) {
    for path in paths {
        let mut analyzers = 0;
        for analyzer in registry().wanting(path) {
            analyzers += 1;
            let facts = analyzer
                .analyze(path, data)
                .expect("language analyzers never fail");
            for fact in &facts {
                match fact {
                    Fact::Packages(list) => check(path, list),
                    Fact::LockedPackages {
                        project_dir,
                        packages,
                    } => {
                        assert_eq!(project_dir, "/app");
                        check(path, packages);
                    }
                    Fact::Warning(w) => {
                        assert!(w.starts_with(&format!("/{path}: skipped: ")), "{w}");
                        assert!(!w.contains('\n'), "{w}");
                    }
                    other => panic!("unexpected fact {other:?}"),
                }
            }
        }
        assert_eq!(analyzers, 1, "{path}");
    }
}
