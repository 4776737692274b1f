//! Bytes → the go.mod reader (tokens, quoted strings, blocks, `require`/`replace`, the
//! replacement rules) as the analyzer runs it on `go.mod`.

#![no_main]

use std::sync::OnceLock;

use bulwark_inventory::{AnalyzerKind, AnalyzerRegistry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static REGISTRY: OnceLock<AnalyzerRegistry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(AnalyzerRegistry::builtin);
    let path = "src/app/go.mod";
    for a in registry.wanting(path) {
        if a.kind() == AnalyzerKind::GoMod {
            let _ = a.analyze(path, data);
        }
    }
});
