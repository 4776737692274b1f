//! The merged filesystem of an image: layers stacked with whiteouts applied, every path
//! knowing the layer it comes from. Metadata only; file contents are never held here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::layer::{EntryKind, EntryMeta};
use crate::ImageError;

/// Most symlinks followed while resolving one path (Linux's own limit).
const MAX_SYMLINKS: usize = 40;

/// One path of the merged filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedEntry {
    /// Index of the layer that last wrote this path.
    pub layer: usize,
    pub meta: EntryMeta,
}

/// The final filesystem of an image.
#[derive(Debug, Default, Clone)]
pub struct MergedView {
    files: BTreeMap<String, MergedEntry>,
}

impl MergedView {
    /// Stacks layer listings, bottom first. Within a layer, whiteouts apply to lower layers
    /// only, whatever their position in the tar.
    pub fn build<'a>(layers: impl IntoIterator<Item = &'a [EntryMeta]>) -> Self {
        let mut view = Self::default();
        for (index, entries) in layers.into_iter().enumerate() {
            view.push_layer(index, entries);
        }
        view
    }

    /// Applies one more layer on top.
    pub fn push_layer(&mut self, index: usize, entries: &[EntryMeta]) {
        if self.files.is_empty() && self.fill_empty(index, entries) {
            return;
        }
        for e in entries {
            match e.kind {
                EntryKind::Whiteout => {
                    self.files.remove(&e.path);
                    self.remove_children(&e.path);
                }
                EntryKind::OpaqueDir => self.remove_children(&e.path),
                _ => {}
            }
        }
        for e in entries {
            if matches!(e.kind, EntryKind::Whiteout | EntryKind::OpaqueDir) {
                continue;
            }
            // A non-directory replacing a directory hides everything below it.
            if e.kind != EntryKind::Dir
                && self
                    .files
                    .get(&e.path)
                    .is_some_and(|f| f.meta.kind == EntryKind::Dir)
            {
                self.remove_children(&e.path);
            }
            self.files.insert(
                e.path.clone(),
                MergedEntry {
                    layer: index,
                    meta: e.clone(),
                },
            );
        }
    }

    /// The first layer of an empty view, built in one pass: nothing lies below it for its
    /// whiteouts to hide, so unless it writes a path twice (then `false`, view unchanged),
    /// its entries are the view. A bulk build from sorted entries costs a fraction of
    /// inserting them one by one, and the base layer usually holds most of an image's paths.
    fn fill_empty(&mut self, index: usize, entries: &[EntryMeta]) -> bool {
        let kept = entries
            .iter()
            .filter(|e| !matches!(e.kind, EntryKind::Whiteout | EntryKind::OpaqueDir));
        let mut items: Vec<(String, MergedEntry)> = kept
            .map(|e| {
                let entry = MergedEntry {
                    layer: index,
                    meta: e.clone(),
                };
                (e.path.clone(), entry)
            })
            .collect();
        // Stable, and linear on the nearly sorted order of real layer tars.
        items.sort_by(|a, b| a.0.cmp(&b.0));
        if items.windows(2).any(|w| w[0].0 == w[1].0) {
            return false;
        }
        self.files = items.into_iter().collect();
        true
    }

    fn remove_children(&mut self, dir: &str) {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let doomed: Vec<String> = self
            .files
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            self.files.remove(&k);
        }
    }

    /// The entry at `path` (relative, normalised), without following symlinks.
    pub fn get(&self, path: &str) -> Option<&MergedEntry> {
        self.files.get(path.trim_start_matches('/'))
    }

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when the view holds no path.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// All entries in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &MergedEntry)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Resolves `path` through symlinks (in every component) the way the kernel would inside
    /// a chroot: absolute targets start at the image root and `..` never climbs above it.
    /// Returns the final path, which may not exist. Fails on loops.
    pub fn resolve(&self, path: &str) -> Result<String, ImageError> {
        let mut pending: Vec<String> = path
            .split('/')
            .filter(|p| !p.is_empty())
            .rev()
            .map(String::from)
            .collect();
        let mut resolved: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "." => continue,
                ".." => {
                    resolved.pop();
                    continue;
                }
                _ => {}
            }
            resolved.push(part);
            let current = resolved.join("/");
            if let Some(entry) = self.files.get(&current) {
                if entry.meta.kind == EntryKind::Symlink {
                    hops += 1;
                    if hops > MAX_SYMLINKS {
                        return Err(ImageError::Symlink {
                            path: path.to_string(),
                            reason: "too many levels of symbolic links (loop?)".into(),
                        });
                    }
                    let target = entry.meta.link.clone().unwrap_or_default();
                    resolved.pop();
                    if target.starts_with('/') {
                        resolved.clear();
                    }
                    pending.extend(
                        target
                            .split('/')
                            .filter(|p| !p.is_empty())
                            .rev()
                            .map(String::from),
                    );
                }
            }
        }
        Ok(resolved.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(path: &str, kind: EntryKind, link: Option<&str>) -> EntryMeta {
        EntryMeta {
            path: path.into(),
            kind,
            mode: 0o644,
            size: 0,
            uid: 0,
            gid: 0,
            link: link.map(String::from),
        }
    }

    #[test]
    fn whiteouts_and_opaque_dirs_hide_lower_layers() {
        let l0 = vec![
            e("app", EntryKind::Dir, None),
            e("app/key", EntryKind::File, None),
            e("app/x", EntryKind::File, None),
            e("usr/lib/a", EntryKind::File, None),
            e("usr/lib/b", EntryKind::File, None),
        ];
        let l1 = vec![
            e("usr/lib/c", EntryKind::File, None),
            e("usr/lib", EntryKind::OpaqueDir, None),
            e("app/key", EntryKind::Whiteout, None),
        ];
        let v = MergedView::build([l0.as_slice(), l1.as_slice()]);
        assert!(v.get("app/key").is_none());
        assert_eq!(v.get("app/x").unwrap().layer, 0);
        assert!(v.get("usr/lib/a").is_none());
        assert_eq!(v.get("usr/lib/c").unwrap().layer, 1);
    }

    /// The one-by-one stacking of `layers` onto a view that is never empty, as a reference
    /// for the bulk build of the first layer.
    fn stacked_one_by_one(layers: &[&[EntryMeta]]) -> Vec<(String, MergedEntry)> {
        let mut v = MergedView::default();
        let seed = e("\u{10ffff}seed", EntryKind::File, None);
        v.files.insert(
            seed.path.clone(),
            MergedEntry {
                layer: 99,
                meta: seed.clone(),
            },
        );
        for (index, entries) in layers.iter().enumerate() {
            v.push_layer(index, entries);
        }
        v.files.remove(&seed.path);
        v.files.into_iter().collect()
    }

    #[test]
    fn the_first_layer_is_built_in_bulk_as_if_stacked_one_by_one() {
        // Out of order, with a whiteout and an opaque marker that hide nothing below.
        let l0 = vec![
            e("usr/lib/b", EntryKind::File, None),
            e("usr", EntryKind::Dir, None),
            e("etc/.wh.gone", EntryKind::File, None),
            e("etc/gone", EntryKind::Whiteout, None),
            e("usr/lib", EntryKind::OpaqueDir, None),
            e("usr/lib/a", EntryKind::Symlink, Some("b")),
        ];
        let l1 = vec![e("usr/lib/c", EntryKind::File, None)];
        let bulk: Vec<(String, MergedEntry)> = MergedView::build([l0.as_slice(), l1.as_slice()])
            .files
            .into_iter()
            .collect();
        assert_eq!(bulk, stacked_one_by_one(&[&l0, &l1]));
        assert_eq!(
            bulk.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
            ["etc/.wh.gone", "usr", "usr/lib/a", "usr/lib/b", "usr/lib/c"]
        );
    }

    #[test]
    fn a_first_layer_that_writes_a_path_twice_is_stacked_one_by_one() {
        // The second `app` replaces a directory: what was below it goes, and the later
        // `app/late` is written on top again.
        let l0 = vec![
            e("app", EntryKind::Dir, None),
            e("app/early", EntryKind::File, None),
            e("app", EntryKind::File, None),
            e("app/late", EntryKind::File, None),
        ];
        let v = MergedView::build([l0.as_slice()]);
        assert_eq!(v.get("app").unwrap().meta.kind, EntryKind::File);
        assert!(v.get("app/early").is_none());
        assert!(v.get("app/late").is_some());
        let bulk: Vec<(String, MergedEntry)> = v.files.into_iter().collect();
        assert_eq!(bulk, stacked_one_by_one(&[&l0]));
    }

    #[test]
    fn resolves_symlinks_inside_the_root_and_detects_loops() {
        let l0 = vec![
            e(
                "etc/os-release",
                EntryKind::Symlink,
                Some("../usr/lib/os-release"),
            ),
            e("usr/lib/os-release", EntryKind::File, None),
            e("lib", EntryKind::Symlink, Some("usr/lib")),
            e("escape", EntryKind::Symlink, Some("../../../../etc/shadow")),
            e("loop1", EntryKind::Symlink, Some("loop2")),
            e("loop2", EntryKind::Symlink, Some("/loop1")),
        ];
        let v = MergedView::build([l0.as_slice()]);
        assert_eq!(v.resolve("etc/os-release").unwrap(), "usr/lib/os-release");
        assert_eq!(v.resolve("/lib/os-release").unwrap(), "usr/lib/os-release");
        assert_eq!(v.resolve("escape").unwrap(), "etc/shadow");
        assert!(matches!(
            v.resolve("loop1"),
            Err(ImageError::Symlink { .. })
        ));
    }
}
