//! Entrypoint reachability on real data: the fixture image debian-12-app (its CMD `python3
//! /app/app.py`) against a loaded set computed without Bulwark (tests/data/debian-12-app,
//! made by expected.sh with lddtree, `python3 -v` under chroot and the dpkg file lists), and
//! small root filesystems built here from ELF files compiled with the system's gcc for each
//! loader rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bulwark_image::{OpenOptions, Target};
use bulwark_inventory::{scan_image, AnalyzerRegistry, PackageKind, ScanOptions};
use bulwark_reach::{analyze, Reachability};

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

fn data(rel: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(rel),
    )
    .unwrap()
}

/// The fixture image scanned as `bulwark sbom` does, with its runtime config.
fn debian_12_app() -> (bulwark_inventory::ScanOutcome, bulwark_image::RuntimeConfig) {
    let target = format!("oci:{}", fixture("debian-12-app").display());
    let source = Target::parse(&target)
        .unwrap()
        .open_image(&OpenOptions::default())
        .unwrap();
    let outcome = scan_image(
        source.as_ref(),
        &AnalyzerRegistry::builtin(),
        &ScanOptions::default(),
    )
    .unwrap();
    (outcome, source.meta().config.config.clone().unwrap())
}

/// The expected package names in tests/data/`rel`, one per line.
fn expected(rel: &str) -> BTreeSet<String> {
    data(rel).lines().map(String::from).collect()
}

#[test]
fn debian_12_app_sshd_entrypoint_loads_exactly_its_elf_closure() {
    let (outcome, mut config) = debian_12_app();
    config.cmd = Some(vec!["/usr/sbin/sshd".into(), "-D".into()]);
    let report = analyze(&outcome.inventory, &outcome.view, &config);
    assert_eq!(report.programs, ["/usr/sbin/sshd"]);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let mut loaded = BTreeSet::new();
    for (p, r) in outcome.inventory.packages.iter().zip(&report.packages) {
        match r {
            Reachability::Loaded { .. } => {
                loaded.insert(p.name.clone());
            }
            // A native program whose whole closure was read: the rest is not loaded.
            Reachability::NotLoaded => {}
            Reachability::Unknown { reason } => panic!("{}: unknown: {reason}", p.name),
        }
    }
    assert_eq!(loaded, expected("debian-12-app/expected-sshd-loaded.txt"));
    let libssl = outcome
        .inventory
        .packages
        .iter()
        .position(|p| p.name == "libssl3")
        .unwrap();
    assert_eq!(
        report.packages[libssl].describe("libssl3"),
        "loaded by entrypoint: sshd -> libcrypto.so.3 -> libssl3"
    );
}

#[test]
fn debian_12_app_python_entrypoint_loads_exactly_the_independently_computed_packages() {
    let (outcome, config) = debian_12_app();
    let report = analyze(&outcome.inventory, &outcome.view, &config);
    assert_eq!(report.command, ["python3", "/app/app.py"]);
    assert_eq!(report.programs, ["/usr/bin/python3.11"]);

    let loaded: BTreeSet<String> = outcome
        .inventory
        .packages
        .iter()
        .zip(&report.packages)
        .filter(|(_, r)| r.is_loaded())
        .map(|(p, _)| p.name.clone())
        .collect();
    assert_eq!(loaded, expected("debian-12-app/expected-loaded.txt"));

    // Everything else is unknown, never "not loaded": Python may import anything later.
    let mut unknown = 0;
    for (p, r) in outcome.inventory.packages.iter().zip(&report.packages) {
        match r {
            Reachability::Loaded { .. } => {}
            Reachability::Unknown { reason } => {
                unknown += 1;
                assert!(
                    reason.starts_with("interpreted entrypoint (python3.11)"),
                    "{reason}"
                );
            }
            Reachability::NotLoaded => panic!("{} is marked not loaded", p.name),
        }
    }
    assert!(unknown > 100, "{unknown}");

    let get = |name: &str| {
        let p = outcome
            .inventory
            .packages
            .iter()
            .find(|p| p.name == name)
            .unwrap();
        report
            .get(p.kind, &p.name, &p.version, &p.found_in)
            .unwrap()
            .describe(&p.name)
    };
    assert_eq!(
        get("libexpat1"),
        "loaded by entrypoint: python3.11 -> libexpat.so.1 -> libexpat1"
    );
    assert_eq!(
        get("python3.11-minimal"),
        "loaded by entrypoint: python3.11 -> python3.11-minimal"
    );
    assert_eq!(
        get("libc6"),
        "loaded by entrypoint: python3.11 -> ld-linux-x86-64.so.2 -> libc6"
    );
    assert_eq!(
        get("libpython3.11-minimal"),
        "loaded by entrypoint: python3.11 -> encodings -> libpython3.11-minimal"
    );
    assert!(get("libssl3").starts_with("unknown: interpreted entrypoint"));
    // app.py imports http.server, which python3-minimal does not ship.
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("module `http.server`")),
        "{:?}",
        report.notes
    );
    assert!(outcome
        .inventory
        .packages
        .iter()
        .any(|p| p.kind == PackageKind::Python && p.name == "requests"));
}

