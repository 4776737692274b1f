//! Inventories of the real fixture images (../shared/fixtures/images) equal Syft's reference
//! output (tests/data/syft/*.tsv, made by tests/data/syft/refresh.sh), in every image form.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulwark_image::{LayerCache, OpenOptions, Target};
use bulwark_inventory::{scan_image, AnalyzerRegistry, Inventory, ScanOptions};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    let p = workspace().join("../shared/fixtures/images").join(name);
    assert!(
        p.exists(),
        "fixture {} is missing: the shared fixtures must sit beside the repository (../shared)",
        p.display()
    );
    p
}

fn scan(target: &str, cache: Option<&LayerCache>) -> Inventory {
    let source = Target::parse(target)
        .unwrap()
        .open_image(&OpenOptions::default())
        .unwrap_or_else(|e| panic!("open {target}: {e}"));
    let opts = ScanOptions {
        cache,
        ..ScanOptions::default()
    };
    scan_image(source.as_ref(), &AnalyzerRegistry::builtin(), &opts)
        .unwrap_or_else(|e| panic!("scan {target}: {e}"))
        .inventory
}

/// The same columns extract.py writes for Syft.
fn rows(inv: &Inventory) -> BTreeSet<String> {
    inv.packages
        .iter()
        .filter(|p| p.kind.is_os())
        .map(|p| {
            let kind = serde_json::to_value(p.kind).unwrap();
            let source = p.source_name.clone().unwrap_or_default();
            [
                kind.as_str().unwrap(),
                &p.name,
                &p.version,
                p.arch.as_deref().unwrap_or(""),
                // dpkg omits `Source:` when it equals the package name; Syft then leaves it empty.
                if source == p.name
                    && p.source_version.is_none()
                    && p.kind == bulwark_inventory::PackageKind::Deb
                {
                    ""
                } else {
                    &source
                },
                p.source_version.as_deref().unwrap_or(""),
                p.layer
                    .as_ref()
                    .and_then(|l| l.diff_id.as_deref())
                    .unwrap_or(""),
            ]
            .join("\t")
        })
        .collect()
}

