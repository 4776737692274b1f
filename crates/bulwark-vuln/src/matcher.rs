//! Matching: each installed package is looked up in the advisory ecosystem it belongs to
//! (OS packages by source package in their distro release, language packages in their
//! registry), its version is placed in each advisory's ranges with the ecosystem's own
//! ordering, and advisories that are aliases of each other become one finding.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use bulwark_inventory::{Inventory, OsInfo, Package, PackageKind};
use bulwark_version::{Scheme, Version};
use bulwark_vulndb::{AdvisoryRef, EventKind, MatchRef, RangeKind, VulnDb};

use crate::finding::{
    AffectedPackage, CvssScore, DbInfo, Finding, Severity, Status, VendorSeverity, VulnReport,
};
use crate::severity::{cvss_score, effective_severity};
use crate::VulnError;

/// Knobs of the matcher.
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// Skip OS packages (`--pkg-types library`).
    pub skip_os: bool,
    /// Skip language packages (`--pkg-types os`).
    pub skip_languages: bool,
}

/// Matches every package of `inventory` against `db`.
pub fn match_inventory(
    db: &VulnDb,
    inventory: &Inventory,
    opts: &MatchOptions,
) -> Result<VulnReport, VulnError> {
    let meta = db.meta();
    let mut report = VulnReport {
        db: DbInfo {
            schema_version: meta.schema_version,
            built_at: meta.built_at.clone(),
            sources: meta.sources.iter().map(|s| s.location.clone()).collect(),
        },
        ..VulnReport::default()
    };
    let os_ecosystems = os_ecosystems(db, inventory.os.as_ref(), &mut report.warnings)?;
    let os_targets: Vec<&str> = os_ecosystems.iter().map(String::as_str).collect();
    // Advisories of one package, and of related packages, repeat the same range versions:
    // each is parsed once per call.
    let mut state = State::default();
    // Every (package, ecosystem) to look up, in order.
    let mut queries: Vec<(usize, &str)> = Vec::with_capacity(inventory.packages.len());
    for (pkg_index, pkg) in inventory.packages.iter().enumerate() {
        if pkg.kind.is_os() {
            if opts.skip_os || !os_matches_kind(inventory.os.as_ref(), pkg.kind) {
                continue;
            }
            queries.extend(os_targets.iter().map(|&e| (pkg_index, e)));
        } else {
            if opts.skip_languages {
                continue;
            }
            if let Some(e) = language_ecosystem(pkg.kind) {
                queries.push((pkg_index, e));
            }
        }
    }
    let versions: Vec<Cow<'_, str>> = inventory.packages.iter().map(lookup_version).collect();
    let lookups = queries.iter().map(|&(p, ecosystem)| {
        let pkg = &inventory.packages[p];
        (ecosystem, lookup_name(pkg), &*versions[p])
    });
    // The package (index into the inventory) of each finding.
    let mut finding_pkg: Vec<usize> = Vec::new();
    // The entries are read in place from the database rows: only the advisories of the
    // entries that match are decoded, and only into the findings.
    db.lookup_each(lookups, |i, matches| {
        if matches.is_empty() {
            return Ok(());
        }
        let (pkg_index, ecosystem) = queries[i];
        let pkg = &inventory.packages[pkg_index];
        let hits = evaluate(
            db,
            ecosystem,
            &versions[pkg_index],
            matches,
            &mut state,
            &mut report.warnings,
            pkg,
        )?;
        merge_aliases(
            pkg,
            ecosystem,
            &hits,
            &mut state,
            &mut report.warnings,
            &mut report.findings,
        );
        finding_pkg.resize(report.findings.len(), pkg_index);
        Ok::<_, VulnError>(())
    })?;
    sort_findings(&mut report.findings, &finding_pkg, &inventory.packages);
    Ok(report)
}

