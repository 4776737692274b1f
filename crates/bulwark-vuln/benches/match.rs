//! Matching speed on real data: the debian-12-app inventory (139 packages) and a 1,000-package
//! inventory (that image plus PyPI packages named in the PyPI snapshot, each at a version
//! inside its advisories' ranges), against a database of every fixture snapshot.
//!
//! Goals (issue 3): 1,000 packages matched in < 20 ms warm; opening the database plus
//! matching adds < 100 ms to a scan. Run with `cargo bench -p bulwark-vuln --bench match`;
//! `bench/vulndb.sh` records the numbers.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use bulwark_image::{OpenOptions, Target};
use bulwark_inventory::{
    scan_image, AnalyzerRegistry, Inventory, Package, PackageKind, ScanOptions,
};
use bulwark_vuln::{match_inventory, MatchOptions};
use bulwark_vulndb::{import, VulnDb};
use criterion::{criterion_group, criterion_main, Criterion};

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn inventory() -> Inventory {
    let target = shared().join("images/debian-12-app").display().to_string();
    let source = Target::parse(&target)
        .unwrap()
        .open_image(&OpenOptions::default())
        .unwrap();
    scan_image(
        source.as_ref(),
        &AnalyzerRegistry::builtin(),
        &ScanOptions::default(),
    )
    .unwrap()
    .inventory
}

/// Language packages named in the PyPI, crates.io and Go snapshots, each at a version its
/// advisory calls affected (the first listed version, else 0.0.1, inside `introduced: 0`
/// ranges), so every lookup also evaluates ranges.
fn language_packages(limit: usize) -> Vec<Package> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (eco, kind) in [
        ("PyPI", PackageKind::Python),
        ("crates.io", PackageKind::Cargo),
        ("Go", PackageKind::Go),
    ] {
        let file =
            std::fs::File::open(shared().join("advisories/osv").join(eco).join("all.zip")).unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        for i in 0..zip.len() {
            if out.len() >= limit {
                return out;
            }
            let mut bytes = Vec::new();
            zip.by_index(i).unwrap().read_to_end(&mut bytes).unwrap();
            let Ok(Some((_, entries))) = bulwark_vulndb::parse_osv_record(&bytes) else {
                continue;
            };
            for e in entries {
                if seen.insert((kind, e.package.clone())) {
                    let v = e
                        .versions
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "0.0.1".into());
                    out.push(Package::new(kind, e.package, v, "bench/manifest"));
                }
            }
        }
    }
    out.truncate(limit);
    out
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vulndb.sqlite");
    let a = shared().join("advisories");
    let sources: Vec<PathBuf> = [
        "osv/Debian/all.zip",
        "osv/PyPI/all.zip",
        "osv/crates.io/all.zip",
        "osv/npm/all.zip",
        "osv/Go/all.zip",
    ]
    .iter()
    .map(|p| a.join(p))
    .collect();
    import(&db_path, &sources).unwrap();
    let app = inventory();
    let mut big = app.clone();
    big.packages
        .extend(language_packages(1000 - app.packages.len()));
    big.packages.truncate(1000);
    assert_eq!(big.packages.len(), 1000);

    // The same names at a version past every fix: every lookup finds records and evaluates
    // their ranges, but few findings result, as in an image that is mostly up to date.
    let mut current = big.clone();
    for p in current.packages.iter_mut().filter(|p| !p.kind.is_os()) {
        p.version = "99999.0.0".into();
    }
    let db = VulnDb::open(&db_path).unwrap();
    let few = match_inventory(&db, &current, &MatchOptions::default())
        .unwrap()
        .findings
        .len();
    eprintln!("1,000 packages, up to date: {few} findings");
    let found = match_inventory(&db, &big, &MatchOptions::default())
        .unwrap()
        .findings
        .len();
    eprintln!("1,000 packages: {found} findings");
    let mut g = c.benchmark_group("match");
    g.bench_function("1000-packages-warm", |b| {
        b.iter(|| match_inventory(&db, &big, &MatchOptions::default()).unwrap())
    });
    g.bench_function("1000-packages-up-to-date-warm", |b| {
        b.iter(|| match_inventory(&db, &current, &MatchOptions::default()).unwrap())
    });
    g.bench_function("debian-12-app-warm", |b| {
        b.iter(|| match_inventory(&db, &app, &MatchOptions::default()).unwrap())
    });
    // What a scan pays: open the file (schema check, metadata) and match, with fresh
    // statement caches each time.
    g.bench_function("debian-12-app-open-and-match", |b| {
        b.iter(|| {
            let db = VulnDb::open(&db_path).unwrap();
            match_inventory(&db, &app, &MatchOptions::default()).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
