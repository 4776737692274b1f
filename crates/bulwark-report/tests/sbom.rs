//! SBOM writers on a small hand-built inventory: snapshots of every format, plus assertions on
//! the fields that matter (purls, identifiers, references), plus validation of the CycloneDX
//! and SPDX documents by the formats' own tooling (`validate_sbom.py`).

use std::collections::HashSet;
use std::path::Path;

use bulwark_inventory::{Inventory, OsInfo, Package, PackageKind};
use bulwark_report::{write_sbom, write_sbom_with, Artifact, Format, ReportError, SbomOptions};
use serde_json::Value;

mod common;
use common::*;

/// One package of each OS kind (a synthetic mix: their purls all take the one OS, Debian),
/// a Python package twice (system and virtualenv, same purl), a scoped npm package.
fn inventory() -> Inventory {
    let mut deb = Package::new(
        PackageKind::Deb,
        "libssl3",
        "3.0.11-1~deb12u2",
        "/var/lib/dpkg/status",
    );
    deb.arch = Some("amd64".into());
    deb.source_name = Some("openssl".into());
    deb.licenses = vec!["Apache-2.0".into(), "GPL-2+".into()];
    deb.maintainer = Some("Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>".into());
    deb.layer = at(0, LAYER0);

    let mut apk = Package::new(
        PackageKind::Apk,
        "musl",
        "1.2.4-r2",
        "/lib/apk/db/installed",
    );
    apk.arch = Some("x86_64".into());
    apk.source_name = Some("musl".into());
    apk.licenses = vec!["MIT".into()];
    apk.layer = at(0, LAYER0);

    let mut rpm = Package::new(
        PackageKind::Rpm,
        "openssl-libs",
        "1:3.0.7-27.el9",
        "/var/lib/rpm/rpmdb.sqlite",
    );
    rpm.epoch = Some(1);
    rpm.arch = Some("x86_64".into());
    rpm.source_name = Some("openssl".into());
    rpm.maintainer = Some("Red Hat, Inc.".into());
    rpm.licenses = vec!["Apache-2.0".into()];
    rpm.layer = at(0, LAYER0);

    let mut py = Package::new(
        PackageKind::Python,
        "Flask_SQLAlchemy",
        "3.1.1",
        "/usr/lib/python3/dist-packages/Flask_SQLAlchemy-3.1.1.dist-info/METADATA",
    );
    py.licenses = vec!["MIT OR Apache-2.0".into()];
    py.layer = at(1, LAYER1);
    let mut py_venv = py.clone();
    py_venv.found_in =
        "/opt/venv/lib/python3.11/site-packages/Flask_SQLAlchemy-3.1.1.dist-info/METADATA".into();

    let mut npm = Package::new(
        PackageKind::Npm,
        "@babel/core",
        "7.23.2",
        "/app/node_modules/@babel/core/package.json",
    );
    npm.licenses = vec!["MIT".into()];
    npm.layer = at(1, LAYER1);

    Inventory {
        os: Some(OsInfo {
            id: "debian".into(),
            version_id: Some("12".into()),
            codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: Vec::new(),
        }),
        packages: vec![deb, apk, rpm, py, py_venv, npm],
        warnings: vec![
            "skipped /usr/lib/python3/dist-packages/broken.dist-info: no METADATA".into(),
        ],
        ..Inventory::default()
    }
}

fn render(format: Format, artifact: &Artifact, inventory: &Inventory) -> String {
    let mut out = Vec::new();
    write_sbom_with(format, artifact, inventory, &options(), &mut out).expect("write sbom");
    String::from_utf8(out).expect("utf-8 output")
}

fn render_json(format: Format, artifact: &Artifact, inventory: &Inventory) -> Value {
    serde_json::from_str(&render(format, artifact, inventory)).expect("valid JSON")
}

fn strings<'a>(values: impl IntoIterator<Item = &'a Value>, key: &str) -> Vec<&'a str> {
    values
        .into_iter()
        .map(|v| v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}")))
        .collect()
}

const EXPECTED_PURLS: [&str; 6] = [
    "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
    "pkg:apk/debian/musl@1.2.4-r2?arch=x86_64&distro=debian-12",
    "pkg:rpm/debian/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=debian-12&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm",
    "pkg:pypi/flask-sqlalchemy@3.1.1",
    "pkg:pypi/flask-sqlalchemy@3.1.1",
    "pkg:npm/%40babel/core@7.23.2",
];

