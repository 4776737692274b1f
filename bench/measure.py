#!/usr/bin/env python3
"""Runs one command under GNU time and prints "<wall seconds> <peak RSS KiB>" for it: wall
time from a monotonic clock to the microsecond (time's own %e has 10 ms steps, too coarse
for warm scans of a few milliseconds; the ~1 ms of starting time itself is in every tool's
figure alike) and the peak RSS as time reports it (%M: a child's peak counts the memory of
the process that started it, so a small C launcher, never this interpreter).

Usage: measure.py OUT ERR CMD...  (appends the line to OUT, the command's stderr to ERR;
stdout is discarded; exits with the command's status)."""
import os
import subprocess
import sys
import tempfile
import time

out, err, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
with tempfile.NamedTemporaryFile("r") as rss, open(err, "w") as e:
    start = time.perf_counter()
    status = subprocess.run(
        ["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], stdout=subprocess.DEVNULL, stderr=e
    ).returncode
    wall = time.perf_counter() - start
    kib = rss.read().strip().splitlines()[-1] if status == 0 else ""
if status == 0:
    with open(out, "a") as o:
        o.write(f"{wall:.6f} {kib}\n")
sys.exit(status)
