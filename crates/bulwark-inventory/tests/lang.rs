//! Language packages (Python, npm, Cargo) of the real fixture image `debian-12-app`
//! (../shared/fixtures/images, see its README), and the scan's handling of broken and
//! oversized language manifests.
//!
//! Expectations come from the fixture's recipe and from reading its layer 3 with `tar`, never
//! from bulwark itself:
//! - Python: the 8 pins of the README, with the `*.dist-info` directory names as
//!   `tar -tzf blobs/sha256/df86d63b…e4a0ba4e | grep 'dist-info/METADATA$'` lists them and the
//!   display names as each METADATA's `Name:` header gives them; `app/requirements.txt`
//!   (`tar -xzOf blobs/sha256/df86d63b…e4a0ba4e app/requirements.txt`) pins the same 8 with
//!   the same spellings, so those pins and the installed copies are one package each;
//! - npm: `app/web/package.json` pins lodash 4.17.4 and minimist 0.0.8, and the v3
//!   `package-lock.json` lists exactly those two (plus the root project entry);
//! - Cargo: the `[[package]]` entries with a `source` in `app/rust/Cargo.lock`, from
//!   `tar -xzOf blobs/sha256/df86d63b…e4a0ba4e app/rust/Cargo.lock | python3 -c 'import sys,
//!   tomllib; print(sorted((p["name"], p["version"]) for p in tomllib.load(sys.stdin.buffer)
//!   ["package"] if "source" in p))'` (the root crate `demo-worker` has none: it is local code).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bulwark_image::{OpenOptions, Target};
use bulwark_inventory::{
    normalized_name, scan_image, scan_rootfs, AnalyzerRegistry, Inventory, Package, PackageKind,
    ScanOptions,
};

/// diff_id of `debian-12-app`'s layer 3 (`/app`), from the fixture README.
const APP_LAYER: &str = "sha256:79429eb4f1d34267055bd12aa11a903f9b6c9703dd800a7a9059e05d1dcf3b74";

/// (display name, version, dist-info directory) of the `pip install --target` pins.
const PYTHON: &[(&str, &str, &str)] = &[
    ("Jinja2", "2.10", "Jinja2-2.10.dist-info"),
    ("MarkupSafe", "1.1.1", "markupsafe-1.1.1.dist-info"),
    ("PyYAML", "5.3", "pyyaml-5.3.dist-info"),
    ("certifi", "2018.4.16", "certifi-2018.4.16.dist-info"),
    ("chardet", "3.0.4", "chardet-3.0.4.dist-info"),
    ("idna", "2.7", "idna-2.7.dist-info"),
    ("requests", "2.19.1", "requests-2.19.1.dist-info"),
    ("urllib3", "1.23", "urllib3-1.23.dist-info"),
];

/// The `npm install`ed packages.
const NPM: &[(&str, &str)] = &[("lodash", "4.17.4"), ("minimist", "0.0.8")];

/// The third-party crates of `app/rust/Cargo.lock` (see the module comment for how).
const CARGO: &[(&str, &str)] = &[
    ("libc", "0.2.191"),
    ("smallvec", "1.6.0"),
    ("time", "0.1.43"),
    ("winapi", "0.3.9"),
    ("winapi-i686-pc-windows-gnu", "0.4.0"),
    ("winapi-x86_64-pc-windows-gnu", "0.4.0"),
];

fn fixture(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/images")
        .join(name);
    assert!(
        p.exists(),
        "fixture {} is missing: the shared fixtures must sit beside the repository (../shared)",
        p.display()
    );
    p
}

/// The inventory of `debian-12-app`, scanned once for all tests of this file.
fn app() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| {
        let target = format!("oci:{}:latest", fixture("debian-12-app").display());
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
    })
}

fn of_kind(inv: &Inventory, kind: PackageKind) -> Vec<&Package> {
    inv.packages.iter().filter(|p| p.kind == kind).collect()
}

