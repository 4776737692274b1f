//! The advisory database on real OSV and Alpine secdb snapshots: import counts, lookups,
//! skipped malformed records, atomic replacement on failure, schema checks, and updates over
//! real HTTP and from a directory mirror.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use bulwark_vulndb::{
    import, update, AdvisoryMatch, DbBuilder, Event, UpdateOptions, VulnDb, VulnDbError,
};

fn advisories() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/advisories")
}

fn zip_count(path: &Path) -> u64 {
    let f = std::fs::File::open(path).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    (0..z.len())
        .filter(|&i| z.by_index(i).unwrap().name().unwrap().ends_with(".json"))
        .count() as u64
}

#[test]
fn imports_real_snapshots_and_looks_up_by_ecosystem_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("db/vulndb.sqlite");
    let adv = advisories();
    let sources = [
        adv.join("osv/Debian/all.zip"),
        adv.join("osv/PyPI/all.zip"),
        adv.join("osv/crates.io/all.zip"),
        adv.join("alpine-secdb/v3.10/main.yaml"),
    ];
    let out = import(&db_path, &sources).unwrap();
    // Every record in the zips is stored (none of these snapshots has malformed records).
    assert_eq!(out.meta.sources[0].records, 518);
    assert_eq!(out.meta.sources[0].records, zip_count(&sources[0]));
    let pypi = &out.meta.sources[1];
    assert_eq!(pypi.records + pypi.withdrawn, zip_count(&sources[1]));
    assert_eq!(pypi.skipped, 0);
    let crates = &out.meta.sources[2];
    assert_eq!((crates.records, crates.withdrawn), (1193, 13));
    assert_eq!(crates.records + crates.withdrawn, zip_count(&sources[2]));
    assert_eq!(out.meta.sources[3].kind, "alpine-secdb");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    // Nothing but the database is left: no temporary file, no staged entries.
    assert!(leftovers(db_path.parent().unwrap()).is_empty());

    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.meta().sources.len(), 4);
    let gzip = db.lookup("Debian:12", "gzip", "0").unwrap();
    assert!(gzip.iter().any(|m| m.advisory_id == "DEBIAN-CVE-2006-4334"
        && m.advisory().unwrap().aliases == ["CVE-2006-4334"]));
    // PyPI names are PEP 503-normalized on both sides.
    assert!(!db.lookup("PyPI", "PyYAML", "0").unwrap().is_empty());
    // Listed versions are matched verbatim: 5.3 is listed by PyYAML's advisories fixed later.
    let yaml = db.lookup("PyPI", "PyYAML", "5.3").unwrap();
    assert!(yaml.iter().any(|m| m.listed && m.listed_count > 0));
    assert!(yaml.iter().all(|m| !m.listed || m.listed_count > 0));
    let listed = db
        .listed_versions(yaml.iter().find(|m| m.listed).unwrap())
        .unwrap();
    assert!(listed.contains(&"5.3".to_string()));
    assert!(db
        .lookup("PyPI", "PyYAML", "5.")
        .unwrap()
        .iter()
        .all(|m| !m.listed));
    assert_eq!(
        db.lookup("PyPI", "pyyaml", "0").unwrap().len(),
        db.lookup("PyPI", "PyYAML", "0").unwrap().len()
    );
    // The secdb musl entry of v3.10 (fixed in 1.1.22-r3 per the fixture README).
    let musl = db.lookup("Alpine:v3.10", "musl", "0").unwrap();
    assert!(musl
        .iter()
        .any(|m| m.affected.ranges[0].events[1] == Event::Fixed("1.1.22-r3".into())));
    assert!(db.lookup("Debian:11", "gzip", "0").unwrap().is_empty());
    // Entries read in place, several lookups with one set of statements: the same entries.
    let queries = [
        ("PyPI", "PyYAML", "5.3"),
        ("Debian:12", "gzip", "0"),
        ("npm", "no-such-package", "1.0.0"),
        ("PyPI", "pyyaml", "5.3"),
    ];
    let mut seen: Vec<Vec<AdvisoryMatch>> = Vec::new();
    db.lookup_each(queries, |i, matches| {
        let (ecosystem, ..) = queries[i];
        seen.push(matches.iter().map(|m| m.to_match(ecosystem)).collect());
        Ok::<_, VulnDbError>(())
    })
    .unwrap();
    let want: Vec<_> = queries
        .iter()
        .map(|(e, n, v)| db.lookup(e, n, v).unwrap())
        .collect();
    assert_eq!(seen, want);
    assert!(seen[2].is_empty() && !seen[0].is_empty() && seen[0] == seen[3]);
    let ecos: Vec<String> = db.ecosystems().unwrap().into_iter().map(|e| e.0).collect();
    assert_eq!(ecos, ["Alpine:v3.10", "Debian:12", "PyPI", "crates.io"]);
}

