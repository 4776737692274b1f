#!/usr/bin/env bash
# Regenerates bin/auditable-demo.zst and expected/auditable-demo.json (see README.md). Needs
# cargo with crates.io access, `cargo install cargo-auditable rust-audit-info`, python3, zstd.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/src/demo" "$work/demo"
(cd "$work/demo" && cargo auditable build --release --locked)
bin=$work/demo/target/release/auditable-demo
mkdir -p "$here/bin" "$here/expected"
python3 "$here/../go/sanitize.py" "$bin" "$work/auditable-demo" --keep .dep-v0
# rust-audit-info (the reference reader) must see the same list in the blanked copy.
rust-audit-info "$bin" > "$work/orig.json"
rust-audit-info "$work/auditable-demo" > "$work/san.json"
cmp "$work/orig.json" "$work/san.json"
python3 -m json.tool "$work/orig.json" > "$here/expected/auditable-demo.json"
zstd -19 -q -f "$work/auditable-demo" -o "$here/bin/auditable-demo.zst"
chmod 644 "$here/bin/auditable-demo.zst"
ls -l "$here/bin" "$here/expected"
