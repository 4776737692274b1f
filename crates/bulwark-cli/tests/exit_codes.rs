//! Exit codes of the `bulwark` binary: 0 for a clean run and `--help`, 2 for usage errors and
//! for every broken image, with one `error:` line naming the problem, nothing on stdout and
//! nothing written outside the test's temp dirs.
//!
//! The bad images are OCI layouts built here: tars by a small ustar writer, gzip by the
//! `gzip` command, digests by `bulwark_image::Digest`. The same cases at library level, with
//! the exact error variants, are in `crates/bulwark-image/tests/bad_input.rs`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::SystemTime;

use bulwark_image::Digest;
use serde_json::{json, Value};
use tempfile::TempDir;

#[test]
fn help_exits_0() {
    let sandbox = Sandbox::new();
    for args in [&["--help"][..], &["image", "--help"], &["sbom", "--help"]] {
        let out = sandbox.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("Usage"), "{args:?}: {}", stdout(&out));
    }
    sandbox.assert_untouched();
}

#[test]
fn good_image_exits_0() {
    let sandbox = Sandbox::new();
    let image = alpine();
    let before = snapshot(&image);
    let out = sandbox.run(&[
        "sbom",
        path_str(&image),
        "--format",
        "json",
        "--cache-dir",
        path_str(&sandbox.cache()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert!(report.is_object(), "{report}");
    assert!(
        stdout(&out).contains("musl"),
        "alpine's packages are listed"
    );
    // The cache was written where we said, and nowhere else.
    assert!(sandbox.cache().is_dir());
    sandbox.assert_untouched();
    assert_eq!(snapshot(&image), before, "the image is read-only input");

    // A vulnerability scan without a database is an input error, never a silent "clean".
    let out = sandbox.run(&["image", path_str(&image), "--no-cache"]);
    assert_error(&out, &["no vulnerability database", "bulwark db update"]);
}

#[test]
fn unknown_format_exits_2() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&[
        "image",
        path_str(&alpine()),
        "--format",
        "yaml-ish",
        "--no-cache",
    ]);
    assert_error(&out, &["yaml-ish"]);
    sandbox.assert_untouched();
    assert!(!sandbox.cache().exists());
}

#[test]
fn unknown_flag_and_missing_target_exit_2() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["image", "--no-such-flag", "x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let missing = sandbox.dir.path().join("nope.tar");
    let out = sandbox.run(&["image", path_str(&missing), "--no-cache"]);
    assert_error(&out, &["nope.tar"]);
    sandbox.assert_untouched();
}

#[test]
fn blob_digest_mismatch_exits_2() {
    let image = Image::new(&[gzip_layer(&tar_of(&[("etc/os-release", OS_RELEASE)]))]);
    let digest = image.layer_digests[0].clone();
    // Change the gzip header's mtime: same content, different blob.
    let mut blob = std::fs::read(image.blob_path(&digest)).unwrap();
    blob[4] ^= 0xff;
    std::fs::write(image.blob_path(&digest), &blob).unwrap();
    image.assert_fails_every_way(&[], &["digest mismatch", digest.as_str()]);
}

#[test]
fn changed_config_exits_2() {
    let image = Image::new(&[gzip_layer(&tar_of(&[("etc/os-release", OS_RELEASE)]))]);
    let mut blob = std::fs::read(image.blob_path(&image.config_digest)).unwrap();
    blob.push(b'\n');
    std::fs::write(image.blob_path(&image.config_digest), &blob).unwrap();
    image.assert_fails_every_way(&[], &["digest mismatch", "config"]);
}

#[test]
fn truncated_layer_exits_2() {
    let tar = tar_of(&[
        ("etc/os-release", OS_RELEASE),
        ("usr/bin/tool", &vec![b'x'; 8000]),
    ]);
    // The stored (uncompressed) blob is cut inside the second file; the manifest names the
    // cut blob, the config the full tar.
    let cut = tar[..2048 + 3000].to_vec();
    let image = Image::new(&[Layer {
        diff_id: Digest::of(&tar),
        blob: cut,
        media_type: "application/vnd.oci.image.layer.v1.tar",
    }]);
    image.assert_fails_every_way(&[], &["layer 1"]);
}

#[test]
fn decompression_bomb_exits_2() {
    let tar = tar_of(&[("zeros", &vec![0u8; 1 << 20])]);
    let layer = gzip_layer(&tar);
    assert!(
        layer.blob.len() < 8 << 10,
        "a small blob: {}",
        layer.blob.len()
    );
    let image = Image::new(&[layer]);
    image.assert_fails_every_way(
        &["--max-layer-size", "1000"],
        &["layer 1", "1000", "--max-layer-size"],
    );
}

#[test]
fn unreadable_dpkg_status_exits_2() {
    let image = Image::new(&[gzip_layer(&tar_of(&[
        ("etc/os-release", DEBIAN_OS_RELEASE),
        ("var/lib/dpkg/status", b"Version: 1\n"),
    ]))]);
    image.assert_fails_every_way(&[], &["var/lib/dpkg/status", "Package"]);
}

#[test]
fn unsafe_layer_entry_exits_2() {
    let image = Image::new(&[gzip_layer(&tar_of(&[
        ("etc/os-release", OS_RELEASE),
        ("../../etc/cron.d/evil", b"* * * * * root id\n"),
    ]))]);
    image.assert_fails_every_way(&[], &["../../etc/cron.d/evil", "escapes"]);
}

#[test]
fn missing_layer_blob_exits_2() {
    let image = Image::new(&[gzip_layer(&tar_of(&[("etc/os-release", OS_RELEASE)]))]);
    let digest = image.layer_digests[0].clone();
    std::fs::remove_file(image.blob_path(&digest)).unwrap();
    image.assert_fails_every_way(&[], &["missing blob", digest.hex()]);
}

#[test]
fn index_json_that_is_not_json_exits_2() {
    let image = Image::new(&[gzip_layer(&tar_of(&[("etc/os-release", OS_RELEASE)]))]);
    std::fs::write(image.dir.path().join("index.json"), b"{not json").unwrap();
    image.assert_fails_every_way(&[], &["index.json"]);
}

#[test]
fn error_line_names_the_cause_once() {
    let image = Image::new(&[gzip_layer(&tar_of(&[("etc/os-release", OS_RELEASE)]))]);
    std::fs::write(image.dir.path().join("index.json"), b"{not json").unwrap();
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["image", path_str(image.dir.path()), "--no-cache"]);
    assert_error(&out, &["index.json"]);
    let cause = "key must be a string";
    assert_eq!(stderr(&out).matches(cause).count(), 1, "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

const OS_RELEASE: &[u8] = b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.4\n";
const DEBIAN_OS_RELEASE: &[u8] = b"NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\n";

/// Temp dirs standing in for everything the binary could write to: HOME, the XDG cache, TMPDIR,
/// the working directory, and a `--cache-dir` to use.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = TempDir::new().unwrap();
        for sub in ["home", "xdg-cache", "tmp", "cwd"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        Self { dir }
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Runs `bulwark ARGS` with no terminal and every writable location inside the sandbox.
    fn run(&self, args: &[&str]) -> Output {
        let root = self.dir.path();
        Command::new(env!("CARGO_BIN_EXE_bulwark"))
            .args(args)
            .current_dir(root.join("cwd"))
            .env("HOME", root.join("home"))
            .env("XDG_CACHE_HOME", root.join("xdg-cache"))
            .env("TMPDIR", root.join("tmp"))
            .env_remove("BULWARK_CACHE_DIR")
            .env_remove("BULWARK_USERNAME")
            .env_remove("BULWARK_PASSWORD")
            .stdin(Stdio::null())
            .output()
            .expect("the bulwark binary runs")
    }

    /// Nothing but `--cache-dir` may have been written.
    #[track_caller]
    fn assert_untouched(&self) {
        for sub in ["home", "xdg-cache", "tmp", "cwd"] {
            let dir = self.dir.path().join(sub);
            let left: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            assert!(left.is_empty(), "bulwark wrote {left:?}");
        }
    }
}

/// A bad image in a temp dir, plus a sandbox to scan it from.
struct Image {
    dir: TempDir,
    layer_digests: Vec<Digest>,
    config_digest: Digest,
}

impl Image {
    /// Writes an OCI layout of `layers` whose config, manifest and index are consistent.
    fn new(layers: &[Layer]) -> Self {
        let dir = TempDir::new().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("blobs/sha256")).unwrap();
        std::fs::write(
            root.join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .unwrap();
        let put = |bytes: &[u8]| {
            let d = Digest::of(bytes);
            std::fs::write(root.join("blobs/sha256").join(d.hex()), bytes).unwrap();
            d
        };
        let layer_digests: Vec<Digest> = layers.iter().map(|l| put(&l.blob)).collect();
        let config = serde_json::to_vec(&json!({
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {
                "type": "layers",
                "diff_ids": layers.iter().map(|l| l.diff_id.as_str()).collect::<Vec<_>>(),
            },
        }))
        .unwrap();
        let config_digest = put(&config);
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest.as_str(),
                "size": config.len(),
            },
            "layers": layers.iter().zip(&layer_digests).map(|(l, d)| json!({
                "mediaType": l.media_type,
                "digest": d.as_str(),
                "size": l.blob.len(),
            })).collect::<Vec<_>>(),
        }))
        .unwrap();
        let manifest_digest = put(&manifest);
        let index = json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest.as_str(),
                "size": manifest.len(),
                "annotations": { "org.opencontainers.image.ref.name": "bad" },
            }],
        });
        std::fs::write(root.join("index.json"), index.to_string()).unwrap();
        Self {
            dir,
            layer_digests,
            config_digest,
        }
    }

    fn blob_path(&self, d: &Digest) -> PathBuf {
        self.dir.path().join("blobs/sha256").join(d.hex())
    }

    /// Scans with `bulwark image` and `bulwark sbom`, with a cache (twice: a failed layer
    /// must not be cached as good) and without; every run must fail the same clean way.
    #[track_caller]
    fn assert_fails_every_way(&self, extra: &[&str], needles: &[&str]) {
        let sandbox = Sandbox::new();
        let target = path_str(self.dir.path());
        let before = snapshot(self.dir.path());
        let cache = sandbox.cache();
        let cached = ["--cache-dir", path_str(&cache)];
        let runs: [(&str, &[&str]); 4] = [
            ("image", &cached),
            ("image", &cached),
            ("sbom", &cached),
            ("image", &["--no-cache"]),
        ];
        for (command, cache_args) in runs {
            let mut args = vec![command, target];
            args.extend_from_slice(cache_args);
            args.extend_from_slice(extra);
            let out = sandbox.run(&args);
            assert_error(&out, needles);
        }
        sandbox.assert_untouched();
        assert_eq!(snapshot(self.dir.path()), before, "the image is read-only");
    }
}