/// Sorts findings by package (kind, name, version), then severity (highest first), then ID,
/// keeping the order they were found in among equals. `finding_pkg` names each finding's
/// package in `packages`. The packages are ranked first, so that findings compare by
/// number rather than by name, and the findings are sorted through indexes: they are large
/// to move around.
fn sort_findings(findings: &mut [Finding], finding_pkg: &[usize], packages: &[Package]) {
    let key = |p: usize| {
        let p = &packages[p];
        (p.kind, p.name.as_str(), p.version.as_str())
    };
    // The packages with findings, in the order found (each one's findings are contiguous).
    let mut with: Vec<usize> = finding_pkg.to_vec();
    with.dedup();
    if !with.is_sorted_by(|&a, &b| key(a) <= key(b)) {
        with.sort_by(|&a, &b| key(a).cmp(&key(b)));
    }
    // Equal packages (the same package found twice) share a rank.
    let mut rank = vec![0usize; packages.len()];
    for (r, w) in with.windows(2).enumerate() {
        rank[w[1]] = if key(w[0]) == key(w[1]) {
            rank[w[0]]
        } else {
            r + 1
        };
    }
    // By rank, keeping the order found (a counting sort), then each rank's findings by
    // severity and ID (a stable sort): together a stable sort by (rank, severity, ID).
    let mut start = vec![0usize; with.len() + 1];
    for &p in finding_pkg {
        start[rank[p] + 1] += 1;
    }
    for r in 1..start.len() {
        start[r] += start[r - 1];
    }
    let mut next = start.clone();
    let mut order = vec![0usize; findings.len()];
    for (i, &p) in finding_pkg.iter().enumerate() {
        order[next[rank[p]]] = i;
        next[rank[p]] += 1;
    }
    let f = &*findings;
    for w in start.windows(2) {
        order[w[0]..w[1]].sort_by(|&a, &b| {
            f[b].severity
                .cmp(&f[a].severity)
                .then_with(|| f[a].id.cmp(&f[b].id))
        });
    }
    permute(findings, &mut order);
}

/// Reorders `items` in place so that position `k` holds what was at `order[k]`, following
/// the permutation's cycles (no copy of the whole list; nothing moves when already in order).
/// `order` is used up.
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    const DONE: usize = usize::MAX;
    for start in 0..order.len() {
        let mut k = start;
        while order[k] != DONE {
            let from = std::mem::replace(&mut order[k], DONE);
            if from == start {
                break;
            }
            items.swap(k, from);
            k = from;
        }
    }
}

/// The advisory ecosystems of the image's OS release, as the database spells them.
fn os_ecosystems(
    db: &VulnDb,
    os: Option<&OsInfo>,
    warnings: &mut Vec<String>,
) -> Result<Vec<String>, VulnError> {
    let Some(os) = os else {
        return Ok(Vec::new());
    };
    let version = os.version_id.as_deref().unwrap_or("");
    let major = version.split('.').next().unwrap_or("");
    let major_minor: String = version.split('.').take(2).collect::<Vec<_>>().join(".");
    let (wanted, prefix): (Option<String>, Option<String>) = match os.id.as_str() {
        "debian" if !major.is_empty() => (Some(format!("Debian:{major}")), None),
        "alpine" if !major_minor.is_empty() => (Some(format!("Alpine:v{major_minor}")), None),
        "wolfi" => (Some("Wolfi".into()), None),
        "chainguard" => (Some("Chainguard".into()), None),
        "ubuntu" if !version.is_empty() => (None, Some(format!("Ubuntu:{version}"))),
        "rocky" if !major.is_empty() => (None, Some(format!("Rocky Linux:{major}"))),
        "almalinux" if !major.is_empty() => (None, Some(format!("AlmaLinux:{major}"))),
        "rhel" if !major.is_empty() => (None, Some(format!("Red Hat:enterprise_linux:{major}"))),
        _ => (None, None),
    };
    let known = db.ecosystems()?;
    let found: Vec<String> = known
        .iter()
        .map(|(e, _)| e)
        .filter(|e| {
            wanted.as_deref() == Some(e.as_str())
                || prefix.as_deref().is_some_and(|p| {
                    e.strip_prefix(p)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
                })
        })
        .cloned()
        .collect();
    let label = os.pretty_name.clone().unwrap_or_else(|| {
        format!("{} {}", os.id, os.version_id.as_deref().unwrap_or(""))
            .trim()
            .to_string()
    });
    if wanted.is_none() && prefix.is_none() {
        warnings.push(format!(
            "OS packages were not checked: no advisory source is known for {label}"
        ));
    } else if found.is_empty() {
        let name = wanted.or(prefix).unwrap_or_default();
        warnings.push(format!(
            "OS packages were not checked: the vulnerability database has no {name} advisories (for {label})"
        ));
    }
    Ok(found)
}

