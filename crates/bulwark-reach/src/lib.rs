//! Entrypoint reachability: which of an image's packages its `ENTRYPOINT`/`CMD` loads.
//!
//! Sits between the inventory and the findings: [`analyze`] takes the [`Inventory`] (its
//! packages with their files, and the [`CodeFacts`] the ELF and Python import analyzers
//! recorded), the [`MergedView`] of the final filesystem and the image's runtime config, and
//! gives every package a [`Reachability`]:
//!
//! - **loaded**, with the shortest chain from the entrypoint (`python3.11 -> libexpat.so.1
//!   -> libexpat1`): a file the package owns is the program itself, its `PT_INTERP`, a library
//!   in its `DT_NEEDED` closure (found the way ld.so finds it: `DT_RPATH`, `LD_LIBRARY_PATH`,
//!   `DT_RUNPATH`, ld.so.conf, default directories, `$ORIGIN`), or a Python module it imports
//!   at start-up (and those modules' extension libraries);
//! - **not loaded**, only when the analysis is complete: a native program whose whole closure
//!   was read, started directly or by a simple `sh -c` command;
//! - **unknown**, with the reason, otherwise: an interpreter (Python, a shell, node, ...) may
//!   import or run anything at run time, a library could not be read, there is no entrypoint.
//!   Never a guess.
//!
//! Everything is resolved inside the image: symlinks through [`MergedView::resolve`], which
//! never leaves the image root. `dlopen` calls of native code are not seen; see
//! docs/REACHABILITY.md for the limits.

#![forbid(unsafe_code)]

mod entry;
mod loader;
mod owners;
mod python;

use std::collections::HashMap;

use bulwark_image::{EntryKind, MergedView, RuntimeConfig};
use bulwark_inventory::{CodeFacts, Inventory, PackageKind};
use serde::{Deserialize, Serialize};

/// Whether the image's entrypoint loads a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Reachability {
    /// The entrypoint loads `file`, which the package owns.
    Loaded {
        /// How: the program's path first, then each library name (`DT_NEEDED`, as written)
        /// or Python module that led to `file`. Shortest chain found.
        chain: Vec<String>,
        /// The package's file that is loaded (absolute path in the image).
        file: String,
    },
    /// The analysis followed everything the entrypoint loads, and no file of the package
    /// is among it.
    NotLoaded,
    /// The analysis cannot tell (interpreted entrypoint, unreadable library, no
    /// entrypoint); `reason` says why.
    Unknown {
        /// Why, in a few words.
        reason: String,
    },
}

impl Reachability {
    /// True for [`Reachability::Loaded`].
    pub fn is_loaded(&self) -> bool {
        matches!(self, Self::Loaded { .. })
    }

    /// True for [`Reachability::NotLoaded`]: what `--reachable-only` leaves out.
    pub fn is_not_loaded(&self) -> bool {
        matches!(self, Self::NotLoaded)
    }

    /// One line for reports: `loaded by entrypoint: python3.11 -> libssl.so.3 -> libssl3`
    /// (for the package named `package`), `not loaded`, or `unknown: REASON`.
    pub fn describe(&self, package: &str) -> String {
        match self {
            Self::Loaded { .. } => {
                format!(
                    "loaded by entrypoint: {} -> {package}",
                    self.chain_text().unwrap_or_default()
                )
            }
            Self::NotLoaded => "not loaded".to_string(),
            Self::Unknown { reason } => format!("unknown: {reason}"),
        }
    }
}

impl Reachability {
    /// The chain of a loaded package as shown, without the package: `python3.11 ->
    /// libssl.so.3` (paths by their file name). `None` unless loaded.
    pub fn chain_text(&self) -> Option<String> {
        match self {
            Self::Loaded { chain, .. } => Some(
                chain
                    .iter()
                    .map(|c| display_name(c))
                    .collect::<Vec<_>>()
                    .join(" -> "),
            ),
            _ => None,
        }
    }
}

/// A chain element as shown: paths by their file name, names as they are.
fn display_name(element: &str) -> &str {
    element.rsplit('/').next().unwrap_or(element)
}

