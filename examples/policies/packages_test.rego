package bulwark.packages_test

import data.bulwark.packages
import rego.v1

test_banned_package_denied if {
	packages.deny == {"banned package sudo 1.9.13p3-1+deb12u1 is installed: privilege escalation inside the container"} with input as {"packages": [
		{"kind": "deb", "name": "sudo", "version": "1.9.13p3-1+deb12u1"},
		{"kind": "deb", "name": "bash", "version": "5.2.15-2+b2"},
	]}
}

test_other_packages_allowed if {
	count(packages.deny) == 0 with input as {"packages": [{"kind": "deb", "name": "bash", "version": "5.2.15-2+b2"}]}
}

test_ban_list_comes_from_data if {
	count(packages.deny) == 1 with input as {"packages": [{"kind": "deb", "name": "bash", "version": "5"}]}
		with data.banned.packages as {"bash": "no shells"}
}