/// True when the package manager belongs to the detected OS family (a stray rpm database in a
/// Debian image is not matched against Debian advisories).
fn os_matches_kind(os: Option<&OsInfo>, kind: PackageKind) -> bool {
    let Some(os) = os else { return false };
    let family = |ids: &[&str]| {
        ids.contains(&os.id.as_str()) || os.id_like.iter().any(|l| ids.contains(&l.as_str()))
    };
    match kind {
        PackageKind::Deb => family(&["debian", "ubuntu"]),
        PackageKind::Apk => family(&["alpine", "wolfi", "chainguard"]),
        PackageKind::Rpm => family(&["rhel", "fedora", "centos", "rocky", "almalinux"]),
        _ => false,
    }
}

/// The OSV ecosystem of a language package kind.
fn language_ecosystem(kind: PackageKind) -> Option<&'static str> {
    Some(match kind {
        PackageKind::Python => "PyPI",
        PackageKind::Npm => "npm",
        PackageKind::Cargo => "crates.io",
        PackageKind::Go => "Go",
        PackageKind::Maven => "Maven",
        PackageKind::Gem => "RubyGems",
        PackageKind::Composer => "Packagist",
        PackageKind::Nuget => "NuGet",
        PackageKind::Deb | PackageKind::Apk | PackageKind::Rpm => return None,
    })
}

/// Distro advisories name source packages (dpkg `Source`, apk origin); others binary names.
fn lookup_name(pkg: &Package) -> &str {
    match pkg.kind {
        PackageKind::Deb | PackageKind::Apk => pkg.source_name.as_deref().unwrap_or(&pkg.name),
        _ => &pkg.name,
    }
}

/// The version the advisory ranges speak of: the source version for dpkg (binNMUs differ),
/// epoch-qualified EVR for rpm.
fn lookup_version(pkg: &Package) -> Cow<'_, str> {
    match pkg.kind {
        PackageKind::Deb => Cow::Borrowed(pkg.source_version.as_deref().unwrap_or(&pkg.version)),
        PackageKind::Rpm => match pkg.epoch {
            Some(e) if e > 0 => Cow::Owned(format!("{e}:{}", pkg.version)),
            _ => Cow::Borrowed(&pkg.version),
        },
        _ => Cow::Borrowed(&pkg.version),
    }
}

/// One advisory that affects the installed version.
struct Hit<'a> {
    m: &'a MatchRef<'a>,
    advisory: AdvisoryRef<'a>,
    /// The fixed version, an index into [`VersionCache`].
    fixed: Option<usize>,
}

/// What one [`match_inventory`] call keeps between packages.
#[derive(Default)]
struct State {
    versions: VersionCache,
    scores: ScoreCache,
    /// The points of one range being evaluated, reused.
    points: Vec<(Option<usize>, EventKind)>,
}

/// The texts of one scheme seen so far: each slot is a text's index into
/// [`VersionCache::parsed`] (whose `as_str` is the text, so texts are not copied) or a text
/// that does not parse, and the next slot whose text has the same hash.
#[derive(Default)]
struct TextIndex {
    /// Hash of a text → its first slot.
    heads: HashMap<u64, u32, FxBuild>,
    slots: Vec<(Slot, u32)>,
}

enum Slot {
    Parsed(usize),
    Failed(Box<str>),
}

/// No next slot.
const END: u32 = u32::MAX;

/// A fast hash for the keys of the per-call caches (version texts, IDs, vectors), which come
/// from the advisory database: SipHash's resistance to chosen collisions buys nothing there
/// and was a visible part of matching. The multiply-rotate step of rustc's FxHash.
#[derive(Debug, Clone, Copy, Default)]
struct FxBuild;

