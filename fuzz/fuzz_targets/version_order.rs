//! Two version strings under every scheme: parsing never panics, and comparison is
//! antisymmetric (a < b exactly when b > a).

#![no_main]

use bulwark_version::{Scheme, Version};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (a, b) = text.split_once('\n').unwrap_or((text, "1.0"));
    for scheme in Scheme::ALL {
        if let (Ok(x), Ok(y)) = (Version::parse(scheme, a), Version::parse(scheme, b)) {
            assert_eq!(x.cmp(&y), y.cmp(&x).reverse(), "{scheme:?}: {a:?} vs {b:?}");
        }
    }
});
