//! Merging per-layer facts into one inventory: the topmost surviving copy of each file
//! wins, and each package is attributed to the lowest layer that already had it at the
//! same version.
//!
//! Each package is counted once:
//! - a lockfile entry ([`Fact::LockedPackages`]) is dropped when the same package (kind,
//!   [`normalized_name`], version) is installed below the lockfile's project directory;
//! - a language package whose manifest (`found_in`) is a file of an OS package is dropped:
//!   the OS package manager installed it (Debian's `python3-yaml` ships
//!   `PyYAML-*.egg-info`), and the OS package already stands for it.
//!
//! Warnings ([`Fact::Warning`]) of surviving files go to [`Inventory::warnings`].

use std::collections::{HashMap, HashSet};

use bulwark_image::MergedView;

use crate::analyzer::Fact;
use crate::scan::LayerFacts;
use crate::{normalized_name, Inventory, LayerRef, OsInfo, Package, PackageKind};

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
    // Lockfile entries with their project directory.
    let mut locked: Vec<(&str, Package)> = Vec::new();
    let mut owned: HashMap<&str, &[String]> = HashMap::new();
    let mut deb_licenses: HashMap<&str, &[String]> = HashMap::new();
    let mut package_files: HashMap<&str, &[String]> = HashMap::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut code = crate::CodeFacts::default();
    let mut config_files: Vec<crate::ConfigFile> = Vec::new();
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
                Fact::PackageLicenses { package, licenses } => {
                    deb_licenses.insert(package.as_str(), licenses.as_slice());
                }
                Fact::LockedPackages {
                    project_dir,
                    packages: list,
                } => locked.extend(list.iter().map(|p| (project_dir.as_str(), p.clone()))),
                Fact::PackageFiles {
                    metadata_dir,
                    files,
                } => {
                    package_files.insert(metadata_dir.as_str(), files.as_slice());
                }
                Fact::Warning(w) => warnings.push(w.clone()),
                Fact::ConfigFile(text) => config_files.push(crate::ConfigFile {
                    path: format!("/{}", ff.path),
                    layer: view.get(&ff.path).map(|e| e.layer),
                    text: text.clone(),
                }),
                Fact::Elf(_) | Fact::Script(_) | Fact::LoaderConfig(_) | Fact::PythonImports(_) => {
                    code.record(&ff.path, fact)
                }
                // Secrets count in every layer, not only surviving files: see secrets.rs.
                Fact::Secrets(_) | Fact::SecretsSkipped(_) => {}
            }
        }
    }

    // Where each (database, name, version) first appeared, bottom up.
    let mut first_seen: HashMap<(&str, &str, &str, Option<&str>), usize> = HashMap::new();
    for (index, layer) in layers.iter().enumerate() {
        for ff in &layer.facts {
            for fact in &ff.facts {
                let list = match fact {
                    Fact::Packages(list) | Fact::LockedPackages { packages: list, .. } => list,
                    _ => continue,
                };
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
    for p in packages.iter_mut().chain(locked.iter_mut().map(|(_, p)| p)) {
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
        if p.kind == PackageKind::Deb && p.licenses.is_empty() {
            if let Some(licenses) = deb_package_licenses(p, &deb_licenses, &view) {
                p.licenses = licenses.to_vec();
            }
        }
        if !p.kind.is_os() && p.files.is_empty() {
            let metadata_dir = p.found_in.rsplit_once('/').map_or("", |(dir, _)| dir);
            if let Some(files) = package_files.get(metadata_dir) {
                p.files = files.to_vec();
            }
        }
    }

    // Installed language packages by identity, with where each copy was found.
    let mut installed: HashMap<(PackageKind, String, &str), Vec<&str>> = HashMap::new();
    for p in packages.iter().filter(|p| !p.kind.is_os()) {
        installed
            .entry((p.kind, normalized_name(p.kind, &p.name), p.version.as_str()))
            .or_default()
            .push(p.found_in.as_str());
    }
    let locked: Vec<Package> = locked
        .into_iter()
        .filter(|(project_dir, p)| {
            let key = (p.kind, normalized_name(p.kind, &p.name), p.version.as_str());
            !installed
                .get(&key)
                .is_some_and(|found| found.iter().any(|f| is_under(project_dir, f)))
        })
        .map(|(_, p)| p)
        .collect();
    packages.extend(locked);
    drop_os_owned(&mut packages, &view);
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
        warnings,
        file_layers: Default::default(),
        code,
        config_files,
    };
    (inventory, view)
}

/// Fills [`Inventory::file_layers`]: for each non-directory file the packages own, the
/// layer that wrote its surviving copy in `view`. Looked up through symlinked parent
/// directories (dpkg lists `/bin/bash`; a merged-/usr image stores `usr/bin/bash` behind the
/// `bin -> usr/bin` link); the file itself is not followed, a package's symlink is its own
/// entry. Separate from [`merge`] because only `--list-files` output needs it.
pub fn attach_file_layers(inventory: &mut Inventory, view: &MergedView) {
    let mut parents: HashMap<&str, Option<String>> = HashMap::new();
    let mut found = std::collections::BTreeMap::new();
    for path in inventory.packages.iter().flat_map(|p| &p.files) {
        let relative = path.trim_start_matches('/');
        let (parent, name) = relative.rsplit_once('/').unwrap_or(("", relative));
        let resolved = parents
            .entry(parent)
            .or_insert_with(|| view.resolve(parent).ok());
        let Some(resolved) = resolved else { continue };
        let entry = if resolved.is_empty() {
            view.get(name)
        } else {
            view.get(&format!("{resolved}/{name}"))
        };
        if let Some(entry) = entry.filter(|e| e.meta.kind != bulwark_image::EntryKind::Dir) {
            found.insert(path.clone(), entry.layer);
        }
    }
    inventory.file_layers = found;
}

/// The licenses of the copyright file of the Debian package `p`: by `name:arch`, by name,
/// or through a symlinked doc directory (`usr/share/doc/libgcc-s1 -> gcc-12-base`), the
/// way Syft reaches `/usr/share/doc/<name>/copyright`.
fn deb_package_licenses<'a>(
    p: &Package,
    licenses: &HashMap<&str, &'a [String]>,
    view: &MergedView,
) -> Option<&'a [String]> {
    if licenses.is_empty() {
        return None;
    }
    let qualified = p.arch.as_ref().map(|a| format!("{}:{a}", p.name));
    if let Some(found) = qualified
        .as_deref()
        .and_then(|q| licenses.get(q))
        .or_else(|| licenses.get(p.name.as_str()))
    {
        return Some(found);
    }
    let resolved = view
        .resolve(&format!("usr/share/doc/{}/copyright", p.name))
        .ok()?;
    let name = resolved
        .strip_prefix("usr/share/doc/")?
        .strip_suffix("/copyright")?;
    licenses.get(name).copied()
}

