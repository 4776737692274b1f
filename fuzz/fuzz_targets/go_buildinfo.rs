//! Bytes → the Go build-info reader (executable format by magic, ELF/PE/Mach-O sections via
//! `object`, magic scan without a section table, inline varint strings and the pointer layout
//! through the segments, module text and build settings) as the analyzer runs it on an
//! executable file.

#![no_main]

use std::sync::OnceLock;

use bulwark_inventory::{AnalyzerKind, AnalyzerRegistry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static REGISTRY: OnceLock<AnalyzerRegistry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(AnalyzerRegistry::builtin);
    let path = "usr/local/bin/app";
    for a in registry.wanting_file(path, 0o755) {
        if a.kind() == AnalyzerKind::GoBinary || a.kind() == AnalyzerKind::CargoAuditable {
            let _ = a.analyze(path, data);
        }
    }
});