impl std::hash::BuildHasher for FxBuild {
    type Hasher = FxHasher;

    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, mut bytes: &[u8]) {
        while let Some((word, rest)) = bytes.split_first_chunk::<8>() {
            self.add(u64::from_le_bytes(*word));
            bytes = rest;
        }
        if let Some((word, rest)) = bytes.split_first_chunk::<4>() {
            self.add(u64::from(u32::from_le_bytes(*word)));
            bytes = rest;
        }
        for &b in bytes {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Parsed range versions, per scheme and text, for the length of one [`match_inventory`]
/// call. Versions live in one arena and are referred to by index, so a range can hold all
/// of its points while the cache keeps growing.
#[derive(Default)]
struct VersionCache {
    /// One map per scheme in use: text → index into `parsed`, or `None` when it does not
    /// parse.
    index: Vec<(Scheme, TextIndex)>,
    parsed: Vec<Version>,
}

impl VersionCache {
    /// The index of `text` parsed under `scheme`, parsing it on first use.
    fn intern(&mut self, scheme: Scheme, text: &str) -> Option<usize> {
        use std::hash::BuildHasher;
        let pos = match self.index.iter().position(|(s, _)| *s == scheme) {
            Some(pos) => pos,
            None => {
                self.index.push((scheme, TextIndex::default()));
                self.index.len() - 1
            }
        };
        let index = &mut self.index[pos].1;
        let hash = FxBuild.hash_one(text);
        let head = index.heads.get(&hash).copied().unwrap_or(END);
        let mut at = head;
        while at != END {
            let (slot, next) = &index.slots[at as usize];
            match slot {
                Slot::Parsed(id) if self.parsed[*id].as_str() == text => return Some(*id),
                Slot::Failed(t) if **t == *text => return None,
                _ => at = *next,
            }
        }
        let (slot, id) = match Version::parse(scheme, text) {
            Ok(v) => {
                self.parsed.push(v);
                let id = self.parsed.len() - 1;
                (Slot::Parsed(id), Some(id))
            }
            Err(_) => (Slot::Failed(text.into()), None),
        };
        index.heads.insert(hash, index.slots.len() as u32);
        index.slots.push((slot, head));
        id
    }

    fn get(&self, id: usize) -> &Version {
        &self.parsed[id]
    }
}

/// Keeps the advisories whose ranges or version lists contain `installed`.
fn evaluate<'a>(
    db: &VulnDb,
    ecosystem: &str,
    installed: &str,
    matches: &'a [MatchRef<'a>],
    state: &mut State,
    warnings: &mut Vec<String>,
    pkg: &Package,
) -> Result<Vec<Hit<'a>>, VulnError> {
    let Some(scheme) = Scheme::for_ecosystem(ecosystem) else {
        warnings.push(format!(
            "{} {}: no version ordering known for ecosystem {ecosystem}",
            pkg.name, pkg.version
        ));
        return Ok(Vec::new());
    };
    let mut installed = Installed {
        text: installed,
        parsed: [None; 2],
        warned: false,
    };
    let cache = &mut state.versions;
    let mut hits = Vec::with_capacity(matches.len());
    for m in matches {
        let entry = &m.entry;
        let mut affected = false;
        let mut fixed: Option<usize> = None;
        // Listed versions: the exact string, as the ecosystem publishes it. Only an entry
        // without ranges also compares by ordering (`1.0` = `1.0.0` in PEP 440), because
        // parsing every listed version of every record is the costliest part of matching
        // and the ranges already cover those versions.
        if m.listed {
            affected = true;
        } else if entry.ranges_is_empty() && m.listed_count > 0 {
            if let Some(v) = installed.get(scheme, &pkg.name, warnings, cache) {
                let v = cache.get(v);
                affected = db.listed_versions_of(m)?.iter().any(|listed| {
                    Version::parse(scheme, listed).is_ok_and(|l| l.cmp(v) == Ordering::Equal)
                });
            }
        }
        for range in entry.ranges() {
            let range_scheme = match range.kind {
                RangeKind::Ecosystem => scheme,
                RangeKind::Semver => semver_scheme(scheme),
            };
            let Some(v) = installed.get(range_scheme, &pkg.name, warnings, cache) else {
                continue;
            };
            match in_range(range_scheme, v, range.events(), cache, &mut state.points) {
                Ok(Some(fix)) => {
                    affected = true;
                    // The highest fix of all ranges (the earlier one among equals).
                    if let Some(x) = fix {
                        if fixed.is_none_or(|f| cache.get(x) > cache.get(f)) {
                            fixed = Some(x);
                        }
                    }
                }
                Ok(None) => {}
                Err(bad) => warnings.push(format!(
                    "advisory {}: range version `{bad}` not understood for {ecosystem}; range skipped",
                    m.advisory_id
                )),
            }
        }
        if affected {
            hits.push(Hit {
                m,
                advisory: m.advisory()?,
                fixed,
            });
        }
    }
    Ok(hits)
}

