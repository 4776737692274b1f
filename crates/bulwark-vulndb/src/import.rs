//! Reading advisory sources into a [`DbBuilder`]: osv.dev's per-ecosystem `all.zip`, a
//! directory of OSV JSON files (or of such zips), a single OSV JSON file, and Alpine secdb
//! YAML. One malformed record is skipped and counted; it never aborts the import.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::builder::{DbBuilder, Inserted};
use crate::model::from_osv;
use crate::store::SourceInfo;
use crate::{secdb, VulnDbError};

/// Largest single record (uncompressed) accepted; bigger ones are skipped as malformed.
pub const MAX_RECORD_BYTES: u64 = 64 << 20;
/// Largest total uncompressed size of one source; beyond it the import fails.
pub const MAX_SOURCE_BYTES: u64 = 32 << 30;
/// How many skipped records are named in warnings per source (the rest are only counted).
const NAMED_SKIPS: usize = 5;
/// Records parsed in parallel per batch.
const BATCH: usize = 512;

/// Counters for one source.
#[derive(Default)]
struct Tally {
    records: u64,
    skipped: u64,
    withdrawn: u64,
    skip_examples: Vec<String>,
}

impl Tally {
    fn skip(&mut self, what: &str, why: &str) {
        self.skipped += 1;
        if self.skip_examples.len() < NAMED_SKIPS {
            self.skip_examples.push(format!("{what}: {why}"));
        }
    }
}

impl DbBuilder {
    /// Imports a zip, a directory, an OSV JSON file or a secdb YAML file, detected by kind
    /// and extension.
    pub fn import_path(&mut self, path: &Path) -> Result<SourceInfo, VulnDbError> {
        let meta = std::fs::metadata(path).map_err(VulnDbError::io("cannot read", path))?;
        let location = path.display().to_string();
        if meta.is_dir() {
            return self.import_dir(path);
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "zip" => {
                let file =
                    std::fs::File::open(path).map_err(VulnDbError::io("cannot read", path))?;
                let sha = sha256_file(path)?;
                self.import_zip(file, &location, sha)
            }
            "yaml" | "yml" => {
                let bytes = read_capped(path)?;
                self.import_secdb(&bytes, &location)
            }
            "json" => {
                let bytes = read_capped(path)?;
                let sha = hex::encode(Sha256::digest(&bytes));
                let mut tally = Tally::default();
                self.insert_batch(vec![(location.clone(), bytes)], &mut tally)?;
                Ok(self.finish_source(location, "osv-json", sha, tally))
            }
            _ => Err(VulnDbError::Source {
                origin: location,
                reason: "not a .zip, .json, .yaml or directory".into(),
            }),
        }
    }

