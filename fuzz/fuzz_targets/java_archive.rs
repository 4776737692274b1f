//! Bytes → the Java archive reader (entry-count check, zip central directory, bounded
//! decompression of pom.properties, MANIFEST.MF and nested archives three levels deep) as the
//! analyzer runs it on a `.war`.

#![no_main]

use std::sync::OnceLock;

use bulwark_inventory::{AnalyzerKind, AnalyzerRegistry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static REGISTRY: OnceLock<AnalyzerRegistry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(AnalyzerRegistry::builtin);
    let path = "opt/app/app.war";
    for a in registry.wanting(path) {
        if a.kind() == AnalyzerKind::JavaArchive {
            let _ = a.analyze(path, data);
        }
    }
});
