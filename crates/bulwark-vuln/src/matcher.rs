//! Matching: each installed package is looked up in the advisory ecosystem it belongs to
//! (OS packages by source package in their distro release, language packages in their
//! registry), its version is placed in each advisory's ranges with the ecosystem's own
//! ordering, and advisories that are aliases of each other become one finding.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use bulwark_inventory::{Inventory, OsInfo, Package, PackageKind};
use bulwark_version::{Scheme, Version};
use bulwark_vulndb::{Advisory, AdvisoryMatch, Event, RangeKind, VulnDb};

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
    // Advisories of one package, and of related packages, repeat the same range versions:
    // each is parsed once per call.
    let mut versions = VersionCache::default();
    let mut scores = ScoreCache::default();
    for pkg in &inventory.packages {
        let targets: Vec<String> = if pkg.kind.is_os() {
            if opts.skip_os || !os_matches_kind(inventory.os.as_ref(), pkg.kind) {
                continue;
            }
            os_ecosystems.clone()
        } else {
            if opts.skip_languages {
                continue;
            }
            match language_ecosystem(pkg.kind) {
                Some(e) => vec![e.to_string()],
                None => continue,
            }
        };
        for ecosystem in &targets {
            let lookup_name = lookup_name(pkg);
            let version = lookup_version(pkg);
            let matches = db.lookup(ecosystem, lookup_name, &version)?;
            if matches.is_empty() {
                continue;
            }
            let hits = evaluate(
                db,
                ecosystem,
                &version,
                &matches,
                &mut versions,
                &mut report.warnings,
                pkg,
            )?;
            report.findings.extend(merge_aliases(
                pkg,
                ecosystem,
                hits,
                &mut scores,
                &mut report.warnings,
            ));
        }
    }
    // Sorted through indexes: findings are large to move around.
    let mut order: Vec<usize> = (0..report.findings.len()).collect();
    {
        let f = &report.findings;
        order.sort_by(|&a, &b| {
            let (a, b) = (&f[a], &f[b]);
            (a.package.kind, &a.package.name, &a.package.version)
                .cmp(&(b.package.kind, &b.package.name, &b.package.version))
                .then(b.severity.cmp(&a.severity))
                .then_with(|| a.id.cmp(&b.id))
        });
    }
    let mut slots: Vec<Option<Finding>> = report.findings.drain(..).map(Some).collect();
    report.findings = order.into_iter().filter_map(|i| slots[i].take()).collect();
    Ok(report)
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
fn lookup_version(pkg: &Package) -> String {
    match pkg.kind {
        PackageKind::Deb => pkg
            .source_version
            .clone()
            .unwrap_or_else(|| pkg.version.clone()),
        PackageKind::Rpm => match pkg.epoch {
            Some(e) if e > 0 => format!("{e}:{}", pkg.version),
            _ => pkg.version.clone(),
        },
        _ => pkg.version.clone(),
    }
}

/// One advisory that affects the installed version.
struct Hit<'a> {
    m: &'a AdvisoryMatch,
    advisory: Advisory,
    fixed: Option<Version>,
}

