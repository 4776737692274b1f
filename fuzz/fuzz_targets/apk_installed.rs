//! Bytes → the apk installed-database parser.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bulwark_inventory::parse_apk_installed("lib/apk/db/installed", data);
});
