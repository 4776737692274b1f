//! Packages compiled into binaries and archives: Go build info (the real fixture image's
//! Debian docker-registry binary, and the binaries of tests/data/lang/go in every layout),
//! go.mod files, a `cargo auditable` Rust binary and Java archives.
//!
//! Expectations come from the reference tools, never from Bulwark: `go version -m` and
//! `go mod edit -json` for Go, `rust-audit-info` for the Rust binary (their outputs are
//! stored beside the data, see each directory's README), and `unzip -p` of the archives'
//! pom.properties and manifests for Java. This file applies the documented rules to those
//! outputs: a `dep` counts as its `=>` replacement, directory replacements and `(devel)`
//! versions are local code, `stdlib` is the toolchain version without `go`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bulwark_image::{OpenOptions, Target};
use bulwark_inventory::{
    scan_image, scan_rootfs, AnalyzerRegistry, Inventory, Package, PackageKind, ScanOptions,
};
use serde_json::Value;

type NameVersion = (String, String);

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lang")
        .join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The inventory of the shared fixture image `debian-12-app`, scanned once.
fn app() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/images/debian-12-app");
        assert!(
            dir.exists(),
            "the shared fixtures must sit beside the repository"
        );
        let target = format!("oci:{}:latest", dir.display());
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
    })
}