/// The installed version, parsed (through the [`VersionCache`], which it shares with the
/// range versions) once per scheme its ranges use: the ecosystem's, and SemVer's.
struct Installed<'a> {
    text: &'a str,
    parsed: [Option<(Scheme, Option<usize>)>; 2],
    warned: bool,
}

impl Installed<'_> {
    /// The version under `scheme`, as an index into `cache`; `None` (with one warning per
    /// package) when it does not parse.
    fn get(
        &mut self,
        scheme: Scheme,
        name: &str,
        warnings: &mut Vec<String>,
        cache: &mut VersionCache,
    ) -> Option<usize> {
        if let Some((_, id)) = self.parsed.iter().flatten().find(|(s, _)| *s == scheme) {
            return *id;
        }
        let id = cache.intern(scheme, self.text);
        if id.is_none() && !self.warned {
            if let Err(e) = Version::parse(scheme, self.text) {
                warnings.push(format!(
                    "{name} {}: version not understood, not matched ({e})",
                    self.text
                ));
            }
            self.warned = true;
        }
        if let Some(free) = self.parsed.iter_mut().find(|p| p.is_none()) {
            *free = Some((scheme, id));
        }
        id
    }
}

/// Go ranges are SEMVER ranges over Go's `v`-less versions; npm and crates.io are SemVer too.
fn semver_scheme(ecosystem_scheme: Scheme) -> Scheme {
    match ecosystem_scheme {
        Scheme::Go => Scheme::Go,
        _ => Scheme::Semver,
    }
}

/// Places `v` in one OSV range. `Ok(Some(fixed))` when affected (`fixed` is the first fix
/// above `v`, if any, as an index into `cache`), `Ok(None)` when not, `Err(version)` when
/// an event does not parse. Event versions are parsed through `cache`; `points` is scratch
/// space.
fn in_range<'e>(
    scheme: Scheme,
    v: usize,
    events: impl Iterator<Item = (EventKind, &'e str)>,
    cache: &mut VersionCache,
    points: &mut Vec<(Option<usize>, EventKind)>,
) -> Result<Option<Option<usize>>, String> {
    points.clear();
    let mut any_limit = false;
    let mut below_limit = false;
    for (kind, text) in events {
        // `introduced: 0` is "from the very beginning" in every ecosystem (`None` below).
        if kind == EventKind::Introduced && text == "0" {
            points.push((None, kind));
            continue;
        }
        let id = cache.intern(scheme, text).ok_or_else(|| text.to_string())?;
        if kind == EventKind::Limit {
            any_limit = true;
            below_limit |= cache.get(v) < cache.get(id);
        } else {
            points.push((Some(id), kind));
        }
    }
    if any_limit && !below_limit {
        return Ok(None);
    }
    let cache: &VersionCache = cache;
    let v = cache.get(v);
    // `None` (zero) sorts first; records almost always list their events in order already.
    let before = |a: &Option<usize>, b: &Option<usize>| match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(a), Some(b)) => cache.get(*a).cmp(cache.get(*b)),
    };
    if !points
        .windows(2)
        .all(|w| before(&w[0].0, &w[1].0) != Ordering::Greater)
    {
        points.sort_by(|(a, _), (b, _)| before(a, b));
    }
    let mut affected = false;
    let mut after: Option<usize> = None;
    for (i, (at, kind)) in points.iter().enumerate() {
        let at = at.map(|x| cache.get(x));
        match kind {
            EventKind::Introduced => {
                if at.is_none_or(|x| v >= x) {
                    affected = true;
                    after = Some(i);
                }
            }
            EventKind::Fixed => {
                if at.is_some_and(|x| v >= x) {
                    affected = false;
                }
            }
            EventKind::LastAffected => {
                if at.is_some_and(|x| v > x) {
                    affected = false;
                }
            }
            EventKind::Limit => {}
        }
    }
    if !affected {
        return Ok(None);
    }
    // The fix is the first `fixed` event above the installed version after the introduction
    // that made it affected.
    let start = after.unwrap_or(0);
    let fix = points[start..]
        .iter()
        .find_map(|(at, kind)| match (at, kind) {
            (Some(x), EventKind::Fixed) if cache.get(*x) > v => Some(*x),
            _ => None,
        });
    Ok(Some(fix))
}

