//! Findings on the real fixture images against the real advisory snapshots
//! (../shared/fixtures). Expected findings come from tests/data/vuln/*.tsv, derived without
//! Bulwark by tests/data/vuln/expected.py (`dpkg --compare-versions`, Python `packaging`),
//! and, for Alpine, from the facts the fixture README states.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bulwark_image::{OpenOptions, Target};
use bulwark_inventory::{scan_image, AnalyzerRegistry, Inventory, ScanOptions};
use bulwark_vuln::{match_inventory, MatchOptions, Status, VulnReport};
use bulwark_vulndb::{import, VulnDb};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn scan(name: &str) -> Inventory {
    let target = shared().join("images").join(name).display().to_string();
    let source = Target::parse(&target)
        .unwrap()
        .open_image(&OpenOptions::default())
        .unwrap_or_else(|e| panic!("open {target}: {e}"));
    scan_image(
        source.as_ref(),
        &AnalyzerRegistry::builtin(),
        &ScanOptions::default(),
    )
    .unwrap_or_else(|e| panic!("scan {target}: {e}"))
    .inventory
}

/// One database with every snapshot, built once for all tests.
fn db() -> &'static Path {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = DB.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vulndb.sqlite");
        let a = shared().join("advisories");
        let sources: Vec<PathBuf> = [
            "osv/Debian/all.zip",
            "osv/PyPI/all.zip",
            "osv/crates.io/all.zip",
            "osv/npm/all.zip",
            "osv/Go/all.zip",
            "alpine-secdb/v3.7/main.yaml",
            "alpine-secdb/v3.7/community.yaml",
            "alpine-secdb/v3.10/main.yaml",
            "alpine-secdb/v3.10/community.yaml",
        ]
        .iter()
        .map(|p| a.join(p))
        .collect();
        import(&path, &sources).unwrap();
        (dir, path)
    });
    path
}

fn report(image: &str) -> VulnReport {
    let db = VulnDb::open(db()).unwrap();
    match_inventory(&db, &scan(image), &MatchOptions::default()).unwrap()
}

/// `(ecosystem, package, installed, advisory, fixed)` rows of the expected TSV.
fn expected(name: &str) -> BTreeSet<(String, String, String, String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/vuln")
        .join(format!("{name}.tsv"));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (
                c[0].into(),
                c[1].into(),
                c[2].into(),
                c[3].into(),
                c[4].into(),
            )
        })
        .collect()
}

#[test]
fn debian_app_findings_equal_the_independently_derived_ones() {
    let report = report("debian-12-app");
    let want = expected("debian-12-app");
    // One row per matched advisory record, as the TSV has them.
    let mut ours = BTreeSet::new();
    for f in &report.findings {
        if !["Debian:12", "PyPI", "crates.io"].contains(&f.ecosystem.as_str()) {
            continue;
        }
        for adv in &f.advisories {
            ours.insert((
                f.ecosystem.clone(),
                f.package.name.clone(),
                f.package.version.clone(),
                adv.clone(),
                f.fixed_version.clone().unwrap_or_else(|| "-".into()),
            ));
        }
    }
    let missing: Vec<_> = want.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    // The famous ones, spelled out.
    let has = |pkg: &str, id: &str| {
        report
            .findings
            .iter()
            .any(|f| f.package.name == pkg && f.ids().any(|i| i == id))
    };
    assert!(has("time", "RUSTSEC-2020-0071"));
    assert!(has("smallvec", "RUSTSEC-2021-0003"));
    assert!(has("lodash", "GHSA-jf85-cpcp-j695"));
    assert!(has("minimist", "GHSA-xvch-5gv4-984h"));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn aliases_merge_into_one_finding_with_every_id() {
    let report = report("debian-12-app");
    // Debian records name the CVE as `upstream`: shown once, with both IDs.
    let f = report
        .findings
        .iter()
        .find(|f| f.package.name == "libexpat1" && f.id == "CVE-2024-28757")
        .expect("expat CVE-2024-28757");
    assert_eq!(f.aliases, ["DEBIAN-CVE-2024-28757"]);
    assert_eq!(f.status, Status::Fixed);
    assert_eq!(f.fixed_version.as_deref(), Some("2.5.0-1+deb12u4"));
    assert_eq!(f.package.source_name.as_deref(), Some("expat"));
    assert_eq!(f.package.layer.as_ref().map(|l| l.index), Some(1));
    // No package shows the same ID twice.
    let mut seen = BTreeSet::new();
    for f in &report.findings {
        for id in f.ids() {
            assert!(
                seen.insert((
                    f.package.name.clone(),
                    f.package.version.clone(),
                    id.to_string()
                )),
                "{} {} shows {id} twice",
                f.package.name,
                f.package.version
            );
        }
    }
    // The PyPA records of PyYAML carry CVE aliases; the finding leads with the CVE.
    let yaml: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.package.name == "PyYAML")
        .collect();
    assert!(!yaml.is_empty());
    assert!(yaml.iter().all(|f| f.id.starts_with("CVE-")), "{yaml:#?}");
    assert!(yaml
        .iter()
        .any(|f| f.aliases.iter().any(|a| a.starts_with("PYSEC-"))));
}

#[test]
fn alpine_3_7_3_has_exactly_the_musl_cve_and_3_10_3_none() {
    // Facts stated in ../shared/fixtures/advisories/README.md: 3.7.3's musl 1.1.18-r3 is
    // affected by CVE-2019-14697 (fixed in 1.1.18-r4); 3.10.3's musl 1.1.22-r3 *is* the fix.
    let r = report("alpine-3.7.3");
    let ids: Vec<(&str, &str, &str)> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.package.name.as_str(),
                f.id.as_str(),
                f.fixed_version.as_deref().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        ids.iter()
            .all(|(p, id, fix)| ["musl", "musl-utils"].contains(p)
                && *id == "CVE-2019-14697"
                && *fix == "1.1.18-r4"),
        "{ids:?}"
    );
    assert!(ids.iter().any(|(p, _, _)| *p == "musl"), "{ids:?}");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);

    let r = report("alpine-3.10.3");
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn an_os_without_advisories_is_a_warning_not_a_clean_result() {
    // alpine 3.19 has no secdb in the database: say so instead of reporting nothing.
    let r = report("alpine-3.19.4");
    assert!(r.findings.is_empty());
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("no Alpine:v3.19 advisories")),
        "{:?}",
        r.warnings
    );
}