const IMAGE_PURL: &str = "pkg:oci/app@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?arch=amd64&repository_url=registry.example.com%2Fteam%2Fapp&tag=1.2";

#[test]
fn formats_parse_by_their_flag_names() {
    for (name, format) in [
        ("table", Format::Table),
        ("json", Format::Json),
        ("CycloneDX", Format::CycloneDx),
        ("spdx-json", Format::SpdxJson),
    ] {
        assert_eq!(name.parse::<Format>().expect(name), format);
    }
    let err = "spdx".parse::<Format>().expect_err("not a format");
    assert!(matches!(err, ReportError::UnknownFormat { .. }));
    assert_eq!(
        err.to_string(),
        "unknown report format `spdx`: choose one of table, json, cyclonedx, spdx-json, sarif"
    );
    for f in Format::ALL {
        assert_eq!(f.to_string().parse::<Format>().expect("round trip"), f);
    }
}

#[test]
fn native_json() {
    let text = render(Format::Json, &image(), &inventory());
    insta::assert_snapshot!("native_json", text);

    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["artifact"]["kind"], "container-image");
    assert_eq!(doc["artifact"]["version"], MANIFEST);
    assert_eq!(doc["artifact"]["image"]["purl"], IMAGE_PURL);
    assert_eq!(doc["os"]["id"], "debian");
    let packages = doc["packages"].as_array().expect("packages");
    assert_eq!(strings(packages, "purl"), EXPECTED_PURLS);
    assert_eq!(packages[0]["layer"]["diff_id"], LAYER0);
    assert_eq!(packages[5]["type"], "npm");
    assert_eq!(doc["warnings"].as_array().map(Vec::len), Some(1));
    // No scan was made: no findings and no database, as nulls rather than empty values.
    assert!(doc["vulnerabilities"].is_null() && doc["db"].is_null());
    // No environment or history: they can carry secrets.
    assert!(!text.contains("\"env\""));
}

#[test]
fn cyclonedx() {
    let text = render(Format::CycloneDx, &image(), &inventory());
    insta::assert_snapshot!("cyclonedx", text);

    let bom: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(
        bom["serialNumber"],
        "urn:uuid:01234567-89ab-4def-8123-456789abcdef"
    );
    assert_eq!(bom["metadata"]["timestamp"], "2025-11-02T10:00:00Z");
    assert_eq!(bom["metadata"]["tools"]["components"][0]["name"], "bulwark");
    let root = &bom["metadata"]["component"];
    assert_eq!(root["type"], "container");
    assert_eq!(root["version"], MANIFEST);
    assert_eq!(root["purl"], IMAGE_PURL);

    let components = bom["components"].as_array().expect("components");
    assert_eq!(components[0]["type"], "operating-system");
    assert_eq!(components[0]["name"], "debian");
    let libraries = &components[1..];
    assert_eq!(strings(libraries, "purl"), EXPECTED_PURLS);

    // bom-refs: unique, readable, and the duplicate Python package told apart by location.
    let mut refs = strings(components, "bom-ref");
    refs.push(root["bom-ref"].as_str().expect("root bom-ref"));
    let unique: HashSet<_> = refs.iter().collect();
    assert_eq!(unique.len(), refs.len(), "duplicate bom-ref in {refs:?}");
    assert_eq!(libraries[3]["bom-ref"], EXPECTED_PURLS[3]);
    assert_eq!(
        libraries[4]["bom-ref"],
        format!(
            "{}|/opt/venv/lib/python3.11/site-packages/Flask_SQLAlchemy-3.1.1.dist-info/METADATA",
            EXPECTED_PURLS[4]
        )
    );

    // The image depends on everything else, by existing refs.
    let deps = bom["dependencies"].as_array().expect("dependencies");
    assert_eq!(deps.len(), 1);
    assert_eq!(deps[0]["ref"], root["bom-ref"]);
    let depends_on: Vec<&str> = deps[0]["dependsOn"]
        .as_array()
        .expect("dependsOn")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(depends_on, &refs[..refs.len() - 1]);

    // Licenses: ids by id, names by name, a lone expression as an expression.
    assert_eq!(libraries[0]["licenses"][0]["license"]["id"], "Apache-2.0");
    assert_eq!(libraries[0]["licenses"][1]["license"]["name"], "GPL-2+");
    assert_eq!(
        libraries[3]["licenses"][0]["expression"],
        "MIT OR Apache-2.0"
    );

    let props = |c: &Value| -> Vec<(String, String)> {
        c["properties"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| (p["name"].to_string(), p["value"].to_string()))
            .collect()
    };
    let deb_props = props(&libraries[0]);
    for (name, value) in [
        ("bulwark:package:type", "deb"),
        ("bulwark:layer:diffID", LAYER0),
        ("bulwark:location:0:path", "/var/lib/dpkg/status"),
        ("bulwark:package:sourceName", "openssl"),
    ] {
        assert!(
            deb_props.contains(&(format!("\"{name}\""), format!("\"{value}\""))),
            "{name}={value} missing from {deb_props:?}"
        );
    }
}

