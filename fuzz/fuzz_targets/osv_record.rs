//! Bytes → the OSV record parser the advisory import uses.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bulwark_vulndb::parse_osv_record(data);
});
