//! Bytes → the Python pin parsers (requirements*.txt, poetry.lock, Pipfile.lock, uv.lock), through
//! the registry as the scan calls them. Each must turn anything into packages or one-line warnings
//! naming the file, never panic.

#![no_main]

#[path = "common/lang.rs"]
mod lang;

use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "app/requirements.txt",
    "app/poetry.lock",
    "app/Pipfile.lock",
    "app/uv.lock",
];

fuzz_target!(|data: &[u8]| lang::run(PATHS, data));
