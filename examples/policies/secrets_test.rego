package bulwark.secrets_test

import data.bulwark.secrets
import rego.v1

test_deleted_secret_denied if {
	some r in secrets.deny with input as {"secrets": [{"location_kind": "file", "location": "/app/deploy_key", "rule_id": "private-key", "layer": 2, "removed_in": 3}]}
	r.msg == "/app/deploy_key (private-key) was deleted in layer 3 but is still readable in layer 2"
}

test_present_secret_not_this_rule if {
	count(secrets.deny) == 0 with input as {"secrets": [{"location_kind": "file", "location": "/app/x", "rule_id": "aws-access-key-id", "layer": 2}]}
}