fn syft(name: &str) -> BTreeSet<String> {
    let path = workspace()
        .join("tests/data/syft")
        .join(format!("{name}.tsv"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// Where Syft is wrong, checked by hand; each entry is (Syft's row, the correct row).
const SYFT_ERRORS: &[(&str, &str, &str)] = &[(
    // libncursesw6 is not in layer 1's dpkg status (96 packages, none of them it) and none of its
    // files are in layer 1: it arrives with layer 2. Syft takes the layer of the copyright file it
    // reaches through the symlink usr/share/doc/libncursesw6 -> ncurses-base, which is layer 1's.
    "deb\tlibncursesw6\t6.4-4\tamd64\tncurses\t\tsha256:629d91b9761a6529d832264f52da0f326cc0581a3b939f8a02689cc2a6e2cedd",
    "deb\tlibncursesw6\t6.4-4\tamd64\tncurses\t\tsha256:89d73d6b6239b1d6e2e030d7e9ca69a0e625e57fcfbafa6bd124318f95e74773",
    "layer of libncursesw6",
)];

fn assert_same(ours: &BTreeSet<String>, theirs: &BTreeSet<String>, what: &str) {
    let mut theirs = theirs.clone();
    for (wrong, right, _) in SYFT_ERRORS {
        if theirs.remove(*wrong) {
            theirs.insert(right.to_string());
        }
    }
    let theirs = &theirs;
    let only_ours: Vec<_> = ours.difference(theirs).collect();
    let only_syft: Vec<_> = theirs.difference(ours).collect();
    assert!(
        only_ours.is_empty() && only_syft.is_empty(),
        "{what}: only bulwark: {only_ours:#?}\nonly syft: {only_syft:#?}"
    );
}

#[test]
fn alpine_images_match_syft_in_oci_and_docker_archive_form() {
    for (name, version) in [
        ("alpine-3.7.3", "3.7.3"),
        ("alpine-3.10.3", "3.10.3"),
        ("alpine-3.19.4", "3.19.4"),
    ] {
        let expected = syft(name);
        let oci = scan(&fixture(name).display().to_string(), None);
        assert_same(&rows(&oci), &expected, &format!("{name} (OCI layout)"));
        let os = oci.os.as_ref().expect("alpine detected");
        assert_eq!(
            (os.id.as_str(), os.version_id.as_deref()),
            ("alpine", Some(version))
        );
        let tar = fixture(&format!("{name}.tar"));
        let archive = scan(&tar.display().to_string(), None);
        // The archive holds the same image with uncompressed layers: same diff_ids.
        assert_same(
            &rows(&archive),
            &expected,
            &format!("{name} (docker-archive)"),
        );
    }
}

#[test]
fn debian_app_matches_syft_and_attributes_layers() {
    let inv = scan(
        &format!("oci:{}:latest", fixture("debian-12-app").display()),
        None,
    );
    assert_same(&rows(&inv), &syft("debian-12-app"), "debian-12-app");
    let os = inv.os.as_ref().unwrap();
    assert_eq!(
        (
            os.id.as_str(),
            os.version_id.as_deref(),
            os.codename.as_deref()
        ),
        ("debian", Some("12"), Some("bookworm"))
    );
    let sshd = inv
        .packages
        .iter()
        .find(|p| p.name == "openssh-server")
        .unwrap();
    assert_eq!(
        sshd.layer.as_ref().unwrap().index,
        1,
        "openssh-server comes with layer 2"
    );
    assert!(
        sshd.files.iter().any(|f| f == "/usr/sbin/sshd"),
        "file list from info/openssh-server.list"
    );
}

#[test]
fn layer_cache_gives_the_same_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(dir.path()).unwrap();
    let target = fixture("alpine-3.19.4").display().to_string();
    let cold = scan(&target, Some(&cache));
    let warm = scan(&target, Some(&cache));
    assert_eq!(cold, warm);
    // The docker-archive shares the layer (same diff_id): served from the cache too.
    let source = Target::parse(&fixture("alpine-3.19.4.tar").display().to_string())
        .unwrap()
        .open_image(&OpenOptions::default())
        .unwrap();
    let outcome = scan_image(
        source.as_ref(),
        &AnalyzerRegistry::builtin(),
        &ScanOptions {
            cache: Some(&cache),
            ..ScanOptions::default()
        },
    )
    .unwrap();
    assert_eq!(outcome.cached_layers, 1);
    assert_eq!(outcome.inventory, cold);
}

/// Without `keep_view`, an unchanged image (same layers, same analyzers) is served from the
/// cached merge result: nothing is decoded or stacked again, so the view comes back empty,
/// and the inventory is the cold one.
#[test]
fn merge_result_cache_serves_an_unchanged_image() {
    let dir = tempfile::tempdir().unwrap();
    let cache = LayerCache::open(dir.path()).unwrap();
    let target = fixture("debian-12-app").display().to_string();
    let source = Target::parse(&target)
        .unwrap()
        .open_image(&OpenOptions::default())
        .unwrap();
    let run = |registry: &AnalyzerRegistry, keep_view: bool| {
        let opts = ScanOptions {
            cache: Some(&cache),
            keep_view,
            ..ScanOptions::default()
        };
        scan_image(source.as_ref(), registry, &opts).unwrap()
    };
    let sbom = AnalyzerRegistry::sbom();
    let cold = run(&sbom, false);
    assert_eq!(cold.cached_layers, 0);
    assert!(
        cold.view.iter().count() > 8000,
        "a cold scan still builds the view"
    );
    let warm = run(&sbom, false);
    assert_eq!(warm.cached_layers, 4);
    assert_eq!(warm.view.iter().count(), 0, "served from the merge cache");
    assert_eq!(warm.inventory, cold.inventory);
    assert_eq!(warm.secrets, cold.secrets);
    // A caller that needs the view gets it, from the layer entries.
    let with_view = run(&sbom, true);
    assert_eq!(with_view.cached_layers, 4);
    assert_eq!(with_view.view.iter().count(), cold.view.iter().count());
    assert_eq!(with_view.inventory, cold.inventory);
    // Another analyzer set is another result: merged afresh (its layers are read cold).
    let full = run(&AnalyzerRegistry::builtin(), false);
    assert_eq!(full.cached_layers, 0);
    assert!(full.view.iter().count() > 8000);
    assert!(
        !full.inventory.code.is_empty(),
        "reachability facts only in the full set"
    );
    assert!(cold.inventory.code.is_empty());
    let full_warm = run(&AnalyzerRegistry::builtin(), false);
    assert_eq!(full_warm.view.iter().count(), 0);
    assert_eq!(full_warm.inventory, full.inventory);
    assert_eq!(
        full_warm.inventory.config_files, full.inventory.config_files,
        "config files survive the cache (not part of the inventory's serde form)"
    );
}

#[test]
fn debian_app_as_docker_archive_made_by_skopeo() {
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("app.tar");
    let status = Command::new("skopeo")
        .arg("copy")
        .arg(format!("oci:{}:latest", fixture("debian-12-app").display()))
        .arg(format!("docker-archive:{}:demo/app:latest", tar.display()))
        .arg("-q")
        .status()
        .expect("skopeo is needed (apt-get install skopeo)");
    assert!(status.success());
    let inv = scan(&tar.display().to_string(), None);
    assert_same(
        &rows(&inv),
        &syft("debian-12-app"),
        "debian-12-app (docker-archive)",
    );
}

/// Licenses from `usr/share/doc/<package>/copyright`. The expected names were read from the
/// image itself: the copyright files sit in layers `7f1e4747…` (base) and `52ed67be…` (the
/// ssh/python layer) under ../shared/fixtures/images/debian-12-app/blobs/sha256, e.g.
/// `tar xzf <blob> --wildcards '*usr/share/doc/*/copyright'`, then for the DEP-5 files
/// (bash, libssl3) `grep '^License:' usr/share/doc/<pkg>/copyright` in file order, and for
/// the free-form ones (libc6, gcc-12-base) `grep -oE
/// '^License: \S*|/usr/share/common-licenses/[0-9A-Za-z_.-]+'`. `tar tzvf` shows the doc
/// directory symlink `usr/share/doc/libgcc-s1 -> gcc-12-base`.
#[test]
fn debian_app_deb_licenses_come_from_copyright_files() {
    let inv = scan(
        &format!("oci:{}:latest", fixture("debian-12-app").display()),
        None,
    );
    let licenses = |name: &str| -> Vec<&str> {
        inv.packages
            .iter()
            .find(|p| p.kind == bulwark_inventory::PackageKind::Deb && p.name == name)
            .unwrap_or_else(|| panic!("{name} is installed"))
            .licenses
            .iter()
            .map(String::as_str)
            .collect()
    };
    assert_eq!(
        licenses("bash"),
        [
            "GPL-3+",
            "GPL-3+ with Bison exception",
            "GPL-2+",
            "GFDL-NIV-1.3",
            "Latex2e",
            "BSD-4-clause-UC",
            "MIT-like",
            "permissive",
        ]
    );
    assert_eq!(licenses("libssl3"), ["Apache-2.0", "Artistic", "GPL-1+"]);
    assert_eq!(licenses("libc6"), ["LGPL-2.1", "GPL-2"]);
    assert_eq!(
        licenses("libgcc-s1"),
        ["GPL", "GPL-3", "GFDL-1.2", "GPL-2", "Artistic", "LGPL"],
        "through the doc directory symlink to gcc-12-base"
    );
    let debs: Vec<_> = inv
        .packages
        .iter()
        .filter(|p| p.kind == bulwark_inventory::PackageKind::Deb)
        .collect();
    let without: Vec<_> = debs
        .iter()
        .filter(|p| p.licenses.is_empty())
        .map(|p| p.name.as_str())
        .collect();
    assert!(
        without.len() * 10 < debs.len(),
        "most Debian packages have licenses; without: {without:?}"
    );
}
