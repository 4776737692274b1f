package bulwark.images_test

import data.bulwark.images
import rego.v1

image(config) := {"kind": "image", "artifact": {"config": config}}

test_root_user_denied if {
	some r in images.deny with input as image({"user": "", "exposed_ports": []})
	r.id == "ORG-IMG-001"
}

test_numeric_root_denied if {
	count(images.deny) == 1 with input as image({"user": "0:0", "exposed_ports": []})
}

test_app_user_allowed if {
	count(images.deny) == 0 with input as image({"user": "app", "exposed_ports": ["8080/tcp"]})
}

test_ssh_port_denied if {
	some r in images.deny with input as image({"user": "app", "exposed_ports": ["22/tcp", "8080/tcp"]})
	r.id == "ORG-IMG-002"
	r.msg == "port 22/tcp is exposed: no SSH in containers"
}

test_filesystem_scans_have_no_user if {
	count(images.deny) == 0 with input as {"kind": "filesystem", "artifact": {"layers": []}}
}
