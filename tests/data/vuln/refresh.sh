#!/usr/bin/env bash
# Regenerates the expected findings from the fixtures, independently of Bulwark:
# dpkg --compare-versions for Debian, packaging.version for PyPI, SemVer for crates.io.
# Needs dpkg and Python's `packaging` (pip install packaging).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${BULWARK_SHARED:-$here/../../../../shared}
python3 "$here/expected.py" "$shared/fixtures/images/debian-12-app" "$shared/fixtures/advisories" \
  > "$here/debian-12-app.tsv"
wc -l "$here/debian-12-app.tsv"
# Go: `go version -m` on every executable (Debian's golang-go), Go module SemVer order.
python3 "$here/expected_go.py" "$shared/fixtures/images/debian-12-app" "$shared/fixtures/advisories" \
  > "$here/debian-12-app-go.tsv"
wc -l "$here/debian-12-app-go.tsv"
