package bulwark.secrets

import rego.v1

deny contains {
	"id": "ORG-SEC-001",
	"severity": "CRITICAL",
	"title": "Deleted secret still in the image",
	"msg": sprintf("%s (%s) was deleted in layer %d but is still readable in layer %d", [s.location, s.rule_id, s.removed_in, s.layer]),
	"remediation": "Rotate the secret, then rebuild without ever adding it (use build secrets).",
} if {
	some s in input.secrets
	s.location_kind == "file"
	is_number(s.removed_in)
}
