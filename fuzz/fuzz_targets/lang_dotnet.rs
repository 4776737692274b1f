//! Bytes → the *.deps.json and packages.lock.json parsers, through the registry as the scan calls
//! them. Each must turn anything into packages or one-line warnings naming the file, never panic.

#![no_main]

#[path = "common/lang.rs"]
mod lang;

use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &["app/App.deps.json", "app/packages.lock.json"];

fuzz_target!(|data: &[u8]| lang::run(PATHS, data));
