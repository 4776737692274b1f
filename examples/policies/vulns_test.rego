package bulwark.vulns_test

import data.bulwark.vulns
import rego.v1

finding(severity, status, suppressed) := {
	"id": "CVE-2023-32681", "severity": severity, "status": status, "fixed_version": "2.31.0",
	"suppressed": suppressed, "package": {"name": "requests", "version": "2.19.1"},
}

test_fixable_high_denied if {
	vulns.deny == {{"severity": "HIGH", "msg": "CVE-2023-32681 in requests 2.19.1 is HIGH and fixed in 2.31.0"}} with input as {"vulnerabilities": [finding("HIGH", "fixed", false)]}
}

test_waived_finding_allowed if {
	count(vulns.deny) == 0 with input as {"vulnerabilities": [finding("HIGH", "fixed", true)]}
}

test_unfixed_and_medium_allowed if {
	count(vulns.deny) == 0 with input as {"vulnerabilities": [finding("HIGH", "affected", false), finding("MEDIUM", "fixed", false)]}
}

test_no_vulnerability_scan_allowed if {
	count(vulns.deny) == 0 with input as {}
}
