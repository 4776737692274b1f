//! The layer cache: analyzer results per layer, keyed by the caller (diff_id plus analyzer
//! set version), in one embedded redb file, so a base layer shared by many images is read once.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, TableDefinition};

use crate::ImageError;

const LAYERS: TableDefinition<&str, &[u8]> = TableDefinition::new("layers");

/// An opened layer cache. Values are opaque bytes; the caller serialises.
pub struct LayerCache {
    db: Database,
    path: PathBuf,
}

impl LayerCache {
    /// Opens (or creates) the cache file `dir/layers.redb`. Fails if another process holds it.
    pub fn open(dir: &Path) -> Result<Self, ImageError> {
        std::fs::create_dir_all(dir).map_err(|e| ImageError::io(dir, e))?;
        let path = dir.join("layers.redb");
        let db = Database::create(&path).map_err(|e| cache_err(&path, e))?;
        Ok(Self { db, path })
    }

    /// The cached value for `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ImageError> {
        let txn = self.db.begin_read().map_err(|e| cache_err(&self.path, e))?;
        let table = match txn.open_table(LAYERS) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(cache_err(&self.path, e)),
        };
        let value = table.get(key).map_err(|e| cache_err(&self.path, e))?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    /// Stores `value` under `key`, replacing any previous value.
    pub fn put(&self, key: &str, value: &[u8]) -> Result<(), ImageError> {
        self.put_many(&[(key, value)])
    }

    /// Stores every `(key, value)`, replacing previous values, in one transaction: all or
    /// none are written, with one commit.
    pub fn put_many<K: AsRef<str>, V: AsRef<[u8]>>(
        &self,
        entries: &[(K, V)],
    ) -> Result<(), ImageError> {
        let txn = self
            .db
            .begin_write()
            .map_err(|e| cache_err(&self.path, e))?;
        {
            let mut table = txn
                .open_table(LAYERS)
                .map_err(|e| cache_err(&self.path, e))?;
            for (key, value) in entries {
                table
                    .insert(key.as_ref(), value.as_ref())
                    .map_err(|e| cache_err(&self.path, e))?;
            }
        }
        txn.commit().map_err(|e| cache_err(&self.path, e))
    }

    /// Where the cache lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn cache_err(path: &Path, e: impl std::fmt::Display) -> ImageError {
    ImageError::Cache {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_values() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        assert_eq!(cache.get("k").unwrap(), None);
        cache.put("k", b"v1").unwrap();
        cache.put("k", b"v2").unwrap();
        assert_eq!(cache.get("k").unwrap().as_deref(), Some(&b"v2"[..]));
        cache
            .put_many(&[("a", &b"1"[..]), ("k", &b"v3"[..])])
            .unwrap();
        assert_eq!(cache.get("a").unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(cache.get("k").unwrap().as_deref(), Some(&b"v3"[..]));
    }
}