#[test]
fn spdx() {
    let text = render(Format::SpdxJson, &image(), &inventory());
    insta::assert_snapshot!("spdx", text);

    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["dataLicense"], "CC0-1.0");
    assert_eq!(doc["SPDXID"], "SPDXRef-DOCUMENT");
    assert_eq!(
        doc["creationInfo"]["creators"][0],
        "Tool: bulwark-0.0.0-test"
    );
    assert_eq!(doc["creationInfo"]["created"], "2025-11-02T10:00:00Z");
    let namespace = doc["documentNamespace"].as_str().expect("namespace");
    assert!(
        namespace.starts_with("https://")
            && namespace.ends_with("01234567-89ab-4def-8123-456789abcdef"),
        "{namespace}"
    );

    let packages = doc["packages"].as_array().expect("packages");
    let ids = strings(packages, "SPDXID");
    for id in &ids {
        let rest = id.strip_prefix("SPDXRef-").expect("SPDXRef- prefix");
        assert!(
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "invalid SPDXID {id}"
        );
    }
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "{ids:?}"
    );
    assert_eq!(ids[0], "SPDXRef-DocumentRoot");
    assert_eq!(ids[1], "SPDXRef-OperatingSystem");
    assert_eq!(ids[2], "SPDXRef-Package-deb-libssl3-3.0.11-1-deb12u2");

    let locators: Vec<&str> = packages[2..]
        .iter()
        .map(|p| {
            assert_eq!(p["externalRefs"][0]["referenceCategory"], "PACKAGE-MANAGER");
            p["externalRefs"][0]["referenceLocator"]
                .as_str()
                .expect("purl")
        })
        .collect();
    assert_eq!(locators, EXPECTED_PURLS);
    assert_eq!(
        packages[0]["externalRefs"][0]["referenceLocator"],
        IMAGE_PURL
    );
    assert_eq!(packages[0]["primaryPackagePurpose"], "CONTAINER");

    // GPL-2+ is not SPDX: no assertion rather than a wrong one.
    assert_eq!(packages[2]["licenseDeclared"], "NOASSERTION");
    assert!(packages[2]["licenseComments"]
        .as_str()
        .is_some_and(|c| c.contains("GPL-2+")));
    assert_eq!(packages[3]["licenseDeclared"], "MIT");
    assert_eq!(packages[5]["licenseDeclared"], "MIT OR Apache-2.0");
    assert_eq!(
        packages[2]["supplier"],
        "Person: Debian OpenSSL Team (pkg-openssl-devel@alioth-lists.debian.net)"
    );
    assert_eq!(packages[4]["supplier"], "Organization: Red Hat, Inc.");

    let rels = doc["relationships"].as_array().expect("relationships");
    assert_eq!(rels[0]["spdxElementId"], "SPDXRef-DOCUMENT");
    assert_eq!(rels[0]["relationshipType"], "DESCRIBES");
    assert_eq!(rels[0]["relatedSpdxElement"], "SPDXRef-DocumentRoot");
    let contained: Vec<&str> = rels[1..]
        .iter()
        .map(|r| {
            assert_eq!(r["spdxElementId"], "SPDXRef-DocumentRoot");
            assert_eq!(r["relationshipType"], "CONTAINS");
            r["relatedSpdxElement"].as_str().expect("element")
        })
        .collect();
    assert_eq!(contained, &ids[1..]);
}

