//! Vulnerability reports on a small hand-built inventory and findings: snapshots of every
//! format, assertions on the fields consumers rely on, and validation of the SARIF log
//! against the official SARIF 2.1.0 schema (`validate_sarif.py`) and of the CycloneDX document
//! against the CycloneDX 1.6 schema (`validate_sbom.py`).
//!
//! The findings: libssl3 and openssl (deb) share CVE-2024-5535, rated critical by CVSS 3.1 and
//! low by Debian; libssl3 also has an unrated CVE; zlib1g has a VEX-suppressed one; requests
//! (python) has a CVE/GHSA/PYSEC alias group and a finding suppressed by an exception;
//! @babel/traverse (npm) a CVSS 4.0 critical one whose purl the caller filled in.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use bulwark_inventory::{Inventory, OsInfo, Package, PackageKind};
use bulwark_report::{purl, write_sbom_with, write_vuln_report, Format, ReportError, SbomOptions};
use bulwark_vuln::{
    AffectedPackage, CvssScore, DbInfo, Finding, Reachability, Severity, Status, Suppression,
    VendorSeverity, VulnReport,
};
use serde_json::Value;

mod common;
use common::*;

const DPKG: &str = "/var/lib/dpkg/status";
const REQUESTS_METADATA: &str = "/usr/lib/python3/dist-packages/requests-2.28.1.dist-info/METADATA";
const BABEL_MANIFEST: &str = "/app/node_modules/@babel/traverse/package.json";
const BABEL_PURL: &str = "pkg:npm/%40babel/traverse@7.22.5";

fn os() -> OsInfo {
    OsInfo {
        id: "debian".into(),
        version_id: Some("12".into()),
        codename: Some("bookworm".into()),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        id_like: Vec::new(),
    }
}

fn deb(name: &str, version: &str) -> Package {
    let mut p = Package::new(PackageKind::Deb, name, version, DPKG);
    p.arch = Some("amd64".into());
    p.layer = at(0, LAYER0);
    p
}

/// Sorted as inventories are (kind, name, version); `bash` has no findings.
fn inventory() -> Inventory {
    let mut libssl = deb("libssl3", "3.0.11-1~deb12u2");
    libssl.source_name = Some("openssl".into());
    let mut openssl = deb("openssl", "3.0.11-1~deb12u2");
    openssl.source_name = Some("openssl".into());
    let mut zlib = deb("zlib1g", "1:1.2.13.dfsg-1");
    zlib.source_name = Some("zlib".into());
    let mut requests = Package::new(PackageKind::Python, "requests", "2.28.1", REQUESTS_METADATA);
    requests.layer = at(1, LAYER1);
    let mut babel = Package::new(
        PackageKind::Npm,
        "@babel/traverse",
        "7.22.5",
        BABEL_MANIFEST,
    );
    babel.layer = at(1, LAYER1);
    Inventory {
        os: Some(os()),
        packages: vec![
            deb("bash", "5.2.15-2+b2"),
            libssl,
            openssl,
            zlib,
            requests,
            babel,
        ],
        warnings: vec![
            "skipped /usr/lib/python3/dist-packages/broken.dist-info: no METADATA".into(),
        ],
        ..Inventory::default()
    }
}

/// The finding's package as the matcher records it (purl left for the report to fill in).
fn affected(pkg: &Package) -> AffectedPackage {
    AffectedPackage {
        kind: pkg.kind,
        name: pkg.name.clone(),
        version: pkg.version.clone(),
        source_name: pkg.source_name.clone(),
        purl: None,
        found_in: pkg.found_in.clone(),
        layer: pkg.layer.clone(),
    }
}

fn cvss(version: &str, vector: &str, base_score: f64, source: &str) -> CvssScore {
    CvssScore {
        version: version.into(),
        vector: vector.into(),
        base_score,
        severity: Severity::from_cvss_score(base_score),
        source: source.into(),
    }
}

