//! Bytes → the entrypoint-reachability fact parsers: the ELF program-header and dynamic
//! section reader, the `#!` line splitter, the loader configuration reader and the Python
//! import scanner, then the two analyzers on the same bytes as an executable, a shared
//! object, a loader configuration and a Python file. Every list and string must respect
//! the parsers' caps.

#![no_main]

use bulwark_inventory::{Analyzer, ElfAnalyzer, Fact, PythonImportsAnalyzer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = bulwark_inventory::parse_elf(data) {
        assert!(info.needed.len() <= 1024);
        assert!(info.class == 32 || info.class == 64);
        for s in info.needed.iter().chain(&info.soname).chain(&info.rpath) {
            // Lossy UTF-8 may grow a capped string by up to 3 bytes per replaced byte.
            assert!(s.len() <= 4096 * 3);
        }
    }
    if let Some(s) = bulwark_inventory::parse_shebang(data) {
        assert!(!s.interpreter.is_empty() && s.interpreter.len() < 256);
    }
    let conf = bulwark_inventory::parse_loader_config("etc/ld.so.conf.d/x.conf", data);
    assert!(conf.dirs.len() <= 1024 && conf.includes.len() <= 1024);
    assert!(conf.dirs.iter().all(|d| d.starts_with('/')));
    let imports = bulwark_inventory::parse_python_imports(data);
    assert!(imports.len() <= 4096);
    for path in [
        "usr/bin/x",
        "usr/lib/x86_64-linux-gnu/libx.so.1",
        "etc/ld.so.conf",
        "etc/ld-musl-x86_64.path",
    ] {
        for fact in ElfAnalyzer.analyze(path, data).unwrap() {
            assert!(matches!(
                fact,
                Fact::Elf(_) | Fact::Script(_) | Fact::LoaderConfig(_) | Fact::Warning(_)
            ));
        }
    }
    let _ = PythonImportsAnalyzer.analyze("app/app.py", data).unwrap();
});