/// True if the absolute `path` lies below the absolute directory `dir`.
fn is_under(dir: &str, path: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| dir.ends_with('/') || rest.starts_with('/'))
}

/// The last component of a path.
fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Removes the language packages whose `found_in` file belongs to an OS package. Paths are
/// compared as written and, for OS files that could be such a manifest (same file name),
/// also with symlinks resolved in the merged view: package lists name paths like
/// `/lib/...` that a merged-/usr image stores under `usr/lib/...`.
fn drop_os_owned(packages: &mut Vec<Package>, view: &MergedView) {
    if packages.iter().all(|p| p.kind.is_os()) {
        return;
    }
    let os_files: HashSet<&str> = packages
        .iter()
        .filter(|p| p.kind.is_os())
        .flat_map(|p| p.files.iter().map(String::as_str))
        .collect();
    let manifest_names: HashSet<&str> = packages
        .iter()
        .filter(|p| !p.kind.is_os())
        .map(|p| file_name(&p.found_in))
        .collect();
    let os_files_resolved: HashSet<String> = os_files
        .iter()
        .filter(|f| manifest_names.contains(file_name(f)))
        .filter_map(|f| view.resolve(f).ok())
        .collect();
    let doomed: Vec<bool> = packages
        .iter()
        .map(|p| {
            !p.kind.is_os()
                && (os_files.contains(p.found_in.as_str())
                    || (!os_files_resolved.is_empty()
                        && view
                            .resolve(&p.found_in)
                            .is_ok_and(|r| os_files_resolved.contains(&r))))
        })
        .collect();
    let mut doomed = doomed.into_iter();
    packages.retain(|_| !doomed.next().unwrap_or(false));
}

