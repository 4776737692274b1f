//! Random access to the named files of an image on disk — a directory (OCI layout) or a tar
//! (docker-archive, OCI archive) indexed once by its headers — without extracting anything.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::layer::normalize_entry_path;
use crate::ImageError;

/// Largest manifest, index or config we read into memory.
pub(crate) const MAX_JSON_BYTES: u64 = 16 << 20;

/// The files of an image, by their path inside the layout or archive.
pub(crate) enum BlobStore {
    Dir(PathBuf),
    Tar {
        path: PathBuf,
        index: HashMap<String, Member>,
    },
}

/// Where a member's content sits in the tar.
#[derive(Clone, Copy)]
pub(crate) struct Member {
    offset: u64,
    size: u64,
}

impl BlobStore {
    /// Indexes a tar archive by scanning its headers (content is skipped, not read).
    pub(crate) fn open_tar(path: &Path) -> Result<Self, ImageError> {
        let file = File::open(path).map_err(|e| ImageError::io(path, e))?;
        let mut archive = tar::Archive::new(file);
        let mut index = HashMap::new();
        let mut links = Vec::new();
        let label = path.display().to_string();
        let entries = archive
            .entries_with_seek()
            .map_err(|e| ImageError::stream(format!("{label}: not a tar archive"), e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| ImageError::stream(format!("{label}: corrupt tar"), e))?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(name) = normalize_entry_path(&raw, &label)? else {
                continue;
            };
            match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    index.insert(
                        name,
                        Member {
                            offset: entry.raw_file_position(),
                            size: entry.size(),
                        },
                    );
                }
                tar::EntryType::Symlink | tar::EntryType::Link => {
                    if let Some(target) = entry.link_name_bytes() {
                        links.push((
                            name,
                            entry.header().entry_type(),
                            String::from_utf8_lossy(&target).into_owned(),
                        ));
                    }
                }
                _ => {}
            }
        }
        // Newer `docker save` writes `<id>/layer.tar` as symlinks to `blobs/sha256/<hex>`.
        for (name, kind, target) in links {
            let resolved = if kind == tar::EntryType::Symlink {
                let dir = name.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                join_within(dir, &target)
            } else {
                normalize_entry_path(&target, &label).ok().flatten()
            };
            if let Some(member) = resolved.and_then(|t| index.get(&t).copied()) {
                index.insert(name, member);
            }
        }
        Ok(Self::Tar {
            path: path.to_path_buf(),
            index,
        })
    }

    /// True if the store has a file with this name.
    pub(crate) fn contains(&self, name: &str) -> bool {
        match self {
            Self::Dir(root) => safe_join(root, name).is_some_and(|p| p.is_file()),
            Self::Tar { index, .. } => index.contains_key(name),
        }
    }

    /// The size of a file of the store, when it has one.
    pub(crate) fn size(&self, name: &str) -> Option<u64> {
        match self {
            Self::Dir(root) => safe_join(root, name)
                .and_then(|p| std::fs::metadata(p).ok())
                .filter(|m| m.is_file())
                .map(|m| m.len()),
            Self::Tar { index, .. } => index.get(name).map(|m| m.size),
        }
    }

    /// Opens a member for streaming.
    pub(crate) fn open(&self, name: &str) -> Result<Box<dyn Read + Send>, ImageError> {
        match self {
            Self::Dir(root) => {
                let path = safe_join(root, name).ok_or_else(|| ImageError::MissingBlob {
                    digest: name.to_string(),
                    what: "unsafe path".into(),
                })?;
                match File::open(&path) {
                    Ok(f) => Ok(Box::new(f)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        Err(ImageError::MissingBlob {
                            digest: name.to_string(),
                            what: format!("not found in {}", root.display()),
                        })
                    }
                    Err(e) => Err(ImageError::io(path, e)),
                }
            }
            Self::Tar { path, index } => {
                let member = index.get(name).ok_or_else(|| ImageError::MissingBlob {
                    digest: name.to_string(),
                    what: format!("not in archive {}", path.display()),
                })?;
                let mut f = File::open(path).map_err(|e| ImageError::io(path, e))?;
                f.seek(SeekFrom::Start(member.offset))
                    .map_err(|e| ImageError::io(path, e))?;
                Ok(Box::new(f.take(member.size)))
            }
        }
    }

    /// Reads a small member (manifest, index, config) whole, refusing oversized ones.
    pub(crate) fn read_small(&self, name: &str, what: &str) -> Result<Vec<u8>, ImageError> {
        let mut buf = Vec::new();
        self.open(name)?
            .take(MAX_JSON_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ImageError::stream(format!("reading {what} {name}"), e))?;
        if buf.len() as u64 > MAX_JSON_BYTES {
            return Err(ImageError::TooLarge {
                what: format!("{what} {name}"),
                limit: MAX_JSON_BYTES,
                flag: "(fixed)",
            });
        }
        Ok(buf)
    }
}

/// Joins a relative name under `root`, refusing `..`, absolute names and symlinked components.
fn safe_join(root: &Path, name: &str) -> Option<PathBuf> {
    let clean = normalize_entry_path(name, "").ok()??;
    let mut path = root.to_path_buf();
    for part in clean.split('/') {
        path.push(part);
        // A missing component is not unsafe: the caller reports it as not found.
        if path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            return None;
        }
    }
    Some(path)
}

/// Resolves a relative symlink target against `dir` inside an archive; `None` if it escapes.
fn join_within(dir: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        dir.split('/').filter(|p| !p.is_empty()).collect()
    };
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}