#[test]
fn table() {
    let text = render(Format::Table, &image(), &inventory());
    insta::assert_snapshot!("table", text);
    assert!(text.starts_with("registry.example.com/team/app:1.2 (container image)\n"));
    assert!(text.contains("OS: Debian GNU/Linux 12 (bookworm) [debian 12]"));
    assert!(text.contains("111111111111"));
    assert!(
        !text.contains("1111111111111"),
        "layer ids are 12 hex digits"
    );
    assert!(!text.contains('\u{1b}'), "no escape codes without colour");

    let mut colored = Vec::new();
    let opts = SbomOptions {
        color: true,
        ..options()
    };
    write_sbom_with(Format::Table, &image(), &inventory(), &opts, &mut colored).expect("write");
    assert!(
        String::from_utf8_lossy(&colored).contains('\u{1b}'),
        "bold header when asked"
    );
}

#[test]
fn filesystem_artifact() {
    let artifact = Artifact::filesystem("/srv/rootfs");
    let inventory = Inventory {
        os: None,
        packages: inventory().packages.split_off(3),
        warnings: Vec::new(),
        ..Inventory::default()
    };
    let bom = render_json(Format::CycloneDx, &artifact, &inventory);
    assert_eq!(bom["metadata"]["component"]["type"], "file");
    assert_eq!(
        bom["metadata"]["component"]["bom-ref"],
        "bulwark:fs:/srv/rootfs"
    );
    assert!(bom["metadata"]["component"].get("version").is_none());
    assert_eq!(bom["components"][0]["type"], "library");

    let doc = render_json(Format::SpdxJson, &artifact, &inventory);
    assert_eq!(doc["packages"][0]["primaryPackagePurpose"], "FILE");
    assert!(doc["documentNamespace"]
        .as_str()
        .is_some_and(|n| n.contains("/dir/-srv-rootfs-")));

    let json = render_json(Format::Json, &artifact, &inventory);
    assert_eq!(json["artifact"]["kind"], "filesystem");
    assert!(json["artifact"]["image"].is_null());
    assert!(json["os"].is_null());

    let table = render(Format::Table, &artifact, &inventory);
    assert!(table.contains("OS: unknown"));
}

#[test]
fn fixed_options_reproduce_and_defaults_vary() {
    for format in Format::ALL.into_iter().filter(|f| f.writes_sbom()) {
        assert_eq!(
            render(format, &image(), &inventory()),
            render(format, &image(), &inventory()),
            "{format}"
        );
    }
    let fresh = || {
        let mut out = Vec::new();
        write_sbom(Format::CycloneDx, &image(), &inventory(), &mut out).expect("write");
        serde_json::from_slice::<Value>(&out).expect("json")["serialNumber"].clone()
    };
    assert_ne!(fresh(), fresh());
}

#[test]
fn write_errors_are_reported() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "closed",
            ))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    for format in Format::ALL.into_iter().filter(|f| f.writes_sbom()) {
        let err = write_sbom_with(format, &image(), &inventory(), &options(), &mut Broken)
            .expect_err("broken pipe");
        assert!(matches!(err, ReportError::Write(_)), "{format}: {err:?}");
    }
}

/// Validates CycloneDX against the official 1.6 JSON schema and SPDX with the SPDX project's
/// own validator (see `validate_sbom.py` for the Python packages it needs).
#[test]
fn documents_pass_the_official_validators() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bulwark-report-validate");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let fs = Artifact::filesystem("/srv/rootfs");
    let no_os = Inventory {
        os: None,
        ..inventory()
    };
    let mut cdx = Vec::new();
    let mut spdx = Vec::new();
    for (name, artifact, inv) in [("image", image(), inventory()), ("fs", fs, no_os)] {
        for (format, ext, list) in [
            (Format::CycloneDx, "cdx.json", &mut cdx),
            (Format::SpdxJson, "spdx.json", &mut spdx),
        ] {
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::write(&path, render(format, &artifact, &inv)).expect("write temp file");
            list.push(path);
        }
    }

    let mut args = vec![std::ffi::OsString::from("--cyclonedx")];
    args.extend(cdx.into_iter().map(std::path::PathBuf::into_os_string));
    args.push("--spdx".into());
    args.extend(spdx.into_iter().map(std::path::PathBuf::into_os_string));
    run_validator("validate_sbom.py", args);
}
