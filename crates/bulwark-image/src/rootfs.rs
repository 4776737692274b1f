//! A root filesystem directory walked like a single layer: symlinks are recorded, never
//! followed, so nothing outside the root is ever read.

use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::layer::{EntryKind, EntryMeta, EntryVisitor};
use crate::{ImageError, Limits};

/// Walks `root` depth-first in name order, calling `visitor` for every entry. Special
/// files are reported as `Other` and never opened; other file systems are not skipped.
pub fn walk_rootfs(
    root: &Path,
    limits: &Limits,
    visitor: &mut dyn EntryVisitor,
) -> Result<u64, ImageError> {
    let meta = fs::symlink_metadata(root).map_err(|e| ImageError::io(root, e))?;
    if !meta.is_dir() {
        return Err(ImageError::Target {
            target: root.display().to_string(),
            reason: "not a directory".into(),
        });
    }
    let mut count = 0u64;
    let mut stack: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let mut children: Vec<_> = match fs::read_dir(&dir) {
            Ok(rd) => rd.filter_map(Result::ok).collect(),
            // An unreadable directory is skipped, as `find` would; its name says where.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => continue,
            Err(e) => return Err(ImageError::io(&dir, e)),
        };
        children.sort_by_key(|c| c.file_name());
        let mut subdirs = Vec::new();
        for child in children {
            let name = child.file_name().to_string_lossy().into_owned();
            let path = child.path();
            let rel_path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let md = match fs::symlink_metadata(&path) {
                Ok(md) => md,
                Err(_) => continue,
            };
            count += 1;
            if count > limits.max_entries {
                return Err(ImageError::TooLarge {
                    what: format!("{}: entry count", root.display()),
                    limit: limits.max_entries,
                    flag: "--max-entries",
                });
            }
            let ft = md.file_type();
            let (kind, link) = if ft.is_symlink() {
                let target = fs::read_link(&path).map_err(|e| ImageError::io(&path, e))?;
                (
                    EntryKind::Symlink,
                    Some(target.to_string_lossy().into_owned()),
                )
            } else if ft.is_dir() {
                (EntryKind::Dir, None)
            } else if ft.is_file() {
                (EntryKind::File, None)
            } else {
                (EntryKind::Other, None)
            };
            let entry = EntryMeta {
                path: rel_path.clone(),
                kind,
                mode: md.mode() & 0o7777,
                size: if kind == EntryKind::File { md.len() } else { 0 },
                uid: u64::from(md.uid()),
                gid: u64::from(md.gid()),
                link,
            };
            let mut content = LazyFile {
                path: if kind == EntryKind::File {
                    Some(path.clone())
                } else {
                    None
                },
                file: None,
                left: limits.max_file_bytes,
                limit: limits.max_file_bytes,
            };
            visitor.visit(&entry, &mut content)?;
            if kind == EntryKind::Dir {
                subdirs.push((path, rel_path));
            }
        }
        // Reverse so that popping visits in name order.
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(count)
}

/// Opens the file only if the visitor reads it; capped like layer entries.
struct LazyFile {
    path: Option<PathBuf>,
    file: Option<File>,
    left: u64,
    limit: u64,
}

impl Read for LazyFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let Some(path) = &self.path else { return Ok(0) };
        if self.file.is_none() {
            self.file = Some(File::open(path)?);
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(0);
        };
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match file.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(ImageError::TooLarge {
                    what: format!("file {}", path.display()),
                    limit: self.limit,
                    flag: "--max-file-size",
                })),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = file.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_out_of_root_are_recorded_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::write(dir.path().join("secret"), "outside").unwrap();
        std::os::unix::fs::symlink("../../secret", root.join("etc/escape")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("etc/abs")).unwrap();
        fs::write(root.join("etc/os-release"), "ID=test\n").unwrap();
        let mut seen = Vec::new();
        let mut v = |m: &EntryMeta, r: &mut dyn Read| {
            let data = crate::read_entry(r, &m.path)?;
            seen.push((m.path.clone(), m.kind, data));
            Ok(())
        };
        walk_rootfs(&root, &Limits::default(), &mut v).unwrap();
        let escape = seen.iter().find(|s| s.0 == "etc/escape").unwrap();
        assert_eq!(escape.1, EntryKind::Symlink);
        assert!(escape.2.is_empty(), "symlink content must not be read");
        let osr = seen.iter().find(|s| s.0 == "etc/os-release").unwrap();
        assert_eq!(osr.2, b"ID=test\n");
    }
}