#[test]
fn malformed_records_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("nested")).unwrap();
    let good = r#"{"id":"TEST-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001"],
        "affected":[{"package":{"ecosystem":"PyPI","name":"demo"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0"}]}]}]}"#;
    std::fs::write(src.join("good.json"), good).unwrap();
    std::fs::write(src.join("nested/truncated.json"), &good[..40]).unwrap();
    std::fs::write(src.join("nested/wrong-type.json"), r#"{"id": 7}"#).unwrap();
    std::fs::write(src.join("notes.txt"), "ignored").unwrap();
    let db_path = dir.path().join("vulndb.sqlite");
    let out = import(&db_path, &[src]).unwrap();
    assert_eq!(out.meta.sources[0].records, 1);
    assert_eq!(out.meta.sources[0].skipped, 2);
    assert_eq!(out.warnings.len(), 1);
    assert!(
        out.warnings[0].contains("skipped 2 malformed record(s)"),
        "{}",
        out.warnings[0]
    );
    assert!(out.warnings[0].contains("truncated.json"));
    let db = VulnDb::open(&db_path).unwrap();
    assert_eq!(db.lookup("PyPI", "demo", "0").unwrap().len(), 1);
}

#[test]
fn newest_copy_of_a_record_wins() {
    let dir = tempfile::tempdir().unwrap();
    let rec = |modified: &str, fixed: &str| {
        format!(
            r#"{{"id":"TEST-2","modified":"{modified}","affected":[{{"package":{{"ecosystem":"npm","name":"x"}},
            "ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        )
    };
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&a, rec("2024-02-01T00:00:00Z", "2.0.0")).unwrap();
    std::fs::write(&b, rec("2024-01-01T00:00:00Z", "1.0.0")).unwrap();
    let db_path = dir.path().join("vulndb.sqlite");
    import(&db_path, &[a, b]).unwrap();
    let db = VulnDb::open(&db_path).unwrap();
    let m = db.lookup("npm", "x", "0").unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(
        m[0].affected.ranges[0].events[1],
        Event::Fixed("2.0.0".into())
    );
}

/// Opens the database and returns its lookup of Debian gzip, to compare before and after.
fn fingerprint(db_path: &Path) -> (String, usize) {
    let db = VulnDb::open(db_path).unwrap();
    (
        db.meta().built_at.clone(),
        db.lookup("Debian:12", "gzip", "0").unwrap().len(),
    )
}

fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "vulndb.sqlite")
        .collect()
}

#[test]
fn a_failed_import_leaves_the_previous_database_usable() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vulndb.sqlite");
    import(&db_path, &[advisories().join("osv/Debian/all.zip")]).unwrap();
    let before = fingerprint(&db_path);

    // A source that is not a zip, after a good one: the whole import fails.
    let bad = dir.path().join("bad.zip");
    std::fs::write(&bad, b"PK\x03\x04 this is not a zip").unwrap();
    let err = import(&db_path, &[advisories().join("osv/crates.io/all.zip"), bad]).unwrap_err();
    assert!(matches!(err, VulnDbError::Zip { .. }), "{err}");
    assert_eq!(fingerprint(&db_path), before);
    assert!(leftovers(dir.path()).contains(&"bad.zip".to_string()));
    assert_eq!(
        leftovers(dir.path()).len(),
        1,
        "temporary files left behind"
    );

    // Disk full: SQLite's page cap fails the writes the same way ENOSPC does.
    let mut b = DbBuilder::create(&db_path).unwrap();
    b.set_max_pages(8).unwrap();
    let err = b
        .import_path(&advisories().join("osv/PyPI/all.zip"))
        .map(|_| ())
        .and_then(|_| b.finish().map(|_| ()))
        .unwrap_err();
    assert!(err.to_string().contains("vulndb.sqlite.tmp-"), "{err}");
    let chain = format!("{:?}", err);
    assert!(chain.contains("full"), "{chain}");
    assert_eq!(fingerprint(&db_path), before);
    assert_eq!(leftovers(dir.path()).len(), 1);
}

