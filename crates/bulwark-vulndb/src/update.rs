//! `bulwark db update`: fetch osv.dev's per-ecosystem exports (or a mirror of them) and
//! build a new database from them.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::builder::DbBuilder;
use crate::store::DbMeta;
use crate::VulnDbError;

/// osv.dev's public export bucket.
pub const DEFAULT_SOURCE: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// The ecosystems containers carry: OS distributions and language package managers.
pub const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "Debian",
    "Ubuntu",
    "Alpine",
    "Wolfi",
    "Red Hat",
    "Rocky Linux",
    "AlmaLinux",
    "PyPI",
    "npm",
    "crates.io",
    "Go",
    "Maven",
    "RubyGems",
    "Packagist",
    "NuGet",
];

/// Largest archive downloaded for one ecosystem.
pub const MAX_DOWNLOAD_BYTES: u64 = 8 << 30;

/// Where `update` reads from and what.
#[derive(Debug, Clone)]
pub struct UpdateOptions {
    /// Base URL (`https://`, `http://`, `file://`) or local directory holding
    /// `<ECOSYSTEM>/all.zip`.
    pub source: String,
    /// Ecosystem directory names to fetch.
    pub ecosystems: Vec<String>,
    /// Extra files or directories to import after the ecosystems (e.g. Alpine secdb).
    pub extra: Vec<PathBuf>,
}

impl Default for UpdateOptions {
    fn default() -> Self {
        Self {
            source: DEFAULT_SOURCE.to_string(),
            ecosystems: DEFAULT_ECOSYSTEMS.iter().map(|s| s.to_string()).collect(),
            extra: Vec::new(),
        }
    }
}

/// The new database's metadata and what went wrong on the way without stopping it.
#[derive(Debug, Clone)]
pub struct UpdateOutcome {
    /// Metadata of the database now live.
    pub meta: DbMeta,
    /// Missing ecosystems, skipped records.
    pub warnings: Vec<String>,
}

/// Builds a new database at `db_path` from `opts` and swaps it in atomically. Ecosystems
/// the source lacks are warnings; if none could be read at all the old database stays.
pub fn update(db_path: &Path, opts: &UpdateOptions) -> Result<UpdateOutcome, VulnDbError> {
    let mut builder = DbBuilder::create(db_path)?;
    let mut missing = Vec::new();
    let mut imported = 0;
    let remote = opts.source.starts_with("http://") || opts.source.starts_with("https://");
    let client = if remote { Some(http_client()?) } else { None };
    for eco in &opts.ecosystems {
        let found = match &client {
            Some(client) => {
                let url = format!(
                    "{}/{}/all.zip",
                    opts.source.trim_end_matches('/'),
                    encode_segment(eco)
                );
                match download(client, &url, db_path)? {
                    Some((file, sha)) => {
                        builder.import_zip(file, &url, sha)?;
                        true
                    }
                    None => false,
                }
            }
            None => {
                let base = opts.source.strip_prefix("file://").unwrap_or(&opts.source);
                let zip = Path::new(base).join(eco).join("all.zip");
                if zip.is_file() {
                    builder.import_path(&zip)?;
                    true
                } else {
                    false
                }
            }
        };
        if found {
            imported += 1;
        } else {
            missing.push(eco.clone());
        }
    }
    for path in &opts.extra {
        builder.import_path(path)?;
        imported += 1;
    }
    let mut warnings = builder.warnings().to_vec();
    if !missing.is_empty() {
        warnings.insert(
            0,
            format!("{} has no export for: {}", opts.source, missing.join(", ")),
        );
    }
    if imported == 0 {
        return Err(VulnDbError::NothingImported(format!(
            "{} has none of the requested ecosystems ({})",
            opts.source,
            opts.ecosystems.join(", ")
        )));
    }
    let meta = builder.finish()?;
    Ok(UpdateOutcome { meta, warnings })
}

/// Imports exactly `paths` into a new database at `db_path` and swaps it in atomically.
pub fn import(db_path: &Path, paths: &[PathBuf]) -> Result<UpdateOutcome, VulnDbError> {
    let mut builder = DbBuilder::create(db_path)?;
    for path in paths {
        builder.import_path(path)?;
    }
    let warnings = builder.warnings().to_vec();
    let meta = builder.finish()?;
    Ok(UpdateOutcome { meta, warnings })
}

fn http_client() -> Result<reqwest::blocking::Client, VulnDbError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .user_agent(concat!("bulwark/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(30 * 60))
        .build()
        .map_err(|e| VulnDbError::Download {
            url: "(client setup)".into(),
            source: Box::new(e),
        })
}

/// Downloads `url` into an anonymous temporary file beside the database; `None` on 404.
fn download(
    client: &reqwest::blocking::Client,
    url: &str,
    db_path: &Path,
) -> Result<Option<(std::fs::File, String)>, VulnDbError> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| VulnDbError::Download {
        url: url.to_string(),
        source: e,
    };
    let mut resp = client.get(url).send().map_err(|e| fail(Box::new(e)))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::FORBIDDEN {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(fail(format!("HTTP {status}").into()));
    }
    let dir = db_path.parent().unwrap_or(Path::new("."));
    // Unnamed: it disappears when closed, even after a crash.
    let mut file = tempfile::tempfile_in(dir)
        .map_err(VulnDbError::io("cannot create a download file in", dir))?;
    let mut hasher = Sha256::new();
    let mut written: u64 = 0;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut resp, &mut buf).map_err(|e| fail(Box::new(e)))?;
        if n == 0 {
            break;
        }
        written += n as u64;
        if written > MAX_DOWNLOAD_BYTES {
            return Err(VulnDbError::Limit {
                origin: url.to_string(),
                reason: format!("download larger than {MAX_DOWNLOAD_BYTES} bytes"),
            });
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])
            .map_err(VulnDbError::io("cannot write a download into", dir))?;
    }
    file.seek(SeekFrom::Start(0))
        .map_err(VulnDbError::io("cannot read", dir))?;
    Ok(Some((file, hex::encode(hasher.finalize()))))
}

/// Percent-encodes one URL path segment (`Red Hat` → `Red%20Hat`).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes_segments() {
        assert_eq!(super::encode_segment("Red Hat"), "Red%20Hat");
        assert_eq!(super::encode_segment("crates.io"), "crates.io");
    }
}
