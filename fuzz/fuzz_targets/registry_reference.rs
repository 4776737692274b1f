//! Text → image reference parsing. A reference that parses must print as one that parses back
//! to the same thing (reports print references that users paste back in).

#![no_main]

use bulwark_image::registry::Reference;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(reference) = s.parse::<Reference>() else {
        return;
    };
    let printed = reference.to_string();
    let again = printed
        .parse::<Reference>()
        .unwrap_or_else(|e| panic!("{s:?} parsed, but its display {printed:?} does not: {e}"));
    assert_eq!(again, reference, "{s:?} → {printed:?}");
});
