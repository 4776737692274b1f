//! `rpmdb.sqlite`: rpm ≥ 4.16's SQLite backend. The header blobs are the rows of
//! `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)`; the other tables are indexes.
//!
//! The bytes are loaded into an in-memory, read-only SQLite database: no temporary file, and
//! nothing the database contains can write anywhere.

use rusqlite::config::DbConfig;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, MAIN_DB};

use super::{Corrupt, OnBlob};

/// The first 16 bytes of every SQLite 3 database file.
pub(super) const MAGIC: &[u8] = b"SQLite format 3\0";

/// The size of the SQLite file header; a database is at least one page longer.
const HEADER_LEN: usize = 100;

/// Offsets of the file-format write and read versions in the SQLite file header: 1 for a
/// rollback-journal database, 2 for WAL.
const FORMAT_VERSIONS: std::ops::Range<usize> = 18..20;

/// Calls `on_blob` with every package header in the database, in `hnum` order.
pub(super) fn for_each_blob(bytes: &[u8], on_blob: &mut OnBlob<'_>) -> Result<(), Corrupt> {
    if bytes.len() < HEADER_LEN {
        return Err(Corrupt(format!(
            "{} bytes, shorter than the {HEADER_LEN}-byte SQLite file header",
            bytes.len()
        )));
    }
    let conn = open(bytes).map_err(|e| Corrupt(format!("cannot open: {e}")))?;

    // A crafted file could make `Packages` a view doing arbitrary work; rpm's is a table.
    let kind: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = 'Packages'",
            [],
            |row| row.get(0),
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e),
        })
        .map_err(sql_error)?;
    match kind.as_deref() {
        Some("table") => {}
        Some(other) => return Err(Corrupt(format!("`Packages` is a {other}, not a table"))),
        None => return Err(Corrupt("no `Packages` table".into())),
    }

    let mut statement = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(sql_error)?;
    let mut rows = statement.query([]).map_err(sql_error)?;
    while let Some(row) = rows.next().map_err(sql_error)? {
        let hnum = match row.get_ref(0).map_err(sql_error)? {
            ValueRef::Integer(n) => u64::try_from(n).unwrap_or(0),
            _ => 0,
        };
        match row.get_ref(1).map_err(sql_error)? {
            ValueRef::Blob(blob) => on_blob(hnum, blob)?,
            other => {
                return Err(Corrupt(format!(
                    "package record {hnum}: blob column holds {:?}, not a blob",
                    other.data_type()
                )))
            }
        }
    }
    Ok(())
}

fn open(bytes: &[u8]) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_in_memory()?;
    // Defensive mode and an untrusted schema: the file cannot corrupt itself on purpose, nor
    // run functions from inside its schema.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;

    // rpm keeps its database in WAL mode, which SQLite's in-memory backend cannot open (it
    // has no shared memory for the WAL index). The bytes we have are the main file only, so
    // present them as a rollback-journal database by rewriting the two version bytes while
    // copying; any `-wal` file is not ours to read anyway.
    let (head, rest) = bytes.split_at(FORMAT_VERSIONS.start.min(bytes.len()));
    let rest = rest.get(FORMAT_VERSIONS.len()..).unwrap_or_default();
    let mut reader = std::io::Read::chain(std::io::Read::chain(head, &[1u8, 1][..]), rest);
    let len = head.len() + FORMAT_VERSIONS.len() + rest.len();
    conn.deserialize_read_exact(MAIN_DB, &mut reader, len, true)?;
    Ok(conn)
}

fn sql_error(e: rusqlite::Error) -> Corrupt {
    Corrupt(format!("SQLite: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpm::tests::fixture;

    #[test]
    fn reads_every_blob_of_a_wal_mode_database() {
        let bytes = fixture("go-rpmdb_cbl-mariner-2.0_rpmdb.sqlite");
        assert_eq!(bytes[FORMAT_VERSIONS], [2, 2], "the fixture is in WAL mode");
        let mut hnums = Vec::new();
        for_each_blob(&bytes, &mut |hnum, blob| {
            assert!(blob.len() > 8);
            hnums.push(hnum);
            Ok(())
        })
        .unwrap();
        assert_eq!(hnums.len(), 129);
        assert!(hnums.windows(2).all(|w| w[0] < w[1]));
    }

    fn database(sql: &str) -> Vec<u8> {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(sql).unwrap();
        conn.serialize(MAIN_DB).unwrap().to_vec()
    }

    #[test]
    fn refuses_a_database_without_a_packages_table() {
        let bytes = database("CREATE TABLE Other(x);");
        let err = for_each_blob(&bytes, &mut |_, _| Ok(())).unwrap_err();
        assert_eq!(err.0, "no `Packages` table");

        let bytes = database(
            "CREATE TABLE t(hnum, blob); CREATE VIEW Packages AS SELECT hnum, blob FROM t;",
        );
        let err = for_each_blob(&bytes, &mut |_, _| Ok(())).unwrap_err();
        assert!(err.0.contains("is a view"), "{err}");
    }

    #[test]
    fn refuses_a_non_blob_row() {
        let bytes = database(
            "CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB);
             INSERT INTO Packages VALUES (7, 'text');",
        );
        let err = for_each_blob(&bytes, &mut |_, _| Ok(())).unwrap_err();
        assert!(err.0.contains("record 7"), "{err}");
    }

    #[test]
    fn tiny_inputs_are_errors() {
        for len in 0..=MAGIC.len() + 8 {
            let bytes = &MAGIC.repeat(2)[..len];
            assert!(for_each_blob(bytes, &mut |_, _| Ok(())).is_err());
        }
    }
}