/// Version text → index into [`VersionCache::parsed`], or `None` when it does not parse.
type TextIndex = HashMap<Box<str>, Option<usize>>;

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
        let pos = match self.index.iter().position(|(s, _)| *s == scheme) {
            Some(pos) => pos,
            None => {
                self.index.push((scheme, HashMap::new()));
                self.index.len() - 1
            }
        };
        let map = &mut self.index[pos].1;
        if let Some(&found) = map.get(text) {
            return found;
        }
        let id = Version::parse(scheme, text).ok().map(|v| {
            self.parsed.push(v);
            self.parsed.len() - 1
        });
        map.insert(text.into(), id);
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
    matches: &'a [AdvisoryMatch],
    cache: &mut VersionCache,
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
        parsed: Vec::with_capacity(2),
        warned: false,
    };
    let mut hits = Vec::new();
    for m in matches {
        let entry = &m.affected;
        let mut affected = false;
        let mut fixed: Option<Version> = None;
        // Listed versions: the exact string, as the ecosystem publishes it. Only an entry
        // without ranges also compares by ordering (`1.0` = `1.0.0` in PEP 440), because
        // parsing every listed version of every record is the costliest part of matching
        // and the ranges already cover those versions.
        if m.listed {
            affected = true;
        } else if entry.ranges.is_empty() && m.listed_count > 0 {
            if let Some(v) = installed.get(scheme, &pkg.name, warnings) {
                affected = db.listed_versions(m)?.iter().any(|listed| {
                    Version::parse(scheme, listed).is_ok_and(|l| l.cmp(v) == Ordering::Equal)
                });
            }
        }
        for range in &entry.ranges {
            let range_scheme = match range.kind {
                RangeKind::Ecosystem => scheme,
                RangeKind::Semver => semver_scheme(scheme),
            };
            let Some(v) = installed.get(range_scheme, &pkg.name, warnings) else {
                continue;
            };
            match in_range(range_scheme, v, &range.events, cache) {
                Ok(Some(fix)) => {
                    affected = true;
                    // The highest fix of all ranges (the earlier one among equals).
                    if let Some(x) = fix {
                        if fixed.as_ref().is_none_or(|f| x > f) {
                            fixed = Some(x.clone());
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

/// The installed version, parsed once per scheme its ranges use (at most two).
struct Installed<'a> {
    text: &'a str,
    parsed: Vec<(Scheme, Option<Version>)>,
    warned: bool,
}

impl Installed<'_> {
    /// The version under `scheme`; `None` (with one warning per package) when it does not
    /// parse.
    fn get(&mut self, scheme: Scheme, name: &str, warnings: &mut Vec<String>) -> Option<&Version> {
        let i = match self.parsed.iter().position(|(s, _)| *s == scheme) {
            Some(i) => i,
            None => {
                let v = match Version::parse(scheme, self.text) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        if !self.warned {
                            warnings.push(format!(
                                "{name} {}: version not understood, not matched ({e})",
                                self.text
                            ));
                            self.warned = true;
                        }
                        None
                    }
                };
                self.parsed.push((scheme, v));
                self.parsed.len() - 1
            }
        };
        self.parsed[i].1.as_ref()
    }
}

/// Go ranges are SEMVER ranges over Go's `v`-less versions; npm and crates.io are SemVer too.
fn semver_scheme(ecosystem_scheme: Scheme) -> Scheme {
    match ecosystem_scheme {
        Scheme::Go => Scheme::Go,
        _ => Scheme::Semver,
    }
}

fn max_version(a: Option<Version>, b: Option<Version>) -> Option<Version> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b > a { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Places `v` in one OSV range. `Ok(Some(fixed))` when affected (`fixed` is the first fix
/// above `v`, if any), `Ok(None)` when not, `Err(version)` when an event does not parse.
/// Event versions are parsed through `cache`.
fn in_range<'c>(
    scheme: Scheme,
    v: &Version,
    events: &[Event],
    cache: &'c mut VersionCache,
) -> Result<Option<Option<&'c Version>>, String> {
    // `introduced: 0` is "from the very beginning" in every ecosystem (`None` below).
    let mut ids: Vec<(Option<usize>, &Event)> = Vec::with_capacity(events.len());
    for e in events {
        let text = match e {
            Event::Introduced(s) | Event::Fixed(s) | Event::LastAffected(s) | Event::Limit(s) => s,
        };
        let id = if matches!(e, Event::Introduced(_)) && text == "0" {
            None
        } else {
            Some(cache.intern(scheme, text).ok_or_else(|| text.clone())?)
        };
        ids.push((id, e));
    }
    let cache: &'c VersionCache = cache;
    let mut points: Vec<(Option<&'c Version>, &Event)> = Vec::with_capacity(ids.len());
    let mut any_limit = false;
    let mut below_limit = false;
    for (id, e) in ids {
        let at = id.map(|i| cache.get(i));
        match (e, at) {
            (Event::Limit(_), Some(l)) => {
                any_limit = true;
                below_limit |= v < l;
            }
            (Event::Limit(_), None) => {}
            (_, p) => points.push((p, e)),
        }
    }
    if any_limit && !below_limit {
        return Ok(None);
    }
    // `None` (zero) sorts first; records almost always list their events in order already.
    let before = |a: &Option<&Version>, b: &Option<&Version>| match (a, b) {
        (None, None) => Ordering::Equal,
        (None, _) => Ordering::Less,
        (_, None) => Ordering::Greater,
        (Some(a), Some(b)) => a.cmp(b),
    };
    if !points
        .windows(2)
        .all(|w| before(&w[0].0, &w[1].0) != Ordering::Greater)
    {
        points.sort_by(|(a, _), (b, _)| before(a, b));
    }
    let mut affected = false;
    let mut after: Option<usize> = None;
    for (i, (at, e)) in points.iter().enumerate() {
        match e {
            Event::Introduced(_) => {
                if at.is_none_or(|x| v >= x) {
                    affected = true;
                    after = Some(i);
                }
            }
            Event::Fixed(_) => {
                if at.is_some_and(|x| v >= x) {
                    affected = false;
                }
            }
            Event::LastAffected(_) => {
                if at.is_some_and(|x| v > x) {
                    affected = false;
                }
            }
            Event::Limit(_) => {}
        }
    }
    if !affected {
        return Ok(None);
    }
    // The fix is the first `fixed` event above the installed version after the introduction
    // that made it affected.
    let start = after.unwrap_or(0);
    let fix = points[start..].iter().find_map(|(at, e)| match (at, e) {
        (Some(x), Event::Fixed(_)) if *x > v => Some(*x),
        _ => None,
    });
    Ok(Some(fix))
}

/// CVSS vectors scored so far in one [`match_inventory`] call: advisories of many packages
/// carry the same vectors.
#[derive(Default)]
struct ScoreCache {
    by_vector: HashMap<(String, String, String), Result<CvssScore, VulnError>>,
}

impl ScoreCache {
    fn score(&mut self, kind: &str, vector: &str, source: &str) -> &Result<CvssScore, VulnError> {
        self.by_vector
            .entry((kind.to_string(), vector.to_string(), source.to_string()))
            .or_insert_with(|| cvss_score(kind, vector, source))
    }
}

/// Joins advisories of one package that share any ID into one finding each.
fn merge_aliases(
    pkg: &Package,
    ecosystem: &str,
    hits: Vec<Hit<'_>>,
    scores: &mut ScoreCache,
    warnings: &mut Vec<String>,
) -> Vec<Finding> {
    // Union-find over hits: two hits join when their ID sets intersect.
    let mut parent: Vec<usize> = (0..hits.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, h) in hits.iter().enumerate() {
        let ids = std::iter::once(&h.advisory.id).chain(&h.advisory.aliases);
        for id in ids {
            match owner.get(id.as_str()) {
                Some(&j) => {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    owner.insert(id.as_str(), i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<&Hit<'_>>> = BTreeMap::new();
    for (i, h) in hits.iter().enumerate() {
        groups.entry(root(&mut parent, i)).or_default().push(h);
    }
    groups
        .into_values()
        .map(|group| finding(pkg, ecosystem, &group, scores, warnings))
        .collect()
}

/// Builds one finding from a group of alias advisories.
fn finding(
    pkg: &Package,
    ecosystem: &str,
    group: &[&Hit<'_>],
    scores: &mut ScoreCache,
    warnings: &mut Vec<String>,
) -> Finding {
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    let mut advisories: Vec<String> = Vec::new();
    for h in group {
        advisories.push(h.advisory.id.clone());
        ids.insert(&h.advisory.id);
        ids.extend(h.advisory.aliases.iter().map(String::as_str));
    }
    advisories.sort();
    advisories.dedup();
    let id = ids
        .iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.iter().find(|i| i.starts_with("GHSA-")))
        .copied()
        .unwrap_or(advisories[0].as_str())
        .to_string();
    let aliases: Vec<String> = ids
        .iter()
        .filter(|i| **i != id)
        .map(|i| i.to_string())
        .collect();

    // Summaries written by people (GHSA, RustSec, Go, PyPA) read better than derived ones.
    let by_preference = |h: &&&Hit<'_>| {
        let a = &h.advisory.id;
        !(a.starts_with("GHSA-") || a.starts_with("RUSTSEC-") || a.starts_with("GO-"))
    };
    let mut ordered: Vec<&&Hit<'_>> = group.iter().collect();
    ordered.sort_by_key(by_preference);
    let title = ordered.iter().find_map(|h| h.advisory.summary.clone());
    let url = ordered
        .iter()
        .find_map(|h| h.advisory.url.clone())
        .or_else(|| default_url(ecosystem, &id));
    let published = group
        .iter()
        .filter_map(|h| h.advisory.published.clone())
        .min();

    let fixed = group
        .iter()
        .filter_map(|h| h.fixed.clone())
        .fold(None, |acc, v| max_version(acc, Some(v)));
    let status = if fixed.is_some() {
        Status::Fixed
    } else if group.iter().any(|h| h.m.affected.will_not_fix) {
        Status::WillNotFix
    } else {
        Status::Affected
    };

    let mut cvss: Vec<CvssScore> = Vec::new();
    let mut vendor: Vec<VendorSeverity> = Vec::new();
    for h in group {
        let source = h
            .advisory
            .id
            .split('-')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        for s in h.advisory.severity.iter().chain(&h.m.affected.severity) {
            if s.kind.starts_with("CVSS_") {
                match scores.score(&s.kind, &s.score, &source) {
                    Ok(c) if !cvss.iter().any(|x| x.vector == c.vector) => cvss.push(c.clone()),
                    Ok(_) => {}
                    Err(e) if s.kind != "CVSS_V2" => {
                        warnings.push(format!("advisory {}: {e}; score ignored", h.advisory.id))
                    }
                    Err(_) => {}
                }
            } else if let Ok(sev) = s.score.parse::<Severity>() {
                push_vendor(&mut vendor, s.kind.to_ascii_lowercase(), sev, &s.score);
            }
        }
        for r in [&h.advisory.vendor_severity, &h.m.affected.vendor_severity]
            .into_iter()
            .flatten()
        {
            if let Ok(sev) = r.value.parse::<Severity>() {
                push_vendor(&mut vendor, r.source.clone(), sev, &r.value);
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
        id,
        aliases,
        advisories,
        title,
        status,
        fixed_version: fixed.map(|v| v.as_str().to_string()),
        severity,
        cvss,
        vendor_severity: vendor,
        ecosystem: ecosystem.to_string(),
        url,
        published,
        suppressed: None,
    }
}

fn push_vendor(out: &mut Vec<VendorSeverity>, source: String, severity: Severity, raw: &str) {
    if !out.iter().any(|v| v.source == source && v.raw == raw) {
        out.push(VendorSeverity {
            source,
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

    fn check(scheme: Scheme, v: &str, events: &[(&str, &str)]) -> Option<Option<String>> {
        let v = Version::parse(scheme, v).unwrap();
        let mut cache = VersionCache::default();
        in_range(scheme, &v, &ev(events), &mut cache)
            .unwrap()
            .map(|f| f.map(|f| f.as_str().to_string()))
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
    fn unparseable_event_is_reported() {
        let v = Version::parse(Scheme::Semver, "1.0.0").unwrap();
        let mut cache = VersionCache::default();
        let bad = ev(&[("i", "0"), ("f", "not a version")]);
        assert!(in_range(Scheme::Semver, &v, &bad, &mut cache).is_err());
        // A second range with the same bad version is reported again (the cache keeps the
        // failure too).
        assert!(in_range(Scheme::Semver, &v, &bad, &mut cache).is_err());
    }
}
