#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with small seed inputs made from ../shared/fixtures (read-only)
# and a few synthetic ones. corpus/ is git-ignored; rerun this after a fresh checkout.
# Needs: tar (GNU), gzip, zstd and sqlite3 (each optional step is skipped if missing).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fixtures=${BULWARK_FIXTURES:-$here/../../shared/fixtures}
corpus=$here/corpus
[ -d "$fixtures" ] || { echo "no fixtures at $fixtures (set BULWARK_FIXTURES)" >&2; exit 1; }

targets=(layer_walk manifest dpkg_status apk_installed rpmdb registry_reference osv_record alpine_secdb version_order policy_files secrets_scan dockerfile_parse config_yaml elf_facts go_buildinfo go_mod java_archive lang_python lang_node lang_ruby lang_php lang_dotnet sbom_read)
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done
have() { command -v "$1" >/dev/null 2>&1; }
# The fixtures are read-only; seeds must stay writable so the script can be rerun.
copy() { rm -f "$2"; cp "$1" "$2"; chmod 644 "$2"; }

pkgdb=$fixtures/pkgdb

# dpkg status files and a distroless status.d entry.
copy "$pkgdb/google+osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg/valid" "$corpus/dpkg_status/scalibr-valid"
copy "$pkgdb/google+osv-scanner/cmd/osv-scanner/testdata/locks-many/status" "$corpus/dpkg_status/osv-scanner-status"
copy "$pkgdb/anchore+syft/syft/pkg/cataloger/debian/testdata/var/lib/dpkg/status.d/coreutils-relationships" "$corpus/dpkg_status/syft-status.d"

# apk installed databases.
copy "$pkgdb/anchore+syft/syft/pkg/cataloger/alpine/testdata/multiple-2/lib/apk/db/installed" "$corpus/apk_installed/syft-multiple-2"
copy "$pkgdb/google+osv-scalibr/extractor/filesystem/os/apk/testdata/installed" "$corpus/apk_installed/scalibr"
copy "$pkgdb/google+osv-scanner/cmd/osv-scanner/testdata/locks-many/installed" "$corpus/apk_installed/osv-scanner"

# rpm databases: the two small Berkeley DB files whole; NDB cut to its first 256 KiB; the
# SQLite database shrunk to three packages.
rpmdb=$pkgdb/rpmdb
copy "$rpmdb/osv-scalibr_Packages_epoch" "$corpus/rpmdb/bdb-epoch"
copy "$rpmdb/go-rpmdb_libuuid_Packages" "$corpus/rpmdb/bdb-libuuid"
head -c 262144 "$rpmdb/go-rpmdb_sle15-bci_Packages.db" > "$corpus/rpmdb/ndb-head"
if have sqlite3; then
    small=$corpus/rpmdb/sqlite-3-packages
    rm -f "$small"
    sqlite3 "$rpmdb/go-rpmdb_cbl-mariner-2.0_rpmdb.sqlite" ".backup '$small'"
    drops=$(sqlite3 "$small" "SELECT 'DROP TABLE \"' || name || '\";' FROM sqlite_master
        WHERE type = 'table' AND name NOT IN ('Packages', 'sqlite_sequence')")
    sqlite3 "$small" "$drops
        DELETE FROM Packages WHERE hnum NOT IN (SELECT hnum FROM Packages ORDER BY hnum LIMIT 3);
        VACUUM;"
fi

# Manifests, indexes and configs: every small JSON document of the fixture images.
for image in "$fixtures"/images/*/; do
    name=$(basename "$image")
    copy "$image/index.json" "$corpus/manifest/$name-index.json"
    for blob in "$image"/blobs/sha256/*; do
        if [ "$(stat -c %s "$blob")" -lt 8192 ]; then
            copy "$blob" "$corpus/manifest/$name-$(basename "$blob" | cut -c1-12)"
        fi
    done
done

# Registry references.
i=0
for r in alpine alpine:3.19 docker.io/library/alpine:3.19.4 index.docker.io/library/alpine \
    ghcr.io/org/team/app:1.2 localhost/app localhost:5000/app:latest 127.0.0.1:5000/library/alpine:3.19.4 \
    "quay.io/org/app@sha256:efbc66f9a894c94852dfe9419ea632ee889e3862ce2a60dc35bd483cddc88b69" \
    "registry.example.com:8443/a/b/c:v1@sha256:652cecfc2c99318b1388598a3396ff44927e0f36faa0934582ee6d5c42225b2b" \
    "[::1]:5000/x:y" MyRegistry/app; do
    printf '%s' "$r" > "$corpus/registry_reference/ref-$i"
    i=$((i + 1))
done

# Layers: a small root filesystem with package databases, links and whiteouts, as plain,
# gzip and zstd tars in GNU and PAX formats.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/etc" "$root/lib/apk/db" "$root/var/lib/dpkg" "$root/usr/lib" "$root/app"
printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.4\n' > "$root/usr/lib/os-release"
ln -s ../usr/lib/os-release "$root/etc/os-release"
ln -s /etc/os-release "$root/etc/abs-link"
ln -s loop "$root/etc/loop"
copy "$pkgdb/google+osv-scalibr/extractor/filesystem/os/apk/testdata/installed" "$root/lib/apk/db/installed"
head -c 4000 "$pkgdb/google+osv-scanner/cmd/osv-scanner/testdata/locks-many/status" > "$root/var/lib/dpkg/status"
ln "$root/lib/apk/db/installed" "$root/app/hardlink"
: > "$root/app/.wh.deleted"
: > "$root/usr/.wh..wh..opq"
mkdir -p "$root/app/a-rather-long-directory-name-to-need-a-long-name-extension/and-another-one-below-it"
printf 'x' > "$root/app/a-rather-long-directory-name-to-need-a-long-name-extension/and-another-one-below-it/file-with-a-long-name.txt"
for fmt in gnu pax; do
    out=$corpus/layer_walk/rootfs-$fmt.tar
    tar --format=$fmt --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 \
        -C "$root" -cf "$out" .
    gzip -n -c "$out" > "$out.gz"
    if have zstd; then zstd -q -f -19 "$out" -o "$out.zst"; fi
done

# Advisories: a few real OSV records of each snapshot, two secdb files, version pairs from
# the ordering vectors, and the documented policy examples.
adv=$fixtures/advisories
if have unzip; then
    for eco in Debian PyPI crates.io Go npm; do
        unzip -o -q -j "$adv/osv/$eco/all.zip" -d "$work/osv-$eco"
        for f in $(ls "$work/osv-$eco" | awk 'NR <= 5'); do copy "$work/osv-$eco/$f" "$corpus/osv_record/$eco-$f"; done
    done
fi
copy "$adv/alpine-secdb/v3.7/main.yaml" "$corpus/alpine_secdb/v3.7-main.yaml"
copy "$adv/alpine-secdb/v3.10/community.yaml" "$corpus/alpine_secdb/v3.10-community.yaml"
i=0
for f in "$fixtures"/versions/osv-scalibr-semantic/*-versions.txt; do
    awk '!/^#/ && NF == 3 && n++ < 20' "$f" | while read -r a op b; do
        printf '%s\n%s' "$a" "$b" > "$corpus/version_order/$(basename "$f" .txt)-$i-$RANDOM"
    done
    i=$((i + 1))
done
sed -n '/^```yaml/,/^```/p' "$here/../docs/EXCEPTIONS.md" | sed '1d;$d' > "$corpus/policy_files/exceptions.yaml"
printf '%s' '{"@context":"https://openvex.dev/ns/v0.2.0","@id":"x","author":"a","timestamp":"2026-01-01T00:00:00Z","version":1,"statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:deb/debian/a@1"}],"status":"not_affected","justification":"component_not_present"}]}' > "$corpus/policy_files/vex.json"

# The bulwark-checks corpus (ours): Dockerfiles for one target, YAML/JSON for the other.
for f in "$here"/../crates/bulwark-checks/tests/data/*/*; do
    case "$(basename "$f")" in
        expected.txt) ;;
        *.yaml|*.yml|*.json) copy "$f" "$corpus/config_yaml/$(basename "$(dirname "$f")")" ;;
        *) copy "$f" "$corpus/dockerfile_parse/$(basename "$(dirname "$f")")" ;;
    esac