/// The reachability of every package of an inventory, for one entrypoint.
#[derive(Debug, Clone, Default)]
pub struct ReachReport {
    /// The command the runtime starts: `ENTRYPOINT` followed by `CMD`, as Docker combines them.
    pub command: Vec<String>,
    /// The programs that were followed (absolute paths in the image), in order.
    pub programs: Vec<String>,
    /// One entry per inventory package, in inventory order.
    pub packages: Vec<Reachability>,
    /// Things worth knowing that are not errors: libraries not found (the program would not
    /// start), loader `include`s that match no readable file, modules not found.
    pub notes: Vec<String>,
    index: HashMap<(PackageKind, String, String, String), usize>,
}

impl ReachReport {
    /// The reachability of the package identified as findings identify packages (kind,
    /// name, version, where it was recorded).
    pub fn get(
        &self,
        kind: PackageKind,
        name: &str,
        version: &str,
        found_in: &str,
    ) -> Option<&Reachability> {
        let key = (
            kind,
            name.to_string(),
            version.to_string(),
            found_in.to_string(),
        );
        self.index.get(&key).and_then(|&i| self.packages.get(i))
    }
}

/// Decides, for every package of `inventory`, whether the entrypoint of `config` loads it
/// (see the crate docs). Pure: reads only its arguments; bounded in work by the size of the
/// image's code facts.
pub fn analyze(inventory: &Inventory, view: &MergedView, config: &RuntimeConfig) -> ReachReport {
    let cx = Context::new(inventory, view, config);
    let mut state = State::default();
    let command = entry::command(config);
    entry::run(&cx, &command, &mut state);
    let packages = owners::attribute(&cx, &state);
    let mut index = HashMap::new();
    for (i, p) in inventory.packages.iter().enumerate() {
        index
            .entry((
                p.kind,
                p.name.clone(),
                p.version.clone(),
                p.found_in.clone(),
            ))
            .or_insert(i);
    }
    ReachReport {
        command,
        programs: state.programs,
        packages,
        notes: state.notes,
        index,
    }
}

/// What the analysis reads: the filesystem, the code facts, the runtime environment.
pub(crate) struct Context<'a> {
    pub view: &'a MergedView,
    pub code: &'a CodeFacts,
    pub inventory: &'a Inventory,
    /// `Env` of the config, in order (later duplicates win on lookup).
    env: Vec<(String, String)>,
    /// The working directory, absolute.
    pub cwd: String,
}

/// `PATH` when the config sets none (what Docker and runc use).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl<'a> Context<'a> {
    fn new(inventory: &'a Inventory, view: &'a MergedView, config: &RuntimeConfig) -> Self {
        let env = config
            .env
            .iter()
            .flatten()
            .filter_map(|e| e.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let cwd = config
            .working_dir
            .as_deref()
            .filter(|d| d.starts_with('/'))
            .map(|d| format!("/{}", normalize(d)))
            .unwrap_or_else(|| "/".to_string());
        Self {
            view,
            code: &inventory.code,
            inventory,
            env,
            cwd,
        }
    }

    /// The value of environment variable `key` in the config.
    pub fn env(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The `PATH` directories.
    pub fn path_dirs(&self) -> Vec<&str> {
        self.env("PATH")
            .unwrap_or(DEFAULT_PATH)
            .split(':')
            .filter(|d| !d.is_empty())
            .collect()
    }

    /// `path` made absolute against the working directory.
    pub fn absolute(&self, path: &str) -> String {
        if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", self.cwd.trim_end_matches('/'))
        }
    }

    /// The real path (relative, symlinks resolved inside the image) of the regular file at
    /// `path` (absolute, or relative to the working directory); `None` when there is none
    /// or resolving loops. A hard link counts as the file it links to.
    pub fn regular_file(&self, path: &str) -> Option<String> {
        let real = self.view.resolve(&self.absolute(path)).ok()?;
        let entry = self.view.get(&real)?;
        match entry.meta.kind {
            EntryKind::File | EntryKind::Hardlink => Some(real),
            _ => None,
        }
    }

    /// The real path of the directory at `path`, if it is one.
    pub fn directory(&self, path: &str) -> Option<String> {
        let real = self.view.resolve(&self.absolute(path)).ok()?;
        if real.is_empty() {
            return Some(real);
        }
        (self.view.get(&real)?.meta.kind == EntryKind::Dir).then_some(real)
    }

    /// The path whose content a file's facts were recorded under: a hard link's target.
    pub fn content_path<'p>(&'p self, real: &'p str) -> &'p str {
        match self.view.get(real) {
            Some(e) if e.meta.kind == EntryKind::Hardlink => e.meta.link.as_deref().unwrap_or(real),
            _ => real,
        }
    }

    /// True when the file at real path `real` has an execute bit.
    pub fn is_executable(&self, real: &str) -> bool {
        let path = self.content_path(real);
        self.view
            .get(path)
            .or_else(|| self.view.get(real))
            .is_some_and(|e| e.meta.mode & 0o111 != 0)
    }
}

