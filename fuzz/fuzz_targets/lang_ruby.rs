//! Bytes → the installed-gemspec pattern reader and the Gemfile.lock parser, through the registry
//! as the scan calls them. Each must turn anything into packages or one-line warnings naming the
//! file, never panic.

#![no_main]

#[path = "common/lang.rs"]
mod lang;

use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "app/vendor/bundle/ruby/3.1.0/specifications/x-1.0.gemspec",
    "app/Gemfile.lock",
];

fuzz_target!(|data: &[u8]| lang::run(PATHS, data));
