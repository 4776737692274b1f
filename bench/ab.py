#!/usr/bin/env python3
"""A/B of bulwark binaries (or the floor) on one target, cold layer cache, runs alternating.

Usage: bench/ab.py RUNS TARGET BINARY... (a BINARY whose name contains "floor" is run as
`floor TARGET`, others as `bulwark sbom TARGET --format cyclonedx`). One warm-up round, then
RUNS rounds; prints per binary the median, mean and minimum wall time (microsecond clock)
and the median CPU time (user + system) of the runs. Alternating binaries run by run makes
their medians comparable on a noisy machine; compare binaries within one invocation only.
"""

import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    runs, target, binaries = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    cache = tempfile.mkdtemp(prefix="bulwark-ab-")
    wall = {b: [] for b in binaries}
    cpu = {b: [] for b in binaries}
    try:
        for round_ in range(runs + 1):
            for b in binaries:
                shutil.rmtree(cache, ignore_errors=True)
                if "floor" in b:
                    cmd = [b, target]
                else:
                    cmd = [b, "sbom", target, "--format", "cyclonedx", "--cache-dir", cache, "-q"]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
                elapsed = time.perf_counter() - start
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                if round_ == 0:
                    continue  # warm-up
                wall[b].append(elapsed)
                cpu[b].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    for b in binaries:
        w = wall[b]
        print(
            f"{b:40} median {statistics.median(w) * 1000:7.1f} ms  mean {statistics.mean(w) * 1000:7.1f}"
            f"  min {min(w) * 1000:7.1f}  cpu {statistics.median(cpu[b]) * 1000:6.1f} ms"
        )


if __name__ == "__main__":
    main()