fn vendor(source: &str, raw: &str) -> VendorSeverity {
    VendorSeverity {
        source: source.into(),
        severity: raw.parse().expect("vendor word"),
        raw: raw.into(),
    }
}

fn finding(pkg: &Package, id: &str, severity: Severity, status: Status) -> Finding {
    Finding {
        package: affected(pkg),
        id: id.into(),
        aliases: Vec::new(),
        advisories: vec![id.into()],
        title: None,
        status,
        fixed_version: None,
        severity,
        cvss: Vec::new(),
        vendor_severity: Vec::new(),
        ecosystem: String::new(),
        url: None,
        published: None,
        suppressed: None,
        reachability: None,
    }
}

/// A Debian finding of CVE-2024-5535: CVSS 3.1 says critical, Debian says low (and wins).
fn openssl_cve(pkg: &Package) -> Finding {
    let mut f = finding(pkg, "CVE-2024-5535", Severity::Low, Status::Fixed);
    f.advisories = vec!["DEBIAN-CVE-2024-5535".into()];
    f.title = Some(
        "openssl: SSL_select_next_proto buffer overread when called with an empty client \
         protocol list"
            .into(),
    );
    f.fixed_version = Some("3.0.14-1~deb12u1".into());
    f.cvss = vec![cvss(
        "3.1",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H",
        9.1,
        "nvd",
    )];
    f.vendor_severity = vec![vendor("debian", "low")];
    f.ecosystem = "Debian:12".into();
    f.url = Some("https://security-tracker.debian.org/tracker/CVE-2024-5535".into());
    f.published = Some("2024-06-27T11:15:00Z".into());
    f
}

