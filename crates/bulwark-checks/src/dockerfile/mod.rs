//! Dockerfile reading and checks.
//!
//! The parser is written here rather than taken from crates.io: `dockerfile-parser` 0.9 (the
//! best known) handles no BuildKit parser directives and no heredocs, and
//! `parse-dockerfile` 0.1 is young and exposes no line/column for every error we report. The
//! grammar that matters for checks is small; BuildKit's own `frontend/dockerfile/parser` is
//! the reference for what we accept and reject.

pub mod checks;
pub mod parse;
pub mod shell;

pub use parse::{parse, Directive, Dockerfile, Flag, Heredoc, Instruction, Keyword, Stage};
