//! The database file: one SQLite file, read-only while scanning, with one row per
//! (ecosystem, package name key) holding all of that package's entries and their advisories,
//! found by a hash of the two: a lookup is one B-tree descent, plus one into the listed
//! versions for packages whose entries list versions.
//!
//! SQLite (through rusqlite, bundled) because it is one file that is safe to open while
//! another process replaces it, queries by index in microseconds, and is readable with
//! standard tools; docs/VULNDB.md has the comparison with the alternatives.

use std::path::{Path, PathBuf};

use rusqlite::{CachedStatement, Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::codec::{package_entries, AdvisoryRef, EntryRef};
use crate::model::{Advisory, AffectedEntry};
use crate::name::{name_key, package_key};
use crate::VulnDbError;

/// The schema this build writes and reads; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 3;

/// The file name of the database inside its directory.
pub const DB_FILE: &str = "vulndb.sqlite";

pub(crate) const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE advisory (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    modified TEXT,
    data BLOB NOT NULL -- the stored record as JSON
);
CREATE TABLE package (
    key INTEGER PRIMARY KEY, -- name::package_key of the ecosystem and name key
    data BLOB NOT NULL -- codec.rs: every entry of the package, with its advisory
);
CREATE TABLE listed (
    pkg INTEGER NOT NULL, -- name::package_key of the entry's ecosystem and name
    version TEXT NOT NULL,
    entry INTEGER NOT NULL, -- the entry's id in its package row
    PRIMARY KEY (pkg, version, entry)
) WITHOUT ROWID;
";

/// The entries while a database is built, one row each, in a file of their own attached to
/// the builder's connection: [`DbBuilder::finish`](crate::DbBuilder::finish) turns them into
/// one `package` row per package, which a lookup reads with one probe.
pub(crate) const STAGING: &str = "
CREATE TABLE staging.affected (
    rowid INTEGER PRIMARY KEY,
    advisory INTEGER NOT NULL,
    pkg INTEGER NOT NULL,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL, -- codec.rs
    listed INTEGER NOT NULL
);
CREATE INDEX staging.affected_advisory ON affected (advisory);
";

/// Built after the bulk insert. The ecosystem counts are kept in their own table so that
/// scans do not count 100,000s of entries each time.
pub(crate) const INDEXES: &str = "
CREATE INDEX staging.affected_pkg ON affected (pkg, ecosystem, name);
CREATE TABLE main.ecosystem (name TEXT PRIMARY KEY, entries INTEGER NOT NULL);
INSERT INTO main.ecosystem SELECT ecosystem, COUNT(*) FROM staging.affected GROUP BY ecosystem;
";

/// A package's row.
const PACKAGE_SQL: &str = "SELECT data FROM package WHERE key = ?1";
/// The entries of a package listing a version.
const LISTED_SQL: &str = "SELECT entry FROM listed WHERE pkg = ?1 AND version = ?2";

/// Where one import came from and what it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Path or URL as given.
    pub location: String,
    /// `osv-zip`, `osv-dir`, `osv-json` or `alpine-secdb`.
    pub kind: String,
    /// SHA-256 of the bytes read (for a directory: of its sorted file list and file hashes).
    pub sha256: String,
    /// Records stored.
    pub records: u64,
    /// Malformed records skipped.
    pub skipped: u64,
    /// Withdrawn records left out.
    #[serde(default)]
    pub withdrawn: u64,
}

/// What `bulwark db status` shows and reports name as their data source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbMeta {
    /// The schema of the file.
    pub schema_version: u32,
    /// When it was built (RFC 3339 UTC).
    pub built_at: String,
    /// Every source imported, in order.
    pub sources: Vec<SourceInfo>,
    /// Advisories stored.
    pub advisories: u64,
    /// Affected-package entries stored.
    pub affected: u64,
}

/// One affected entry with its advisory, as [`VulnDb::lookup`] returns them. The advisory
/// itself is decoded on demand ([`AdvisoryMatch::advisory`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryMatch {
    /// The advisory's ID.
    pub advisory_id: String,
    /// Which versions of the looked-up package it affects (ranges; `versions` is empty:
    /// listed versions live in their own indexed table, see [`VulnDb::listed_versions`]).
    pub affected: AffectedEntry,
    /// The looked-up version is one of the entry's listed versions, exactly as written.
    pub listed: bool,
    /// How many versions the entry lists.
    pub listed_count: u64,
    entry: i64,
    pkg: i64,
    advisory_data: Vec<u8>,
}

impl AdvisoryMatch {
    /// Decodes the advisory.
    pub fn advisory(&self) -> Result<Advisory, VulnDbError> {
        AdvisoryRef::parse(&self.advisory_id, &self.advisory_data)
            .map(|a| a.to_advisory())
            .map_err(|reason| VulnDbError::Source {
                origin: self.advisory_id.clone(),
                reason: format!("corrupt stored record: {reason}"),
            })
    }
}