/// CVSS vectors scored so far in one [`match_inventory`] call: advisories of many packages
/// carry the same vectors. Keyed by vector, then kind, so that a lookup copies nothing; the
/// score's `source` is left empty (a score does not depend on who published the vector).
#[derive(Default)]
struct ScoreCache {
    by_vector: HashMap<Box<str>, Vec<ScoredVector>, FxBuild>,
}

/// `(kind, score)`.
type ScoredVector = (Box<str>, Result<CvssScore, VulnError>);

impl ScoreCache {
    /// [`cvss_score`] of `(kind, vector)`, with an empty `source`.
    fn score(&mut self, kind: &str, vector: &str) -> &Result<CvssScore, VulnError> {
        if !self.by_vector.contains_key(vector) {
            self.by_vector.insert(vector.into(), Vec::new());
        }
        let list = self.by_vector.get_mut(vector).expect("inserted just above");
        let i = match list.iter().position(|(k, _)| **k == *kind) {
            Some(i) => i,
            None => {
                list.push((kind.into(), cvss_score(kind, vector, "")));
                list.len() - 1
            }
        };
        &list[i].1
    }
}

/// Joins advisories of one package that share any ID into one finding each, appended to
/// `out`.
fn merge_aliases(
    pkg: &Package,
    ecosystem: &str,
    hits: &[Hit<'_>],
    state: &mut State,
    warnings: &mut Vec<String>,
    out: &mut Vec<Finding>,
) {
    // Union-find over hits: two hits join when their ID sets intersect.
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize, FxBuild> =
        HashMap::with_capacity_and_hasher(hits.len() * 2, FxBuild);
    for (i, h) in hits.iter().enumerate() {
        let ids = std::iter::once(h.advisory.id()).chain(h.advisory.aliases());
        for id in ids {
            match owner.get(id) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    owner.insert(id, i);
                }
            }
        }
    }
    // Groups in the order of their roots, each group's hits in the order found.
    let mut members: Vec<(usize, usize)> =
        (0..hits.len()).map(|i| (root(&mut parent, i), i)).collect();
    members.sort_unstable();
    let mut group: Vec<&Hit<'_>> = Vec::new();
    for run in members.chunk_by(|a, b| a.0 == b.0) {
        group.clear();
        group.extend(run.iter().map(|&(_, i)| &hits[i]));
        out.push(finding(pkg, ecosystem, &group, state, warnings));
    }
}

