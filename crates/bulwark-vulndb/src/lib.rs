//! The advisory database: imports OSV records (osv.dev's per-ecosystem exports, mirrors,
//! directories) and Alpine secdb files into one SQLite file, replaced atomically on every
//! update, and answers "which advisories name this package in this ecosystem".
//!
//! Matching versions against the ranges is `bulwark-vuln`'s job; this crate only stores and
//! finds records.

#![forbid(unsafe_code)]

mod builder;
mod codec;
mod error;
mod import;
mod model;
mod name;
mod secdb;
mod store;
mod update;

pub use builder::DbBuilder;
pub use codec::{AdvisoryRef, EntryRef, EventIter, PairIter, RangeIter, RangeRef, StrIter};
pub use error::VulnDbError;
pub use import::{MAX_RECORD_BYTES, MAX_SOURCE_BYTES};
pub use model::{
    Advisory, AffectedEntry, Event, EventKind, Range, RangeKind, SeverityVector, VendorRating,
};
pub use name::name_key;
pub use store::{AdvisoryMatch, DbMeta, MatchRef, SourceInfo, VulnDb, DB_FILE, SCHEMA_VERSION};
pub use update::{
    import, update, UpdateOptions, UpdateOutcome, DEFAULT_ECOSYSTEMS, DEFAULT_SOURCE,
    MAX_DOWNLOAD_BYTES,
};

/// Parses one OSV JSON record into its stored form; `Ok(None)` for a withdrawn record,
/// `Err` with the reason for a malformed one. The import uses it; exposed for tools and
/// fuzzing.
#[allow(clippy::type_complexity)]
pub fn parse_osv_record(bytes: &[u8]) -> Result<Option<(Advisory, Vec<AffectedEntry>)>, String> {
    model::from_osv(bytes)
}

/// Parses one Alpine secdb YAML document into OSV-shaped records (and the number of
/// unusable package entries). Exposed for tools and fuzzing.
#[allow(clippy::type_complexity)]
pub fn parse_secdb(text: &str) -> Result<(Vec<(Advisory, Vec<AffectedEntry>)>, u64), String> {
    secdb::parse(text).map(|s| (s.records, s.skipped))
}

/// Decodes one stored package row (the `package` table's `data`, `codec.rs`) whole, every
/// entry and advisory, and returns its number of entries; `Err` says what is wrong with
/// corrupt bytes. Lookups read these rows from the database file. Exposed for fuzzing.
pub fn check_package_row(bytes: &[u8]) -> Result<usize, String> {
    codec::check_package_row(bytes)
}