/// A root filesystem under construction: real ELF files compiled by gcc (`-nostdlib`, so no
/// C library is needed), symlinks, a dpkg database naming which package owns what (with
/// Debian's unmerged `/lib/...` paths over merged-/usr symlinks), Python sources.
struct Rootfs {
    root: tempfile::TempDir,
    build: tempfile::TempDir,
    /// (package, files as dpkg lists them).
    packages: Vec<(String, Vec<String>)>,
}

const T: &str = "x86_64-linux-gnu";

impl Rootfs {
    fn new() -> Self {
        let fs = Self {
            root: tempfile::TempDir::new().unwrap(),
            build: tempfile::TempDir::new().unwrap(),
            packages: Vec::new(),
        };
        for (link, target) in [
            ("bin", "usr/bin"),
            ("lib", "usr/lib"),
            ("lib64", "usr/lib64"),
        ] {
            fs.symlink(link, target);
        }
        fs
    }

    fn path(&self, rel: &str) -> PathBuf {
        let p = self.root.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    }

    fn file(&self, rel: &str, content: &str) {
        std::fs::write(self.path(rel), content).unwrap();
    }

    fn symlink(&self, rel: &str, target: &str) {
        std::os::unix::fs::symlink(target, self.path(rel)).unwrap();
    }

    fn own(&mut self, package: &str, files: &[&str]) {
        self.packages.push((
            package.to_string(),
            files.iter().map(|f| f.to_string()).collect(),
        ));
    }

    /// A stub shared object with this soname to link against, so the output gets a
    /// `DT_NEEDED` entry for it.
    fn stub(&self, soname: &str) -> PathBuf {
        let out = self.build.path().join(soname);
        if !out.exists() {
            self.gcc(
                &["-shared", "-fPIC", &format!("-Wl,-soname,{soname}")],
                "int stub;",
                &out,
            );
        }
        out
    }

    fn gcc(&self, flags: &[&str], source: &str, out: &Path) {
        let src = self
            .build
            .path()
            .join(format!("{}.c", out.file_name().unwrap().to_string_lossy()));
        std::fs::write(&src, source).unwrap();
        let status = std::process::Command::new("gcc")
            .args(["-nostdlib", "-o"])
            .arg(out)
            .arg(&src)
            .args(flags)
            .status()
            .expect("gcc is needed: it builds the test's ELF files (it builds Rust crates too)");
        assert!(status.success(), "gcc {flags:?} failed");
    }