#[cfg(test)]
mod tests {
    use bulwark_image::{EntryKind, EntryMeta};

    use super::*;
    use crate::analyzer::AnalyzerKind;
    use crate::scan::FileFacts;

    fn entry(path: &str, kind: EntryKind, link: Option<&str>) -> EntryMeta {
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

    /// A layer holding `files` (relative paths) whose facts are `facts`, plus `extra`
    /// entries (symlinks, whiteouts, files without facts).
    fn layer(facts: Vec<(&str, Vec<Fact>)>, extra: Vec<EntryMeta>) -> LayerFacts {
        let mut entries: Vec<EntryMeta> = facts
            .iter()
            .map(|(path, _)| entry(path, EntryKind::File, None))
            .collect();
        entries.extend(extra);
        LayerFacts {
            entries,
            facts: facts
                .into_iter()
                .map(|(path, facts)| FileFacts {
                    path: path.into(),
                    analyzer: AnalyzerKind::Python,
                    facts,
                })
                .collect(),
        }
    }

    fn pkg(kind: PackageKind, name: &str, version: &str, found_in: &str) -> Package {
        Package::new(kind, name, version, found_in)
    }

    fn ids(inv: &Inventory) -> Vec<(PackageKind, &str, &str, &str)> {
        inv.packages
            .iter()
            .map(|p| {
                (
                    p.kind,
                    p.name.as_str(),
                    p.version.as_str(),
                    p.found_in.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn language_packages_owned_by_os_packages_are_dropped() {
        let egg = "usr/lib/python3/dist-packages/PyYAML-6.0.egg-info/PKG-INFO";
        let six = "usr/lib/python3/dist-packages/six-1.16.0.egg-info";
        let app = "app/site-packages/pyyaml-5.3.dist-info/METADATA";
        let mut deb = pkg(
            PackageKind::Deb,
            "python3-yaml",
            "6.0-3",
            "/var/lib/dpkg/status",
        );
        deb.arch = Some("amd64".into());
        let deb_six = pkg(
            PackageKind::Deb,
            "python3-six",
            "1.16.0-4",
            "/var/lib/dpkg/status",
        );
        let base = layer(
            vec![
                (
                    "var/lib/dpkg/status",
                    vec![Fact::Packages(vec![deb, deb_six])],
                ),
                (
                    "var/lib/dpkg/info/python3-yaml:amd64.list",
                    vec![Fact::OwnedFiles {
                        package: "python3-yaml:amd64".into(),
                        files: vec![
                            "/usr/lib/python3/dist-packages/PyYAML-6.0.egg-info".into(),
                            format!("/{egg}"),
                        ],
                    }],
                ),
                (
                    // Listed under /lib, stored under usr/lib: merged /usr.
                    "var/lib/dpkg/info/python3-six.list",
                    vec![Fact::OwnedFiles {
                        package: "python3-six".into(),
                        files: vec!["/lib/python3/dist-packages/six-1.16.0.egg-info".into()],
                    }],
                ),
                (
                    egg,
                    vec![Fact::Packages(vec![pkg(
                        PackageKind::Python,
                        "PyYAML",
                        "6.0",
                        &format!("/{egg}"),
                    )])],
                ),
                (
                    six,
                    vec![Fact::Packages(vec![pkg(
                        PackageKind::Python,
                        "six",
                        "1.16.0",
                        &format!("/{six}"),
                    )])],
                ),
            ],
            vec![entry("lib", EntryKind::Symlink, Some("usr/lib"))],
        );
        let top = layer(
            vec![(
                app,
                vec![Fact::Packages(vec![pkg(
                    PackageKind::Python,
                    "PyYAML",
                    "5.3",
                    &format!("/{app}"),
                )])],
            )],
            vec![],
        );
        let (inv, _) = merge(&[base, top], &[None, None]);
        assert_eq!(
            ids(&inv),
            vec![
                (
                    PackageKind::Deb,
                    "python3-six",
                    "1.16.0-4",
                    "/var/lib/dpkg/status"
                ),
                (
                    PackageKind::Deb,
                    "python3-yaml",
                    "6.0-3",
                    "/var/lib/dpkg/status"
                ),
                (
                    PackageKind::Python,
                    "PyYAML",
                    "5.3",
                    "/app/site-packages/pyyaml-5.3.dist-info/METADATA"
                ),
            ],
            "the Debian-installed copies count once, as Debian packages; pip's copy stays"
        );
        assert_eq!(inv.packages[2].layer.as_ref().map(|l| l.index), Some(1));
    }

    #[test]
    fn lockfile_entries_installed_under_the_project_count_once() {
        let lock = |dir: &str, packages: Vec<Package>| Fact::LockedPackages {
            project_dir: dir.into(),
            packages,
        };
        let lodash_lock = pkg(
            PackageKind::Npm,
            "lodash",
            "4.17.4",
            "/app/package-lock.json",
        );
        let left_pad = pkg(
            PackageKind::Npm,
            "left-pad",
            "1.3.0",
            "/app/package-lock.json",
        );
        let other = pkg(
            PackageKind::Npm,
            "lodash",
            "4.17.4",
            "/srv/package-lock.json",
        );
        let newer = pkg(
            PackageKind::Npm,
            "minimist",
            "1.2.8",
            "/app/package-lock.json",
        );
        // Matching is by normalised name: a Python lockfile's "pyyaml" is the installed "PyYAML".
        let py_lock = pkg(PackageKind::Python, "pyyaml", "5.3", "/app/poetry.lock");
        let layers = [layer(
            vec![
                (
                    "app/package-lock.json",
                    vec![lock("/app", vec![lodash_lock, left_pad, newer])],
                ),
                ("srv/package-lock.json", vec![lock("/srv", vec![other])]),
                ("app/poetry.lock", vec![lock("/app", vec![py_lock])]),
                (
                    "app/node_modules/lodash/package.json",
                    vec![Fact::Packages(vec![pkg(
                        PackageKind::Npm,
                        "lodash",
                        "4.17.4",
                        "/app/node_modules/lodash/package.json",
                    )])],
                ),
                (
                    "app/node_modules/minimist/package.json",
                    vec![Fact::Packages(vec![pkg(
                        PackageKind::Npm,
                        "minimist",
                        "0.0.8",
                        "/app/node_modules/minimist/package.json",
                    )])],
                ),
                (
                    "app/lib/pyyaml-5.3.dist-info/METADATA",
                    vec![Fact::Packages(vec![pkg(
                        PackageKind::Python,
                        "PyYAML",
                        "5.3",
                        "/app/lib/pyyaml-5.3.dist-info/METADATA",
                    )])],
                ),
            ],
            vec![],
        )];
        let (inv, _) = merge(&layers, &[Some("sha256:l0".into())]);
        assert_eq!(
            ids(&inv),
            vec![
                (
                    PackageKind::Python,
                    "PyYAML",
                    "5.3",
                    "/app/lib/pyyaml-5.3.dist-info/METADATA"
                ),
                (
                    PackageKind::Npm,
                    "left-pad",
                    "1.3.0",
                    "/app/package-lock.json"
                ),
                (
                    PackageKind::Npm,
                    "lodash",
                    "4.17.4",
                    "/app/node_modules/lodash/package.json"
                ),
                // Another project's lockfile: not installed under /srv.
                (
                    PackageKind::Npm,
                    "lodash",
                    "4.17.4",
                    "/srv/package-lock.json"
                ),
                // A different version from the installed one: both are reported.
                (
                    PackageKind::Npm,
                    "minimist",
                    "0.0.8",
                    "/app/node_modules/minimist/package.json"
                ),
                (
                    PackageKind::Npm,
                    "minimist",
                    "1.2.8",
                    "/app/package-lock.json"
                ),
            ]
        );
        assert!(inv
            .packages
            .iter()
            .all(|p| p.layer.as_ref().and_then(|l| l.diff_id.as_deref()) == Some("sha256:l0")));
    }

    #[test]
    fn record_files_attach_and_only_surviving_files_warn() {
        let meta = "app/sp/requests-2.19.1.dist-info/METADATA";
        let base = layer(
            vec![
                (
                    meta,
                    vec![Fact::Packages(vec![pkg(
                        PackageKind::Python,
                        "requests",
                        "2.19.1",
                        &format!("/{meta}"),
                    )])],
                ),
                (
                    "app/sp/requests-2.19.1.dist-info/RECORD",
                    vec![Fact::PackageFiles {
                        metadata_dir: "/app/sp/requests-2.19.1.dist-info".into(),
                        files: vec!["/app/sp/requests/api.py".into()],
                    }],
                ),
                (
                    "app/broken/Cargo.lock",
                    vec![Fact::Warning("/app/broken/Cargo.lock: skipped: bad".into())],
                ),
                (
                    "app/gone/package-lock.json",
                    vec![Fact::Warning(
                        "/app/gone/package-lock.json: skipped: bad".into(),
                    )],
                ),
            ],
            vec![],
        );
        let top = layer(vec![], vec![entry("app/gone", EntryKind::Whiteout, None)]);
        let (inv, _) = merge(&[base, top], &[None, None]);
        assert_eq!(inv.packages.len(), 1);
        assert_eq!(inv.packages[0].files, vec!["/app/sp/requests/api.py"]);
        assert_eq!(inv.warnings, vec!["/app/broken/Cargo.lock: skipped: bad"]);
    }

    #[test]
    fn copyright_licenses_attach_to_deb_packages_by_name() {
        let deb = |name: &str, arch: Option<&str>, licenses: &[&str]| {
            let mut p = pkg(PackageKind::Deb, name, "1", "/var/lib/dpkg/status");
            p.arch = arch.map(String::from);
            p.licenses = licenses.iter().map(|l| l.to_string()).collect();
            p
        };
        let lic = |package: &str, licenses: &[&str]| Fact::PackageLicenses {
            package: package.into(),
            licenses: licenses.iter().map(|l| l.to_string()).collect(),
        };
        let base = layer(
            vec![
                (
                    "var/lib/dpkg/status",
                    vec![Fact::Packages(vec![
                        deb("libc6", Some("amd64"), &[]),
                        deb("libc6", Some("i386"), &[]),
                        deb("own", None, &["MIT"]),
                        deb("libgcc-s1", Some("amd64"), &[]),
                        deb("nodoc", None, &[]),
                    ])],
                ),
                (
                    "usr/share/doc/libc6/copyright",
                    vec![lic("libc6", &["LGPL-2.1", "GPL-2"])],
                ),
                ("usr/share/doc/own/copyright", vec![lic("own", &["GPL-2"])]),
                (
                    "usr/share/doc/gcc-12-base/copyright",
                    vec![lic("gcc-12-base", &["GPL-3"])],
                ),
            ],
            vec![entry(
                "usr/share/doc/libgcc-s1",
                EntryKind::Symlink,
                Some("gcc-12-base"),
            )],
        );
        let (inv, _) = merge(&[base], &[None]);
        let got: Vec<(&str, Vec<&str>)> = inv
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.licenses.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("libc6", vec!["LGPL-2.1", "GPL-2"]),
                ("libc6", vec!["LGPL-2.1", "GPL-2"]),
                ("libgcc-s1", vec!["GPL-3"]),
                ("nodoc", vec![]),
                ("own", vec!["MIT"]),
            ]
        );
    }

    #[test]
    fn path_helpers() {
        assert!(is_under("/app", "/app/x/package.json"));
        assert!(!is_under("/app", "/application/package.json"));
        assert!(is_under("/", "/x"));
        assert_eq!(file_name("/a/b/METADATA"), "METADATA");
        assert_eq!(file_name("x"), "x");
    }
}
