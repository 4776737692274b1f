//! End-to-end runs of the `bulwark` binary on the shipped example image `examples/debian-mini`
//! (built by `examples/build-debian-mini.sh` from real Debian 12 packages).
//!
//! Expectations come from the build recipe, never from bulwark itself: the pinned package list
//! below is the script's `PACKAGES` (a test keeps the two, and `examples/README.md`, in step),
//! the owned files are those the .debs ship, and the digests are read from the OCI layout.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The packages `build-debian-mini.sh` pins: (name, version), sorted by name.
const PACKAGES: &[(&str, &str)] = &[
    ("base-files", "12.4+deb12u15"),
    ("libbz2-1.0", "1.0.8-5+b1"),
    ("libexpat1", "2.5.0-1+deb12u5"),
    ("liblzma5", "5.4.1-1+deb12u2"),
    ("libzstd1", "1.5.4+dfsg2-5"),
    ("zlib1g", "1:1.2.13.dfsg-1"),
];

/// One file each package ships (from `dpkg-deb -c`), which its dpkg file list must name.
const OWNED_FILES: &[(&str, &str)] = &[
    ("base-files", "/usr/lib/os-release"),
    ("libbz2-1.0", "/lib/x86_64-linux-gnu/libbz2.so.1.0.4"),
    ("libexpat1", "/lib/x86_64-linux-gnu/libexpat.so.1.8.10"),
    ("liblzma5", "/lib/x86_64-linux-gnu/liblzma.so.5.4.1"),
    ("libzstd1", "/usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4"),
    ("zlib1g", "/lib/x86_64-linux-gnu/libz.so.1.2.13"),
];

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn image_dir() -> PathBuf {
    examples_dir().join("debian-mini")
}

/// Runs `bulwark ARGS`, never touching the user's layer cache.
fn bulwark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bulwark"))
        .args(args)
        .env_remove("BULWARK_CACHE_DIR")
        .output()
        .expect("the bulwark binary runs")
}

