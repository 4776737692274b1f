//! Bytes → `bulwark_sbom::read_sbom` (CycloneDX/SPDX JSON → inventory): any input is an
//! inventory or an error, never a panic; every package has a name and a version.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sbom) = bulwark_sbom::read_sbom(data, "fuzz.json") {
        for p in &sbom.inventory.packages {
            assert!(!p.name.is_empty() && !p.version.is_empty(), "{p:?}");
        }
    }
});