/// What was proven loaded so far, and what keeps the analysis from being complete.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Real path (relative) → when it was loaded (a sequence number) and the chain that
    /// loaded it. Filled breadth-first, so the first chain recorded is the shortest.
    pub loaded: HashMap<String, (usize, Vec<String>)>,
    /// The programs followed, absolute.
    pub programs: Vec<String>,
    /// Why packages not proven loaded are unknown rather than not loaded; empty while the
    /// analysis is complete.
    pub gaps: Vec<String>,
    /// Notes for the report.
    pub notes: Vec<String>,
}

/// Most files recorded as loaded: far above real programs (a few hundred), a bound on
/// hostile images.
const MAX_LOADED: usize = 50_000;

impl State {
    /// Records `real` as loaded through `chain` unless it already is; true when new.
    pub fn load(&mut self, real: &str, chain: Vec<String>) -> bool {
        if self.loaded.contains_key(real) {
            return false;
        }
        if self.loaded.len() >= MAX_LOADED {
            self.gap("too many files loaded to follow".to_string());
            return false;
        }
        let seq = self.loaded.len();
        self.loaded.insert(real.to_string(), (seq, chain));
        true
    }

    /// Marks the analysis incomplete for `reason` (each reason once).
    pub fn gap(&mut self, reason: String) {
        if !self.gaps.contains(&reason) {
            self.gaps.push(reason);
        }
    }

    /// Adds a note (each once).
    pub fn note(&mut self, note: String) {
        if !self.notes.contains(&note) && self.notes.len() < 1000 {
            self.notes.push(note);
        }
    }
}

/// `a/./b//c/../d` → `a/b/d`, without a leading slash; `..` never climbs above the root.
pub(crate) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The directory of a path (`usr/bin/x` → `usr/bin`, `x` → ``).
pub(crate) fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The last component of a path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_read_like_the_chain() {
        let r = Reachability::Loaded {
            chain: vec!["/usr/bin/python3.11".into(), "libssl.so.3".into()],
            file: "/usr/lib/x86_64-linux-gnu/libssl.so.3".into(),
        };
        assert_eq!(
            r.describe("libssl3"),
            "loaded by entrypoint: python3.11 -> libssl.so.3 -> libssl3"
        );
        assert_eq!(Reachability::NotLoaded.describe("x"), "not loaded");
        let u = Reachability::Unknown {
            reason: "no ENTRYPOINT or CMD".into(),
        };
        assert_eq!(u.describe("x"), "unknown: no ENTRYPOINT or CMD");
        assert_eq!(
            serde_json::to_value(&r).unwrap()["status"],
            serde_json::json!("loaded")
        );
        assert_eq!(
            serde_json::to_value(Reachability::NotLoaded).unwrap(),
            serde_json::json!({"status": "not-loaded"})
        );
    }

    #[test]
    fn paths_normalise_inside_the_root() {
        assert_eq!(normalize("/a/./b//c/../d/"), "a/b/d");
        assert_eq!(normalize("../../x"), "x");
        assert_eq!(parent("usr/bin/x"), "usr/bin");
        assert_eq!(parent("x"), "");
        assert_eq!(file_name("usr/bin/x"), "x");
    }
}
