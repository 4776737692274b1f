package bulwark.vulns

import rego.v1

metadata := {
	"id": "ORG-VULN-001",
	"title": "Fixable serious vulnerability",
	"remediation": "Upgrade the package to the fixed version, or record an exception in .bulwarkignore.yaml.",
}

serious := {"CRITICAL", "HIGH"}

deny contains {"severity": v.severity, "msg": sprintf("%s in %s %s is %s and fixed in %s", [v.id, v.package.name, v.package.version, v.severity, v.fixed_version])} if {
	some v in input.vulnerabilities
	v.severity in serious
	v.status == "fixed"
	not v.suppressed
}
