# Image configuration rules of the platform team.
package bulwark.images

import rego.v1

metadata := {
	"title": "Image runtime configuration",
	"severity": "HIGH",
	"remediation": "Set USER to a non-root user and do not run sshd in containers.",
}

root_users := {"", "root", "0", "0:0", "root:root"}

deny contains {"id": "ORG-IMG-001", "msg": "the image runs as root (USER is not set to a non-root user)"} if {
	input.kind == "image"
	input.artifact.config.user in root_users
}

deny contains {"id": "ORG-IMG-002", "severity": "MEDIUM", "msg": sprintf("port %s is exposed: no SSH in containers", [port])} if {
	some port in input.artifact.config.exposed_ports
	startswith(port, "22/")
}
