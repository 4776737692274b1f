#!/usr/bin/env bash
# Regenerates this directory's binaries and expectations (see README.md). Needs Debian 12's
# golang-go (Go 1.19.8), npm (for three old esbuild releases: the only network access),
# python3, zstd, tar and the shared fixtures beside the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${BULWARK_FIXTURES:-$here/../../../../../../../shared/fixtures}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOPATH=$work/gopath GOCACHE=$work/gocache GOFLAGS=-mod=mod GOSUMDB=off GOTOOLCHAIN=local
export GOPROXY=file://$work/proxy

# The example.com modules, served by a file:// module proxy (no network).
python3 "$here/mkproxy.py" "$here/src/modules" "$work/proxy"
mkdir -p "$work/out" "$work/san" "$here/bin" "$here/expected"
cp -r "$here/src/hello" "$work/hello"
(
    cd "$work/hello"
    go build -ldflags="-s -w -X main.greeting=hi" -o "$work/out/hello-linux-amd64" .
    GOOS=windows CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$work/out/hello-windows-amd64.exe" .
    GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$work/out/hello-darwin-arm64" .
)
# `go install module@version`: the main module gets a real version.
GOBIN=$work/out go install -ldflags="-s -w" example.com/tool@v1.0.0
mv "$work/out/tool" "$work/out/tool-linux-amd64"

# Go 1.17 builds (pointer-format build info): 8-byte little-endian, 4-byte, 8-byte big-endian.
(
    cd "$work"
    for p in esbuild-linux-64@0.13.15 esbuild-linux-32@0.13.15 esbuild-linux-s390x@0.14.8; do
        npm pack --silent "$p" >/dev/null
    done
    for t in esbuild-linux-*.tgz; do
        mkdir -p "npm/${t%.tgz}"
        tar -xzf "$t" -C "npm/${t%.tgz}"
        cp "npm/${t%.tgz}/package/bin/esbuild" "$work/out/${t%.tgz}"
    done
)

san() { python3 "$here/sanitize.py" "$@"; }
for f in "$work"/out/*; do
    name=$(basename "$f")
    case $name in
        *.exe|*darwin*) san "$f" "$work/san/$name" ;;
        *) san "$f" "$work/san/$name" --keep .go.buildinfo ;;
    esac
done
san "$work/out/hello-linux-amd64" "$work/san/hello-no-section-table" --keep .go.buildinfo --no-section-table
cp "$work/out/hello-linux-amd64" "$work/out/hello-no-section-table"

rm -f "$here"/bin/*.zst "$here"/expected/*.txt
for f in "$work"/out/*; do
    name=$(basename "$f")
    chmod +x "$work/san/$name"
    # `go version -m` of the original and of the blanked copy must agree.
    go version -m "$f" | tail -n +2 > "$work/orig.txt"
    go version -m "$work/san/$name" | tail -n +2 > "$work/san.txt"
    cmp "$work/orig.txt" "$work/san.txt"
    { go version "$f" | sed 's/^.*: //'; cat "$work/orig.txt"; } > "$here/expected/$name.txt"
    zstd -19 -q -f "$work/san/$name" -o "$here/bin/$name.zst"
done

# The fixture image's Debian docker-registry binary: its `go version -m`, nothing committed.
tar -xzf "$fixtures/images/debian-12-app/blobs/sha256/df86d63b2bbda358c46cc7d86f8c42e9acb167530b62c799b7e1019690e0ba4e" \
    -C "$work" app/bin/registry
{ go version "$work/app/bin/registry" | sed 's/^.*: //'; go version -m "$work/app/bin/registry" | tail -n +2; } \
    > "$here/expected/debian-12-app-registry.txt"

# Go's own parse of the go.mod files (the test applies the replace rules to it).
for d in "$here"/gomod/*/ "$here/src/hello/"; do
    go mod edit -json "$d/go.mod" > "$d/go-mod-edit.json"
done
chmod 644 "$here"/bin/*.zst
ls -l "$here/bin" "$here/expected"
