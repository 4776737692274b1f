//! Bytes → the dpkg status parser (also used for distroless `status.d/` entries).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bulwark_inventory::parse_dpkg_status("var/lib/dpkg/status", data);
});