/// Writes `bytes` to `root/rel` with permission bits `mode`.
fn put(root: &Path, rel: &str, bytes: &[u8], mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A committed test binary, decompressed.
fn binary(rel: &str) -> Vec<u8> {
    let compressed = std::fs::read(data(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    zstd::decode_all(&compressed[..]).unwrap()
}

fn scan_dir(root: &Path) -> Inventory {
    scan_rootfs(root, &AnalyzerRegistry::builtin(), &ScanOptions::default())
        .unwrap()
        .inventory
}

/// (name, version) of the packages of `kind` found in `found_in`.
fn found_in(inv: &Inventory, kind: PackageKind, found_in: &str) -> BTreeSet<NameVersion> {
    inv.packages
        .iter()
        .filter(|p| p.kind == kind && p.found_in == found_in)
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

/// The packages `go version -m` output (as stored in tests/data/lang/go/expected) stands for.
fn expected_from_go_version_m(text: &str) -> BTreeSet<NameVersion> {
    let mut lines = text.lines();
    let go = lines.next().unwrap();
    // `go1.19.8` → `1.19.8` (all toolchains here are three-part releases).
    let mut out = BTreeSet::from([(
        "stdlib".to_string(),
        go.trim_start_matches("go").to_string(),
    )]);
    // Each module line with its replacement, if the next line is one.
    let mut modules: Vec<(Vec<&str>, Option<Vec<&str>>)> = Vec::new();
    for line in lines {
        let cols: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        match cols[0] {
            "mod" | "dep" => modules.push((cols[1..].to_vec(), None)),
            "=>" => modules.last_mut().unwrap().1 = Some(cols[1..].to_vec()),
            _ => {}
        }
    }
    for (module, replacement) in modules {
        let compiled = replacement.unwrap_or(module);
        let (path, version) = (compiled[0], compiled[1]);
        if !path.starts_with('.') && version != "(devel)" {
            out.insert((path.to_string(), version.to_string()));
        }
    }
    out
}

#[test]
fn debian_registry_binary_is_what_go_version_m_says() {
    let text = read("go/expected/debian-12-app-registry.txt");
    let want = expected_from_go_version_m(&text);
    // A GOPATH build: no module lines, only the toolchain.
    assert_eq!(want, BTreeSet::from([("stdlib".into(), "1.19.8".into())]));
    let inv = app();
    assert_eq!(found_in(inv, PackageKind::Go, "/app/bin/registry"), want);
    let go: Vec<&Package> = inv
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Go)
        .collect();
    assert_eq!(go.len(), 1, "{go:#?}");
    let stdlib = go[0];
    assert_eq!(stdlib.arch.as_deref(), Some("amd64"));
    let layer = stdlib.layer.as_ref().unwrap();
    assert_eq!(
        (layer.index, layer.diff_id.as_deref()),
        (
            2,
            Some("sha256:79429eb4f1d34267055bd12aa11a903f9b6c9703dd800a7a9059e05d1dcf3b74")
        )
    );
    assert!(
        inv.warnings.iter().all(|w| !w.contains("/app/bin/")),
        "{:?}",
        inv.warnings
    );
}

/// Every binary of tests/data/lang/go/bin with the name of its expected output.
const GO_BINARIES: &[&str] = &[
    "hello-linux-amd64",
    "hello-no-section-table",
    "hello-windows-amd64.exe",
    "hello-darwin-arm64",
    "tool-linux-amd64",
    "esbuild-linux-64-0.13.15",
    "esbuild-linux-32-0.13.15",
    "esbuild-linux-s390x-0.14.8",
];

#[test]
fn go_binaries_in_every_layout_match_go_version_m() {
    let dir = tempfile::tempdir().unwrap();
    for name in GO_BINARIES {
        put(
            dir.path(),
            &format!("usr/local/bin/{name}"),
            &binary(&format!("go/bin/{name}.zst")),
            0o755,
        );
    }
    // Not executable: not looked at.
    put(
        dir.path(),
        "srv/copy-of-hello",
        &binary("go/bin/hello-linux-amd64.zst"),
        0o644,
    );
    let inv = scan_dir(dir.path());
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    for name in GO_BINARIES {
        let want = expected_from_go_version_m(&read(&format!("go/expected/{name}.txt")));
        let got = found_in(&inv, PackageKind::Go, &format!("/usr/local/bin/{name}"));
        assert_eq!(got, want, "{name}");
    }
    assert!(found_in(&inv, PackageKind::Go, "/srv/copy-of-hello").is_empty());
    // Spelled out for one of each kind, so the derivation above cannot hide a mistake.
    let hello = found_in(&inv, PackageKind::Go, "/usr/local/bin/hello-linux-amd64");
    assert_eq!(
        hello,
        BTreeSet::from([
            ("stdlib".into(), "1.19.8".into()),
            ("example.com/greet-fork".into(), "v1.2.4".into()),
            ("example.com/plain".into(), "v0.3.0".into()),
        ])
    );
    let tool = found_in(&inv, PackageKind::Go, "/usr/local/bin/tool-linux-amd64");
    assert!(tool.contains(&("example.com/tool".into(), "v1.0.0".into())));
    let s390x = found_in(
        &inv,
        PackageKind::Go,
        "/usr/local/bin/esbuild-linux-s390x-0.14.8",
    );
    assert_eq!(
        s390x,
        BTreeSet::from([
            ("stdlib".into(), "1.17.5".into()),
            (
                "golang.org/x/sys".into(),
                "v0.0.0-20210908233432-aa78b53d3365".into()
            ),
        ])
    );
    let arch = |name: &str| {
        inv.packages
            .iter()
            .find(|p| p.found_in == format!("/usr/local/bin/{name}"))
            .and_then(|p| p.arch.clone())
    };
    assert_eq!(arch("hello-darwin-arm64").as_deref(), Some("arm64"));
    // Go 1.17 recorded no build settings, so no GOARCH.
    assert_eq!(arch("esbuild-linux-32-0.13.15"), None);
}

/// The packages `go mod edit -json` output stands for, replacements applied.
fn expected_from_go_mod_edit(json: &str) -> BTreeSet<NameVersion> {
    let doc: Value = serde_json::from_str(json).unwrap();
    let empty = Vec::new();
    let replaces = doc["Replace"].as_array().unwrap_or(&empty);
    let mut out = BTreeSet::new();
    for req in doc["Require"].as_array().unwrap_or(&empty) {
        let (path, version) = (&req["Path"], &req["Version"]);
        let exact = replaces
            .iter()
            .find(|r| r["Old"]["Path"] == *path && r["Old"]["Version"] == *version);
        let any = replaces
            .iter()
            .find(|r| r["Old"]["Path"] == *path && r["Old"]["Version"].is_null());
        let (path, version) = match exact.or(any) {
            Some(r) if r["New"]["Version"].is_null() => continue,
            Some(r) => (&r["New"]["Path"], &r["New"]["Version"]),
            None => (path, version),
        };
        out.insert((
            path.as_str().unwrap().to_string(),
            version.as_str().unwrap().to_string(),
        ));
    }
    out
}

#[test]
fn go_mod_requirements_match_go_mod_edit() {
    let dir = tempfile::tempdir().unwrap();
    let mods = [
        ("gomod/kitchen-sink", "srv/kitchen-sink"),
        ("gomod/prometheus-client_golang", "srv/prometheus"),
        ("src/hello", "srv/hello"),
    ];
    for (from, to) in mods {
        put(
            dir.path(),
            &format!("{to}/go.mod"),
            read(&format!("go/{from}/go.mod")).as_bytes(),
            0o644,
        );
    }
    // The module cache holds the go.mod of every downloaded module: not the project's.
    put(
        dir.path(),
        "root/go/pkg/mod/example.com/plain@v0.3.0/go.mod",
        read("go/src/modules/plain/go.mod").as_bytes(),
        0o644,
    );
    let inv = scan_dir(dir.path());
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    for (from, to) in mods {
        let want = expected_from_go_mod_edit(&read(&format!("go/{from}/go-mod-edit.json")));
        let got = found_in(&inv, PackageKind::Go, &format!("/{to}/go.mod"));
        assert_eq!(got, want, "{from}");
    }
    assert_eq!(
        found_in(&inv, PackageKind::Go, "/srv/kitchen-sink/go.mod"),
        [
            ("example.com/single", "v1.0.0"),
            ("example.com/direct", "v1.2.3"),
            ("example.com/quoted", "v0.1.0"),
            ("example.com/fork", "v1.0.1"),
            ("example.com/pinned-fork", "v1.1.1"),
            ("example.com/incompatible", "v2.0.0+incompatible"),
            ("example.com/pseudo", "v0.0.0-20230102150405-abcdefabcdef"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
    );
    assert_eq!(
        found_in(&inv, PackageKind::Go, "/srv/prometheus/go.mod").len(),
        20
    );
    assert!(inv.packages.iter().all(|p| !p.found_in.contains("pkg/mod")));
}

#[test]
fn a_binary_built_from_a_module_counts_its_modules_once() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "srv/hello/go.mod",
        read("go/src/hello/go.mod").as_bytes(),
        0o644,
    );
    put(
        dir.path(),
        "srv/hello/bin/hello",
        &binary("go/bin/hello-linux-amd64.zst"),
        0o755,
    );
    let inv = scan_dir(dir.path());
    let go: BTreeSet<(&str, &str, &str)> = inv
        .packages
        .iter()
        .filter(|p| p.kind == PackageKind::Go)
        .map(|p| (p.name.as_str(), p.version.as_str(), p.found_in.as_str()))
        .collect();
    // go.mod pins what the binary has: the binary's copy stands for both.
    assert_eq!(
        go,
        BTreeSet::from([
            ("stdlib", "1.19.8", "/srv/hello/bin/hello"),
            ("example.com/greet-fork", "v1.2.4", "/srv/hello/bin/hello"),
            ("example.com/plain", "v0.3.0", "/srv/hello/bin/hello"),
        ])
    );
}

#[test]
fn cargo_auditable_binary_matches_rust_audit_info() {
    let dir = tempfile::tempdir().unwrap();
    put(
        dir.path(),
        "usr/bin/auditable-demo",
        &binary("rust-binary/bin/auditable-demo.zst"),
        0o755,
    );
    let inv = scan_dir(dir.path());
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let doc: Value =
        serde_json::from_str(&read("rust-binary/expected/auditable-demo.json")).unwrap();
    let want: BTreeSet<NameVersion> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["root"] != true
                && p["source"] != "local"
                && (p["kind"].is_null() || p["kind"] == "runtime")
        })
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        want,
        BTreeSet::from([
            ("hex".into(), "0.4.3".into()),
            ("itoa".into(), "1.0.11".into())
        ])
    );
    assert_eq!(
        found_in(&inv, PackageKind::Cargo, "/usr/bin/auditable-demo"),
        want
    );
    // Nothing else in the binary is taken for Go or anything else.
    assert_eq!(inv.packages.len(), 2, "{:#?}", inv.packages);
}

