//! Writing a new database: everything goes into a temporary file beside the live one, which
//! is renamed over it only after a successful commit and fsync. A crash, a full disk or a bad
//! source at any point before the rename leaves the previous database untouched.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension};

use crate::codec::{encode_advisory, encode_entry, encode_package_row, RowEntry};
use crate::model::{Advisory, AffectedEntry};
use crate::name::{name_key, package_key};
use crate::store::{DbMeta, SourceInfo, INDEXES, SCHEMA, SCHEMA_VERSION, STAGING};
use crate::VulnDbError;

/// A database being built. Dropping it without [`DbBuilder::finish`] deletes the temporary
/// file and leaves the live database as it was.
pub struct DbBuilder {
    final_path: PathBuf,
    tmp_path: PathBuf,
    conn: Option<Connection>,
    sources: Vec<SourceInfo>,
    warnings: Vec<String>,
    advisories: u64,
    affected: u64,
}

/// What happened to one record handed to [`DbBuilder::insert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Inserted {
    /// Stored as a new advisory.
    New,
    /// Replaced an older copy, or merged with a copy of the same age.
    Updated,
    /// An newer copy was already stored.
    Older,
}

impl DbBuilder {
    /// Starts a new database that will replace `final_path` on [`finish`](Self::finish).
    pub fn create(final_path: &Path) -> Result<Self, VulnDbError> {
        let dir = final_path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(VulnDbError::io("cannot create", dir))?;
        remove_stale_temporaries(final_path);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let tmp_path = tmp_name(final_path, std::process::id(), nanos);
        let conn = Connection::open(&tmp_path).map_err(VulnDbError::sqlite(&tmp_path))?;
        // From here on, dropping the builder deletes its files.
        let builder = Self {
            final_path: final_path.to_path_buf(),
            tmp_path,
            conn: Some(conn),
            sources: Vec::new(),
            warnings: Vec::new(),
            advisories: 0,
            affected: 0,
        };
        let err = VulnDbError::sqlite(&builder.tmp_path);
        let conn = builder.conn()?;
        // The files are private (the database until renamed), so no journal is needed: a
        // failure discards them. The largest pages SQLite has: most packages' rows then fit
        // in one page (no overflow chain to copy), and the trees are shallower, for lookups
        // that are a tree descent each.
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 65536;",
        )
        .and_then(|_| conn.execute_batch(SCHEMA))
        // The staged entries go to a file of their own beside the database (bounded memory
        // however large the import), deleted when the build ends.
        .and_then(|_| {
            conn.execute(
                "ATTACH DATABASE ?1 AS staging",
                [builder.staging_path().to_string_lossy()],
            )
        })
        .and_then(|_| {
            conn.execute_batch(
                "PRAGMA staging.journal_mode = OFF; PRAGMA staging.synchronous = OFF;",
            )
        })
        .and_then(|_| conn.execute_batch(STAGING))
        .and_then(|_| conn.execute_batch("BEGIN;"))
        .map_err(err)?;
        Ok(builder)
    }

    /// The file of the staged entries: the temporary database's name and `-staging`, so that
    /// a killed build's is removed with its database (`remove_stale_temporaries`).
    fn staging_path(&self) -> PathBuf {
        let mut name = self.tmp_path.as_os_str().to_os_string();
        name.push("-staging");
        PathBuf::from(name)
    }

    /// Caps the size of the new file, in pages of 64 KiB; writing past it fails like a full
    /// disk does (`SQLITE_FULL`). For tests of the failure path and for quota-bound mirrors.
    pub fn set_max_pages(&mut self, pages: u64) -> Result<(), VulnDbError> {
        self.conn()?
            .pragma_update(None, "max_page_count", pages as i64)
            .map_err(VulnDbError::sqlite(&self.tmp_path))
    }

    /// Warnings collected so far (skipped records, missing sources).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub(crate) fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }

    pub(crate) fn add_source(&mut self, info: SourceInfo) {
        self.sources.push(info);
    }

    pub(crate) fn pop_source(&mut self) {
        self.sources.pop();
    }

    fn conn(&self) -> Result<&Connection, VulnDbError> {
        self.conn.as_ref().ok_or_else(|| VulnDbError::Source {
            origin: self.tmp_path.display().to_string(),
            reason: "database already finished".into(),
        })
    }

    /// Stores one advisory with its affected entries. A record whose ID is already stored
    /// replaces it when newer (`modified`), is merged with it when equally old (Alpine secdb
    /// branches each add entries to the same ID), and is dropped when older.
    pub(crate) fn insert(
        &mut self,
        advisory: &Advisory,
        entries: &[AffectedEntry],
    ) -> Result<Inserted, VulnDbError> {
        let path = self.tmp_path.clone();
        let err = VulnDbError::sqlite(&path);
        let conn = self.conn.as_ref().ok_or_else(|| VulnDbError::Source {
            origin: path.display().to_string(),
            reason: "database already finished".into(),
        })?;
        let data = serde_json::to_vec(advisory).map_err(|e| VulnDbError::Source {
            origin: advisory.id.clone(),
            reason: e.to_string(),
        })?;
        let existing: Option<(i64, Option<String>)> = conn
            .prepare_cached("SELECT rowid, modified FROM advisory WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([&advisory.id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(VulnDbError::sqlite(&path))?;
        let (rowid, outcome) = match existing {
            None => {
                conn.prepare_cached(
                    "INSERT INTO advisory (id, modified, data) VALUES (?1, ?2, ?3)",
                )
                .and_then(|mut s| s.execute((&advisory.id, &advisory.modified, &data)))
                .map_err(VulnDbError::sqlite(&path))?;
                self.advisories += 1;
                (conn.last_insert_rowid(), Inserted::New)
            }
            Some((rowid, old)) => match advisory.modified.cmp(&old) {
                std::cmp::Ordering::Less => return Ok(Inserted::Older),
                std::cmp::Ordering::Equal => (rowid, Inserted::Updated),
                std::cmp::Ordering::Greater => {
                    conn.prepare_cached(
                        "UPDATE advisory SET modified = ?2, data = ?3 WHERE rowid = ?1",
                    )
                    .and_then(|mut s| s.execute((rowid, &advisory.modified, &data)))
                    .map_err(VulnDbError::sqlite(&path))?;
                    let old: Vec<(i64, i64)> = conn
                        .prepare_cached("SELECT rowid, pkg FROM affected WHERE advisory = ?1")
                        .and_then(|mut s| {
                            s.query_map([rowid], |r| Ok((r.get(0)?, r.get(1)?)))?
                                .collect()
                        })
                        .map_err(VulnDbError::sqlite(&path))?;
                    let mut unlist = conn
                        .prepare_cached("DELETE FROM listed WHERE pkg = ?1 AND entry = ?2")
                        .map_err(VulnDbError::sqlite(&path))?;
                    for (entry, pkg) in old {
                        unlist
                            .execute((pkg, entry))
                            .map_err(VulnDbError::sqlite(&path))?;
                    }
                    let gone = conn
                        .prepare_cached("DELETE FROM affected WHERE advisory = ?1")
                        .and_then(|mut s| s.execute([rowid]))
                        .map_err(VulnDbError::sqlite(&path))?;
                    self.affected -= gone as u64;
                    (rowid, Inserted::Updated)
                }
            },
        };
        let mut stmt = conn
            .prepare_cached(
                "INSERT INTO affected (advisory, pkg, ecosystem, name, data, listed) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(err)?;
        for e in entries {
            let versions: Vec<&String> = e.versions.iter().filter(|v| !v.is_empty()).collect();
            let data = encode_entry(e);
            let name = name_key(&e.ecosystem, &e.package);
            let pkg = package_key(&e.ecosystem, &name);
            stmt.execute((rowid, pkg, &e.ecosystem, &name, data, versions.len() as i64))
                .map_err(VulnDbError::sqlite(&path))?;
            let entry = conn.last_insert_rowid();
            let mut listed = conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO listed (pkg, version, entry) VALUES (?1, ?2, ?3)",
                )
                .map_err(VulnDbError::sqlite(&path))?;
            for v in versions {
                listed
                    .execute((pkg, v, entry))
                    .map_err(VulnDbError::sqlite(&path))?;
            }
            self.affected += 1;
        }
        Ok(outcome)
    }

    /// Indexes, writes metadata, commits, syncs and atomically replaces the live database.
    pub fn finish(mut self) -> Result<DbMeta, VulnDbError> {
        let path = self.tmp_path.clone();
        let built_at = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let meta = DbMeta {
            schema_version: SCHEMA_VERSION,
            built_at,
            sources: std::mem::take(&mut self.sources),
            advisories: self.advisories,
            affected: self.affected,
        };
        let meta_json = serde_json::to_string(&meta).map_err(|e| VulnDbError::Source {
            origin: path.display().to_string(),
            reason: e.to_string(),
        })?;
        {
            let conn = self.conn()?;
            conn.execute_batch(INDEXES)
                .map_err(VulnDbError::sqlite(&path))?;
            write_packages(conn).map_err(|e| match e {
                Staged::Sqlite(e) => VulnDbError::sqlite(&path)(e),
                Staged::Corrupt(id, reason) => VulnDbError::Source {
                    origin: format!("{} ({id})", path.display()),
                    reason: format!("corrupt stored record: {reason}"),
                },
            })?;
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('meta', ?2)",
                (SCHEMA_VERSION.to_string(), &meta_json),
            )
            .map_err(VulnDbError::sqlite(&path))?;
            conn.execute_batch("COMMIT;")
                .map_err(VulnDbError::sqlite(&path))?;
        }
        if let Some(conn) = self.conn.take() {
            let closed = conn.close();
            let _ = std::fs::remove_file(self.staging_path());
            closed.map_err(|(_, e)| VulnDbError::sqlite(&path)(e))?;
        }
        let file = std::fs::File::open(&path).map_err(VulnDbError::io("cannot open", &path))?;
        file.sync_all()
            .map_err(VulnDbError::io("cannot sync", &path))?;
        drop(file);
        std::fs::rename(&path, &self.final_path)
            .map_err(VulnDbError::io("cannot replace", &self.final_path))?;
        if let Some(dir) = self.final_path.parent() {
            // Make the rename itself durable; not every filesystem supports syncing a directory.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(meta)
    }
}

