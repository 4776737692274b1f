//! The database file: one SQLite file, read-only while scanning, indexed by
//! (ecosystem, package name key).
//!
//! SQLite (through rusqlite, bundled) because it is one file that is safe to open while
//! another process replaces it, queries by index in microseconds, and is readable with
//! standard tools; docs/VULNDB.md has the comparison with the alternatives.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::codec::decode_entry;
use crate::model::{Advisory, AffectedEntry};
use crate::name::{name_key, package_key};
use crate::VulnDbError;

/// The schema this build writes and reads; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 2;

/// The file name of the database inside its directory.
pub const DB_FILE: &str = "vulndb.sqlite";

pub(crate) const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE advisory (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    modified TEXT,
    data BLOB NOT NULL
);
CREATE TABLE affected (
    rowid INTEGER PRIMARY KEY,
    advisory INTEGER NOT NULL REFERENCES advisory(rowid),
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    data BLOB NOT NULL, -- codec.rs
    listed INTEGER NOT NULL
);
CREATE TABLE listed (
    pkg INTEGER NOT NULL, -- name::package_key of the entry's ecosystem and name
    version TEXT NOT NULL,
    entry INTEGER NOT NULL REFERENCES affected(rowid),
    PRIMARY KEY (pkg, version, entry)
) WITHOUT ROWID;
";

/// Built after the bulk insert: faster than maintaining it row by row. The ecosystem counts
/// are kept in their own table so that scans do not count 100,000s of rows each time.
pub(crate) const INDEXES: &str = "
CREATE INDEX affected_key ON affected (ecosystem, name);
CREATE TABLE ecosystem (name TEXT PRIMARY KEY, entries INTEGER NOT NULL);
INSERT INTO ecosystem SELECT ecosystem, COUNT(*) FROM affected GROUP BY ecosystem;
";

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

/// One affected entry with its advisory, as lookups return them. The advisory itself is
/// decoded on demand ([`AdvisoryMatch::advisory`]): most entries a lookup returns do not
/// affect the installed version, and decoding is most of a lookup's cost.
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
        serde_json::from_slice(&self.advisory_data).map_err(|e| VulnDbError::Source {
            origin: self.advisory_id.clone(),
            reason: format!("corrupt stored record: {e}"),
        })
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
    /// saying whether it lists `version` verbatim.
    pub fn lookup(
        &self,
        ecosystem: &str,
        name: &str,
        version: &str,
    ) -> Result<Vec<AdvisoryMatch>, VulnDbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.data, f.data, f.listed, f.rowid
                 FROM affected f JOIN advisory a ON a.rowid = f.advisory
                 WHERE f.ecosystem = ?1 AND f.name = ?2",
            )
            .map_err(VulnDbError::sqlite(&self.path))?;
        let key = name_key(ecosystem, name);
        let pkg = package_key(ecosystem, &key);
        // The entries listing `version`: one index seek for the package rather than one per
        // entry. Usually none; the key may be shared, so others' entries may come along.
        let mut listing: Vec<i64> = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT entry FROM listed WHERE pkg = ?1 AND version = ?2")
                .map_err(VulnDbError::sqlite(&self.path))?;
            let mut rows = stmt
                .query((pkg, version))
                .map_err(VulnDbError::sqlite(&self.path))?;
            while let Some(row) = rows.next().map_err(VulnDbError::sqlite(&self.path))? {
                listing.push(row.get(0).map_err(VulnDbError::sqlite(&self.path))?);
            }
        }
        let mut rows = stmt
            .query((ecosystem, &key))
            .map_err(VulnDbError::sqlite(&self.path))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(VulnDbError::sqlite(&self.path))? {
            #[allow(clippy::type_complexity)]
            fn read<'r>(
                row: &'r rusqlite::Row<'_>,
            ) -> rusqlite::Result<(&'r str, &'r [u8], &'r [u8], i64, i64)> {
                Ok((
                    row.get_ref(0)?.as_str()?,
                    row.get_ref(1)?.as_blob()?,
                    row.get_ref(2)?.as_blob()?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            }
            let (advisory_id, advisory_data, entry_data, count, entry) =
                read(row).map_err(VulnDbError::sqlite(&self.path))?;
            let listed = listing.contains(&entry);
            let affected =
                decode_entry(ecosystem, entry_data).map_err(|reason| VulnDbError::Source {
                    origin: format!("{} ({advisory_id})", self.path.display()),
                    reason: format!("corrupt stored entry: {reason}"),
                })?;
            out.push(AdvisoryMatch {
                advisory_id: advisory_id.to_string(),
                affected,
                listed,
                listed_count: count.max(0) as u64,
                entry,
                pkg,
                advisory_data: advisory_data.to_vec(),
            });
        }
        // By advisory ID (then entry, for entries of one advisory): the order findings are
        // built in. Sorted here rather than in SQL, which would copy every row through a
        // temporary B-tree.
        out.sort_unstable_by(|a, b| {
            a.advisory_id
                .cmp(&b.advisory_id)
                .then(a.entry.cmp(&b.entry))
        });
        Ok(out)
    }

    /// Every version an entry lists, for ecosystems where equal versions may be spelled
    /// differently (`1.0` and `1.0.0` in PEP 440).
    pub fn listed_versions(&self, m: &AdvisoryMatch) -> Result<Vec<String>, VulnDbError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT version FROM listed WHERE pkg = ?1 AND entry = ?2")
            .map_err(VulnDbError::sqlite(&self.path))?;
        let rows = stmt
            .query_map([m.pkg, m.entry], |r| r.get(0))
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
