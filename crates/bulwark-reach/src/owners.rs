//! From loaded files to packages: a package is loaded when a file it owns (dpkg, apk and
//! rpm file lists, Python `RECORD`) is, compared by real path: the listed path's directory
//! is resolved in the merged view (dpkg lists `/lib/x86_64-linux-gnu/libc.so.6`, a
//! merged-/usr image stores it under `usr/lib/...`), the file name is kept (a package's own
//! symlink is not code). A language package recorded in a binary (`found_in` is the
//! executable, as for Go build info) is loaded when that binary is.

use std::collections::{HashMap, HashSet};

use bulwark_image::EntryKind;

use crate::{file_name, Context, Reachability, State};

/// The reachability of every inventory package, in inventory order.
pub(crate) fn attribute(cx: &Context<'_>, state: &State) -> Vec<Reachability> {
    let names: HashSet<&str> = state.loaded.keys().map(|p| file_name(p)).collect();
    let mut parents: HashMap<&str, Option<String>> = HashMap::new();
    let fallback = match state.gaps.first() {
        None => Reachability::NotLoaded,
        Some(reason) => Reachability::Unknown {
            reason: reason.clone(),
        },
    };
    cx.inventory
        .packages
        .iter()
        .map(|p| {
            // The package's loaded file with the shortest chain, the earliest loaded on ties.
            let mut best: Option<(usize, &Vec<String>, String)> = None;
            let mut consider = |real: String| {
                if let Some((seq, chain)) = state.loaded.get(&real) {
                    let better = best
                        .as_ref()
                        .is_none_or(|(s, c, _)| (chain.len(), *seq) < (c.len(), *s));
                    if better {
                        best = Some((*seq, chain, real));
                    }
                }
            };
            for f in &p.files {
                let relative = f.trim_start_matches('/');
                let (dir, name) = relative.rsplit_once('/').unwrap_or(("", relative));
                if !names.contains(name) {
                    continue;
                }
                let resolved = parents
                    .entry(dir)
                    .or_insert_with(|| cx.view.resolve(dir).ok());
                let Some(resolved) = resolved else { continue };
                let real = if resolved.is_empty() {
                    name.to_string()
                } else {
                    format!("{resolved}/{name}")
                };
                let is_symlink = cx
                    .view
                    .get(&real)
                    .is_some_and(|e| e.meta.kind == EntryKind::Symlink);
                if !is_symlink {
                    consider(real);
                }
            }
            if !p.kind.is_os() && names.contains(file_name(&p.found_in)) {
                if let Ok(real) = cx.view.resolve(&p.found_in) {
                    consider(real);
                }
            }
            match best {
                Some((_, chain, real)) => Reachability::Loaded {
                    chain: chain.clone(),
                    file: format!("/{real}"),
                },
                None => fallback.clone(),
            }
        })
        .collect()
}