fn report() -> VulnReport {
    let inv = inventory();
    let [_, libssl, openssl, zlib, requests, babel] = &inv.packages[..] else {
        panic!("six packages");
    };

    let mut unrated = finding(libssl, "CVE-2024-2511", Severity::Unknown, Status::Affected);
    unrated.advisories = vec!["DEBIAN-CVE-2024-2511".into()];
    unrated.title =
        Some("openssl: Unbounded memory growth with session handling in TLSv1.3".into());
    unrated.ecosystem = "Debian:12".into();
    // A bare date, as some advisories give it.
    unrated.published = Some("2024-04-08".into());

    let mut minizip = finding(
        zlib,
        "CVE-2023-45853",
        Severity::Negligible,
        Status::WillNotFix,
    );
    minizip.advisories = vec!["DEBIAN-CVE-2023-45853".into()];
    minizip.title = Some("MiniZip in zlib through 1.3 has an integer overflow".into());
    minizip.cvss = vec![cvss(
        "3.1",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        9.8,
        "nvd",
    )];
    minizip.vendor_severity = vec![vendor("debian", "unimportant")];
    minizip.ecosystem = "Debian:12".into();
    minizip.suppressed = Some(Suppression::Vex {
        document: "vex/zlib.openvex.json".into(),
        justification: Some("vulnerable_code_not_present".into()),
        impact: Some("minizip is not built into the Debian zlib1g package".into()),
    });

    let mut leak = finding(requests, "CVE-2023-32681", Severity::Medium, Status::Fixed);
    leak.aliases = vec!["GHSA-j8r2-6x86-q33q".into(), "PYSEC-2023-74".into()];
    leak.advisories = vec!["GHSA-j8r2-6x86-q33q".into(), "PYSEC-2023-74".into()];
    leak.title = Some("Unintended leak of Proxy-Authorization header in requests".into());
    leak.fixed_version = Some("2.31.0".into());
    leak.cvss = vec![cvss(
        "3.1",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N",
        6.1,
        "osv:GHSA",
    )];
    leak.vendor_severity = vec![vendor("ghsa", "moderate")];
    leak.ecosystem = "PyPI".into();
    leak.url = Some("https://github.com/advisories/GHSA-j8r2-6x86-q33q".into());
    leak.published = Some("2023-05-26T18:15:14Z".into());

    let mut verify = finding(requests, "CVE-2024-35195", Severity::Medium, Status::Fixed);
    verify.aliases = vec!["GHSA-9wx4-h78v-vm56".into()];
    verify.advisories = vec!["GHSA-9wx4-h78v-vm56".into()];
    verify.title = Some(
        "Requests `Session` object does not verify requests after making first request with \
         verify=False"
            .into(),
    );
    verify.fixed_version = Some("2.32.0".into());
    verify.cvss = vec![cvss(
        "3.1",
        "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N",
        5.6,
        "osv:GHSA",
    )];
    verify.vendor_severity = vec![vendor("ghsa", "moderate")];
    verify.ecosystem = "PyPI".into();
    verify.url = Some("https://github.com/advisories/GHSA-9wx4-h78v-vm56".into());
    verify.suppressed = Some(Suppression::Exception {
        reason: "sessions never disable verification in this service".into(),
        owner: "platform-team".into(),
        expires: "2026-12-31".into(),
    });

    let mut traverse = finding(babel, "CVE-2023-45133", Severity::Critical, Status::Fixed);
    traverse.package.purl = Some(BABEL_PURL.into());
    traverse.aliases = vec!["GHSA-67hx-6x53-jw92".into()];
    traverse.advisories = vec!["GHSA-67hx-6x53-jw92".into()];
    traverse.title =
        Some("Babel vulnerable to arbitrary code execution when compiling specifically crafted malicious code".into());
    traverse.fixed_version = Some("7.23.2".into());
    traverse.cvss = vec![cvss(
        "4.0",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        9.3,
        "osv:GHSA",
    )];
    traverse.vendor_severity = vec![vendor("ghsa", "critical")];
    traverse.ecosystem = "npm".into();
    traverse.url = Some("https://github.com/advisories/GHSA-67hx-6x53-jw92".into());

    // Entrypoint reachability: libssl3 loaded, the openssl tool not, requests unknown (an
    // interpreted entrypoint), babel not analysed.
    let loaded = Reachability::Loaded {
        chain: vec![
            "/usr/bin/python3.11".into(),
            "ssl".into(),
            "_ssl".into(),
            "libssl.so.3".into(),
        ],
        file: "/usr/lib/x86_64-linux-gnu/libssl.so.3".into(),
    };
    let unknown = Reachability::Unknown {
        reason: "interpreted entrypoint (python3.11): only imports proven at start-up are followed"
            .into(),
    };
    let reach = |mut f: Finding, r: &Reachability| {
        f.reachability = Some(r.clone());
        f
    };
    VulnReport {
        findings: vec![
            reach(openssl_cve(libssl), &loaded),
            reach(unrated, &loaded),
            reach(openssl_cve(openssl), &Reachability::NotLoaded),
            reach(minizip, &Reachability::NotLoaded),
            reach(leak, &unknown),
            reach(verify, &unknown),
            traverse,
        ],
        warnings: vec!["no advisories for ecosystem `Packagist`".into()],
        db: DbInfo {
            schema_version: 1,
            built_at: "2025-11-01T06:00:00Z".into(),
            sources: vec!["https://osv-vulnerabilities.storage.googleapis.com/all.zip".into()],
        },
    }
}

fn render_with(
    format: Format,
    inventory: &Inventory,
    report: &VulnReport,
    options: &SbomOptions,
) -> String {
    let mut out = Vec::new();
    write_vuln_report(format, &image(), inventory, report, options, &mut out)
        .expect("write vulnerability report");
    String::from_utf8(out).expect("utf-8 output")
}

fn render(format: Format) -> String {
    render_with(format, &inventory(), &report(), &options())
}

fn strs<'a>(values: &'a Value, key: &str) -> Vec<&'a str> {
    values
        .as_array()
        .unwrap_or_else(|| panic!("array: {values}"))
        .iter()
        .map(|v| v[key].as_str().unwrap_or_else(|| panic!("{key} in {v}")))
        .collect()
}

