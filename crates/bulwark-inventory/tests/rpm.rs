//! The rpm database readers against real databases, each checked against what rpm itself
//! reads from them.
//!
//! Debian's `rpm` 4.18 (installed here) has the `sqlite` and `bdb_ro` backends
//! (`rpm --showrc | grep _db_backend`; "available backends: sqlite bdb_ro dummy"), so the
//! expected answers for the SQLite and Berkeley DB fixtures come from running it at test time
//! on a copy of the fixture. It cannot read NDB: see `ndb_fixture_matches_rpm`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use bulwark_inventory::rpm::{self, RpmDbFormat, RPMDB_PATHS};
use bulwark_inventory::{Package, PackageKind};

/// NAME|EPOCH|VERSION|RELEASE|ARCH|SOURCERPM|LICENSE|VENDOR, empty where rpm has no value.
const FIELDS_QF: &str = "%{NAME}|%|EPOCH?{%{EPOCH}}:{}||%{VERSION}|%{RELEASE}|\
    %|ARCH?{%{ARCH}}:{}||%|SOURCERPM?{%{SOURCERPM}}:{}||%|LICENSE?{%{LICENSE}}:{}||\
    %|VENDOR?{%{VENDOR}}:{}|";

/// One package as rpm prints it: the fields line and the file list.
type Listing = BTreeMap<String, Vec<String>>;

fn fixture(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/pkgdb/rpmdb")
        .join(name);
    assert!(
        path.is_file(),
        "rpm fixture {} is missing: these tests read the shared fixtures checked out next to \
         the workspace (see shared/fixtures/pkgdb/README.md)",
        path.display()
    );
    path
}

fn test_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/rpm")
        .join(name)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs a command, failing the test with its output if it cannot run or fails.
fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| {
        panic!(
            "cannot run {command:?} ({e}); these tests need Debian's rpm and rpmbuild \
             (apt-get install rpm)"
        )
    });
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("rpm prints UTF-8 for these databases")
}

/// Copies a fixture into a fresh directory under the file name rpm looks for.
fn copy_fixture(name: &str, file_name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::copy(fixture(name), dir.path().join(file_name)).expect("copy fixture");
    dir
}

/// What rpm reads from the database in `db_dir`, without the gpg-pubkey pseudo packages.
fn rpm_listing(db_dir: &Path) -> Listing {
    let query = format!("@@{FIELDS_QF}\n[%{{FILENAMES}}\n]");
    let out = run(Command::new("rpm")
        .arg("--dbpath")
        .arg(db_dir)
        .args(["-qa", "--qf", &query]));
    let mut listing = Listing::new();
    for record in out.split("@@").filter(|r| !r.is_empty()) {
        let mut lines = record.lines();
        let fields = lines.next().unwrap_or_default().to_owned();
        if fields.starts_with("gpg-pubkey|") {
            continue;
        }
        let files = lines.map(str::to_owned).collect();
        assert!(
            listing.insert(fields.clone(), files).is_none(),
            "{fields} twice"
        );
    }
    listing
}

/// Our packages in the same shape as [`rpm_listing`].
fn our_listing(packages: &[Package]) -> Listing {
    packages
        .iter()
        .map(|p| (fields_line(p), p.files.clone()))
        .collect()
}

fn fields_line(p: &Package) -> String {
    assert_eq!(p.kind, PackageKind::Rpm);
    let version_release = match p.epoch {
        Some(epoch) => p
            .version
            .strip_prefix(&format!("{epoch}:"))
            .unwrap_or_else(|| panic!("{} {} lacks its epoch {epoch}", p.name, p.version)),
        None => &p.version,
    };
    let (version, release) = version_release
        .rsplit_once('-')
        .unwrap_or_else(|| panic!("{} has no release", p.version));
    let source_rpm = p.source_name.as_ref().map(|name| {
        let source_version = p.source_version.as_deref().unwrap_or(version_release);
        format!("{name}-{source_version}.src.rpm")
    });
    [
        p.name.as_str(),
        &p.epoch.map(|e| e.to_string()).unwrap_or_default(),
        version,
        release,
        p.arch.as_deref().unwrap_or_default(),
        source_rpm.as_deref().unwrap_or_default(),
        &p.licenses.join(" "),
        p.maintainer.as_deref().unwrap_or_default(),
    ]
    .join("|")
}

/// Compares field lines first (a readable diff), then each package's files.
fn assert_same(ours: &Listing, rpms: &Listing) {
    let our_fields: Vec<_> = ours.keys().collect();
    let rpm_fields: Vec<_> = rpms.keys().collect();
    assert_eq!(our_fields, rpm_fields, "package fields differ from rpm's");
    for (fields, files) in rpms {
        assert_eq!(&ours[fields], files, "files of {fields}");
    }
}