/// Builds one finding from a group of alias advisories.
fn finding(
    pkg: &Package,
    ecosystem: &str,
    group: &[&Hit<'_>],
    state: &mut State,
    warnings: &mut Vec<String>,
) -> Finding {
    let mut ids: Vec<&str> =
        Vec::with_capacity(group.iter().map(|h| 1 + h.advisory.aliases().len()).sum());
    let mut advisories: Vec<&str> = Vec::with_capacity(group.len());
    for h in group {
        advisories.push(h.advisory.id());
        ids.push(h.advisory.id());
        ids.extend(h.advisory.aliases());
    }
    advisories.sort_unstable();
    advisories.dedup();
    ids.sort_unstable();
    ids.dedup();
    let id = ids
        .iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.iter().find(|i| i.starts_with("GHSA-")))
        .copied()
        .unwrap_or(advisories[0]);
    let aliases: Vec<String> = ids
        .iter()
        .filter(|i| **i != id)
        .map(|i| i.to_string())
        .collect();

    // Summaries written by people (GHSA, RustSec, Go, PyPA) read better than derived ones.
    let by_preference = |h: &&&Hit<'_>| {
        let a = h.advisory.id();
        !(a.starts_with("GHSA-") || a.starts_with("RUSTSEC-") || a.starts_with("GO-"))
    };
    let mut ordered: Vec<&&Hit<'_>> = group.iter().collect();
    ordered.sort_by_key(by_preference);
    let title = ordered
        .iter()
        .find_map(|h| h.advisory.summary())
        .map(str::to_string);
    let url = ordered
        .iter()
        .find_map(|h| h.advisory.url())
        .map(str::to_string)
        .or_else(|| default_url(ecosystem, id));
    let published = group
        .iter()
        .filter_map(|h| h.advisory.published())
        .min()
        .map(str::to_string);

    let versions = &state.versions;
    // The highest fix (the earlier one among equals).
    let fixed =
        group
            .iter()
            .filter_map(|h| h.fixed)
            .fold(None, |acc: Option<usize>, b| match acc {
                Some(a) if versions.get(b) <= versions.get(a) => Some(a),
                _ => Some(b),
            });
    let status = if fixed.is_some() {
        Status::Fixed
    } else if group.iter().any(|h| h.m.entry.will_not_fix()) {
        Status::WillNotFix
    } else {
        Status::Affected
    };

    let mut cvss: Vec<CvssScore> = Vec::new();
    let mut vendor: Vec<VendorSeverity> = Vec::new();
    for h in group {
        let mut source: Option<String> = None;
        for (kind, score) in h.advisory.severity().chain(h.m.entry.severity()) {
            if kind.starts_with("CVSS_") {
                let source = source.get_or_insert_with(|| {
                    h.advisory
                        .id()
                        .split('-')
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase()
                });
                match state.scores.score(kind, score) {
                    Ok(c) if !cvss.iter().any(|x| x.vector == c.vector) => cvss.push(CvssScore {
                        version: c.version.clone(),
                        vector: c.vector.clone(),
                        base_score: c.base_score,
                        severity: c.severity,
                        source: source.clone(),
                    }),
                    Ok(_) => {}
                    Err(e) if kind != "CVSS_V2" => {
                        warnings.push(format!("advisory {}: {e}; score ignored", h.advisory.id()))
                    }
                    Err(_) => {}
                }
            } else if let Ok(sev) = score.parse::<Severity>() {
                push_vendor(&mut vendor, &kind.to_ascii_lowercase(), sev, score);
            }
        }
        for (source, value) in [h.advisory.vendor_severity(), h.m.entry.vendor_severity()]
            .into_iter()
            .flatten()
        {
            if let Ok(sev) = value.parse::<Severity>() {
                push_vendor(&mut vendor, source, sev, value);
            }
        }
    }
    // A GHSA rating is derived from its own CVSS vector; it is not a vendor opinion.
    let ghsa_only = vendor.iter().all(|v| v.source == "ghsa") && !cvss.is_empty();
    if ghsa_only {
        vendor.clear();
    }
    let severity = effective_severity(&cvss, &vendor);
    Finding {
        package: AffectedPackage {
            kind: pkg.kind,
            name: pkg.name.clone(),
            version: pkg.version.clone(),
            source_name: match lookup_name(pkg) {
                n if n != pkg.name => Some(n.to_string()),
                _ => None,
            },
            purl: None,
            found_in: pkg.found_in.clone(),
            layer: pkg.layer.clone(),
        },
        id: id.to_string(),
        aliases,
        advisories: advisories.iter().map(|a| a.to_string()).collect(),
        title,
        status,
        fixed_version: fixed.map(|v| versions.get(v).as_str().to_string()),
        severity,
        cvss,
        vendor_severity: vendor,
        ecosystem: ecosystem.to_string(),
        url,
        published,
        suppressed: None,
        reachability: None,
    }
}

fn push_vendor(out: &mut Vec<VendorSeverity>, source: &str, severity: Severity, raw: &str) {
    if !out.iter().any(|v| v.source == source && v.raw == raw) {
        out.push(VendorSeverity {
            source: source.to_string(),
            severity,
            raw: raw.to_string(),
        });
    }
}

