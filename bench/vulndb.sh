#!/usr/bin/env bash
# Advisory database and matching speed on the real snapshots in ../shared/fixtures:
#  1. import throughput: `bulwark db import` of every OSV zip and Alpine secdb file into a fresh
#     cache, RUNS times after a warm-up (median wall time, records/s, peak RSS, file size);
#  2. what matching adds to a scan: `bulwark image --scanners vuln` (open DB + match + report;
#     the secret scanner left out) minus `bulwark sbom` (scan + report) on debian-12-app with a
#     warm layer cache, alternating;
#  3. the criterion benchmark crates/bulwark-vuln/benches/match.rs (1,000 packages warm,
#     debian-12-app warm, open + match).
# Usage: bench/vulndb.sh   (RUNS=5 by default; SKIP_CRITERION=1 to leave step 3 out)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
FIX=$(cd ../shared/fixtures && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cargo build --release -q -p bulwark-cli
BW=$PWD/target/release/bulwark
ADV=$FIX/advisories
sources=("$ADV"/osv/*/all.zip "$ADV"/alpine-secdb/*/*.yaml)

# Wall seconds (from bash's microsecond clock: /usr/bin/time's are in 10 ms steps) and peak RSS KiB.
run() {
  local t0=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
  local t1=$EPOCHREALTIME
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $(cat "$work/t")"
}

: > "$work/import"
for i in $(seq 0 "$RUNS"); do
  rm -rf "$work/cache"
  line=$(BULWARK_CACHE_DIR="$work/cache" run "$BW" db import "${sources[@]}")
  [ "$i" -eq 0 ] || echo "$line" >> "$work/import"
done
records=$(BULWARK_CACHE_DIR="$work/cache" "$BW" db status -f json | python3 -c 'import json,sys; m=json.load(sys.stdin)["meta"]; print(sum(s["records"]+s["skipped"]+s["withdrawn"] for s in m["sources"]), m["advisories"], m["affected"])')
size=$(stat -c %s "$work/cache/db/vulndb.sqlite")

img=$FIX/images/debian-12-app
: > "$work/sbom"; : > "$work/image"
for i in $(seq 0 "$RUNS"); do
  s=$(BULWARK_CACHE_DIR="$work/cache" run "$BW" sbom "$img" -q --format json)
  v=$(BULWARK_CACHE_DIR="$work/cache" run "$BW" image "$img" -q --format json --scanners vuln)
  [ "$i" -eq 0 ] && continue
  echo "$s" >> "$work/sbom"; echo "$v" >> "$work/image"
done

python3 - "$work" "$RUNS" "$records" "$size" <<'PY'
import statistics as st, sys
work, runs, (total, advisories, affected), size = sys.argv[1], sys.argv[2], sys.argv[3].split(), int(sys.argv[4])
def col(name, i): return [float(l.split()[i]) for l in open(f"{work}/{name}") if l.strip()]
imp = st.median(col("import", 0)); rss = st.median(col("import", 1)) / 1024
print(f"import: {total} records ({advisories} advisories, {affected} package entries) in {imp:.2f} s median of {runs}"
      f" = {int(total) / imp:,.0f} records/s; peak RSS {rss:.0f} MiB; DB {size / 2**20:.1f} MiB")
s, v = st.median(col("sbom", 0)), st.median(col("image", 0))
print(f"debian-12-app, warm layer cache: sbom {s*1000:.1f} ms, image {v*1000:.1f} ms -> matching adds {(v - s)*1000:.1f} ms (median of {runs})")
PY

if [ -z "${SKIP_CRITERION:-}" ]; then
  cargo bench -q -p bulwark-vuln --bench match -- --warm-up-time 2 --measurement-time 5 >/dev/null 2>&1
  # Criterion's medians (its `time:` line is the mean), from the run just made.
  python3 - <<'PY'
import glob, json, os
target = os.environ.get("CARGO_TARGET_DIR", "target")
for f in sorted(glob.glob(f"{target}/criterion/match/*/new/estimates.json")):
    e = json.load(open(f))
    print(f"match/{f.split('/')[-3]}: median {e['median']['point_estimate'] / 1e6:.2f} ms"
          f" (mean {e['mean']['point_estimate'] / 1e6:.2f} ms)")
PY
fi