fn parse(path_in_image: &str, bytes: &[u8]) -> Vec<Package> {
    let packages = rpm::parse_rpmdb(path_in_image, bytes)
        .unwrap_or_else(|e| panic!("parse {path_in_image}: {e}"));
    assert!(packages.iter().all(|p| p.found_in == path_in_image));
    packages
}

#[test]
fn sqlite_fixture_matches_rpm() {
    let name = "go-rpmdb_cbl-mariner-2.0_rpmdb.sqlite";
    let bytes = read(&fixture(name));
    assert_eq!(rpm::detect(&bytes), Some(RpmDbFormat::Sqlite));
    let packages = parse("var/lib/rpm/rpmdb.sqlite", &bytes);
    assert_eq!(packages.len(), 129);

    let dir = copy_fixture(name, "rpmdb.sqlite");
    let expected = rpm_listing(dir.path());
    assert_eq!(expected.len(), 129);
    assert_same(&our_listing(&packages), &expected);

    let glibc = packages.iter().find(|p| p.name == "glibc").expect("glibc");
    assert_eq!(glibc.version, "2.34-2.cm2");
    assert_eq!(glibc.source_name.as_deref(), Some("glibc"));
    assert_eq!(glibc.source_version, None);
    assert_eq!(glibc.maintainer.as_deref(), Some("Microsoft Corporation"));
    assert!(glibc.files.iter().any(|f| f == "/lib64/libc.so.6"));
    assert!(packages.iter().any(|p| p.epoch.is_some()));
}

#[test]
fn berkeley_db_fixtures_match_rpm() {
    for (name, packages_expected) in [
        ("go-rpmdb_libuuid_Packages", 1),
        ("osv-scalibr_Packages_epoch", 1),
    ] {
        let bytes = read(&fixture(name));
        assert_eq!(rpm::detect(&bytes), Some(RpmDbFormat::BerkeleyDb), "{name}");
        let packages = parse("var/lib/rpm/Packages", &bytes);
        assert_eq!(packages.len(), packages_expected, "{name}");

        // rpm warns on stderr that the index files (Name, Basenames, ...) are missing; it
        // reads the packages from `Packages` alone.
        let dir = copy_fixture(name, "Packages");
        assert_same(&our_listing(&packages), &rpm_listing(dir.path()));
    }

    let libuuid = &parse(
        "var/lib/rpm/Packages",
        &read(&fixture("go-rpmdb_libuuid_Packages")),
    )[0];
    assert_eq!(libuuid.source_name.as_deref(), Some("util-linux"));
    assert_eq!(libuuid.source_version, None);

    let hello = &parse(
        "var/lib/rpm/Packages",
        &read(&fixture("osv-scalibr_Packages_epoch")),
    )[0];
    assert_eq!((hello.name.as_str(), hello.epoch), ("hello", Some(1)));
    assert_eq!(hello.version, "1:0.0.1-rls");
}

/// Debian's rpm has no NDB backend, so the expected list is committed: it is the `rpm -qa`
/// output recorded inside the SLE 15 BCI image by go-rpmdb's authors (see the file's header).
/// On top of that, the header blobs are moved into an SQLite database that Debian's rpm reads;
/// rpm checks each header's SHA-1/SHA-256 digest as it reads it, so a blob cut at the wrong
/// place would be skipped, and the full listing (files included) is compared too.
#[test]
fn ndb_fixture_matches_rpm() {
    let bytes = read(&fixture("go-rpmdb_sle15-bci_Packages.db"));
    assert_eq!(rpm::detect(&bytes), Some(RpmDbFormat::Ndb));
    let packages = parse("usr/lib/sysimage/rpm/Packages.db", &bytes);
    let ours = our_listing(&packages);

    let recorded = std::fs::read_to_string(test_data("sle15-bci-ndb.expected"))
        .expect("tests/data/rpm/sle15-bci-ndb.expected");
    let mut recorded: Vec<&str> = recorded
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    recorded.sort_unstable();
    assert_eq!(recorded.len(), 35);
    assert_eq!(ours.keys().collect::<Vec<_>>(), recorded);

    let dir = tempfile::tempdir().expect("temporary directory");
    run(Command::new("rpm")
        .arg("--initdb")
        .arg("--dbpath")
        .arg(dir.path()));
    {
        let conn = rusqlite::Connection::open(dir.path().join("rpmdb.sqlite")).expect("open");
        for (index, blob) in ndb_blobs_for_test(&bytes) {
            conn.execute(
                "INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)",
                rusqlite::params![index, blob],
            )
            .expect("insert header");
        }
    }
    let expected = rpm_listing(dir.path());
    assert_eq!(expected.len(), 35, "rpm rejected some headers");
    assert_same(&ours, &expected);
}