enum Staged {
    Sqlite(rusqlite::Error),
    Corrupt(String, String),
}

impl From<rusqlite::Error> for Staged {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

/// Writes one `package` row per package key from the staged entries: every entry of the
/// package with its advisory, sorted by advisory ID then entry id (the order lookups return).
fn write_packages(conn: &Connection) -> Result<(), Staged> {
    let mut select = conn.prepare(
        "SELECT f.pkg, f.ecosystem, f.name, f.rowid, f.listed, f.data, a.id, a.data
         FROM staging.affected f JOIN main.advisory a ON a.rowid = f.advisory
         ORDER BY f.pkg, f.ecosystem, f.name",
    )?;
    let mut insert = conn.prepare("INSERT INTO package (key, data) VALUES (?1, ?2)")?;
    let mut rows = select.query([])?;
    let mut key: Option<i64> = None;
    let mut packages: Vec<(String, String, Vec<RowEntry>)> = Vec::new();
    let mut flush = |key: i64, packages: &mut Vec<(String, String, Vec<RowEntry>)>| {
        for (_, _, entries) in packages.iter_mut() {
            entries.sort_by(|a, b| {
                a.advisory_id
                    .cmp(&b.advisory_id)
                    .then(a.entry_id.cmp(&b.entry_id))
            });
        }
        let data = encode_package_row(packages);
        packages.clear();
        insert.execute((key, data)).map(|_| ())
    };
    while let Some(row) = rows.next()? {
        let pkg: i64 = row.get(0)?;
        let ecosystem: String = row.get(1)?;
        let name: String = row.get(2)?;
        let advisory_id: String = row.get(6)?;
        let json = row.get_ref(7)?.as_blob().map_err(rusqlite::Error::from)?;
        let advisory: Advisory = serde_json::from_slice(json)
            .map_err(|e| Staged::Corrupt(advisory_id.clone(), e.to_string()))?;
        let entry = RowEntry {
            entry_id: row.get(3)?,
            listed_count: row.get::<_, i64>(4)?.max(0) as u64,
            advisory: encode_advisory(&advisory),
            advisory_id,
            entry: row.get(5)?,
        };
        if let Some(done) = key.filter(|&k| k != pkg) {
            flush(done, &mut packages)?;
        }
        key = Some(pkg);
        match packages.last_mut() {
            Some((e, n, entries)) if *e == ecosystem && *n == name => entries.push(entry),
            _ => packages.push((ecosystem, name, vec![entry])),
        }
    }
    if let Some(k) = key {
        flush(k, &mut packages)?;
    }
    Ok(())
}

impl Drop for DbBuilder {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn);
            let _ = std::fs::remove_file(&self.tmp_path);
            let _ = std::fs::remove_file(self.staging_path());
        }
    }
}

fn tmp_name(final_path: &Path, pid: u32, nanos: u32) -> PathBuf {
    let mut name = final_path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".tmp-{pid}-{nanos}"));
    final_path.with_file_name(name)
}

/// Removes temporary files left by builders that were killed (their process is gone).
fn remove_stale_temporaries(final_path: &Path) {
    let (Some(dir), Some(base)) = (final_path.parent(), final_path.file_name()) else {
        return;
    };
    let prefix = format!("{}.tmp-", base.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let alive = match pid {
            Some(pid) => Path::new(&format!("/proc/{pid}")).exists(),
            None => true,
        };
        if !alive && Path::new("/proc/self").exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