#[test]
fn unknown_schema_and_missing_db_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = VulnDb::open(&dir.path().join("nope.sqlite")).unwrap_err();
    assert!(
        missing.to_string().contains("bulwark db update"),
        "{missing}"
    );
    let path = dir.path().join("future.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT); INSERT INTO meta VALUES ('schema_version', '999');",
    )
    .unwrap();
    drop(conn);
    let err = VulnDb::open(&path).unwrap_err();
    assert!(
        matches!(err, VulnDbError::Schema { found: 999, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("schema version 999"), "{err}");
    // Not SQLite at all.
    let junk = dir.path().join("junk.sqlite");
    std::fs::File::create(&junk)
        .unwrap()
        .write_all(&[7u8; 4096])
        .unwrap();
    assert!(VulnDb::open(&junk).is_err());
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A real HTTP server (Python's http.server) serving `dir` on 127.0.0.1.
fn http_server(dir: &Path) -> (Server, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
            "--directory",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 is needed for the HTTP mirror test");
    let server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "http.server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, format!("http://127.0.0.1:{port}"))
}

#[test]
fn updates_from_an_http_mirror_and_a_directory() {
    let osv = advisories().join("osv");
    let (_server, url) = http_server(&osv);
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("vulndb.sqlite");
    let opts = UpdateOptions {
        source: url.clone(),
        ecosystems: vec!["Debian".into(), "crates.io".into(), "Ubuntu".into()],
        extra: vec![],
    };
    let out = update(&db_path, &opts).unwrap();
    assert_eq!(out.meta.sources.len(), 2);
    assert_eq!(
        out.meta.sources[0].location,
        format!("{url}/Debian/all.zip")
    );
    assert_eq!(out.meta.sources[1].records, 1193);
    assert!(
        out.warnings[0].contains("no export for: Ubuntu"),
        "{:?}",
        out.warnings
    );
    // The recorded hash is the archive's.
    let want = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(
            std::fs::read(osv.join("Debian/all.zip")).unwrap(),
        ))
    };
    assert_eq!(out.meta.sources[0].sha256, want);

    // The same from a directory mirror, given as file:// URL.
    let from_dir = update(
        &db_path,
        &UpdateOptions {
            source: format!("file://{}", osv.display()),
            ecosystems: vec!["crates.io".into()],
            extra: vec![],
        },
    )
    .unwrap();
    assert_eq!(from_dir.meta.sources[0].records, 1193);

    // A mirror with none of the ecosystems changes nothing.
    let before = VulnDb::open(&db_path).unwrap().meta().clone();
    let err = update(
        &db_path,
        &UpdateOptions {
            source: url,
            ecosystems: vec!["Wolfi".into()],
            extra: vec![],
        },
    )
    .unwrap_err();
    assert!(matches!(err, VulnDbError::NothingImported(_)), "{err}");
    assert_eq!(VulnDb::open(&db_path).unwrap().meta(), &before);
}
