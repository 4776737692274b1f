//! Bytes → the Dockerfile parser and every Dockerfile check (directives, continuations,
//! heredocs, variable expansion, script splitting). Errors must carry a 1-based position.

#![no_main]

use std::path::Path;

use bulwark_checks::{check_bytes, CheckError, CheckOptions, FileKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = CheckOptions::default();
    match check_bytes(Path::new("Dockerfile"), data, Some(FileKind::Dockerfile), &opts) {
        Ok(Some((_, findings))) => {
            for f in findings {
                assert!(f.position.line >= 1 && f.position.column >= 1, "{f:?}");
            }
        }
        Ok(None) => panic!("a forced Dockerfile is always checked"),
        Err(CheckError::Syntax { line, column, .. }) => assert!(line >= 1 && column >= 1),
        Err(_) => {}
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = bulwark_checks::dockerfile::shell::pipelines(text);
        let vars = bulwark_checks::dockerfile::shell::Vars::new();
        let _ = bulwark_checks::dockerfile::shell::process_word(text, &vars, '\\');
    }
});