fn name_versions(packages: &[&Package]) -> BTreeSet<(String, String)> {
    packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

fn expected(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Every package of the list comes from the `/app` layer (index 2).
fn assert_app_layer(packages: &[&Package]) {
    for p in packages {
        let layer = p
            .layer
            .as_ref()
            .unwrap_or_else(|| panic!("{p:?} has no layer"));
        assert_eq!(
            (layer.index, layer.diff_id.as_deref()),
            (2, Some(APP_LAYER)),
            "{} {}",
            p.name,
            p.version
        );
    }
}

#[test]
fn python_distributions_from_dist_info() {
    let python = of_kind(app(), PackageKind::Python);
    let want: Vec<(&str, &str, String)> = PYTHON
        .iter()
        .map(|(n, v, dir)| (*n, *v, format!("/app/site-packages/{dir}/METADATA")))
        .collect();
    let mut got: Vec<(&str, &str, String)> = python
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.found_in.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got, want,
        "exactly the 8 pins, each once: the installed copies under /app win over \
         /app/requirements.txt's pins of the same versions"
    );
    assert_app_layer(&python);

    let by_name = |n: &str| {
        python
            .iter()
            .find(|p| normalized_name(PackageKind::Python, &p.name) == n)
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    // Licenses: the `License:` header of each METADATA.
    assert_eq!(by_name("requests").licenses, vec!["Apache 2.0"]);
    assert_eq!(by_name("pyyaml").licenses, vec!["MIT"]);
    assert_eq!(by_name("certifi").licenses, vec!["MPL-2.0"]);
    // Files: RECORD, made absolute.
    let requests = by_name("requests");
    for f in [
        "/app/site-packages/requests/api.py",
        "/app/site-packages/requests-2.19.1.dist-info/METADATA",
    ] {
        assert!(
            requests.files.iter().any(|x| x == f),
            "{f} not in {:?}",
            requests.files
        );
    }
    assert!(
        python.iter().all(|p| !p.files.is_empty()),
        "every dist-info has a RECORD"
    );
}

/// The bytes of `path` in layer `index` of `debian-12-app`, read with bulwark-image's own
/// layer walker (the fixture is read in place, never copied).
fn fixture_file(index: usize, path: &str) -> Vec<u8> {
    let target = format!("oci:{}:latest", fixture("debian-12-app").display());
    let source = Target::parse(&target)
        .unwrap()
        .open_image(&OpenOptions::default())
        .unwrap();
    let mut found = None;
    let mut visit = |m: &bulwark_image::EntryMeta,
                     r: &mut dyn std::io::Read|
     -> Result<(), bulwark_image::ImageError> {
        if m.path == path {
            found = Some(bulwark_image::read_entry(r, path)?);
        }
        Ok(())
    };
    bulwark_image::walk_layer(
        source.open_layer(index).unwrap(),
        None,
        "layer",
        &bulwark_image::Limits::default(),
        &mut visit,
    )
    .unwrap();
    found.unwrap_or_else(|| panic!("{path} is not in layer {index}"))
}

#[test]
fn requirements_txt_pins_the_same_packages_that_count_once() {
    // Alone (no site-packages beside it), /app/requirements.txt yields the 8 pins...
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/requirements.txt",
        &fixture_file(2, "app/requirements.txt"),
    );
    let inv = scan_rootfs(
        dir.path(),
        &AnalyzerRegistry::builtin(),
        &ScanOptions::default(),
    )
    .unwrap()
    .inventory;
    let mut got: Vec<(&str, &str, &str)> = inv
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.found_in.as_str()))
        .collect();
    got.sort();
    let want: Vec<(&str, &str, &str)> = PYTHON
        .iter()
        .map(|(n, v, _)| (*n, *v, "/app/requirements.txt"))
        .collect();
    assert_eq!(got, want);
    // ...which in the image are the installed distributions below /app: counted once,
    // from their METADATA (python_distributions_from_dist_info checks exactly which).
    assert!(of_kind(app(), PackageKind::Python)
        .iter()
        .all(|p| p.found_in != "/app/requirements.txt"));
}

#[test]
fn npm_packages_from_node_modules_not_twice_from_the_lockfile() {
    let npm = of_kind(app(), PackageKind::Npm);
    assert_eq!(name_versions(&npm), expected(NPM));
    assert_eq!(npm.len(), NPM.len(), "each package once: {npm:#?}");
    for p in &npm {
        assert_eq!(
            p.found_in,
            format!("/app/web/node_modules/{}/package.json", p.name),
            "the installed copy wins over /app/web/package-lock.json"
        );
        assert_eq!(p.licenses, vec!["MIT"]);
    }
    assert_app_layer(&npm);
}

