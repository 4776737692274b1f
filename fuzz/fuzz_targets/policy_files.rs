//! Bytes → the exceptions-file (YAML) and OpenVEX (JSON) parsers.

#![no_main]

use bulwark_vuln::policy::{Exceptions, VexDocument};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = VexDocument::parse(data, "fuzz");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Exceptions::parse(text, "fuzz");
    }
});
