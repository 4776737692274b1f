//! Table tests against published version-ordering vectors.
//!
//! The vectors are read at test time from the read-only `shared/fixtures/versions/` tree
//! next to the repository (see its README.md); nothing is copied here. Every comparison line
//! is checked both ways (`compare(a, b)` and, for antisymmetry, `compare(b, a)`), every
//! failing line is reported (not just the first), and the few lines that are wrong against
//! the ecosystem's own tool are listed in [`EXCLUSIONS`] with the reason.
//!
//! Run with `--nocapture` to see the per-file counts.

use std::cmp::Ordering;
use std::fs;

use bulwark_version::{compare, Scheme, Version};

const ROOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/versions"
);

/// Vector lines known to be wrong against the ecosystem's reference tool, as
/// `(file, exact line, reason)`. Keep this tiny; each entry must still fail, or the test
/// complains that it is stale.
const EXCLUSIONS: &[(&str, &str, &str)] = &[
    // osv-scalibr's own "edge case tests" for `#` (not generated with PHP). PHP's
    // version_compare turns `#` after a `.` into a separator (ext/standard/versioning.c,
    // php_canonicalize_version), so `1.2.3.#` is `1.2.3.` and sorts below both `1.2.3` and
    // `1.2.3.1` (a trailing separator compares as the empty string, which is lowest). The two
    // lines also contradict each other under any transitive order, since `1.2.3 < 1.2.3.1`
    // (as `1.0 < 1.0.0`, which the same file states).
    (
        "osv-scalibr-semantic/packagist-versions.txt",
        "1.2.3.# = 1.2.3",
        "PHP: 1.2.3.# < 1.2.3",
    ),
    (
        "osv-scalibr-semantic/packagist-versions.txt",
        "1.2.3.# = 1.2.3.1",
        "PHP: 1.2.3.# < 1.2.3.1",
    ),
    (
        "osv-scalibr-semantic/maven-versions.txt",
        "1-1 = 1-ga-1",
        // Maven's own ComparableVersion disagrees: `java -cp maven-artifact-3.8.7.jar
        // org.apache.maven.artifact.versioning.ComparableVersion 1-1 1-ga-1` prints
        // `1-1 > 1-ga-1` (tokens `[1, [1]]` vs `[1, [[1]]]`), and so do 3.8.6, 3.9.x and 4.x by
        // their sources. osv-scalibr's own (spec-based) implementation is the only one giving `=`.
        "Maven ComparableVersion orders 1-1 > 1-ga-1",
    ),
];

/// What a vector line expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Is(Ordering),
    NotEqual,
}

#[derive(Debug)]
struct Case {
    line: usize,
    a: String,
    b: String,
    expect: Expect,
    raw: String,
}

fn read(rel: &str) -> String {
    let path = format!("{ROOT}/{rel}");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read vector file {path}: {e}"))
}

fn op(s: &str) -> Option<Expect> {
    Some(match s {
        "<" => Expect::Is(Ordering::Less),
        "=" => Expect::Is(Ordering::Equal),
        ">" => Expect::Is(Ordering::Greater),
        _ => return None,
    })
}

/// osv-scalibr's format: `a <op> b` separated by single spaces; blank lines and lines
/// starting with `# ` or `// ` are comments (exactly as its `compare_test.go` reads them).
fn scalibr_cases(rel: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for (n, raw) in read(rel).lines().enumerate() {
        if raw.is_empty() || raw.starts_with("# ") || raw.starts_with("// ") {
            continue;
        }
        let pieces: Vec<&str> = raw.split(' ').collect();
        let [a, o, b] = pieces.as_slice() else {
            panic!("{rel}:{}: not `a op b`: {raw:?}", n + 1);
        };
        let expect = op(o).unwrap_or_else(|| panic!("{rel}:{}: bad operator {o:?}", n + 1));
        cases.push(Case {
            line: n + 1,
            a: a.to_string(),
            b: b.to_string(),
            expect,
            raw: raw.to_string(),
        });
    }
    cases
}