/// One affected entry with its advisory, as [`VulnDb::lookup_with`] hands them out: read in
/// place from the database row, nothing copied. The entry is checked and indexed; the
/// advisory is checked when [`MatchRef::advisory`] is called, which matching only does for
/// the entries that affect the installed version.
#[derive(Debug, Clone)]
pub struct MatchRef<'a> {
    /// The advisory's ID.
    pub advisory_id: &'a str,
    /// Which versions of the looked-up package it affects (ranges; listed versions are
    /// stored apart, see [`VulnDb::listed_versions_of`]).
    pub entry: EntryRef<'a>,
    /// The looked-up version is one of the entry's listed versions, exactly as written.
    pub listed: bool,
    /// How many versions the entry lists.
    pub listed_count: u64,
    entry_id: i64,
    pkg: i64,
    advisory_data: &'a [u8],
}

impl<'a> MatchRef<'a> {
    /// Checks and indexes the advisory.
    pub fn advisory(&self) -> Result<AdvisoryRef<'a>, VulnDbError> {
        AdvisoryRef::parse(self.advisory_id, self.advisory_data).map_err(|reason| {
            VulnDbError::Source {
                origin: self.advisory_id.to_string(),
                reason: format!("corrupt stored record: {reason}"),
            }
        })
    }

    /// The owned form, with the entry decoded.
    pub fn to_match(&self, ecosystem: &str) -> AdvisoryMatch {
        AdvisoryMatch {
            advisory_id: self.advisory_id.to_string(),
            affected: self.entry.to_entry(ecosystem),
            listed: self.listed,
            listed_count: self.listed_count,
            entry: self.entry_id,
            pkg: self.pkg,
            advisory_data: self.advisory_data.to_vec(),
        }
    }
}

/// An open, read-only advisory database.
pub struct VulnDb {
    path: PathBuf,
    conn: Connection,
    meta: DbMeta,
}

impl std::fmt::Debug for VulnDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VulnDb").field("path", &self.path).finish()
    }
}

impl VulnDb {
    /// The database file inside a cache directory (`<cache>/db/vulndb.sqlite`).
    pub fn default_path(cache_dir: &Path) -> PathBuf {
        cache_dir.join("db").join(DB_FILE)
    }

