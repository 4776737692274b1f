#!/usr/bin/env bash
# build-debian-mini.sh — builds examples/debian-mini, a tiny OCI image layout made from real
# Debian 12 (bookworm) amd64 packages, for Bulwark's quick start and integration tests:
#
#     cargo run --release -p bulwark-cli -- sbom examples/debian-mini --format table
#
# What it makes: an OCI image layout (oci-layout, index.json tagged `latest`, blobs/sha256/)
# holding one gzip layer, a config and a manifest, all with OCI media types.
#
# From what: the pinned .deb files in PACKAGES below, fetched with `apt-get download` from the
# Debian mirrors this machine's apt sources name (bookworm, bookworm-updates,
# bookworm-security). Each .deb is checked against the pinned SHA-256, unpacked with
# `dpkg-deb -x`, and recorded the way dpkg would record it:
#   - var/lib/dpkg/status: the package's own control stanza plus `Status: install ok installed`
#     (and `Conffiles:` with MD5 sums, as dpkg writes them);
#   - var/lib/dpkg/info/<pkg>[:arch].list: the package's file list, `/.` first, absolute paths,
#     directories included (`:arch` only for Multi-Arch: same packages, as dpkg names them);
#   - var/lib/dpkg/info/<pkg>[:arch].md5sums: the package's md5sums control file.
# No maintainer scripts are run and dependencies (libc6, …) are deliberately left out: the image
# is something to scan, not to run. It has no shell, so the config sets only PATH, no Cmd.
# Copyright files (usr/share/doc/*/copyright) stay in the image: they carry the licenses.
#
# Reproducible: the layer is a sorted tar with fixed mtime/owners and `gzip -n`, the JSON
# documents are written in a fixed order, so the same .debs give the same digests.
#
# Usage: examples/build-debian-mini.sh [OUTPUT_DIR]     (default: examples/debian-mini)
#   DEBIAN_MINI_DEBS=DIR   take the .deb files from DIR instead of downloading them (e.g. files
#                          fetched by hand from https://snapshot.debian.org once a pinned version
#                          has left the mirrors); they are still checked against the pins.
# Needs: apt-get, dpkg-deb, GNU tar, gzip, python3, sha256sum, md5sum.
set -euo pipefail

# package=version sha256-of-the-.deb — keep in sync with examples/README.md and
# crates/bulwark-cli/tests/example.rs.
PACKAGES=(
    "base-files=12.4+deb12u15 3eb1ea6d85488f488cc2a163b98ad640ef88cee4c79287cf14e361aaf6206f47"
    "libbz2-1.0=1.0.8-5+b1 54149da3f44b22d523b26b692033b84503d822cc5122fed606ea69cc83ca5aeb"
    "libexpat1=2.5.0-1+deb12u5 cae5ded666d8573dd33060bc66fbac21eea8b101a6b56e2af8bd590fcfa65d79"
    "liblzma5=5.4.1-1+deb12u2 3d8c29c8c21ec6007635e1b2591edf98b771c9572a085968f47452b33040f384"
    "libzstd1=1.5.4+dfsg2-5 6315b5ac38b724a710fb96bf1042019398cb656718b1522279a5185ed39318fa"
    "zlib1g=1:1.2.13.dfsg-1 d7dd1d1411fedf27f5e27650a6eff20ef294077b568f4c8c5e51466dc7c08ce4"
)
ARCH=amd64
# 2023-11-14T22:13:20Z: the timestamp of every file in the layer and of the image itself.
EPOCH=1700000000

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/debian-mini}"

die() {
    echo "build-debian-mini: $*" >&2
    exit 1
}

for tool in apt-get dpkg-deb tar gzip python3 sha256sum md5sum; do
    command -v "$tool" >/dev/null || die "needs '$tool' on PATH"
done
tar --version 2>/dev/null | grep -q 'GNU tar' || die "needs GNU tar (for --sort=name)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
debs="$work/debs"
root="$work/rootfs"
layout="$work/layout"
mkdir -p "$debs" "$root" "$layout/blobs/sha256"

