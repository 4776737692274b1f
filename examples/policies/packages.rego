package bulwark.packages

import rego.v1

metadata := {"id": "ORG-PKG-001", "title": "Banned package installed", "severity": "HIGH"}

deny contains sprintf("banned package %s %s is installed: %s", [p.name, p.version, why]) if {
	some p in input.packages
	why := data.banned.packages[p.name]
}
