//! The layer cache: analyzer results per layer, keyed by the caller (diff_id plus analyzer
//! set version), in one embedded redb file, so a base layer shared by many images is read once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use redb::{Database, ReadableDatabase, TableDefinition};

use crate::ImageError;

const LAYERS: TableDefinition<&str, &[u8]> = TableDefinition::new("layers");

/// An opened layer cache. Values are opaque bytes; the caller serialises.
pub struct LayerCache {
    db: Arc<Database>,
    path: PathBuf,
    /// The write [`LayerCache::put_many_later`] started, if it may still run.
    pending: Mutex<Option<JoinHandle<()>>>,
}

impl LayerCache {
    /// Opens (or creates) the cache file `dir/layers.redb`. Fails if another process holds it.
    pub fn open(dir: &Path) -> Result<Self, ImageError> {
        std::fs::create_dir_all(dir).map_err(|e| ImageError::io(dir, e))?;
        let path = dir.join("layers.redb");
        let db = Database::create(&path).map_err(|e| cache_err(&path, e))?;
        Ok(Self {
            db: Arc::new(db),
            path,
            pending: Mutex::new(None),
        })
    }

    /// The cached value for `key`, if any (after any write still running).
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ImageError> {
        self.wait();
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
    /// none are written, with one commit (after any write still running).
    pub fn put_many<K: AsRef<str>, V: AsRef<[u8]>>(
        &self,
        entries: &[(K, V)],
    ) -> Result<(), ImageError> {
        self.wait();
        write_all(&self.db, &self.path, entries)
    }

    /// Makes the entries with `make` and stores them as [`LayerCache::put_many`] does, on a
    /// helper thread: the end of a cold scan (serialising its results, the commit and its
    /// syncs) then overlaps the caller's next step, the report. Every later access, and
    /// dropping the cache, waits for it. Best effort, like any cache write here: a failure
    /// is logged and costs only speed next time. Runs `make` inline if no thread can start.
    pub fn put_many_later<F>(&self, make: F)
    where
        F: FnOnce() -> Vec<(String, Vec<u8>)> + Send + 'static,
    {
        self.wait();
        let (db, path) = (Arc::clone(&self.db), self.path.clone());
        let write = move || {
            let entries = make();
            if entries.is_empty() {
                return;
            }
            if let Err(e) = write_all(&db, &path, &entries) {
                tracing::warn!("layer cache write failed: {e}");
            }
        };
        // Shared so that a thread that cannot start leaves the write here to run.
        let job = Arc::new(Mutex::new(Some(write)));
        let on_thread = Arc::clone(&job);
        match std::thread::Builder::new()
            .name("bulwark-cache".into())
            .spawn(move || run_once(&on_thread))
        {
            Ok(handle) => *lock(&self.pending) = Some(handle),
            Err(_) => run_once(&job),
        }
    }

    /// Waits for the write [`LayerCache::put_many_later`] started, if any.
    fn wait(&self) {
        if let Some(handle) = lock(&self.pending).take() {
            // A panic in the writer loses only that write; the cache file stays consistent.
            let _ = handle.join();
        }
    }

    /// Where the cache lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LayerCache {
    /// Waits for a write still running: exiting during a commit would leave the file to be
    /// repaired on the next open.
    fn drop(&mut self) {
        self.wait();
    }
}

/// One write transaction storing every entry.
fn write_all<K: AsRef<str>, V: AsRef<[u8]>>(
    db: &Database,
    path: &Path,
    entries: &[(K, V)],
) -> Result<(), ImageError> {
    let txn = db.begin_write().map_err(|e| cache_err(path, e))?;
    {
        let mut table = txn.open_table(LAYERS).map_err(|e| cache_err(path, e))?;
        for (key, value) in entries {
            table
                .insert(key.as_ref(), value.as_ref())
                .map_err(|e| cache_err(path, e))?;
        }
    }
    txn.commit().map_err(|e| cache_err(path, e))
}

/// Runs the job in `slot`, unless it already ran.
fn run_once(slot: &Mutex<Option<impl FnOnce()>>) {
    if let Some(job) = lock(slot).take() {
        job();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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

    #[test]
    fn a_later_write_is_seen_by_the_next_access_and_survives_closing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = LayerCache::open(dir.path()).unwrap();
        let slow = |key: &'static str, value: &'static [u8]| {
            move || {
                // Still running when the caller goes on.
                std::thread::sleep(std::time::Duration::from_millis(50));
                vec![(key.to_string(), value.to_vec())]
            }
        };
        cache.put_many_later(slow("a", b"1"));
        assert_eq!(cache.get("a").unwrap().as_deref(), Some(&b"1"[..]));
        // A write after a later one replaces it, in that order.
        cache.put_many_later(slow("a", b"2"));
        cache.put("a", b"3").unwrap();
        assert_eq!(cache.get("a").unwrap().as_deref(), Some(&b"3"[..]));
        // Closing waits: the file can be opened again at once, with the value in it.
        cache.put_many_later(slow("b", b"4"));
        drop(cache);
        let reopened = LayerCache::open(dir.path()).unwrap();
        assert_eq!(reopened.get("b").unwrap().as_deref(), Some(&b"4"[..]));
    }
}