/// apk-tools' `version.data` format: `#` starts a comment, fields are separated by any
/// whitespace. Only the plain ordering lines (`<`, `=`, `>`) are returned; the validity lines
/// (`v`, `!v`) and the fuzzy operators (`~`, `<~`, `>~`, `!~`) are apk's `~` dependency
/// matching, not ordering, and are checked in `src/apk.rs`'s unit tests. Returns the cases
/// and how many lines were left to those unit tests.
fn apk_data_cases(rel: &str) -> (Vec<Case>, usize) {
    let mut cases = Vec::new();
    let mut other = 0;
    for (n, raw) in read(rel).lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [a, o, b] if op(o).is_some() => cases.push(Case {
                line: n + 1,
                a: a.to_string(),
                b: b.to_string(),
                expect: op(o).unwrap(),
                raw: raw.to_string(),
            }),
            [_, o, _] if o.contains('~') => other += 1,
            [_] => other += 1,
            _ => panic!("{rel}:{}: unexpected line {raw:?}", n + 1),
        }
    }
    (cases, other)
}

/// univers' JSON comparison tables: `equality` entries expect `versions[0] == versions[1]`
/// (or `!=`); `comparison` entries expect `expected_output` to be `versions` sorted, which is
/// checked by a stable sort with this crate's order (like Python's `sorted`) and, pairwise, as
/// strict `<` cases.
fn univers_json(rel: &str, scheme: Scheme) -> (Vec<Case>, Vec<String>) {
    let json: serde_json::Value = serde_json::from_str(&read(rel)).expect("valid JSON");
    let entries = json.as_array().expect("a JSON array");
    let mut cases = Vec::new();
    let mut sort_failures = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let versions: Vec<String> = entry["input"]["versions"]
            .as_array()
            .expect("input.versions")
            .iter()
            .map(|v| v.as_str().expect("version string").to_string())
            .collect();
        match entry["test_type"].as_str() {
            Some("equality") => {
                let equal = entry["expected_output"].as_bool().expect("bool");
                cases.push(Case {
                    line: n + 1,
                    a: versions[0].clone(),
                    b: versions[1].clone(),
                    expect: if equal {
                        Expect::Is(Ordering::Equal)
                    } else {
                        Expect::NotEqual
                    },
                    raw: format!(
                        "{} {} {}",
                        versions[0],
                        if equal { "==" } else { "!=" },
                        versions[1]
                    ),
                });
            }
            Some("comparison") => {
                let expected: Vec<String> = entry["expected_output"]
                    .as_array()
                    .expect("expected_output list")
                    .iter()
                    .map(|v| v.as_str().expect("version string").to_string())
                    .collect();
                let mut parsed: Vec<Version> = versions
                    .iter()
                    .map(|v| Version::parse(scheme, v).expect("parses"))
                    .collect();
                parsed.sort();
                let got: Vec<&str> = parsed.iter().map(Version::as_str).collect();
                // univers prints its own normalized form (NuGet lower-cases labels), so the
                // sorted list must match the expected one position by position as versions.
                let same = expected.len() == got.len()
                    && expected
                        .iter()
                        .zip(&got)
                        .all(|(e, g)| compare(scheme, e, g).ok() == Some(Ordering::Equal));
                if !same {
                    sort_failures.push(format!(
                        "entry {}: sorted {versions:?} to {got:?}, expected {expected:?}",
                        n + 1
                    ));
                }
                for w in expected.windows(2) {
                    // Every sorted pair in these tables is strictly increasing.
                    cases.push(Case {
                        line: n + 1,
                        a: w[0].clone(),
                        b: w[1].clone(),
                        expect: Expect::Is(Ordering::Less),
                        raw: format!("{} < {}", w[0], w[1]),
                    });
                }
            }
            other => panic!("{rel}: entry {}: unknown test_type {other:?}", n + 1),
        }
    }
    (cases, sort_failures)
}