    /// Opens the database read-only and checks its schema version.
    pub fn open(path: &Path) -> Result<Self, VulnDbError> {
        if !path.is_file() {
            return Err(VulnDbError::Missing {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(VulnDbError::sqlite(path))?;
        // Updates never write this file (they rename a new one over it), so the read lock
        // can be held for the connection's life instead of taken per query, and the pages
        // mapped instead of copied.
        conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE; PRAGMA mmap_size = 1073741824;")
            .map_err(VulnDbError::sqlite(path))?;
        let meta = read_meta(&conn, path)?;
        Ok(Self {
            path: path.to_path_buf(),
            conn,
            meta,
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Build time, sources and counts.
    pub fn meta(&self) -> &DbMeta {
        &self.meta
    }

    /// Every advisory entry for `name` in exactly `ecosystem` (`Debian:12`, `PyPI`), each
    /// saying whether it lists `version` verbatim, sorted by advisory ID.
    pub fn lookup(
        &self,
        ecosystem: &str,
        name: &str,
        version: &str,
    ) -> Result<Vec<AdvisoryMatch>, VulnDbError> {
        self.lookup_with(ecosystem, name, version, |matches| {
            Ok::<_, VulnDbError>(matches.iter().map(|m| m.to_match(ecosystem)).collect())
        })
    }

    /// [`lookup`](Self::lookup) without copying: `f` gets the entries read in place from the
    /// database row (sorted by advisory ID, then entry), valid for the call only.
    pub fn lookup_with<T, E: From<VulnDbError>>(
        &self,
        ecosystem: &str,
        name: &str,
        version: &str,
        f: impl FnOnce(&[MatchRef<'_>]) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut packages = self.statement(PACKAGE_SQL)?;
        let mut listed = self.statement(LISTED_SQL)?;
        self.lookup_in(&mut packages, &mut listed, ecosystem, name, version, f)
    }

    /// [`lookup_with`](Self::lookup_with) for each `(ecosystem, name, version)` in turn, `f`
    /// getting the query's position too; the statements are prepared once for all.
    pub fn lookup_each<'q, E: From<VulnDbError>>(
        &self,
        queries: impl IntoIterator<Item = (&'q str, &'q str, &'q str)>,
        mut f: impl FnMut(usize, &[MatchRef<'_>]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut packages = self.statement(PACKAGE_SQL)?;
        let mut listed = self.statement(LISTED_SQL)?;
        for (i, (ecosystem, name, version)) in queries.into_iter().enumerate() {
            self.lookup_in(&mut packages, &mut listed, ecosystem, name, version, |m| {
                f(i, m)
            })?;
        }
        Ok(())
    }

    fn statement(&self, sql: &str) -> Result<CachedStatement<'_>, VulnDbError> {
        self.conn
            .prepare_cached(sql)
            .map_err(VulnDbError::sqlite(&self.path))
    }

    fn lookup_in<T, E: From<VulnDbError>>(
        &self,
        packages: &mut CachedStatement<'_>,
        listed: &mut CachedStatement<'_>,
        ecosystem: &str,
        name: &str,
        version: &str,
        f: impl FnOnce(&[MatchRef<'_>]) -> Result<T, E>,
    ) -> Result<T, E> {
        let err = VulnDbError::sqlite;
        let key = name_key(ecosystem, name);
        let pkg = package_key(ecosystem, &key);
        let mut rows = packages.query([pkg]).map_err(err(&self.path))?;
        let Some(row) = rows.next().map_err(err(&self.path))? else {
            return f(&[]);
        };
        let data = row
            .get_ref(0)
            .and_then(|v| Ok(v.as_blob()?))
            .map_err(err(&self.path))?;
        let corrupt = |reason: String| VulnDbError::Source {
            origin: format!("{} ({ecosystem} {key})", self.path.display()),
            reason: format!("corrupt stored entry: {reason}"),
        };
        let Some(entries) = package_entries(data, ecosystem, &key).map_err(corrupt)? else {
            return f(&[]);
        };
        let mut out = Vec::with_capacity(entries.remaining());
        let mut any_listed = false;
        for raw in entries {
            let raw = raw.map_err(corrupt)?;
            let entry = EntryRef::parse(raw.entry).map_err(|reason| VulnDbError::Source {
                origin: format!("{} ({})", self.path.display(), raw.advisory_id),
                reason: format!("corrupt stored entry: {reason}"),
            })?;
            any_listed |= raw.listed_count > 0;
            out.push(MatchRef {
                advisory_id: raw.advisory_id,
                entry,
                listed: false,
                listed_count: raw.listed_count,
                entry_id: raw.entry_id,
                pkg,
                advisory_data: raw.advisory,
            });
        }
        // The entries listing `version`: one index seek for the package rather than one per
        // entry, and none when no entry lists versions.
        if any_listed {
            let mut rows = listed.query((pkg, version)).map_err(err(&self.path))?;
            while let Some(row) = rows.next().map_err(err(&self.path))? {
                let entry: i64 = row.get(0).map_err(err(&self.path))?;
                for m in out.iter_mut().filter(|m| m.entry_id == entry) {
                    m.listed = true;
                }
            }
        }
        f(&out)
    }

    /// Every version an entry lists, for ecosystems where equal versions may be spelled
    /// differently (`1.0` and `1.0.0` in PEP 440).
    pub fn listed_versions(&self, m: &AdvisoryMatch) -> Result<Vec<String>, VulnDbError> {
        self.listed(m.pkg, m.entry)
    }

    /// [`listed_versions`](Self::listed_versions) of an entry read in place.
    pub fn listed_versions_of(&self, m: &MatchRef<'_>) -> Result<Vec<String>, VulnDbError> {
        self.listed(m.pkg, m.entry_id)
    }

    fn listed(&self, pkg: i64, entry: i64) -> Result<Vec<String>, VulnDbError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT version FROM listed WHERE pkg = ?1 AND entry = ?2")
            .map_err(VulnDbError::sqlite(&self.path))?;
        let rows = stmt
            .query_map([pkg, entry], |r| r.get(0))
            .map_err(VulnDbError::sqlite(&self.path))?;
        rows.collect::<Result<_, _>>()
            .map_err(VulnDbError::sqlite(&self.path))
    }

    /// Every ecosystem in the database with its number of affected entries, sorted by name.
    pub fn ecosystems(&self) -> Result<Vec<(String, u64)>, VulnDbError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, entries FROM ecosystem ORDER BY name")
            .map_err(VulnDbError::sqlite(&self.path))?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))
            .map_err(VulnDbError::sqlite(&self.path))?;
        rows.collect::<Result<_, _>>()
            .map_err(VulnDbError::sqlite(&self.path))
    }
}

fn read_meta(conn: &Connection, path: &Path) -> Result<DbMeta, VulnDbError> {
    let has_meta: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
            [],
            |_| Ok(true),
        )
        .optional()
        .map_err(VulnDbError::sqlite(path))?
        .unwrap_or(false);
    let get = |key: &str| -> Result<Option<String>, VulnDbError> {
        if !has_meta {
            return Ok(None);
        }
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(VulnDbError::sqlite(path))
    };
    let found = get("schema_version")?
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0);
    if found != SCHEMA_VERSION {
        return Err(VulnDbError::Schema {
            path: path.to_path_buf(),
            found,
            expected: SCHEMA_VERSION,
        });
    }
    let meta = get("meta")?.ok_or_else(|| VulnDbError::Source {
        origin: path.display().to_string(),
        reason: "metadata missing".into(),
    })?;
    serde_json::from_str(&meta).map_err(|e| VulnDbError::Source {
        origin: path.display().to_string(),
        reason: format!("corrupt metadata: {e}"),
    })
}