#[test]
fn java_archives_and_the_archives_inside_them() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["demo.ear", "boot.jar"] {
        put(
            dir.path(),
            &format!("opt/app/{name}"),
            &std::fs::read(data(&format!("java/{name}"))).unwrap(),
            0o644,
        );
    }
    let inv = scan_dir(dir.path());
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let got: BTreeSet<(&str, &str, &str)> = inv
        .packages
        .iter()
        .map(|p| {
            assert_eq!(p.kind, PackageKind::Maven);
            (p.name.as_str(), p.version.as_str(), p.found_in.as_str())
        })
        .collect();
    let lib = "/opt/app/demo.ear!/demo.war!/WEB-INF/lib";
    let want: BTreeSet<(&str, &str, String)> = [
        // META-INF/maven/org.slf4j/slf4j-nop/pom.properties
        (
            "org.slf4j:slf4j-nop",
            "1.7.32",
            format!("{lib}/slf4j-nop-1.7.32.jar"),
        ),
        // Its own pom.properties and the shaded slf4j-simple's.
        (
            "org.apache.maven:maven-slf4j-provider",
            "3.8.7",
            format!("{lib}/maven-slf4j-provider-3.8.7.jar"),
        ),
        (
            "org.slf4j:slf4j-simple",
            "1.7.32",
            format!("{lib}/maven-slf4j-provider-3.8.7.jar"),
        ),
        // MANIFEST.MF: Bundle-SymbolicName javax.inject, Bundle-Version 1.0.0.
        (
            "javax.inject",
            "1.0.0",
            format!("{lib}/atinject-jsr330-api-1.0.jar"),
        ),
        // The file name only.
        ("aopalliance", "1.0", format!("{lib}/aopalliance-1.0.jar")),
        // MANIFEST.MF: Bundle-SymbolicName com.google.inject.tools.jmx, Bundle-Version 4.2.3.
        (
            "com.google.inject.tools.jmx",
            "4.2.3",
            "/opt/app/demo.ear!/lib/guice-jmx.jar".to_string(),
        ),
        // MANIFEST.MF: Implementation-Vendor-Id, -Title, -Version.
        (
            "com.example:boot-demo",
            "0.0.1-SNAPSHOT",
            "/opt/app/boot.jar".to_string(),
        ),
        (
            "org.slf4j:slf4j-api",
            "1.7.32",
            "/opt/app/boot.jar!/BOOT-INF/lib/slf4j-api-1.7.32.jar".to_string(),
        ),
    ]
    .into_iter()
    .collect();
    let want: BTreeSet<(&str, &str, &str)> =
        want.iter().map(|(n, v, f)| (*n, *v, f.as_str())).collect();
    assert_eq!(got, want);
}

