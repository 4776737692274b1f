//! Severities: CVSS base scores computed from the advisories' vectors, and the one severity a
//! finding is gated and filtered on.
//!
//! Scores are computed here rather than copied from the advisory because OSV records carry
//! vectors, not scores, and because a score computed by one implementation is comparable
//! across sources. Only CVSS v3.0, v3.1 and v4.0 are scored: the `cvss` crate has no v2
//! support, and v2 vectors are only ever found next to a v3 or v4 vector for the same issue
//! in current data.

use std::collections::HashSet;
use std::str::FromStr;

use crate::error::VulnError;
use crate::finding::{CvssScore, Severity, VendorSeverity};

/// Longest vector accepted; real ones are under 200 bytes even with every optional metric.
const MAX_VECTOR_LEN: usize = 1024;

/// CVSS v3.x base metrics: each must appear exactly once.
const V3_BASE: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];
/// CVSS v3.x temporal and environmental metrics: allowed, ignored for the base score.
const V3_OTHER: [&str; 14] = [
    "E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA",
];
/// CVSS v4.0 base metrics: each must appear exactly once.
const V4_BASE: [&str; 11] = [
    "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA",
];

/// Computes the CVSS base score of one advisory severity entry.
///
/// `kind` is the OSV `severity[].type` (`CVSS_V3`, `CVSS_V4`, case-insensitive), `vector`
/// the vector string, `source` who published it (copied into [`CvssScore::source`]).
/// The version (`3.0`, `3.1`, `4.0`) comes from the vector's own `CVSS:x.y` prefix, which is
/// trusted over `kind` when the two disagree.
///
/// Only the *base* metrics are scored: threat/temporal, environmental and supplemental
/// metrics (`E:P`, `CR:H`, `MAV:N`, `S:P`, `X` values, ...) are accepted and ignored, so a
/// v4 vector with `E:U` still gets its CVSS-B score. That keeps scores comparable between
/// sources that do and don't fill in those groups, and errs on the side of the higher score.
///
/// # Errors
///
/// - [`VulnError::CvssUnsupported`] for `CVSS_V2` and any other kind that is not a CVSS
///   v3/v4 vector (`Ubuntu` priorities, ...): callers skip those entries silently.
/// - [`VulnError::Cvss`] when the vector does not parse: a bare score (`7.5`), a missing
///   or unknown prefix, an unknown, duplicated or missing base metric, an invalid value.
///   Never panics on any input.
pub fn cvss_score(kind: &str, vector: &str, source: &str) -> Result<CvssScore, VulnError> {
    let kind_upper = kind.trim().to_ascii_uppercase();
    if kind_upper != "CVSS_V3" && kind_upper != "CVSS_V4" {
        return Err(VulnError::CvssUnsupported {
            kind: kind.to_string(),
            vector: vector.to_string(),
        });
    }
    let invalid = |reason: String| VulnError::Cvss {
        vector: vector.to_string(),
        reason,
    };
    let trimmed = vector.trim();
    if trimmed.len() > MAX_VECTOR_LEN {
        return Err(invalid(format!(
            "{} bytes long; no CVSS vector is longer than {MAX_VECTOR_LEN}",
            trimmed.len()
        )));
    }
    let mut components = trimmed.split('/');
    let prefix = components.next().unwrap_or_default();
    let version = match prefix.split_once(':') {
        Some((cvss, version)) if cvss.eq_ignore_ascii_case("CVSS") => version,
        _ if trimmed.parse::<f64>().is_ok() => {
            return Err(invalid(
                "a bare score, not a vector (no `CVSS:x.y/` prefix)".to_string(),
            ))
        }
        _ => return Err(invalid("no `CVSS:3.x/` or `CVSS:4.0/` prefix".to_string())),
    };
    let (base_metrics, other_metrics): (&[&str], &[&str]) = match version {
        "3.0" | "3.1" => (&V3_BASE, &V3_OTHER),
        "4.0" => (&V4_BASE, &[]),
        other => {
            return Err(invalid(format!(
                "CVSS version `{other}` is not scored (only 3.0, 3.1 and 4.0 are)"
            )))
        }
    };

    // Keep the base metrics, checking each appears once and every other metric is known.
    let mut seen = HashSet::new();
    let mut base = Vec::with_capacity(base_metrics.len());
    let mut all = Vec::new();
    for component in components {
        if component.is_empty() {
            continue;
        }
        let Some((metric, value)) = component.split_once(':') else {
            return Err(invalid(format!(
                "component `{component}` is not METRIC:VALUE"
            )));
        };
        let metric = metric.to_ascii_uppercase();
        if value.is_empty() || value.contains(':') {
            return Err(invalid(format!(
                "component `{component}` has no single value"
            )));
        }
        if !seen.insert(metric.clone()) {
            return Err(invalid(format!("metric `{metric}` appears twice")));
        }
        let normalized = format!("{metric}:{}", value.to_ascii_uppercase());
        all.push(normalized.clone());
        if base_metrics.contains(&metric.as_str()) {
            base.push(normalized);
        } else if version != "4.0" && !other_metrics.contains(&metric.as_str()) {
            return Err(invalid(format!("unknown metric `{metric}`")));
        }
    }
    let missing: Vec<&str> = base_metrics
        .iter()
        .copied()
        .filter(|m| !seen.contains(*m))
        .collect();
    if !missing.is_empty() {
        return Err(invalid(format!(
            "missing base metric(s) {}",
            missing.join(", ")
        )));
    }

    let base_vector = format!("CVSS:{version}/{}", base.join("/"));
    let score = if version == "4.0" {
        // Parse the whole vector too, so that invalid threat/environmental/supplemental
        // metrics are reported rather than silently dropped.
        let full = format!("CVSS:4.0/{}", all.join("/"));
        cvss::v4::Vector::from_str(&full).map_err(|e| invalid(e.to_string()))?;
        cvss::v4::Vector::from_str(&base_vector)
            .map_err(|e| invalid(e.to_string()))?
            .score()
            .value()
    } else {
        cvss::v3::Base::from_str(&base_vector)
            .map_err(|e| invalid(e.to_string()))?
            .score()
            .value()
    };
    if !score.is_finite() || !(0.0..=10.0).contains(&score) {
        return Err(invalid(format!("computed score {score} is out of range")));
    }
    // One decimal, as every CVSS version specifies; removes float noise like 7.500000001.
    let base_score = (score * 10.0).round() / 10.0;
    Ok(CvssScore {
        version: version.to_string(),
        vector: vector.to_string(),
        base_score,
        severity: Severity::from_cvss_score(base_score),
        source: source.to_string(),
    })
}