# --- 1. fetch the pinned .debs ------------------------------------------------------------
specs=()
for entry in "${PACKAGES[@]}"; do
    specs+=("${entry%% *}")
done
if [[ -n "${DEBIAN_MINI_DEBS:-}" ]]; then
    echo "build-debian-mini: taking .debs from $DEBIAN_MINI_DEBS"
    cp "$DEBIAN_MINI_DEBS"/*.deb "$debs"/
else
    apt_opts=(-q)
    # apt drops to the _apt user to download, which cannot write into our 0700 temp dir.
    if [[ $EUID -eq 0 ]]; then apt_opts+=(-o APT::Sandbox::User=root); fi
    if ! (cd "$debs" && apt-get "${apt_opts[@]}" download "${specs[@]}"); then
        cat >&2 <<EOF

build-debian-mini: could not download the pinned packages:
    ${specs[*]}
Either apt's package lists are stale (run 'apt-get update' and retry), or a pinned version has
been superseded on the Debian mirrors (point releases and security updates replace old
versions). To rebuild the same image, fetch the exact .debs from https://snapshot.debian.org
and run with DEBIAN_MINI_DEBS=<dir>; to move to newer packages, update PACKAGES in $0
(versions and sha256), examples/README.md and crates/bulwark-cli/tests/example.rs.
EOF
        exit 1
    fi
fi

# Map each pin to its file, checking name, version, architecture and digest.
declare -A deb_of=()
for f in "$debs"/*.deb; do
    key="$(dpkg-deb -f "$f" Package)=$(dpkg-deb -f "$f" Version)"
    deb_of["$key"]="$f"
done
for entry in "${PACKAGES[@]}"; do
    spec="${entry%% *}" want="${entry##* }"
    f="${deb_of[$spec]:-}"
    [[ -n "$f" ]] || die "no .deb for $spec (pinned version not available)"
    arch="$(dpkg-deb -f "$f" Architecture)"
    [[ "$arch" == "$ARCH" || "$arch" == all ]] || die "$spec: architecture $arch, want $ARCH"
    got="$(sha256sum "$f" | cut -d' ' -f1)"
    [[ "$got" == "$want" ]] || die "$spec: sha256 $got does not match the pinned $want"
done

# --- 2. the root filesystem and the dpkg database -----------------------------------------
info="$root/var/lib/dpkg/info"
stanzas="$work/stanzas"
mkdir -p "$stanzas"
for entry in "${PACKAGES[@]}"; do
    spec="${entry%% *}"
    f="${deb_of[$spec]}"
    pkg="${spec%%=*}"
    dpkg-deb -x "$f" "$root"
    mkdir -p "$info"
    # dpkg qualifies the info file names of Multi-Arch: same packages with the architecture.
    name="$pkg"
    if [[ "$(dpkg-deb -f "$f" Multi-Arch)" == same ]]; then name="$pkg:$(dpkg-deb -f "$f" Architecture)"; fi
    # The same list `dpkg-deb -c` prints, names only: `./` becomes `/.`, `./usr/` becomes `/usr`.
    dpkg-deb --fsys-tarfile "$f" | tar -tf - |
        sed -e 's|^\./$|/.|' -e 's|^\./|/|' -e 's|\(.\)/$|\1|' >"$info/$name.list"
    ctrl="$work/ctrl-$pkg"
    mkdir -p "$ctrl"
    dpkg-deb -e "$f" "$ctrl"
    if [[ -f "$ctrl/md5sums" ]]; then cp "$ctrl/md5sums" "$info/$name.md5sums"; fi
    # The status stanza: the control file, `Status:` after `Package:`, `Conffiles:` (path and
    # MD5 of the shipped file) before `Description:`, as dpkg orders them.
    conffiles=""
    if [[ -f "$ctrl/conffiles" ]]; then
        while read -r path _; do
            [[ -n "$path" ]] || continue
            conffiles+=" $path $(md5sum <"$root$path" | cut -d' ' -f1)"$'\n'
        done <"$ctrl/conffiles"
    fi
    CONFFILES="$conffiles" python3 - "$ctrl/control" >"$stanzas/$pkg" <<'PY'
import os, sys
lines = open(sys.argv[1], encoding="utf-8").read().rstrip("\n").split("\n")
conffiles = os.environ["CONFFILES"]
out = []
for line in lines:
    if line.startswith("Description:") and conffiles:
        out.append("Conffiles:")
        out.extend(conffiles.rstrip("\n").split("\n"))
    out.append(line)
    if line.startswith("Package:"):
        out.append("Status: install ok installed")
print("\n".join(out))
PY
done
# dpkg keeps the status file sorted by package name, stanzas separated by a blank line.
python3 - "$stanzas" >"$root/var/lib/dpkg/status" <<'PY'
import os, sys
d = sys.argv[1]
print("\n".join(open(os.path.join(d, n), encoding="utf-8").read() for n in sorted(os.listdir(d))), end="")
PY
[[ -L "$root/etc/os-release" ]] || die "etc/os-release is not a symlink (base-files changed?)"
chmod 0755 "$root/var/lib/dpkg" "$info"
chmod 0644 "$root/var/lib/dpkg/status" "$info"/*

# --- 3. the layer ------------------------------------------------------------------------
layer_tar="$work/layer.tar"
(cd "$root" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort) >"$work/top"
tar -C "$root" --sort=name --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner \
    --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -cf "$layer_tar" -T "$work/top"
gzip -n -9 -c "$layer_tar" >"$work/layer.tar.gz"

# --- 4. config, manifest, index ----------------------------------------------------------
package_list="${specs[*]}"
python3 - "$layer_tar" "$work/layer.tar.gz" "$layout" "$EPOCH" "$ARCH" "$package_list" <<'PY'
import datetime, hashlib, json, os, shutil, sys

layer_tar, layer_gz, layout, epoch, arch, packages = sys.argv[1:]
blobs = os.path.join(layout, "blobs", "sha256")

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

def put(data: bytes, media_type: str) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

def dump(doc) -> bytes:
    return json.dumps(doc, indent=2).encode() + b"\n"

created = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
diff_id = "sha256:" + sha256_file(layer_tar)
layer_digest = sha256_file(layer_gz)
shutil.copyfile(layer_gz, os.path.join(blobs, layer_digest))
layer = {
    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
    "digest": "sha256:" + layer_digest,
    "size": os.path.getsize(layer_gz),
}
config = {
    "created": created,
    "architecture": arch,
    "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    "history": [{
        "created": created,
        "created_by": "examples/build-debian-mini.sh: dpkg-deb -x " + packages
                      + "; dpkg status and info/*.list written from the .debs",
        "comment": "Bulwark example image from Debian 12 (bookworm) packages; not runnable (no libc, no shell)",
    }],
}
config_desc = put(dump(config), "application/vnd.oci.image.config.v1+json")
manifest = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": config_desc,
    "layers": [layer],
    "annotations": {
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.description": "Debian 12 packages: " + packages,
    },
}
manifest_desc = put(dump(manifest), "application/vnd.oci.image.manifest.v1+json")
manifest_desc["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
index = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [manifest_desc],
}
with open(os.path.join(layout, "index.json"), "wb") as f:
    f.write(dump(index))
with open(os.path.join(layout, "oci-layout"), "wb") as f:
    f.write(dump({"imageLayoutVersion": "1.0.0"}))
print(f"build-debian-mini: layer {layer['digest']} ({layer['size']} bytes), diff_id {diff_id}")
print(f"build-debian-mini: manifest {manifest_desc['digest']}")
PY

# Replace the output only once everything has been built.
chmod -R u=rwX,go=rX "$layout"
if [[ -e "$out" && ! -f "$out/oci-layout" && -n "$(ls -A "$out")" ]]; then
    die "$out exists and is not an OCI layout; not replacing it"
fi
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -R "$layout" "$out"
echo "build-debian-mini: wrote $out ($(du -sh "$out" | cut -f1))"