    /// Compiles an ELF file at `rel` needing `needed`, with extra linker `flags`; `soname`
    /// makes it a shared object.
    fn elf(&self, rel: &str, soname: Option<&str>, needed: &[&str], flags: &[&str]) {
        let mut args: Vec<String> = match soname {
            Some(s) => vec!["-shared".into(), "-fPIC".into(), format!("-Wl,-soname,{s}")],
            None => vec!["-fPIE".into(), "-pie".into()],
        };
        args.extend(flags.iter().map(|f| f.to_string()));
        args.push("-Wl,--no-as-needed".into());
        for n in needed {
            args.push(self.stub(n).display().to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let source = if soname.is_some() {
            "int lib(void) { return 1; }"
        } else {
            "void _start(void) { for (;;) {} }"
        };
        self.gcc(&args, source, &self.path(rel));
    }

    /// Writes the dpkg database and scans the tree as `bulwark rootfs` would.
    fn scan(&self) -> bulwark_inventory::ScanOutcome {
        let mut status = String::new();
        for (name, files) in &self.packages {
            status.push_str(&format!(
                "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n\n"
            ));
            let list: String = files.iter().map(|f| format!("{f}\n")).collect();
            self.file(&format!("var/lib/dpkg/info/{name}:amd64.list"), &list);
        }
        self.file("var/lib/dpkg/status", &status);
        bulwark_inventory::scan_rootfs(
            self.root.path(),
            &AnalyzerRegistry::builtin(),
            &ScanOptions::default(),
        )
        .unwrap()
    }
}

/// The crafted image: one loader rule per program (see each `own` line).
fn crafted() -> (Rootfs, bulwark_inventory::ScanOutcome) {
    let mut fs = Rootfs::new();
    fs.file("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    fs.file("etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
    fs.file(
        "etc/ld.so.conf.d/extra.conf",
        "# added by a package\n/opt/conf/lib\n",
    );

    // The program interpreter, as Debian ships it: a file in the multiarch directory and
    // the /lib64 symlink the ELF files name.
    fs.elf(
        &format!("usr/lib/{T}/ld-linux-x86-64.so.2"),
        Some("ld-linux-x86-64.so.2"),
        &[],
        &[],
    );
    fs.symlink(
        "usr/lib64/ld-linux-x86-64.so.2",
        &format!("../lib/{T}/ld-linux-x86-64.so.2"),
    );
    fs.own(
        "libc6",
        &[
            &format!("/lib/{T}/ld-linux-x86-64.so.2"),
            "/lib64/ld-linux-x86-64.so.2",
        ],
    );

    // A library in the default directory, behind its soname symlink.
    fs.elf(
        &format!("usr/lib/{T}/libbase.so.1.0"),
        Some("libbase.so.1"),
        &[],
        &[],
    );
    fs.symlink(&format!("usr/lib/{T}/libbase.so.1"), "libbase.so.1.0");
    fs.own(
        "libbase1",
        &[
            &format!("/lib/{T}/libbase.so.1"),
            &format!("/lib/{T}/libbase.so.1.0"),
        ],
    );
    fs.elf(
        &format!("usr/lib/{T}/libunused.so.1"),
        Some("libunused.so.1"),
        &[],
        &[],
    );
    fs.own("libunused1", &[&format!("/usr/lib/{T}/libunused.so.1")]);

    // Found only through ld.so.conf's include.
    fs.elf("opt/conf/lib/libconf.so.1", Some("libconf.so.1"), &[], &[]);
    fs.own("libconf1", &["/opt/conf/lib/libconf.so.1"]);

    // RUNPATH with $ORIGIN: the application's private library beside its bin directory.
    fs.elf(
        "opt/app/lib/libpriv.so.1",
        Some("libpriv.so.1"),
        &["libbase.so.1"],
        &[],
    );
    fs.elf(
        "opt/app/bin/runpath-app",
        None,
        &["libpriv.so.1"],
        &["-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"],
    );
    fs.own(
        "app-private",
        &["/opt/app/bin/runpath-app", "/opt/app/lib/libpriv.so.1"],
    );

    // Two libdup.so.1: RPATH (inherited by libmid, which has neither) beats LD_LIBRARY_PATH,
    // LD_LIBRARY_PATH beats RUNPATH.
    fs.elf("opt/rpath/lib/libdup.so.1", Some("libdup.so.1"), &[], &[]);
    fs.own("dup-rpath", &["/opt/rpath/lib/libdup.so.1"]);
    fs.elf("opt/runpath/lib/libdup.so.1", Some("libdup.so.1"), &[], &[]);
    fs.own("dup-runpath", &["/opt/runpath/lib/libdup.so.1"]);
    fs.elf(
        &format!("usr/lib/{T}/libmid.so.1"),
        Some("libmid.so.1"),
        &["libdup.so.1"],
        &[],
    );
    fs.own("libmid1", &[&format!("/usr/lib/{T}/libmid.so.1")]);
    fs.elf(
        "usr/bin/rpath-app",
        None,
        &["libmid.so.1", "libconf.so.1"],
        &["-Wl,--disable-new-dtags,-rpath,/opt/rpath/lib"],
    );
    fs.elf(
        "usr/bin/runpath-app2",
        None,
        &["libdup.so.1"],
        &["-Wl,--enable-new-dtags,-rpath,/opt/runpath/lib"],
    );

    // A missing library, a symlink loop, a symlink climbing out of the root (to a path the
    // host has: it must resolve inside the image, where there is nothing).
    fs.elf(
        "usr/bin/missing-app",
        None,
        &["libnothere.so.1", "libbase.so.1"],
        &[],
    );
    fs.symlink(&format!("usr/lib/{T}/libloop.so.1"), "libloop.so.2");
    fs.symlink(&format!("usr/lib/{T}/libloop.so.2"), "libloop.so.1");
    fs.elf("usr/bin/loop-app", None, &["libloop.so.1"], &[]);
    fs.symlink(
        &format!("usr/lib/{T}/libescape.so.1"),
        &format!("../../../../../../../../../../lib/{T}/libc.so.6"),
    );
    fs.elf("usr/bin/escape-app", None, &["libescape.so.1"], &[]);

    // A static program: no PT_INTERP, no DT_NEEDED.
    fs.gcc(
        &["-static"],
        "void _start(void) { for (;;) {} }",
        &fs.path("usr/bin/static-app"),
    );
    fs.own(
        "tools",
        &[
            "/usr/bin/rpath-app",
            "/usr/bin/runpath-app2",
            "/usr/bin/missing-app",
            "/usr/bin/loop-app",
            "/usr/bin/escape-app",
            "/usr/bin/static-app",
        ],
    );

    // A supervisor (here the static program under that name).
    fs.symlink("usr/bin/runsvdir", "static-app");

    // The shell.
    fs.elf("usr/bin/dash", None, &["libbase.so.1"], &[]);
    fs.symlink("usr/bin/sh", "dash");
    fs.own("dash", &["/bin/dash", "/bin/sh"]);

    // Python: an interpreter (never run, only read), its start-up package, a PyPI package
    // with an extension module, an unused PyPI package, the app and a `#!` script.
    fs.elf("usr/bin/python3.11", None, &["libbase.so.1"], &[]);
    fs.symlink("usr/bin/python3", "python3.11");
    fs.own("python3.11-minimal", &["/usr/bin/python3.11"]);
    fs.file(
        "usr/lib/python3.11/encodings/__init__.py",
        "import codecs\nfrom . import aliases\n",
    );
    fs.file("usr/lib/python3.11/encodings/aliases.py", "aliases = {}\n");
    fs.file("usr/lib/python3.11/os.py", "import abc\n");
    fs.file(
        "usr/lib/python3.11/json/__init__.py",
        "from .decoder import JSONDecoder\n",
    );
    fs.file("usr/lib/python3.11/json/decoder.py", "import re\n");
    fs.own(
        "libpython3.11-minimal",
        &[
            "/usr/lib/python3.11/encodings/__init__.py",
            "/usr/lib/python3.11/encodings/aliases.py",
            "/usr/lib/python3.11/os.py",
        ],
    );
    fs.own(
        "libpython3.11-stdlib",
        &[
            "/usr/lib/python3.11/json/__init__.py",
            "/usr/lib/python3.11/json/decoder.py",
        ],
    );
    fs.elf(
        &format!("usr/lib/{T}/libfastdep.so.1"),
        Some("libfastdep.so.1"),
        &[],
        &[],
    );
    fs.own("libfastdep1", &[&format!("/usr/lib/{T}/libfastdep.so.1")]);
    let sp = "app/site-packages";
    fs.file(&format!("{sp}/fastpkg/__init__.py"), "\"\"\"Fast things.\"\"\"\nfrom . import _fast\nimport json\n\ndef later():\n    import idle\n\nif __name__ == '__main__':\n    import idle\n");
    fs.elf(
        &format!("{sp}/fastpkg/_fast.cpython-311-{T}.so"),
        Some("_fast.so"),
        &["libfastdep.so.1"],
        &[],
    );
    fs.file(
        &format!("{sp}/fastpkg-1.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: fastpkg\nVersion: 1.0\n",
    );
    fs.file(
        &format!("{sp}/fastpkg-1.0.dist-info/RECORD"),
        &format!("fastpkg/__init__.py,,\nfastpkg/_fast.cpython-311-{T}.so,,\nfastpkg-1.0.dist-info/METADATA,,\n"),
    );
    fs.file(&format!("{sp}/idle/__init__.py"), "");
    fs.file(
        &format!("{sp}/idle-2.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: idle\nVersion: 2.0\n",
    );
    fs.file(
        &format!("{sp}/idle-2.0.dist-info/RECORD"),
        "idle/__init__.py,,\n",
    );
    fs.file("app/app.py", "import os\nimport fastpkg\nimport notinstalled\n\nif __name__ == \"__main__\":\n    import json\n");
    fs.file(
        "usr/local/bin/tool",
        "#!/usr/bin/python3.11\nimport fastpkg\n",
    );
    std::fs::set_permissions(
        fs.path("usr/local/bin/tool"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let outcome = fs.scan();
    (fs, outcome)
}

/// The entrypoint `argv` with `env` (besides PATH).
fn config(argv: &[&str], env: &[&str]) -> bulwark_image::RuntimeConfig {
    bulwark_image::RuntimeConfig {
        cmd: Some(argv.iter().map(|s| s.to_string()).collect()),
        env: Some(env.iter().map(|s| s.to_string()).collect()),
        working_dir: Some("/app".into()),
        ..Default::default()
    }
}

/// Each package's reachability, described, by name.
fn marks(
    outcome: &bulwark_inventory::ScanOutcome,
    config: &bulwark_image::RuntimeConfig,
) -> (std::collections::BTreeMap<String, String>, Vec<String>) {
    let report = analyze(&outcome.inventory, &outcome.view, config);
    let marks = outcome
        .inventory
        .packages
        .iter()
        .zip(&report.packages)
        .map(|(p, r)| (p.name.clone(), r.describe(&p.name)))
        .collect();
    (marks, report.notes)
}

/// The packages marked `loaded ...`, and every other mark with its packages.
fn loaded(marks: &std::collections::BTreeMap<String, String>) -> Vec<&str> {
    marks
        .iter()
        .filter(|(_, m)| m.starts_with("loaded"))
        .map(|(n, _)| n.as_str())
        .collect()
}

fn all_others_are(marks: &std::collections::BTreeMap<String, String>, mark: &str) {
    for (name, m) in marks {
        assert!(
            m.starts_with("loaded") || m == mark,
            "{name}: {m}, expected {mark}"
        );
    }
}

#[test]
fn crafted_image_follows_each_loader_rule() {
    let (_fs, outcome) = crafted();
    assert!(
        outcome.inventory.warnings.is_empty(),
        "{:?}",
        outcome.inventory.warnings
    );

    // RUNPATH with $ORIGIN; the private library's own needs from the default directory.
    let (m, notes) = marks(&outcome, &config(&["/opt/app/bin/runpath-app"], &[]));
    assert_eq!(loaded(&m), ["app-private", "libbase1", "libc6"]);
    assert_eq!(
        m["libbase1"],
        "loaded by entrypoint: runpath-app -> libpriv.so.1 -> libbase.so.1 -> libbase1"
    );
    assert_eq!(
        m["app-private"],
        "loaded by entrypoint: runpath-app -> app-private"
    );
    assert_eq!(
        m["libc6"],
        "loaded by entrypoint: runpath-app -> ld-linux-x86-64.so.2 -> libc6"
    );
    all_others_are(&m, "not loaded");
    assert!(notes.is_empty(), "{notes:?}");

    // DT_RPATH is inherited by libmid (no RPATH/RUNPATH of its own) and beats
    // LD_LIBRARY_PATH; libconf comes from the ld.so.conf include.
    let (m, _) = marks(
        &outcome,
        &config(&["rpath-app"], &["LD_LIBRARY_PATH=/opt/runpath/lib"]),
    );
    assert_eq!(
        loaded(&m),
        ["dup-rpath", "libc6", "libconf1", "libmid1", "tools"]
    );
    assert_eq!(
        m["dup-rpath"],
        "loaded by entrypoint: rpath-app -> libmid.so.1 -> libdup.so.1 -> dup-rpath"
    );
    assert_eq!(m["dup-runpath"], "not loaded");
    all_others_are(&m, "not loaded");

    // LD_LIBRARY_PATH beats DT_RUNPATH; without it, RUNPATH is used.
    let (m, _) = marks(
        &outcome,
        &config(&["runpath-app2"], &["LD_LIBRARY_PATH=/opt/rpath/lib"]),
    );
    assert_eq!(loaded(&m), ["dup-rpath", "libc6", "tools"]);
    let (m, _) = marks(&outcome, &config(&["runpath-app2"], &[]));
    assert_eq!(loaded(&m), ["dup-runpath", "libc6", "tools"]);

    // A missing library is a note, not a failure; the rest of the closure still counts.
    let (m, notes) = marks(&outcome, &config(&["missing-app"], &[]));
    assert_eq!(loaded(&m), ["libbase1", "libc6", "tools"]);
    all_others_are(&m, "not loaded");
    assert_eq!(notes, ["libnothere.so.1 (needed by /usr/bin/missing-app) not found: the program would not start"]);

    // A symlink loop and a symlink out of the root find nothing (the host's libc is never read).
    for program in ["loop-app", "escape-app"] {
        let (m, notes) = marks(&outcome, &config(&[program], &[]));
        assert_eq!(loaded(&m), ["libc6", "tools"], "{program}");
        assert_eq!(notes.len(), 1, "{program}: {notes:?}");
        assert!(notes[0].contains("not found"), "{notes:?}");
    }

    // A static program loads only itself.
    let (m, _) = marks(&outcome, &config(&["/usr/bin/static-app"], &[]));
    assert_eq!(loaded(&m), ["tools"]);
    all_others_are(&m, "not loaded");

    // A supervisor starts services its configuration names: unknown.
    let (m, _) = marks(&outcome, &config(&["runsvdir", "/etc/service"], &[]));
    assert_eq!(loaded(&m), ["tools"]);
    all_others_are(
        &m,
        "unknown: `runsvdir` supervises programs its configuration names: they are not followed",
    );

    // Shell form: the shell, and the command when it is one plain command.
    let (m, _) = marks(
        &outcome,
        &config(
            &["/bin/sh", "-c", "exec /opt/app/bin/runpath-app --verbose"],
            &[],
        ),
    );
    assert_eq!(loaded(&m), ["app-private", "dash", "libbase1", "libc6"]);
    assert_eq!(
        m["app-private"],
        "loaded by entrypoint: dash -> runpath-app -> app-private"
    );
    assert_eq!(m["dash"], "loaded by entrypoint: dash -> dash");
    all_others_are(&m, "not loaded");
    let (m, _) = marks(
        &outcome,
        &config(&["/bin/sh", "-c", "runpath-app2 | cat"], &[]),
    );
    assert_eq!(
        loaded(&m),
        ["dash", "dup-runpath", "libbase1", "libc6", "tools"]
    );
    all_others_are(&m, "unknown: shell command is not a simple command");

    // No such entrypoint, no entrypoint at all: unknown, with the reason.
    let (m, _) = marks(&outcome, &config(&["/nope"], &[]));
    assert!(loaded(&m).is_empty());
    all_others_are(&m, "unknown: entrypoint `/nope` not found in the image");
    let (m, _) = marks(&outcome, &bulwark_image::RuntimeConfig::default());
    all_others_are(&m, "unknown: no ENTRYPOINT or CMD");
}

#[test]
fn crafted_image_python_imports_and_extension_modules() {
    let (_fs, outcome) = crafted();
    let env = ["PYTHONPATH=/app/site-packages"];
    let (m, notes) = marks(&outcome, &config(&["python3", "/app/app.py"], &env));
    assert_eq!(
        loaded(&m),
        [
            "fastpkg",
            "libbase1",
            "libc6",
            "libfastdep1",
            "libpython3.11-minimal",
            "libpython3.11-stdlib",
            "python3.11-minimal"
        ]
    );
    assert_eq!(
        m["libfastdep1"],
        "loaded by entrypoint: python3.11 -> app.py -> fastpkg -> fastpkg._fast -> libfastdep.so.1 -> libfastdep1"
    );
    assert_eq!(
        m["fastpkg"],
        "loaded by entrypoint: python3.11 -> app.py -> fastpkg -> fastpkg"
    );
    // The entry script runs as __main__: its main-guarded `import json` counts.
    assert_eq!(
        m["libpython3.11-stdlib"],
        "loaded by entrypoint: python3.11 -> app.py -> json -> libpython3.11-stdlib"
    );
    // fastpkg imports idle inside a function and under its own main guard only; Python
    // may still import it: unknown.
    assert!(
        m["idle"].starts_with("unknown: interpreted entrypoint (python3.11)"),
        "{}",
        m["idle"]
    );
    all_others_are(&m, &m["idle"].clone());
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("module `notinstalled` (imported by /app/app.py) not found")),
        "{notes:?}"
    );

    // The same through a `#!` script found on PATH.
    let (m, _) = marks(&outcome, &config(&["tool"], &env));
    assert_eq!(m["libfastdep1"], "loaded by entrypoint: tool -> python3.11 -> fastpkg -> fastpkg._fast -> libfastdep.so.1 -> libfastdep1");
    assert_eq!(m["dash"], m["idle"]);
}

#[test]
fn preloads_load_first_but_not_into_static_programs() {
    let mut fs = Rootfs::new();
    fs.elf(
        &format!("usr/lib/{T}/ld-linux-x86-64.so.2"),
        Some("ld-linux-x86-64.so.2"),
        &[],
        &[],
    );
    fs.symlink(
        "usr/lib64/ld-linux-x86-64.so.2",
        &format!("../lib/{T}/ld-linux-x86-64.so.2"),
    );
    fs.own("libc6", &[&format!("/lib/{T}/ld-linux-x86-64.so.2")]);
    fs.elf(
        &format!("usr/lib/{T}/libhook.so.1"),
        Some("libhook.so.1"),
        &[],
        &[],
    );
    fs.own("hook", &[&format!("/usr/lib/{T}/libhook.so.1")]);
    fs.elf(
        "opt/preload/libpre.so",
        Some("libpre.so"),
        &["libhook.so.1"],
        &[],
    );
    fs.own("preload-lib", &["/opt/preload/libpre.so"]);
    fs.file("etc/ld.so.preload", "/opt/preload/libpre.so\n");
    fs.elf("usr/bin/app", None, &[], &[]);
    fs.gcc(
        &["-static"],
        "void _start(void) { for (;;) {} }",
        &fs.path("usr/bin/static-app"),
    );
    fs.own("tools", &["/usr/bin/app", "/usr/bin/static-app"]);
    let outcome = fs.scan();

    let (m, _) = marks(&outcome, &config(&["app"], &[]));
    assert_eq!(loaded(&m), ["hook", "libc6", "preload-lib", "tools"]);
    assert_eq!(
        m["hook"],
        "loaded by entrypoint: app -> libpre.so -> libhook.so.1 -> hook"
    );
    let (m, _) = marks(&outcome, &config(&["app"], &["LD_PRELOAD=libhook.so.1"]));
    assert_eq!(
        m["hook"],
        "loaded by entrypoint: app -> libhook.so.1 -> hook"
    );
    let (m, _) = marks(
        &outcome,
        &config(&["static-app"], &["LD_PRELOAD=libhook.so.1"]),
    );
    assert_eq!(loaded(&m), ["tools"]);
    all_others_are(&m, "not loaded");
}