#[test]
fn broken_binaries_and_archives_are_warnings_not_failures() {
    let dir = tempfile::tempdir().unwrap();
    let hello = binary("go/bin/hello-linux-amd64.zst");
    let at = hello
        .windows(14)
        .position(|w| w == b"\xff Go buildinf:")
        .unwrap();
    // Truncated inside the module text (the section table at the end of the file is gone
    // too, so the header is found by scanning).
    put(dir.path(), "bin/truncated", &hello[..at + 60], 0o755);
    // A length varint that never ends.
    let mut patched = hello.clone();
    patched[at + 32..at + 43].fill(0xff);
    put(dir.path(), "bin/badvarint", &patched, 0o755);
    // Executables that are not binaries at all, and a jar that is not a zip.
    put(dir.path(), "bin/script", b"#!/bin/sh\necho hi\n", 0o755);
    put(dir.path(), "bin/elf-header-only", &hello[..64], 0o755);
    put(
        dir.path(),
        "opt/broken.jar",
        b"PK\x03\x04 not really",
        0o644,
    );
    let inv = scan_dir(dir.path());
    assert!(inv.packages.is_empty(), "{:#?}", inv.packages);
    // The words of these analyzers' warnings (the ELF dependency analyzer has its own).
    let mut warned: Vec<&str> = inv
        .warnings
        .iter()
        .filter_map(|w| w.split_once(": skipped: ").map(|(file, _)| file))
        .collect();
    warned.sort();
    assert_eq!(
        warned,
        vec!["/bin/badvarint", "/bin/truncated", "/opt/broken.jar"],
        "{:#?}",
        inv.warnings
    );
}
