//! Bytes → the installed-gemspec pattern reader and the Gemfile.lock parser, through the registry
//! as the scan calls them. Each must turn anything into packages or one-line warnings naming the
//! file, never panic.

#![no_main]

use std::sync::OnceLock;

use bulwark_inventory::{AnalyzerRegistry, Fact, Package};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "app/vendor/bundle/ruby/3.1.0/specifications/x-1.0.gemspec",
    "app/Gemfile.lock",
];

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

fuzz_target!(|data: &[u8]| {
    for path in PATHS {
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
});