/// `bulwark sbom examples/debian-mini --format FORMAT --no-cache EXTRA...`, parsed as JSON.
fn sbom(format: &str, extra: &[&str]) -> Value {
    let image = image_dir();
    let mut args = vec![
        "sbom",
        image.to_str().unwrap(),
        "--format",
        format,
        "--no-cache",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let out = bulwark(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "bulwark sbom --format {format} failed; stderr:\n{stderr}"
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("--format {format} is not JSON: {e}"))
}

fn read_json(path: &Path) -> Value {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn blob(digest: &str) -> PathBuf {
    let hex = digest.strip_prefix("sha256:").expect("a sha256 digest");
    image_dir().join("blobs/sha256").join(hex)
}

/// Decodes `%XX` escapes of a purl component.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("purl decodes to UTF-8")
}

/// Splits `pkg:deb/debian/NAME@VERSION?k=v&...` into (NAME, VERSION, qualifiers), decoded.
fn split_deb_purl(purl: &str) -> (String, String, Vec<(String, String)>) {
    let rest = purl
        .strip_prefix("pkg:deb/debian/")
        .unwrap_or_else(|| panic!("{purl} is not a pkg:deb/debian purl"));
    let (coords, qualifiers) = rest.split_once('?').unwrap_or((rest, ""));
    let (name, version) = coords
        .split_once('@')
        .unwrap_or_else(|| panic!("{purl} has no version"));
    let qualifiers = qualifiers
        .split('&')
        .filter(|q| !q.is_empty())
        .map(|q| {
            let (k, v) = q.split_once('=').unwrap_or((q, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    (percent_decode(name), percent_decode(version), qualifiers)
}

fn assert_debian_purl(purl: &str, name: &str, version: &str) {
    let (n, v, qualifiers) = split_deb_purl(purl);
    assert_eq!((n.as_str(), v.as_str()), (name, version), "purl {purl}");
    for want in [("arch", "amd64"), ("distro", "debian-12")] {
        assert!(
            qualifiers
                .iter()
                .any(|(k, v)| (k.as_str(), v.as_str()) == want),
            "purl {purl} lacks {}={}",
            want.0,
            want.1
        );
    }
}

#[test]
fn native_json_lists_the_pinned_debian_packages() {
    let doc = sbom("json", &["--list-files"]);

    let os = &doc["os"];
    assert_eq!(os["id"], "debian", "os: {os}");
    assert_eq!(os["version_id"], "12", "os: {os}");
    assert_eq!(
        doc["warnings"],
        Value::Array(Vec::new()),
        "unexpected warnings"
    );

    let packages = doc["packages"].as_array().expect("packages is a list");
    let mut found: Vec<(&str, &str)> = packages
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["version"].as_str().unwrap()))
        .collect();
    found.sort_unstable();
    assert_eq!(found, PACKAGES);

    for p in packages {
        let name = p["name"].as_str().unwrap();
        let version = p["version"].as_str().unwrap();
        assert_eq!(p["type"], "deb", "{name}");
        assert_eq!(p["arch"], "amd64", "{name}");
        assert_eq!(p["found_in"], "/var/lib/dpkg/status", "{name}");
        let purl = p["purl"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no purl"));
        assert_debian_purl(purl, name, version);
        // `files` comes from var/lib/dpkg/info/*.list (`--list-files`).
        {
            let files: Vec<&str> = p["files"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}: files is not a list"))
                .iter()
                .filter_map(|f| f["path"].as_str())
                .collect();
            let (_, owned) = OWNED_FILES.iter().find(|(n, _)| *n == name).unwrap();
            assert!(
                files.contains(owned),
                "{name} files lack {owned}: {files:?}"
            );
            assert!(!files.contains(&"/."), "{name} files keep dpkg's /. entry");
        }
    }
}

#[test]
fn native_json_describes_the_oci_layout() {
    let doc = sbom("json", &[]);
    let index = read_json(&image_dir().join("index.json"));
    let manifest_digest = index["manifests"][0]["digest"]
        .as_str()
        .expect("index names a manifest");
    let manifest = read_json(&blob(manifest_digest));
    let config_digest = manifest["config"]["digest"]
        .as_str()
        .expect("manifest names a config");
    let config = read_json(&blob(config_digest));

    let artifact = &doc["artifact"];
    assert_eq!(artifact["kind"], "container-image");
    let image = &artifact["image"];
    assert_eq!(image["source"], "oci-layout");
    assert_eq!(image["manifest_digest"], manifest_digest);
    assert_eq!(image["config_digest"], config_digest);
    assert_eq!(image["os"], "linux");
    assert_eq!(image["architecture"], "amd64");
    let layers = image["layers"].as_array().expect("layers is a list");
    assert_eq!(layers.len(), 1, "one layer: {layers:?}");
    assert_eq!(layers[0]["diff_id"], config["rootfs"]["diff_ids"][0]);
    assert_eq!(layers[0]["blob_digest"], manifest["layers"][0]["digest"]);
    for p in doc["packages"].as_array().unwrap() {
        assert_eq!(p["layer"]["index"], 0, "{}", p["name"]);
    }
}

#[test]
fn cyclonedx_has_deb_purls() {
    let doc = sbom("cyclonedx", &[]);
    assert_eq!(doc["bomFormat"], "CycloneDX");
    assert_eq!(doc["specVersion"], "1.6");
    let purls: Vec<&str> = doc["components"]
        .as_array()
        .expect("components is a list")
        .iter()
        .filter_map(|c| c["purl"].as_str())
        .collect();
    for (name, version) in PACKAGES {
        let purl = purls
            .iter()
            .find(|p| p.starts_with(&format!("pkg:deb/debian/{name}@")))
            .unwrap_or_else(|| panic!("no component for {name}: {purls:?}"));
        assert_debian_purl(purl, name, version);
    }
}

#[test]
fn the_default_output_is_a_table_of_every_package() {
    let image = image_dir();
    let out = bulwark(&["sbom", image.to_str().unwrap(), "--no-cache", "--quiet"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).expect("UTF-8 table");
    assert!(
        table.contains(&format!("Packages: {}", PACKAGES.len())),
        "{table}"
    );
    for (name, version) in PACKAGES {
        let row = table
            .lines()
            .find(|l| l.split(['│', '┆']).map(str::trim).any(|cell| cell == *name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{table}"));
        assert!(row.contains(version), "{row}");
    }
}

#[test]
fn missing_target_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-image");
    let out = bulwark(&[
        "sbom",
        missing.to_str().unwrap(),
        "--format",
        "json",
        "--no-cache",
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(out.stdout.is_empty(), "no report on failure");
    assert!(stderr.contains("error"), "stderr:\n{stderr}");
    assert!(
        stderr.contains("no-such-image"),
        "the error names the target; stderr:\n{stderr}"
    );
}

/// The pins above, the script's `PACKAGES` and the README's table must agree.
#[test]
fn pins_match_the_build_script_and_readme() {
    let script = std::fs::read_to_string(examples_dir().join("build-debian-mini.sh")).unwrap();
    let mut pinned: Vec<(String, String)> = script
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("PACKAGES=("))
        .skip(1)
        .take_while(|l| *l != ")")
        .filter_map(|l| {
            let spec = l.trim_matches('"').split_whitespace().next()?;
            let (name, version) = spec.split_once('=')?;
            Some((name.to_string(), version.to_string()))
        })
        .collect();
    pinned.sort();
    let expected: Vec<(String, String)> = PACKAGES
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(pinned, expected, "build-debian-mini.sh PACKAGES");

    // README rows look like "| `zlib1g` | `1:1.2.13.dfsg-1` | ... |".
    let readme = std::fs::read_to_string(examples_dir().join("README.md")).unwrap();
    let mut listed: Vec<(String, String)> = readme
        .lines()
        .filter_map(|l| {
            let mut cells = l
                .strip_prefix('|')?
                .split('|')
                .map(|c| c.trim().trim_matches('`'));
            let name = cells.next()?;
            let version = cells.next()?;
            PACKAGES
                .iter()
                .any(|(n, _)| *n == name)
                .then(|| (name.to_string(), version.to_string()))
        })
        .collect();
    listed.sort();
    assert_eq!(listed, expected, "examples/README.md package table");
}