#[test]
fn sarif_is_a_format_for_findings_only() {
    assert_eq!("sarif".parse::<Format>().expect("sarif"), Format::Sarif);
    assert_eq!(" SARIF ".parse::<Format>().expect("sarif"), Format::Sarif);
    assert_eq!(Format::Sarif.to_string(), "sarif");
    assert!(Format::ALL.contains(&Format::Sarif));
    assert!(!Format::Sarif.writes_sbom() && Format::Sarif.writes_findings());
    assert!(Format::SpdxJson.writes_sbom() && !Format::SpdxJson.writes_findings());

    let mut out = Vec::new();
    let err = write_sbom_with(Format::Sarif, &image(), &inventory(), &options(), &mut out)
        .expect_err("no SARIF SBOM");
    assert!(matches!(
        err,
        ReportError::FormatNotApplicable {
            format: Format::Sarif,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "the `sarif` format cannot be used for this report: SARIF holds vulnerability \
         findings, not a software bill of materials; choose one of table, json, cyclonedx, \
         spdx-json"
    );
    assert!(out.is_empty(), "nothing written");

    let err = write_vuln_report(
        Format::SpdxJson,
        &image(),
        &inventory(),
        &report(),
        &options(),
        &mut out,
    )
    .expect_err("no SPDX vulnerability report");
    assert_eq!(
        err.to_string(),
        "the `spdx-json` format cannot be used for this report: SPDX 2.3 has no section for \
         vulnerabilities; choose one of table, json, cyclonedx, sarif"
    );
    assert!(out.is_empty(), "nothing written");
}

#[test]
fn table() {
    let text = render(Format::Table);
    insta::assert_snapshot!("vuln_table", text);

    assert!(text.starts_with("registry.example.com/team/app:1.2 (container image)\n"));
    assert!(text.contains("OS: Debian GNU/Linux 12 (bookworm) [debian 12]\n"));
    assert!(text.contains("Vulnerability DB: built 2025-11-01T06:00:00Z\n"));
    assert!(
        text.contains("Total: 5 (UNKNOWN: 1, LOW: 2, MEDIUM: 1, HIGH: 0, CRITICAL: 1)\n"),
        "{text}"
    );
    assert!(text.ends_with("2 suppressed (1 by .bulwarkignore.yaml, 1 by VEX)\n"));
    assert!(text.contains("LOW (cvss: critical)"));
    assert!(text.contains("9.1"));
    assert!(text.contains("deb, layer 0 (111111111111)"));
    assert!(text.contains("GHSA-j8r2-6x86-q33q"));
    // Suppressed findings and the matcher's warnings are not listed.
    assert!(!text.contains("CVE-2024-35195") && !text.contains("CVE-2023-45853"));
    assert!(!text.contains("Packagist"));
    // One package cell per package, however many findings it has.
    assert_eq!(text.matches("libssl3 3.0.11-1~deb12u2").count(), 1);
    assert!(!text.contains('\u{1b}'), "no escape codes without colour");

    let colored = render_with(
        Format::Table,
        &inventory(),
        &report(),
        &SbomOptions {
            color: true,
            ..options()
        },
    );
    assert!(colored.contains('\u{1b}'), "severities coloured when asked");
}

#[test]
fn table_without_findings() {
    let empty = VulnReport {
        db: report().db,
        ..Default::default()
    };
    let text = render_with(Format::Table, &inventory(), &empty, &options());
    assert!(text.ends_with("\nNo vulnerabilities found\n"), "{text}");
    assert!(!text.contains("Total:"));

    let mut all_suppressed = report();
    all_suppressed.findings.retain(|f| f.suppressed.is_some());
    let text = render_with(Format::Table, &inventory(), &all_suppressed, &options());
    assert!(
        text.ends_with(
            "No vulnerabilities found\n2 suppressed (1 by .bulwarkignore.yaml, 1 by VEX)\n"
        ),
        "{text}"
    );

    let unknown_db = VulnReport::default();
    let text = render_with(Format::Table, &inventory(), &unknown_db, &options());
    assert!(text.contains("Vulnerability DB: unknown\n"));
}

#[test]
fn native_json() {
    let text = render(Format::Json);
    insta::assert_snapshot!("vuln_native_json", text);

    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["db"]["built_at"], "2025-11-01T06:00:00Z");
    assert_eq!(doc["db"]["schema_version"], 1);
    assert_eq!(doc["packages"].as_array().map(Vec::len), Some(6));
    assert_eq!(
        doc["warnings"],
        serde_json::json!([
            "skipped /usr/lib/python3/dist-packages/broken.dist-info: no METADATA",
            "no advisories for ecosystem `Packagist`"
        ])
    );

    // Every finding, suppressed ones included, in the serde form of `Finding`.
    let vulns = doc["vulnerabilities"].as_array().expect("vulnerabilities");
    let findings: Vec<Finding> =
        serde_json::from_value(doc["vulnerabilities"].clone()).expect("Finding serde form");
    let inv = inventory();
    let mut expected = report().findings;
    for f in &mut expected {
        if f.package.purl.is_none() {
            let pkg = inv
                .packages
                .iter()
                .find(|p| p.name == f.package.name)
                .expect("inventory package");
            f.package.purl = purl(pkg, inv.os.as_ref());
        }
    }
    assert_eq!(findings, expected, "findings round-trip, purls filled in");
    assert_eq!(
        vulns[0]["package"]["purl"],
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
    );
    assert_eq!(vulns[3]["suppressed"]["kind"], "vex");
    assert_eq!(vulns[5]["suppressed"]["kind"], "exception");
    assert_eq!(vulns[5]["suppressed"]["owner"], "platform-team");
    assert_eq!(vulns[4]["aliases"][1], "PYSEC-2023-74");
}

#[test]
fn sbom_json_says_no_scan_was_made() {
    let mut out = Vec::new();
    write_sbom_with(Format::Json, &image(), &inventory(), &options(), &mut out).expect("sbom");
    let doc: Value = serde_json::from_slice(&out).expect("json");
    assert!(doc["vulnerabilities"].is_null() && doc.get("vulnerabilities").is_some());
    assert!(doc["db"].is_null() && doc.get("db").is_some());

    let doc: Value = serde_json::from_str(&render_with(
        Format::Json,
        &inventory(),
        &VulnReport::default(),
        &options(),
    ))
    .expect("json");
    assert_eq!(doc["vulnerabilities"], serde_json::json!([]));
}

#[test]
fn sarif() {
    let text = render(Format::Sarif);
    insta::assert_snapshot!("vuln_sarif", text);

    let log: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "bulwark");
    assert_eq!(driver["version"], "0.0.0-test");
    assert!(driver["informationUri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://")));

    // One rule per distinct ID: CVE-2024-5535 is in two packages.
    let rules = &driver["rules"];
    assert_eq!(
        strs(rules, "id"),
        [
            "CVE-2024-5535",
            "CVE-2024-2511",
            "CVE-2023-45853",
            "CVE-2023-32681",
            "CVE-2024-35195",
            "CVE-2023-45133"
        ]
    );
    let cve_5535 = &rules[0];
    assert_eq!(
        cve_5535["shortDescription"]["text"],
        "openssl: SSL_select_next_proto buffer overread when called with an empty client \
         protocol list"
    );
    assert_eq!(
        cve_5535["helpUri"],
        "https://security-tracker.debian.org/tracker/CVE-2024-5535"
    );
    assert_eq!(cve_5535["properties"]["security-severity"], "9.1");
    assert_eq!(
        cve_5535["properties"]["tags"],
        serde_json::json!(["vulnerability", "security", "LOW"])
    );
    assert_eq!(cve_5535["defaultConfiguration"]["level"], "note");
    assert_eq!(rules[5]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[5]["properties"]["security-severity"], "9.3");
    // No CVSS vector, no security-severity; no title, the ID.
    assert!(rules[1]["properties"].get("security-severity").is_none());

    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 7);
    assert_eq!(
        strs(&run["results"], "level"),
        ["note", "note", "note", "note", "warning", "warning", "error"]
    );
    assert_eq!(results[2]["ruleId"], "CVE-2024-5535");
    assert_eq!(results[2]["ruleIndex"], 0);
    assert_eq!(results[6]["ruleIndex"], 5);
    let location = &results[0]["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "var/lib/dpkg/status"
    );
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
    );
    assert_eq!(
        results[6]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        BABEL_PURL
    );
    let message = results[0]["message"]["text"].as_str().expect("message");
    for part in [
        "libssl3",
        "Installed version: 3.0.11-1~deb12u2",
        "Fixed version: 3.0.14-1~deb12u1",
    ] {
        assert!(message.contains(part), "{part} missing from {message}");
    }
    assert!(results[1]["message"]["text"]
        .as_str()
        .is_some_and(|m| m.contains("Fixed version: none yet")));

    // Suppressed findings say so; active ones carry no suppressions.
    let suppressed: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.get("suppressions").is_some())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(suppressed, [3, 5]);
    assert_eq!(results[3]["suppressions"][0]["kind"], "external");
    assert!(results[5]["suppressions"][0]["justification"]
        .as_str()
        .is_some_and(|j| j.contains("sessions never disable verification")));

    // Fingerprints: one per result, distinct, and unchanged by an upgrade that does not fix.
    let prints: Vec<&Value> = results.iter().map(|r| &r["partialFingerprints"]).collect();
    assert_eq!(prints.iter().collect::<HashSet<_>>().len(), results.len());
    let mut upgraded = report();
    upgraded.findings[0].package.version = "3.0.11-1~deb12u3".into();
    let mut inv = inventory();
    inv.packages[1].version = "3.0.11-1~deb12u3".into();
    let again: Value =
        serde_json::from_str(&render_with(Format::Sarif, &inv, &upgraded, &options()))
            .expect("json");
    assert_eq!(
        again["runs"][0]["results"][0]["partialFingerprints"],
        *prints[0]
    );
}

