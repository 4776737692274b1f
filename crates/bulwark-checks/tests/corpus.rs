//! The corpus: real-world-style Dockerfiles, compose files, Kubernetes manifests and
//! `docker inspect` output under `tests/data/<case>/`, each with an `expected.txt` written
//! and reviewed by hand (not generated from this crate's output):
//!
//! ```text
//! # comment
//! BW-DF-004 1          a finding: check id and line (repeat the line for each finding)
//! error 3:4 message    the file is malformed: line, column and a message substring
//! ```
//!
//! The assertion is exact: the multiset of (id, line) found equals the expected one.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use bulwark_checks::{check_bytes, CheckError, CheckOptions};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

enum Expected {
    Findings(BTreeMap<(String, u32), usize>),
    Error(u32, u32, String),
}

fn expected(case: &Path) -> Expected {
    let text = fs::read_to_string(case.join("expected.txt")).expect("expected.txt");
    let mut findings = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let first = parts.next().unwrap();
        let second = parts
            .next()
            .unwrap_or_else(|| panic!("{}: bad line {line:?}", case.display()));
        if first == "error" {
            let (l, c) = second.split_once(':').expect("error L:C");
            let msg = parts.next().unwrap_or("").trim().to_string();
            return Expected::Error(l.parse().unwrap(), c.parse().unwrap(), msg);
        }
        *findings
            .entry((first.to_string(), second.parse().unwrap()))
            .or_default() += 1;
    }
    Expected::Findings(findings)
}

fn input(case: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "expected.txt")
        .collect();
    assert_eq!(
        files.len(),
        1,
        "{}: one input file per case",
        case.display()
    );
    files.pop().unwrap()
}

#[test]
fn corpus_matches_expectations() {
    let mut cases: Vec<PathBuf> = fs::read_dir(data())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "corpus has {} cases", cases.len());
    let opts = CheckOptions::default();
    let mut failures = Vec::new();
    for case in &cases {
        let file = input(case);
        let bytes = fs::read(&file).unwrap();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let got = check_bytes(&file, &bytes, None, &opts);
        match (expected(case), got) {
            (Expected::Findings(want), Ok(Some((_, findings)))) => {
                let mut have: BTreeMap<(String, u32), usize> = BTreeMap::new();
                for f in &findings {
                    *have
                        .entry((f.check_id.clone(), f.position.line))
                        .or_default() += 1;
                }
                if have != want {
                    let missing: Vec<_> = want
                        .iter()
                        .filter(|(k, n)| have.get(*k) != Some(n))
                        .collect();
                    let extra: Vec<_> = have
                        .iter()
                        .filter(|(k, n)| want.get(*k) != Some(n))
                        .collect();
                    let detail: Vec<String> = findings
                        .iter()
                        .map(|f| {
                            format!(
                                "    {} {}:{} {:?} {}",
                                f.check_id,
                                f.position.line,
                                f.position.column,
                                f.subject,
                                f.message
                            )
                        })
                        .collect();
                    failures.push(format!("{name}: expected-but-different {missing:?}\n  got-but-unexpected {extra:?}\n{}", detail.join("\n")));
                }
            }
            (Expected::Error(line, column, msg), Err(e)) => {
                let ok = matches!(&e, CheckError::Syntax { line: l, column: c, message, .. }
                    if *l == line && *c == column && message.contains(&msg));
                let shown = e.to_string();
                if !ok || !shown.starts_with(&format!("{}:{line}:{column}: ", file.display())) {
                    failures.push(format!(
                        "{name}: expected error {line}:{column} {msg:?}, got {shown}"
                    ));
                }
            }
            (Expected::Error(..), Ok(r)) => failures.push(format!(
                "{name}: expected an error, got {:?}",
                r.map(|r| r.1.len())
            )),
            (Expected::Findings(_), Err(e)) => {
                failures.push(format!("{name}: unexpected error {e}"))
            }
            (Expected::Findings(_), Ok(None)) => {
                failures.push(format!("{name}: not recognised as a config file"))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every file in the corpus is found by a directory scan, and a malformed file does not stop
/// the others.
#[test]
fn directory_scan_reports_errors_and_keeps_going() {
    let report = bulwark_checks::scan_paths(&[data()], &CheckOptions::default());
    let errors: Vec<String> = report.errors().map(|e| e.to_string()).collect();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    let checked = report.files.iter().filter(|f| f.error.is_none()).count();
    assert!(checked >= 30, "{checked} files checked");
    assert!(report
        .files
        .iter()
        .all(|f| !f.path.ends_with("expected.txt")));
}

/// Skipping and re-grading apply to every input kind.
#[test]
fn options_skip_and_regrade() {
    let mut opts = CheckOptions::default();
    opts.skip_check("BW-DF-004").unwrap();
    opts.set_severity("bw-rt-024=critical").unwrap();
    let df = data().join("df-python-flask/Dockerfile");
    let (_, f) = check_bytes(&df, &fs::read(&df).unwrap(), None, &opts)
        .unwrap()
        .unwrap();
    assert!(f.iter().all(|f| f.check_id != "BW-DF-004"));
    let k8s = data().join("k8s-nginx-deployment/deployment.yaml");
    let (_, f) = check_bytes(&k8s, &fs::read(&k8s).unwrap(), None, &opts)
        .unwrap()
        .unwrap();
    let latest = f.iter().find(|f| f.check_id == "BW-RT-024").unwrap();
    assert_eq!(latest.severity, bulwark_checks::Severity::Critical);
    assert_eq!(latest.default_severity, bulwark_checks::Severity::Medium);
    assert!(opts.skip_check("BW-NOPE-1").is_err());
    assert!(opts.set_severity("BW-DF-001=SEVERE").is_err());
}

/// The capability suggestion carries its evidence.
#[test]
fn capability_suggestion_has_reasons() {
    let path = data().join("compose-ci-runner/docker-compose.ci.yml");
    let (_, f) = check_bytes(
        &path,
        &fs::read(&path).unwrap(),
        None,
        &CheckOptions::default(),
    )
    .unwrap()
    .unwrap();
    let s = f
        .iter()
        .find(|f| f.check_id == "BW-RT-100")
        .and_then(|f| f.suggested_capabilities.clone())
        .expect("suggestion");
    assert_eq!(s.drop, ["ALL"]);
    let caps: Vec<&str> = s.add.iter().map(|c| c.capability.as_str()).collect();
    assert_eq!(caps, ["SETUID", "SETGID", "CHOWN"]);
    assert!(s.add.iter().all(|c| !c.reason.is_empty()));
    assert_eq!(s.unexplained, ["NET_RAW"]);
}
