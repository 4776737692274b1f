//! Merging per-layer facts into one inventory: the topmost surviving copy of each file
//! wins, and each package is attributed to the lowest layer that already had it at the
//! same version.

use std::collections::HashMap;

use bulwark_image::MergedView;

use crate::analyzer::Fact;
use crate::scan::LayerFacts;
use crate::{Inventory, LayerRef, OsInfo, Package, PackageKind};

/// Builds the inventory and the merged view from the layers, bottom first. `diff_ids`
/// names each layer for [`LayerRef`].
pub fn merge(layers: &[LayerFacts], diff_ids: &[Option<String>]) -> (Inventory, MergedView) {
    let view = MergedView::build(layers.iter().map(|l| l.entries.as_slice()));
    let layer_ref = |index: usize| LayerRef {
        index,
        diff_id: diff_ids.get(index).cloned().flatten(),
    };
    // The facts of files that survive in the final filesystem, from the layer that wrote them.
    let surviving = layers.iter().enumerate().flat_map(|(index, layer)| {
        let view = &view;
        layer
            .facts
            .iter()
            .filter(move |ff| view.get(&ff.path).is_some_and(|e| e.layer == index))
    });

    let mut os: Option<(u8, String, OsInfo)> = None;
    let mut packages: Vec<Package> = Vec::new();
    let mut owned: HashMap<&str, &[String]> = HashMap::new();
    for ff in surviving {
        for fact in &ff.facts {
            match fact {
                Fact::Os { info, priority } => {
                    let better = match &os {
                        None => true,
                        Some((p, path, _)) => {
                            *priority > *p || (*priority == *p && ff.path < *path)
                        }
                    };
                    if better {
                        os = Some((*priority, ff.path.clone(), info.clone()));
                    }
                }
                Fact::Packages(list) => packages.extend(list.iter().cloned()),
                Fact::OwnedFiles { package, files } => {
                    owned.insert(package.as_str(), files.as_slice());
                }
            }
        }
    }

    // Where each (database, name, version) first appeared, bottom up.
    let mut first_seen: HashMap<(&str, &str, &str, Option<&str>), usize> = HashMap::new();
    for (index, layer) in layers.iter().enumerate() {
        for ff in &layer.facts {
            for fact in &ff.facts {
                if let Fact::Packages(list) = fact {
                    for p in list {
                        first_seen
                            .entry((
                                p.found_in.as_str(),
                                p.name.as_str(),
                                p.version.as_str(),
                                p.arch.as_deref(),
                            ))
                            .or_insert(index);
                    }
                }
            }
        }
    }
    for p in &mut packages {
        if let Some(&index) = first_seen.get(&(
            p.found_in.as_str(),
            p.name.as_str(),
            p.version.as_str(),
            p.arch.as_deref(),
        )) {
            p.layer = Some(layer_ref(index));
        }
        if p.kind == PackageKind::Deb && p.files.is_empty() {
            let qualified = p.arch.as_ref().map(|a| format!("{}:{a}", p.name));
            let files = qualified
                .as_deref()
                .and_then(|q| owned.get(q))
                .or_else(|| owned.get(p.name.as_str()));
            if let Some(files) = files {
                p.files = files.to_vec();
            }
        }
    }
    packages.sort_by(|a, b| {
        (a.kind, &a.name, &a.version, &a.arch, &a.found_in).cmp(&(
            b.kind,
            &b.name,
            &b.version,
            &b.arch,
            &b.found_in,
        ))
    });
    let inventory = Inventory {
        os: os.map(|(_, _, info)| info),
        packages,
        warnings: Vec::new(),
    };
    (inventory, view)
}