#[test]
fn cyclonedx() {
    let text = render(Format::CycloneDx);
    insta::assert_snapshot!("vuln_cyclonedx", text);

    let bom: Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(bom["specVersion"], "1.6");
    let refs: HashSet<&str> = strs(&bom["components"], "bom-ref").into_iter().collect();
    let vulns = bom["vulnerabilities"].as_array().expect("vulnerabilities");
    assert_eq!(vulns.len(), 7);

    let first = &vulns[0];
    assert_eq!(first["id"], "CVE-2024-5535");
    assert_eq!(first["source"]["name"], "NVD");
    assert_eq!(
        first["source"]["url"],
        "https://nvd.nist.gov/vuln/detail/CVE-2024-5535"
    );
    assert_eq!(
        first["ratings"],
        serde_json::json!([
            {"source": {"name": "nvd"}, "score": 9.1, "severity": "critical",
             "method": "CVSSv31", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H"},
            {"source": {"name": "debian"}, "severity": "low", "method": "other"}
        ])
    );
    assert_eq!(
        first["recommendation"],
        "Upgrade libssl3 to 3.0.14-1~deb12u1"
    );
    assert_eq!(first["published"], "2024-06-27T11:15:00Z");
    assert_eq!(vulns[1]["published"], "2024-04-08T00:00:00Z");
    assert_eq!(
        first["affects"],
        serde_json::json!([{
            "ref": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
            "versions": [{"version": "3.0.11-1~deb12u2", "status": "affected"}]
        }])
    );
    for v in vulns {
        for a in v["affects"].as_array().expect("affects") {
            assert!(refs.contains(a["ref"].as_str().expect("ref")), "{a}");
        }
    }
    assert_eq!(vulns[6]["ratings"][0]["method"], "CVSSv4");

    // Aliases as references, each with its source.
    assert_eq!(
        vulns[4]["references"],
        serde_json::json!([
            {"id": "GHSA-j8r2-6x86-q33q", "source": {"name": "GitHub Advisory Database",
             "url": "https://github.com/advisories/GHSA-j8r2-6x86-q33q"}},
            {"id": "PYSEC-2023-74", "source": {"name": "OSV",
             "url": "https://osv.dev/vulnerability/PYSEC-2023-74"}}
        ])
    );

    // VEX: not_affected with the CycloneDX justification; an exception claims no state.
    assert_eq!(vulns[3]["analysis"]["state"], "not_affected");
    assert_eq!(vulns[3]["analysis"]["justification"], "code_not_present");
    assert!(vulns[5]["analysis"].get("state").is_none());
    assert!(vulns[5]["analysis"]["detail"]
        .as_str()
        .is_some_and(|d| d.contains("platform-team")));
    assert!(vulns[0].get("analysis").is_none());

    // The SBOM part is the SBOM writer's.
    let mut sbom = Vec::new();
    write_sbom_with(
        Format::CycloneDx,
        &image(),
        &inventory(),
        &options(),
        &mut sbom,
    )
    .expect("sbom");
    let sbom: Value = serde_json::from_slice(&sbom).expect("json");
    assert!(sbom.get("vulnerabilities").is_none());
    let mut without = bom.clone();
    without
        .as_object_mut()
        .expect("object")
        .remove("vulnerabilities");
    assert_eq!(without, sbom);
}

/// A finding whose package the inventory lacks still gets a component to point at.
#[test]
fn findings_outside_the_inventory() {
    let mut inv = inventory();
    inv.packages.retain(|p| p.name != "requests");
    let bom: Value =
        serde_json::from_str(&render_with(Format::CycloneDx, &inv, &report(), &options()))
            .expect("json");
    let components = bom["components"].as_array().expect("components");
    let added = components.last().expect("added component");
    assert_eq!(added["name"], "requests");
    assert_eq!(added["purl"], "pkg:pypi/requests@2.28.1");
    assert_eq!(
        bom["vulnerabilities"][4]["affects"][0]["ref"],
        added["bom-ref"]
    );

    let doc: Value = serde_json::from_str(&render_with(Format::Json, &inv, &report(), &options()))
        .expect("json");
    let packages = doc["packages"].as_array().expect("packages");
    assert_eq!(packages.len(), 6);
    assert_eq!(packages[5]["name"], "requests");
    assert_eq!(packages[5]["layer"]["index"], 1);
}

#[test]
fn fixed_options_reproduce() {
    for format in Format::ALL.into_iter().filter(|f| f.writes_findings()) {
        assert_eq!(render(format), render(format), "{format}");
    }
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
    for format in Format::ALL.into_iter().filter(|f| f.writes_findings()) {
        let err = write_vuln_report(
            format,
            &image(),
            &inventory(),
            &report(),
            &options(),
            &mut Broken,
        )
        .expect_err("broken pipe");
        assert!(matches!(err, ReportError::Write(_)), "{format}: {err:?}");
    }
}

/// Validates the SARIF logs against the official OASIS SARIF 2.1.0 schema
/// (`validate_sarif.py`) and the CycloneDX documents against the CycloneDX 1.6 schema
/// (`validate_sbom.py`); see those scripts for the Python packages they need
/// (ci-requirements.txt installs them).
#[test]
fn documents_pass_the_official_validators() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bulwark-report-validate-vuln");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let empty = VulnReport::default();
    let mut sarif = Vec::new();
    let mut cdx = Vec::new();
    for (name, report) in [("findings", report()), ("empty", empty)] {
        for (format, ext, list) in [
            (Format::Sarif, "sarif", &mut sarif),
            (Format::CycloneDx, "cdx.json", &mut cdx),
        ] {
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::write(
                &path,
                render_with(format, &inventory(), &report, &options()),
            )
            .expect("write temp file");
            list.push(path);
        }
    }

    let mut cdx_args = vec![OsString::from("--cyclonedx")];
    cdx_args.extend(cdx.into_iter().map(PathBuf::into_os_string));
    run_validator(
        "validate_sarif.py",
        sarif.into_iter().map(PathBuf::into_os_string),
    );
    run_validator("validate_sbom.py", cdx_args);
}
