//! Bytes → the composer.lock and vendor/composer/installed.json parsers, through the registry as
//! the scan calls them. Each must turn anything into packages or one-line warnings naming the file,
//! never panic.

#![no_main]

#[path = "common/lang.rs"]
mod lang;

use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &["app/composer.lock", "app/vendor/composer/installed.json"];

fuzz_target!(|data: &[u8]| lang::run(PATHS, data));