/// A page about `id` when the advisory gives none: the distro's tracker for distro data.
fn default_url(ecosystem: &str, id: &str) -> Option<String> {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    match base {
        "Debian" if id.starts_with("CVE-") => {
            Some(format!("https://security-tracker.debian.org/tracker/{id}"))
        }
        "Alpine" if id.starts_with("CVE-") => {
            Some(format!("https://security.alpinelinux.org/vuln/{id}"))
        }
        "Ubuntu" if id.starts_with("CVE-") => Some(format!("https://ubuntu.com/security/{id}")),
        _ if id.starts_with("CVE-") => Some(format!("https://nvd.nist.gov/vuln/detail/{id}")),
        _ => Some(format!("https://osv.dev/vulnerability/{id}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulwark_vulndb::Event;

    fn ev(spec: &[(&str, &str)]) -> Vec<Event> {
        spec.iter()
            .map(|(k, v)| match *k {
                "i" => Event::Introduced(v.to_string()),
                "f" => Event::Fixed(v.to_string()),
                "l" => Event::LastAffected(v.to_string()),
                _ => Event::Limit(v.to_string()),
            })
            .collect()
    }

    fn range(
        scheme: Scheme,
        v: usize,
        events: &[Event],
        cache: &mut VersionCache,
    ) -> Result<Option<Option<usize>>, String> {
        in_range(
            scheme,
            v,
            events.iter().map(Event::parts),
            cache,
            &mut Vec::new(),
        )
    }

    fn check(scheme: Scheme, v: &str, events: &[(&str, &str)]) -> Option<Option<String>> {
        let mut cache = VersionCache::default();
        let v = cache.intern(scheme, v).unwrap();
        range(scheme, v, &ev(events), &mut cache)
            .unwrap()
            .map(|f| f.map(|f| cache.get(f).as_str().to_string()))
    }

    #[test]
    fn ranges_follow_the_osv_rules() {
        use Scheme::*;
        let r = [("i", "0"), ("f", "1.2.3-1")];
        assert_eq!(check(Dpkg, "1.2.2-1", &r), Some(Some("1.2.3-1".into())));
        assert_eq!(check(Dpkg, "1.2.3-1", &r), None);
        assert_eq!(check(Dpkg, "1.2.3~rc1-1", &r), Some(Some("1.2.3-1".into())));
        assert_eq!(check(Dpkg, "1:0.1-1", &r), None, "epoch beats everything");
        // Two introduced/fixed pairs, out of order in the record.
        let r = [
            ("i", "2.0.0"),
            ("f", "2.0.5"),
            ("i", "1.0.0"),
            ("f", "1.4.2"),
        ];
        assert_eq!(check(Semver, "0.9.0", &r), None);
        assert_eq!(check(Semver, "1.3.0", &r), Some(Some("1.4.2".into())));
        assert_eq!(check(Semver, "1.5.0", &r), None);
        assert_eq!(check(Semver, "2.0.4", &r), Some(Some("2.0.5".into())));
        assert_eq!(check(Semver, "2.0.5", &r), None);
        // last_affected: affected through that version, no fix known.
        let r = [("i", "1.0"), ("l", "1.5")];
        assert_eq!(check(Pep440, "1.5", &r), Some(None));
        assert_eq!(check(Pep440, "1.5.post1", &r), None);
        assert_eq!(check(Pep440, "0.9", &r), None);
        // limit: outside the limit nothing counts.
        let r = [("i", "0"), ("lim", "2.0")];
        assert_eq!(check(Pep440, "1.9", &r), Some(None));
        assert_eq!(check(Pep440, "2.1", &r), None);
        // apk revision suffixes.
        let r = [("i", "0"), ("f", "1.1.18-r4")];
        assert_eq!(check(Apk, "1.1.18-r3", &r), Some(Some("1.1.18-r4".into())));
        assert_eq!(check(Apk, "1.1.22-r3", &r), None);
    }

    #[test]
    fn permute_follows_the_order() {
        let mut state: u64 = 1;
        for n in 0..40usize {
            let mut order: Vec<usize> = (0..n).collect();
            // A pseudo-random shuffle.
            for i in (1..n).rev() {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                order.swap(i, (state >> 33) as usize % (i + 1));
            }
            let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            let want: Vec<String> = order.iter().map(|&i| items[i].clone()).collect();
            let mut got = items.clone();
            permute(&mut got, &mut order.clone());
            assert_eq!(got, want, "{order:?}");
        }
    }

    #[test]
    fn unparseable_event_is_reported() {
        let mut cache = VersionCache::default();
        let v = cache.intern(Scheme::Semver, "1.0.0").unwrap();
        let bad = ev(&[("i", "0"), ("f", "not a version")]);
        assert!(range(Scheme::Semver, v, &bad, &mut cache).is_err());
        // A second range with the same bad version is reported again (the cache keeps the
        // failure too).
        assert!(range(Scheme::Semver, v, &bad, &mut cache).is_err());
    }
}
