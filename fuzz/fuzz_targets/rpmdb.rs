//! Bytes → the rpm database parser: format detection, then the SQLite, Berkeley DB or NDB
//! reader and the header parser.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bulwark_inventory::rpm::parse_rpmdb("var/lib/rpm/Packages", data);
});
