#!/usr/bin/env python3
"""Derive the expected vulnerability findings of a fixture image without Bulwark.

Reads the image's layers with Python's tarfile, its dpkg status, Python dist-info METADATA
and Cargo.lock files, and the OSV zips; orders Debian versions with `dpkg --compare-versions`
(the reference implementation), PyPI versions with `packaging.version` (PyPA's reference),
and crates.io versions with SemVer 2.0 precedence written out below. Prints TSV rows:
ecosystem, package, installed version, advisory id, fixed version ("-" when none).
"""
import gzip, io, json, re, subprocess, sys, tarfile, zipfile
from pathlib import Path
from packaging.version import Version, InvalidVersion


def layers(oci_dir):
    oci = Path(oci_dir)
    index = json.loads((oci / "index.json").read_text())
    digest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads((oci / "blobs/sha256" / digest).read_text())
    for layer in manifest["layers"]:
        blob = (oci / "blobs/sha256" / layer["digest"].split(":")[1]).read_bytes()
        if blob[:2] == b"\x1f\x8b":
            blob = gzip.decompress(blob)
        yield tarfile.open(fileobj=io.BytesIO(blob))


def files(oci_dir, wanted):
    """The topmost copy of every member whose path matches `wanted` (whiteouts are not needed
    for the files read here: none of them is deleted in the fixtures)."""
    out = {}
    for tar in layers(oci_dir):
        for m in tar.getmembers():
            name = m.name.lstrip("./")
            if m.isfile() and wanted(name):
                out[name] = tar.extractfile(m).read().decode("utf-8", "replace")
    return out


def dpkg_packages(status):
    for para in status.split("\n\n"):
        f = dict(re.findall(r"^([A-Za-z-]+): ?(.*)$", para, re.M))
        if "Package" not in f or "installed" not in f.get("Status", ""):
            continue
        src, srcver = f["Package"], f["Version"]
        if "Source" in f:
            m = re.match(r"(\S+)(?: \((.+)\))?", f["Source"])
            src, srcver = m.group(1), m.group(2) or f["Version"]
        yield f["Package"], f["Version"], src, srcver


def records(zip_path):
    with zipfile.ZipFile(zip_path) as z:
        for n in z.namelist():
            if n.endswith(".json"):
                r = json.loads(z.read(n))
                if not r.get("withdrawn"):
                    yield r


def dpkg_lt(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0


def semver_key(v):
    core, _, pre = v.partition("+")[0].partition("-")
    nums = tuple(int(x) for x in core.split("."))
    # A prerelease sorts before its release (SemVer 2.0 item 11); identifiers compared
    # numerically when numeric.
    pre_key = (1,) if not pre else (0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")))
    return nums, pre_key


def affected(version, entry, key):
    hit_fix = None
    for rng in entry.get("ranges") or []:
        if rng["type"] not in ("ECOSYSTEM", "SEMVER"):
            continue
        events = rng["events"]
        ok = False
        fix = None
        for e in sorted(events, key=lambda e: (-1,) if e.get("introduced") == "0" else (0, key(list(e.values())[0]))):
            (kind, val), = e.items()
            if kind == "introduced" and (val == "0" or key(version) >= key(val)):
                ok, fix = True, None
            elif kind == "fixed" and key(version) >= key(val):
                ok = False
            elif kind == "fixed" and ok and fix is None:
                fix = val
            elif kind == "last_affected" and key(version) > key(val):
                ok = False
        if ok:
            return True, fix
    versions = entry.get("versions") or []
    if version in versions:
        return True, None
    return False, None


def main(oci_dir, advisories):
    adv = Path(advisories)
    found = files(oci_dir, lambda n: n == "var/lib/dpkg/status"
                  or re.search(r"\.dist-info/METADATA$", n) or n.endswith("Cargo.lock"))
    rows = set()
    # Debian: by source package and source version.
    pkgs = list(dpkg_packages(found.get("var/lib/dpkg/status", "")))
    for r in records(adv / "osv/Debian/all.zip"):
        for a in r["affected"]:
            if a["package"]["ecosystem"] != "Debian:12":
                continue
            fixed = [list(e.values())[0] for rg in a["ranges"] for e in rg["events"] if "fixed" in e]
            for name, ver, src, srcver in pkgs:
                if src == a["package"]["name"] and fixed and dpkg_lt(srcver, fixed[0]):
                    rows.add(("Debian:12", name, ver, r["id"], fixed[0]))
    # PyPI: dist-info METADATA names, PEP 503-normalized for lookup.
    norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
    py = []
    for path, text in found.items():
        if path.endswith("METADATA"):
            meta = dict(re.findall(r"^(Name|Version): (.*)$", text, re.M))
            py.append((meta["Name"], meta["Version"]))
    def pep440(v):
        try:
            return Version(v)
        except InvalidVersion:
            return Version("0")
    for r in records(adv / "osv/PyPI/all.zip"):
        for a in r["affected"]:
            for name, ver in py:
                if a["package"]["ecosystem"] == "PyPI" and norm(a["package"]["name"]) == norm(name):
                    hit, fix = affected(ver, a, pep440)
                    if hit:
                        rows.add(("PyPI", name, ver, r["id"], fix or "-"))
    # crates.io: registry packages of every Cargo.lock.
    crates = []
    for path, text in found.items():
        if path.endswith("Cargo.lock"):
            for block in text.split("[[package]]")[1:]:
                f = dict(re.findall(r'^(name|version|source) = "(.*)"$', block, re.M))
                if "source" in f:
                    crates.append((f["name"], f["version"]))
    for r in records(adv / "osv/crates.io/all.zip"):
        for a in r["affected"]:
            for name, ver in crates:
                if a["package"]["ecosystem"] == "crates.io" and a["package"]["name"] == name:
                    hit, fix = affected(ver, a, semver_key)
                    if hit:
                        rows.add(("crates.io", name, ver, r["id"], fix or "-"))
    for row in sorted(rows):
        print("\t".join(row))


if __name__ == "__main__":
    main(*sys.argv[1:])