/// A deliberately naive NDB walk, good only for a known-good file: the slots after the 32-byte
/// file header, each pointing at a blob framed by a 16-byte head whose last field is its length.
fn ndb_blobs_for_test(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let slot_pages = u32_at(12) as usize;
    (32..slot_pages * 4096)
        .step_by(16)
        .filter(|&slot| u32_at(slot + 8) != 0)
        .map(|slot| {
            let start = u32_at(slot + 8) as usize * 16;
            let len = u32_at(start + 12) as usize;
            (
                u32_at(slot + 4),
                bytes[start + 16..start + 16 + len].to_vec(),
            )
        })
        .collect()
}

/// Builds a database with rpm itself: two noarch packages from one source (one with
/// configuration files, a symlink and a directory), with an Epoch, plus an imported signing
/// key, which must not be reported as a package.
#[test]
fn database_built_by_rpm() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    let top = tmp.path().join("rpmbuild");
    let db = tmp.path().join("db");
    run(Command::new("rpmbuild")
        .args(["-bb", "--quiet", "--define"])
        .arg(format!("_topdir {}", top.display()))
        .arg(test_data("bulwark-tiny.spec")));
    let rpms: Vec<PathBuf> = ["bulwark-tiny", "bulwark-tiny-data"]
        .iter()
        .map(|n| top.join(format!("RPMS/noarch/{n}-1.2.3-4.test.noarch.rpm")))
        .collect();
    run(Command::new("rpm").arg("--initdb").arg("--dbpath").arg(&db));
    run(Command::new("rpm")
        .args(["-i", "--nodeps", "--justdb", "--noscripts", "--dbpath"])
        .arg(&db)
        .args(&rpms));
    run(Command::new("rpm")
        .arg("--dbpath")
        .arg(&db)
        .arg("--import")
        .arg(test_data("test-signing-key.asc")));
    let all = run(Command::new("rpm").arg("--dbpath").arg(&db).arg("-qa"));
    assert!(all.lines().any(|l| l.starts_with("gpg-pubkey-")), "{all}");

    // rpm checkpoints its write-ahead log on close; the main file is then complete.
    let wal = db.join("rpmdb.sqlite-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "rpm left data in {}",
        wal.display()
    );
    let bytes = read(&db.join("rpmdb.sqlite"));
    let packages = parse("usr/lib/sysimage/rpm/rpmdb.sqlite", &bytes);
    assert_same(&our_listing(&packages), &rpm_listing(&db));

    let names: Vec<&str> = packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let tiny = packages.iter().find(|p| p.name == "bulwark-tiny").unwrap();
    assert_eq!(tiny.version, "3:1.2.3-4.test");
    assert_eq!(tiny.epoch, Some(3));
    assert_eq!(tiny.arch.as_deref(), Some("noarch"));
    assert_eq!(tiny.source_name.as_deref(), Some("bulwark-tiny"));
    assert_eq!(tiny.source_version, None);
    assert_eq!(tiny.licenses, ["MIT AND Apache-2.0"]);
    assert_eq!(tiny.maintainer.as_deref(), Some("Bulwark Test Vendor"));
    assert_eq!(
        tiny.files,
        [
            "/etc/bulwark-tiny.conf",
            "/usr/share/bulwark-tiny",
            "/usr/share/bulwark-tiny/a.txt",
            "/usr/share/bulwark-tiny/link",
            "/usr/share/bulwark-tiny/sub",
            "/usr/share/bulwark-tiny/sub/b.txt",
        ]
    );
    let data = packages
        .iter()
        .find(|p| p.name == "bulwark-tiny-data")
        .unwrap();
    assert_eq!(data.source_name.as_deref(), Some("bulwark-tiny"));
    assert_eq!(data.licenses, ["CC0-1.0"]);
    assert_eq!(
        data.files,
        [
            "/usr/lib/bulwark-tiny-data",
            "/usr/lib/bulwark-tiny-data/d.bin"
        ]
    );
}

#[test]
fn rpmdb_paths_and_errors() {
    assert!(RPMDB_PATHS.iter().all(|p| !p.starts_with('/')));
    assert!(RPMDB_PATHS.contains(&"var/lib/rpm/Packages"));
    assert!(RPMDB_PATHS.contains(&"usr/lib/sysimage/rpm/rpmdb.sqlite"));

    for name in [
        "go-rpmdb_cbl-mariner-2.0_rpmdb.sqlite",
        "go-rpmdb_sle15-bci_Packages.db",
        "go-rpmdb_libuuid_Packages",
    ] {
        let bytes = read(&fixture(name));
        let truncated = &bytes[..bytes.len() / 2];
        let err = rpm::parse_rpmdb("var/lib/rpm/x", truncated)
            .expect_err("a database cut in half is an error");
        assert!(err.to_string().contains("var/lib/rpm/x"), "{err}");
    }
}