/// The severity a finding is gated and filtered on.
///
/// A vendor or distro rating wins when there is one (the highest, if several vendors rated
/// it); otherwise the highest CVSS rating; otherwise [`Severity::Unknown`]. Vendor ratings
/// whose word maps to [`Severity::Unknown`] (Debian's "not yet assigned") count as absent.
///
/// Why vendor first: a distro rates the vulnerability as it affects *its* build of the
/// package (compile flags, backports, default configuration, what else ships alongside),
/// while the CVSS vector from NVD or GHSA rates the upstream worst case. A Debian
/// "unimportant" on a CVSS 9.8 usually means the vulnerable code is not built or not
/// reachable in Debian's package. This is the same vendor-severity-first rule Trivy applies.
pub fn effective_severity(cvss: &[CvssScore], vendor: &[VendorSeverity]) -> Severity {
    vendor
        .iter()
        .map(|v| v.severity)
        .filter(|s| *s != Severity::Unknown)
        .max()
        .or_else(|| cvss.iter().map(|c| c.severity).max())
        .unwrap_or(Severity::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(kind: &str, vector: &str) -> f64 {
        match cvss_score(kind, vector, "test") {
            Ok(s) => s.base_score,
            Err(e) => panic!("{vector}: {e}"),
        }
    }

    /// Base scores published by FIRST in "CVSS v3.1: Examples" and "CVSS v3.0: Examples"
    /// (https://www.first.org/cvss/v3.1/examples, https://www.first.org/cvss/v3.0/examples).
    #[test]
    fn v3_official_examples() {
        let cases = [
            // CVE-2013-1937 phpMyAdmin reflected XSS (scope changed).
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            // CVE-2013-0375 MySQL stored SQL injection (scope changed).
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4),
            ("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4),
            // CVE-2014-3566 SSLv3 POODLE.
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1),
            // CVE-2012-1516 VMware guest to host escape (scope changed, PR:L).
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
            // CVE-2009-0783 Apache Tomcat XML parser.
            ("CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2),
            // CVE-2012-0384 Cisco IOS command execution: 3.0 document PR:L, 3.1 document PR:H.
            ("CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2),
            // CVE-2015-1098 Apple iWork DoS.
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8),
            // CVE-2014-0160 Heartbleed.
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
            // CVE-2014-6271 Shellshock.
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            // CVE-2008-1447 DNS Kaminsky (scope changed, AC:H).
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8),
            // CVE-2014-2005 Sophos login screen bypass (physical).
            ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8),
            // CVE-2010-0467 Joomla directory traversal (scope changed).
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8),
            // CVE-2013-6014 Juniper proxy ARP DoS (adjacent, scope changed).
            ("CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3),
            // CVE-2014-9253 DokuWiki XSS (3.0 document).
            ("CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4),
            // CVE-2019-7551 Cantemo Portal XSS (3.1 document).
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:H/I:H/A:H", 9.0),
            // CVE-2014-2019 Apple iOS control bypass.
            ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6),
            // CVE-2015-0970 SearchBlox CSRF.
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8),
        ];
        for (vector, expected) in cases {
            assert_eq!(score("CVSS_V3", vector), expected, "{vector}");
        }
    }

    #[test]
    fn v3_result_fields() {
        let s = cvss_score(
            "CVSS_V3",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "osv:GHSA",
        )
        .unwrap();
        assert_eq!(s.version, "3.1");
        assert_eq!(s.vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
        assert_eq!(s.severity, Severity::Critical);
        assert_eq!(s.source, "osv:GHSA");
        let s = cvss_score(
            "cvss_v3",
            "CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N",
            "x",
        )
        .unwrap();
        assert_eq!((s.version.as_str(), s.severity), ("3.0", Severity::Low));
        // No impact at all scores 0.0, which rates NEGLIGIBLE.
        let s = cvss_score(
            "CVSS_V3",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
            "x",
        )
        .unwrap();
        assert_eq!((s.base_score, s.severity), (0.0, Severity::Negligible));
        // The maximum.
        assert_eq!(
            score("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"),
            10.0
        );
    }

    #[test]
    fn v3_temporal_and_environmental_metrics_do_not_change_the_base_score() {
        // NVD-style vectors with temporal and environmental groups, and lower-case input.
        assert_eq!(
            score(
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:L/MAV:L"
            ),
            9.8
        );
        assert_eq!(
            score("CVSS_V3", " cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:n/a:n "),
            7.5
        );
        // Metric order is not significant.
        assert_eq!(
            score("CVSS_V3", "CVSS:3.1/A:N/I:N/C:H/S:U/UI:N/PR:N/AC:L/AV:N"),
            7.5
        );
    }

    /// Base scores published by FIRST in "CVSS v4.0: Examples"
    /// (https://www.first.org/cvss/v4.0/examples), cross-checked with FIRST's calculator
    /// (https://www.first.org/cvss/calculator/4.0).
    #[test]
    fn v4_official_examples() {
        let cases = [
            // CVE-2022-41741 (attack requirements).
            (
                "CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                7.3,
            ),
            // CVE-2020-3549 (attack requirements, passive user interaction).
            (
                "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                7.7,
            ),
            // CVE-2023-3089.
            (
                "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N",
                8.3,
            ),
            // CVE-2021-44714 (active user interaction).
            (
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
                4.6,
            ),
            // CVE-2022-21830.
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
                5.1,
            ),
            // CVE-2022-22186 (subsequent system only).
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
                6.9,
            ),
            // CVE-2023-21989.
            (
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N",
                5.9,
            ),
            // CVE-2020-3947.
            (
                "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                9.4,
            ),
            // CVE-2023-48228.
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:H/SI:H/SA:H",
                9.3,
            ),
            // CVE-2021-44228 log4shell in immutable containers: CVSS-B 9.2 (8.2 with E:P).
            (
                "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.2,
            ),
            // CVE-2013-6014 Juniper proxy ARP.
            (
                "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H",
                6.4,
            ),
            // Calculator: the classic network RCE, and everything high.
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                9.3,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                10.0,
            ),
        ];
        for (vector, expected) in cases {
            assert_eq!(score("CVSS_V4", vector), expected, "{vector}");
        }
    }

    #[test]
    fn v4_non_base_metrics_are_ignored_for_the_base_score() {
        // CVE-2023-30560 with supplemental metrics: base 8.3.
        assert_eq!(
            score(
                "CVSS_V4",
                "CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D"
            ),
            8.3
        );
        // CVE-2020-3549 with threat metric E:U: CVSS-B 7.7 (CVSS-BT would be 5.2).
        assert_eq!(
            score(
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U"
            ),
            7.7
        );
        // CVE-2021-44228 (immutable containers) with E:P: CVSS-B 9.2 (CVSS-BT would be 8.2).
        assert_eq!(
            score(
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P"
            ),
            9.2
        );
        // CVE-2023-3089 with environmental metrics: base 8.3 (CVSS-BE would be 8.1).
        assert_eq!(
            score(
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L/MAV:N/MAC:H/MVC:H/MVI:L/MVA:L"
            ),
            8.3
        );
        // A trailing slash is tolerated in both versions.
        assert_eq!(
            score(
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/"
            ),
            9.3
        );
        assert_eq!(
            score("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/"),
            7.5
        );
        // NVD spells out every optional metric as X.
        let nvd = "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X";
        let s = cvss_score("CVSS_V4", nvd, "nvd").unwrap();
        assert_eq!((s.version.as_str(), s.base_score), ("4.0", 8.5));
        assert_eq!(s.severity, Severity::High);
        assert_eq!(s.vector, nvd);
    }

    #[test]
    fn the_prefix_decides_the_version() {
        // A v4 vector filed under CVSS_V3 (a data error) is still scored as v4.
        let s = cvss_score(
            "CVSS_V3",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "x",
        )
        .unwrap();
        assert_eq!((s.version.as_str(), s.base_score), ("4.0", 9.3));
    }

    #[test]
    fn unsupported_kinds_have_their_own_error() {
        for (kind, vector) in [
            ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
            ("Ubuntu", "medium"),
            ("", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ] {
            let err = cvss_score(kind, vector, "x").unwrap_err();
            assert!(
                matches!(err, VulnError::CvssUnsupported { .. }),
                "{kind}: {err:?}"
            );
        }
    }

    #[test]
    fn invalid_vectors_are_errors_not_panics() {
        let long = format!("CVSS:3.1/{}", "AV:N/".repeat(400));
        let cases = [
            ("CVSS_V3", "7.5"),
            ("CVSS_V3", ""),
            ("CVSS_V3", "   "),
            ("CVSS_V3", "/"),
            ("CVSS_V3", "CVSS:3.1"),
            ("CVSS_V3", "CVSS:3.1/"),
            ("CVSS_V3", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ("CVSS_V3", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ("CVSS_V3", "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"),
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
            (
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:L",
            ),
            ("CVSS_V3", "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            (
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
            ),
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A"),
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H:H"),
            ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:"),
            ("CVSS_V3", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ("CVSS_V3", "CVSS/3.1/AV:N"),
            (
                "CVSS_V3",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/é:ü",
            ),
            ("CVSS_V3", long.as_str()),
            ("CVSS_V4", "9.3"),
            (
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
            ),
            (
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:Q",
            ),
            (
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:Q",
            ),
            (
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:U",
            ),
            (
                "CVSS_V4",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/FOO:A",
            ),
            (
                "CVSS_V4",
                "CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            ),
            // A v3 vector under a v4 prefix.
            ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ];
        for (kind, vector) in cases {
            match cvss_score(kind, vector, "x") {
                Err(VulnError::Cvss { vector: v, reason }) => {
                    assert_eq!(v, vector);
                    assert!(!reason.is_empty());
                }
                other => panic!("{vector}: expected a CVSS error, got {other:?}"),
            }
        }
    }

    #[test]
    fn arbitrary_input_never_panics() {
        // Vectors assembled from plausible pieces in pseudo-random order.
        let pieces = [
            "CVSS:3.1", "CVSS:4.0", "CVSS:3.0", "cvss:", "/", ":", "AV:N", "AC:L", "AT:N", "PR:N",
            "UI:N", "UI:A", "S:C", "S:U", "C:H", "I:H", "A:H", "VC:H", "VI:H", "VA:H", "SC:N",
            "SI:N", "SA:N", "E:P", "X", "é", "9.8", "", " ", "AV:", ":N",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut vector = String::new();
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            for _ in 0..(state >> 60) + 1 {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                vector.push_str(pieces[(state >> 33) as usize % pieces.len()]);
                vector.push('/');
            }
            for kind in ["CVSS_V3", "CVSS_V4"] {
                if let Ok(s) = cvss_score(kind, &vector, "x") {
                    assert!((0.0..=10.0).contains(&s.base_score), "{vector}");
                }
            }
        }
    }

    fn cvss(severity: Severity) -> CvssScore {
        CvssScore {
            version: "3.1".into(),
            vector: String::new(),
            base_score: 0.0,
            severity,
            source: "nvd".into(),
        }
    }

    fn vendor(source: &str, severity: Severity) -> VendorSeverity {
        VendorSeverity {
            source: source.into(),
            severity,
            raw: severity.name().to_ascii_lowercase(),
        }
    }

    #[test]
    fn vendor_rating_wins_over_cvss() {
        let scores = [cvss(Severity::Critical), cvss(Severity::Medium)];
        assert_eq!(
            effective_severity(&scores, &[vendor("debian", Severity::Low)]),
            Severity::Low
        );
        assert_eq!(
            effective_severity(
                &scores,
                &[
                    vendor("debian", Severity::Negligible),
                    vendor("ghsa", Severity::High)
                ]
            ),
            Severity::High
        );
        // "not yet assigned" is no rating: fall back to CVSS.
        assert_eq!(
            effective_severity(&scores, &[vendor("debian", Severity::Unknown)]),
            Severity::Critical
        );
    }

    #[test]
    fn highest_cvss_then_unknown() {
        assert_eq!(
            effective_severity(&[cvss(Severity::Medium), cvss(Severity::High)], &[]),
            Severity::High
        );
        assert_eq!(effective_severity(&[], &[]), Severity::Unknown);
        assert_eq!(
            effective_severity(&[cvss(Severity::Negligible)], &[]),
            Severity::Negligible
        );
    }
}