/// Exit code 2, nothing on stdout, and an `error:` line mentioning every needle.
#[track_caller]
fn assert_error(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout: {}", stdout(out));
    let line = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no `error:` line in {err:?}"));
    for needle in needles {
        assert!(line.contains(needle), "{line:?} should mention {needle:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp paths")
}

/// The shared Alpine 3.19.4 OCI layout (read-only).
fn alpine() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/images/alpine-3.19.4")
}

/// Every file under `dir` with its size and mtime, to show a run changed nothing.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                files.insert(entry.path(), (meta.len(), meta.modified().unwrap()));
            }
        }
    }
    files
}

// ---------------------------------------------------------------------------------------------
// Building layers
// ---------------------------------------------------------------------------------------------

/// One layer: the blob as stored and the diff_id the config claims.
struct Layer {
    blob: Vec<u8>,
    diff_id: Digest,
    media_type: &'static str,
}

fn gzip_layer(tar: &[u8]) -> Layer {
    Layer {
        blob: gzip(tar),
        diff_id: Digest::of(tar),
        media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
    }
}

/// A ustar archive of regular files. Names are written as given (`..` included) and must fit
/// the 100-byte name field.
fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in entries {
        assert!(name.len() < 100, "{name}");
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        octal(&mut h[100..108], 0o644);
        octal(&mut h[108..116], 0);
        octal(&mut h[116..124], 0);
        octal(&mut h[124..136], data.len() as u64);
        octal(&mut h[136..148], 1_700_000_000);
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].fill(b' ');
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        octal(&mut h[148..155], sum);
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// Writes `v` as zero-padded octal, NUL-terminated, filling `field`.
fn octal(field: &mut [u8], v: u64) {
    let width = field.len() - 1;
    let s = format!("{v:0width$o}");
    field[..width].copy_from_slice(s.as_bytes());
    field[width] = 0;
}

/// gzip by the `gzip` command (bulwark-cli has no compression crate of its own).
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .args(["-n", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the gzip command is installed");
    let mut stdin = child.stdin.take().unwrap();
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout
}
