#!/usr/bin/env python3
"""Derive the expected Go vulnerability findings of a fixture image without Bulwark.

Every executable regular file of the image's layers (topmost copy) is handed to
`go version -m` (the Go toolchain's own build-info reader; Debian's golang-go). Its output
gives the packages: `stdlib` at the toolchain version without `go`, each `dep` as its `=>`
replacement (a directory replacement or a `(devel)` version is local code), and the main
module when it has a real version. Those are matched against the Go OSV snapshot
(`osv/Go/all.zip`, package `stdlib` for the standard library; `toolchain` records are about
the go command, not about compiled programs) with Go's module version order written out below
as golang.org/x/mod/semver defines it, and the range walk of expected.py. Prints TSV rows:
ecosystem, package, installed version, advisory id, fixed version ("-" when none).
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from expected import affected, layers, records


def executables(oci_dir):
    """The topmost copy of every executable regular file, path → bytes."""
    out = {}
    for tar in layers(oci_dir):
        for m in tar.getmembers():
            name = m.name.lstrip("./")
            if m.isfile() and m.mode & 0o111 and m.size <= 256 << 20:
                out[name] = tar.extractfile(m).read()
    return out


def go_packages(binary):
    """(name, version) pairs `go version -m` reports for one binary; none if not Go."""
    with tempfile.NamedTemporaryFile(delete=False) as f:
        f.write(binary)
    os.chmod(f.name, 0o755)
    try:
        run = subprocess.run(["go", "version", "-m", f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    # A file that is not a Go binary: an error on stderr, nothing on stdout.
    if run.returncode != 0 or not run.stdout.strip():
        return []
    lines = run.stdout.splitlines()
    toolchain = lines[0].split(": ", 1)[1]
    pkgs = []
    m = re.fullmatch(r"go(\d+)\.(\d+)(?:\.(\d+))?", toolchain.split(" ")[0])
    if m:
        pkgs.append(("stdlib", f"{m[1]}.{m[2]}.{m[3] or 0}"))
    modules = []
    for line in lines[1:]:
        cols = line.strip("\t").split("\t")
        if cols[0] in ("mod", "dep"):
            modules.append([cols[1:], None])
        elif cols[0] == "=>":
            modules[-1][1] = cols[1:]
    for module, replacement in modules:
        path, version = (replacement or module)[:2]
        if not path.startswith((".", "/")) and version != "(devel)":
            pkgs.append((path, version))
    return pkgs


def go_semver_key(v):
    """golang.org/x/mod/semver order: vMAJOR[.MINOR[.PATCH]][-pre][+build], missing parts 0,
    build metadata (+incompatible) ignored, prereleases before the release, identifiers
    numeric < alphanumeric. OSV writes Go versions without the `v`."""
    v = v[1:] if v.startswith("v") else v
    v = v.split("+", 1)[0]
    core, _, pre = v.partition("-")
    nums = [int(x) for x in core.split(".")] + [0, 0]
    ident = lambda p: (0, int(p), "") if p.isdigit() else (1, 0, p)
    pre_key = (1,) if not pre else (0, tuple(ident(p) for p in pre.split(".")))
    return tuple(nums[:3]), pre_key


def main(oci_dir, advisories):
    pkgs = set()
    for binary in executables(oci_dir).values():
        if binary[:4] == b"\x7fELF":
            pkgs.update(go_packages(binary))
    rows = set()
    for r in records(Path(advisories) / "osv/Go/all.zip"):
        for a in r["affected"]:
            if a["package"]["ecosystem"] != "Go":
                continue
            for name, ver in pkgs:
                if a["package"]["name"] == name:
                    hit, fix = affected(ver, a, go_semver_key)
                    if hit:
                        rows.add(("Go", name, ver, r["id"], fix or "-"))
    for row in sorted(rows):
        print("\t".join(row))


if __name__ == "__main__":
    main(*sys.argv[1:])
