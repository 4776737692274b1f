//! Bytes → the decoder of one stored advisory-DB package row (schema 3). A corrupted or
//! hostile database file is its only untrusted input: it must return an error, never panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bulwark_vulndb::check_package_row(data);
});