done

# Entrypoint reachability facts: small ELF programs and libraries, a script, loader
# configuration and Python sources from the debian-12-app layers.
mkdir -p "$corpus/elf_facts"
deb=$fixtures/images/debian-12-app/blobs/sha256
for member in ./usr/bin/true ./usr/lib/x86_64-linux-gnu/libz.so.1.2.13 ./usr/lib/x86_64-linux-gnu/libacl.so.1.1.2301 \
    ./usr/bin/zgrep ./etc/ld.so.conf ./etc/ld.so.conf.d/libc.conf; do
    tar -xzOf "$deb/7f1e4747f6d13bd27fd4970e74b0458818752d633932d796c7a5dc8962c3829c" "$member" \
        > "$corpus/elf_facts/$(basename "$member")" 2>/dev/null || rm -f "$corpus/elf_facts/$(basename "$member")"
done
for member in app/app.py app/site-packages/requests/__init__.py app/site-packages/yaml/__init__.py; do
    tar -xzOf "$deb/df86d63b2bbda358c46cc7d86f8c42e9acb167530b62c799b7e1019690e0ba4e" "$member" \
        > "$corpus/elf_facts/$(echo "$member" | tr / _)" 2>/dev/null || true
done

du -sh "$corpus"/* | sed "s|$here/||"

# Language manifests and binaries: the repository's own test data (made by real tools).
lang=$here/../crates/bulwark-inventory/tests/data/lang
seed_lang() { # target, find expression...
    local t=$1; shift
    find "$lang" -type f "$@" -size -1M 2>/dev/null | while read -r f; do
        copy "$f" "$corpus/$t/$(echo "${f#"$lang"/}" | tr / _)"
    done
}
seed_lang lang_python \( -name 'requirements*.txt' -o -name poetry.lock -o -name Pipfile.lock -o -name uv.lock \)
seed_lang lang_node \( -name yarn.lock -o -name pnpm-lock.yaml \)
seed_lang lang_ruby \( -name '*.gemspec' -o -name Gemfile.lock \)
seed_lang lang_php \( -name composer.lock -o -name 'installed*.json' \)
seed_lang lang_dotnet \( -name '*.deps.json' -o -name packages.lock.json \)
seed_lang go_mod -name go.mod
seed_lang java_archive \( -name '*.jar' -o -name '*.war' -o -name '*.ear' \)

# SBOMs: a small CycloneDX and SPDX document.
printf '%s' '{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"operating-system","name":"debian","version":"12"},{"type":"library","purl":"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"},{"type":"library","purl":"pkg:npm/%40babel/core@7.0.0","components":[{"type":"library","purl":"pkg:pypi/pyyaml@5.3","name":"PyYAML"}]}]}' > "$corpus/sbom_read/cyclonedx.json"
printf '%s' '{"spdxVersion":"SPDX-2.3","packages":[{"name":"libexpat1","versionInfo":"2.5.0-1","sourceInfo":"built package from: expat 2.5.0-1","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:deb/debian/libexpat1@2.5.0-1?arch=amd64"}]}]}' > "$corpus/sbom_read/spdx.json"