/// Checks every case both ways, reports every failure, and returns how many passed.
fn check(scheme: Scheme, rel: &str, cases: &[Case]) -> usize {
    assert!(!cases.is_empty(), "{rel}: no cases read");
    let mut failures = Vec::new();
    let mut passed = 0;
    let mut excluded = 0;
    for case in cases {
        let exclusion = EXCLUSIONS
            .iter()
            .find(|(file, line, _)| *file == rel && *line == case.raw);
        let forward = compare(scheme, &case.a, &case.b);
        let backward = compare(scheme, &case.b, &case.a);
        let ok = match (&forward, &backward, case.expect) {
            (Ok(f), Ok(b), Expect::Is(want)) => *f == want && *b == want.reverse(),
            (Ok(f), Ok(b), Expect::NotEqual) => *f != Ordering::Equal && *b == f.reverse(),
            _ => false,
        };
        match (ok, exclusion) {
            (true, None) => passed += 1,
            (false, Some(_)) => excluded += 1,
            (true, Some((_, _, reason))) => failures.push(format!(
                "line {}: `{}` is in EXCLUSIONS ({reason}) but now passes: remove it",
                case.line, case.raw
            )),
            (false, None) => failures.push(format!(
                "line {}: `{}`: compare(a, b) = {forward:?}, compare(b, a) = {backward:?}",
                case.line, case.raw
            )),
        }
    }
    println!("{scheme:>9} {rel}: {passed} comparisons pass (both directions), {excluded} excluded");
    assert!(
        failures.is_empty(),
        "{rel} under {scheme}: {} of {} lines fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    passed
}

// ---- osv-scalibr semantic/testdata (google/osv-scalibr, Apache-2.0) ----

/// Source: osv-scalibr-semantic/debian-versions.txt
#[test]
fn dpkg_scalibr_debian() {
    let rel = "osv-scalibr-semantic/debian-versions.txt";
    check(Scheme::Dpkg, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/debian-versions-generated.txt (made with dpkg)
#[test]
fn dpkg_scalibr_debian_generated() {
    let rel = "osv-scalibr-semantic/debian-versions-generated.txt";
    check(Scheme::Dpkg, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/alpine-versions.txt
#[test]
fn apk_scalibr_alpine() {
    let rel = "osv-scalibr-semantic/alpine-versions.txt";
    check(Scheme::Apk, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/alpine-versions-generated.txt (made with apk on Alpine 3.10)
#[test]
fn apk_scalibr_alpine_generated() {
    let rel = "osv-scalibr-semantic/alpine-versions-generated.txt";
    check(Scheme::Apk, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/redhat-versions.txt (agrees with rpm's vercmp)
#[test]
fn rpm_scalibr_redhat() {
    let rel = "osv-scalibr-semantic/redhat-versions.txt";
    check(Scheme::Rpm, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/pypi-versions.txt
#[test]
fn pep440_scalibr_pypi() {
    let rel = "osv-scalibr-semantic/pypi-versions.txt";
    check(Scheme::Pep440, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/pypi-versions-generated.txt (made with Python packaging)
#[test]
fn pep440_scalibr_pypi_generated() {
    let rel = "osv-scalibr-semantic/pypi-versions-generated.txt";
    check(Scheme::Pep440, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/semver-versions.txt (npm, crates.io)
#[test]
fn semver_scalibr_semver() {
    let rel = "osv-scalibr-semantic/semver-versions.txt";
    check(Scheme::Semver, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/semver-versions.txt, under the Go scheme (with and
/// without the `v` prefix, as osv-scalibr runs it for Go)
#[test]
fn go_scalibr_semver() {
    let rel = "osv-scalibr-semantic/semver-versions.txt";
    check(Scheme::Go, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/maven-versions.txt
#[test]
fn maven_scalibr_maven() {
    let rel = "osv-scalibr-semantic/maven-versions.txt";
    check(Scheme::Maven, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/maven-versions-generated.txt (made with maven-artifact)
#[test]
fn maven_scalibr_maven_generated() {
    let rel = "osv-scalibr-semantic/maven-versions-generated.txt";
    check(Scheme::Maven, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/rubygems-versions.txt
#[test]
fn rubygems_scalibr_rubygems() {
    let rel = "osv-scalibr-semantic/rubygems-versions.txt";
    check(Scheme::RubyGems, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/rubygems-versions-generated.txt (made with Gem::Version)
#[test]
fn rubygems_scalibr_rubygems_generated() {
    let rel = "osv-scalibr-semantic/rubygems-versions-generated.txt";
    check(Scheme::RubyGems, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/nuget-versions.txt
#[test]
fn nuget_scalibr_nuget() {
    let rel = "osv-scalibr-semantic/nuget-versions.txt";
    check(Scheme::NuGet, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/packagist-versions.txt
#[test]
fn packagist_scalibr_packagist() {
    let rel = "osv-scalibr-semantic/packagist-versions.txt";
    check(Scheme::Packagist, rel, &scalibr_cases(rel));
}

/// Source: osv-scalibr-semantic/packagist-versions-generated.txt (made with PHP's
/// version_compare)
#[test]
fn packagist_scalibr_packagist_generated() {
    let rel = "osv-scalibr-semantic/packagist-versions-generated.txt";
    check(Scheme::Packagist, rel, &scalibr_cases(rel));
}

// ---- apk-tools' own unit data ----

/// Source: upstream/apk-tools_version.data (alpinelinux/apk-tools test/unit/version.data)
#[test]
fn apk_upstream_version_data() {
    let rel = "upstream/apk-tools_version.data";
    let (cases, other) = apk_data_cases(rel);
    check(Scheme::Apk, rel, &cases);
    println!("      apk {rel}: {other} validity/fuzzy lines checked in src/apk.rs unit tests");
    assert!(other > 0);
}

// ---- univers 32.0.1 test data (aboutcode-org/univers) ----

/// Source: univers-32.0.1-tests-data/alpine_test.txt (apk-tools 2.12.9 test/version.data)
#[test]
fn apk_univers_alpine_test() {
    let rel = "univers-32.0.1-tests-data/alpine_test.txt";
    let (cases, other) = apk_data_cases(rel);
    assert_eq!(other, 0, "{rel}: unexpected non-ordering lines");
    check(Scheme::Apk, rel, &cases);
}

/// Source: univers-32.0.1-tests-data/schema/alpine_version_cmp.json
#[test]
fn apk_univers_alpine_json() {
    let rel = "univers-32.0.1-tests-data/schema/alpine_version_cmp.json";
    let (cases, sort_failures) = univers_json(rel, Scheme::Apk);
    assert!(sort_failures.is_empty(), "{}", sort_failures.join("\n"));
    check(Scheme::Apk, rel, &cases);
}

/// Source: univers-32.0.1-tests-data/schema/maven_version_cmp.json
#[test]
fn maven_univers_json() {
    let rel = "univers-32.0.1-tests-data/schema/maven_version_cmp.json";
    let (cases, sort_failures) = univers_json(rel, Scheme::Maven);
    assert!(sort_failures.is_empty(), "{}", sort_failures.join("\n"));
    check(Scheme::Maven, rel, &cases);
}

/// Source: univers-32.0.1-tests-data/schema/nuget_version_cmp.json
#[test]
fn nuget_univers_json() {
    let rel = "univers-32.0.1-tests-data/schema/nuget_version_cmp.json";
    let (cases, sort_failures) = univers_json(rel, Scheme::NuGet);
    assert!(sort_failures.is_empty(), "{}", sort_failures.join("\n"));
    check(Scheme::NuGet, rel, &cases);
}

/// Source: univers-32.0.1-tests-data/schema/deb_version_python_pkg_test.json
#[test]
fn dpkg_univers_json() {
    let rel = "univers-32.0.1-tests-data/schema/deb_version_python_pkg_test.json";
    let (cases, sort_failures) = univers_json(rel, Scheme::Dpkg);
    assert!(sort_failures.is_empty(), "{}", sort_failures.join("\n"));
    check(Scheme::Dpkg, rel, &cases);
}

/// Source: univers-32.0.1-tests-data/test-suite-data.json (VERS range syntax examples):
/// only the versions of the schemes this crate orders are used, and they must parse.
#[test]
fn univers_vers_examples_parse() {
    let rel = "univers-32.0.1-tests-data/test-suite-data.json";
    let json: serde_json::Value = serde_json::from_str(&read(rel)).expect("valid JSON");
    let mut parsed = 0;
    for entry in json.as_array().expect("array") {
        let scheme = match entry["scheme"].as_str() {
            Some("semver") => Scheme::Semver,
            Some("debian") => Scheme::Dpkg,
            _ => continue,
        };
        for group in entry["constraints"].as_array().expect("constraints") {
            for constraint in group.as_array().expect("constraint group") {
                let v = constraint["version"].as_str().expect("version");
                Version::parse(scheme, v).unwrap_or_else(|e| panic!("{rel}: {v}: {e}"));
                parsed += 1;
            }
        }
    }
    println!("           {rel}: {parsed} versions parse");
    assert!(parsed > 0);
}