    /// Imports an osv.dev-style zip of OSV JSON records (`sha256` is the archive's hash).
    pub fn import_zip<R: Read + Seek>(
        &mut self,
        reader: R,
        location: &str,
        sha256: String,
    ) -> Result<SourceInfo, VulnDbError> {
        let zip_err = |source| VulnDbError::Zip {
            origin: location.to_string(),
            source,
        };
        let mut archive = zip::ZipArchive::new(reader).map_err(zip_err)?;
        let mut tally = Tally::default();
        let mut batch = Vec::with_capacity(BATCH);
        let mut total: u64 = 0;
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(zip_err)?;
            let Ok(name) = entry.name().map(|n| n.into_owned()) else {
                tally.skip(&format!("member {i}"), "name is not valid UTF-8");
                continue;
            };
            if !entry.is_file() || !name.ends_with(".json") {
                continue;
            }
            if entry.size() > MAX_RECORD_BYTES {
                tally.skip(&name, "record larger than 64 MiB");
                continue;
            }
            let mut bytes = Vec::with_capacity(entry.size() as usize);
            // The declared size can lie; never read more than the cap.
            let read = (&mut entry)
                .take(MAX_RECORD_BYTES + 1)
                .read_to_end(&mut bytes);
            match read {
                Ok(n) if n as u64 > MAX_RECORD_BYTES => {
                    tally.skip(&name, "record larger than 64 MiB");
                    continue;
                }
                Ok(n) => total += n as u64,
                Err(e) => {
                    // A corrupt member (bad CRC, bad deflate stream) is one bad record.
                    tally.skip(&name, &e.to_string());
                    continue;
                }
            }
            if total > MAX_SOURCE_BYTES {
                return Err(VulnDbError::Limit {
                    origin: location.to_string(),
                    reason: format!("more than {MAX_SOURCE_BYTES} bytes uncompressed"),
                });
            }
            batch.push((name, bytes));
            if batch.len() == BATCH {
                self.insert_batch(std::mem::take(&mut batch), &mut tally)?;
            }
        }
        self.insert_batch(batch, &mut tally)?;
        Ok(self.finish_source(location.to_string(), "osv-zip", sha256, tally))
    }

    /// Imports one Alpine secdb YAML document.
    pub fn import_secdb(
        &mut self,
        bytes: &[u8],
        location: &str,
    ) -> Result<SourceInfo, VulnDbError> {
        let sha = hex::encode(Sha256::digest(bytes));
        let text = std::str::from_utf8(bytes).map_err(|_| VulnDbError::Source {
            origin: location.to_string(),
            reason: "not UTF-8".into(),
        })?;
        let parsed = secdb::parse(text).map_err(|reason| VulnDbError::Source {
            origin: location.to_string(),
            reason: format!("not an Alpine secdb document: {reason}"),
        })?;
        let mut tally = Tally {
            skipped: parsed.skipped,
            ..Tally::default()
        };
        for (advisory, entries) in &parsed.records {
            if self.insert(advisory, entries)? != Inserted::Older {
                tally.records += 1;
            }
        }
        Ok(self.finish_source(location.to_string(), "alpine-secdb", sha, tally))
    }

    /// Imports every `*.json` (OSV record), `*.zip` (OSV archive) and secdb `*.yaml` under
    /// `dir`, in sorted order; symlinks are not followed.
    fn import_dir(&mut self, dir: &Path) -> Result<SourceInfo, VulnDbError> {
        let location = dir.display().to_string();
        let mut files = Vec::new();
        walk(dir, &mut files, 0)?;
        files.sort();
        let mut list_hash = Sha256::new();
        let mut tally = Tally::default();
        let mut batch = Vec::with_capacity(BATCH);
        let mut total: u64 = 0;
        for file in &files {
            let rel = file.strip_prefix(dir).unwrap_or(file).display().to_string();
            let ext = file
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            match ext.as_str() {
                "json" => {
                    let bytes = match read_capped(file) {
                        Ok(b) => b,
                        Err(e) => {
                            tally.skip(&rel, &e.to_string());
                            continue;
                        }
                    };
                    total += bytes.len() as u64;
                    if total > MAX_SOURCE_BYTES {
                        return Err(VulnDbError::Limit {
                            origin: location,
                            reason: format!("more than {MAX_SOURCE_BYTES} bytes"),
                        });
                    }
                    list_hash.update(rel.as_bytes());
                    list_hash.update(Sha256::digest(&bytes));
                    batch.push((rel, bytes));
                    if batch.len() == BATCH {
                        self.insert_batch(std::mem::take(&mut batch), &mut tally)?;
                    }
                }
                "yaml" | "yml" if !is_secdb_file(file) => {
                    tally.skip(&rel, "YAML that is not an Alpine secdb document");
                }
                "zip" | "yaml" | "yml" => {
                    let info = self.import_path(file)?;
                    list_hash.update(rel.as_bytes());
                    list_hash.update(info.sha256.as_bytes());
                    tally.records += info.records;
                    tally.skipped += info.skipped;
                    tally.withdrawn += info.withdrawn;
                    // The nested source is recorded on its own too; keep one entry per
                    // top-level source instead.
                    self.pop_source();
                }
                _ => {}
            }
        }
        self.insert_batch(batch, &mut tally)?;
        if files.is_empty() {
            return Err(VulnDbError::Source {
                origin: location,
                reason: "no .json, .zip or .yaml files".into(),
            });
        }
        Ok(self.finish_source(
            location,
            "osv-dir",
            hex::encode(list_hash.finalize()),
            tally,
        ))
    }

    /// Parses a batch in parallel and stores it in order.
    fn insert_batch(
        &mut self,
        batch: Vec<(String, Vec<u8>)>,
        tally: &mut Tally,
    ) -> Result<(), VulnDbError> {
        let parsed: Vec<_> = batch
            .into_par_iter()
            .map(|(name, bytes)| {
                let r = from_osv(&bytes);
                (name, r)
            })
            .collect();
        for (name, result) in parsed {
            match result {
                Ok(Some((advisory, entries))) => {
                    if self.insert(&advisory, &entries)? != Inserted::Older {
                        tally.records += 1;
                    }
                }
                Ok(None) => tally.withdrawn += 1,
                Err(why) => tally.skip(&name, &why),
            }
        }
        Ok(())
    }

    fn finish_source(
        &mut self,
        location: String,
        kind: &str,
        sha256: String,
        tally: Tally,
    ) -> SourceInfo {
        if tally.skipped > 0 {
            let more =
                tally.skipped as usize - tally.skip_examples.len().min(tally.skipped as usize);
            let mut w = format!(
                "{location}: skipped {} malformed record(s): {}",
                tally.skipped,
                tally.skip_examples.join("; ")
            );
            if more > 0 {
                w.push_str(&format!("; and {more} more"));
            }
            self.warn(w);
        }
        let info = SourceInfo {
            location,
            kind: kind.to_string(),
            sha256,
            records: tally.records,
            skipped: tally.skipped,
            withdrawn: tally.withdrawn,
        };
        self.add_source(info.clone());
        info
    }
}

/// Collects regular files below `dir`, never following symlinks, to a sane depth.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), VulnDbError> {
    if depth > 16 {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(VulnDbError::io("cannot read", dir))?;
    for entry in entries {
        let entry = entry.map_err(VulnDbError::io("cannot read", dir))?;
        let kind = entry
            .file_type()
            .map_err(VulnDbError::io("cannot read", &entry.path()))?;
        if kind.is_dir() {
            walk(&entry.path(), out, depth + 1)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

/// True for a readable YAML file that looks like Alpine secdb.
fn is_secdb_file(path: &Path) -> bool {
    read_capped(path)
        .ok()
        .is_some_and(|b| secdb::looks_like_secdb(&String::from_utf8_lossy(&b)))
}

/// Reads a file of at most [`MAX_RECORD_BYTES`].
fn read_capped(path: &Path) -> Result<Vec<u8>, VulnDbError> {
    let file = std::fs::File::open(path).map_err(VulnDbError::io("cannot read", path))?;
    let mut bytes = Vec::new();
    file.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(VulnDbError::io("cannot read", path))?;
    if bytes.len() as u64 > MAX_RECORD_BYTES {
        return Err(VulnDbError::Limit {
            origin: path.display().to_string(),
            reason: "file larger than 64 MiB".into(),
        });
    }
    Ok(bytes)
}

pub(crate) fn sha256_file(path: &Path) -> Result<String, VulnDbError> {
    let mut file = std::fs::File::open(path).map_err(VulnDbError::io("cannot read", path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(VulnDbError::io("cannot read", path))?;
    Ok(hex::encode(hasher.finalize()))
}