#[test]
fn crates_from_cargo_lock() {
    let crates = of_kind(app(), PackageKind::Cargo);
    assert_eq!(name_versions(&crates), expected(CARGO));
    assert_eq!(crates.len(), CARGO.len());
    assert!(crates.iter().all(|p| p.found_in == "/app/rust/Cargo.lock"));
    assert_app_layer(&crates);
}

#[test]
fn no_other_language_packages_and_no_warnings() {
    let inv = app();
    let kinds: BTreeSet<PackageKind> = inv
        .packages
        .iter()
        .filter(|p| !p.kind.is_os())
        .map(|p| p.kind)
        .collect();
    // Go: the toolchain (`stdlib`) of /app/bin/registry, a GOPATH build without modules
    // (tests/binaries.rs checks it against `go version -m`).
    assert_eq!(
        kinds,
        BTreeSet::from([
            PackageKind::Python,
            PackageKind::Npm,
            PackageKind::Cargo,
            PackageKind::Go
        ])
    );
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    // The OS packages are still all there (tests/fixtures.rs checks them against Syft).
    assert_eq!(of_kind(inv, PackageKind::Deb).len(), 123);
}

fn write(root: &Path, path: &str, content: &[u8]) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

#[test]
fn broken_and_oversized_manifests_are_warnings_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "a/node_modules/bad/package.json",
        b"{\"name\": \"bad\",",
    );
    write(
        root,
        "a/node_modules/good/package.json",
        br#"{"name":"good","version":"1.0.0"}"#,
    );
    write(root, "a/package-lock.json", b"\xff\xfe not json");
    write(root, "b/Cargo.lock", b"[[package]]\nname = \"x\"\n");
    write(root, "c/x-1.dist-info/METADATA", b"Summary: no name\n");
    // Over the 16 MiB cap: skipped unread.
    write(root, "d/Cargo.lock", &vec![b'#'; (16 << 20) + 1]);
    // A project whose node_modules is absent: the lockfile is all there is.
    write(
        root,
        "e/package-lock.json",
        br#"{"lockfileVersion":3,"packages":{"":{"name":"e"},"node_modules/left-pad":{"version":"1.3.0"}}}"#,
    );

    let inv = scan_rootfs(root, &AnalyzerRegistry::builtin(), &ScanOptions::default())
        .expect("broken language files never fail the scan")
        .inventory;
    let got: Vec<(PackageKind, &str, &str, &str)> = inv
        .packages
        .iter()
        .map(|p| {
            (
                p.kind,
                p.name.as_str(),
                p.version.as_str(),
                p.found_in.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                PackageKind::Npm,
                "good",
                "1.0.0",
                "/a/node_modules/good/package.json"
            ),
            (
                PackageKind::Npm,
                "left-pad",
                "1.3.0",
                "/e/package-lock.json"
            ),
        ]
    );
    let mut warned: Vec<&str> = inv
        .warnings
        .iter()
        .map(|w| w.split(": skipped: ").next().unwrap())
        .collect();
    warned.sort();
    assert_eq!(
        warned,
        vec![
            "/a/node_modules/bad/package.json",
            "/a/package-lock.json",
            "/b/Cargo.lock",
            "/c/x-1.dist-info/METADATA",
            "/d/Cargo.lock",
        ],
        "{:#?}",
        inv.warnings
    );
    assert!(
        inv.warnings.iter().any(|w| w
            .starts_with("/d/Cargo.lock: skipped: 16777217 bytes is over the 16777216-byte limit")),
        "{:#?}",
        inv.warnings
    );
}

#[test]
fn language_facts_survive_the_layer_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = bulwark_image::LayerCache::open(dir.path()).unwrap();
    let target = format!("oci:{}:latest", fixture("debian-12-app").display());
    let scan = || {
        let source = Target::parse(&target)
            .unwrap()
            .open_image(&OpenOptions::default())
            .unwrap();
        scan_image(
            source.as_ref(),
            &AnalyzerRegistry::builtin(),
            &ScanOptions {
                cache: Some(&cache),
                ..ScanOptions::default()
            },
        )
        .unwrap()
    };
    let cold = scan();
    let warm = scan();
    assert_eq!(warm.cached_layers, 4);
    assert_eq!(&cold.inventory, app());
    assert_eq!(warm.inventory, cold.inventory);
}
