#!/usr/bin/env bash
# Times the whole CLI, `stackc build --target T -o DIR`, on generated stacks of 50, 200 and 1000
# services, for each target: the median over RUNS runs of the wall time and of the CPU time (user
# plus system, which other load on a shared machine disturbs less than wall time), and the peak
# resident memory. Output goes to tmpfs (/dev/shm) so the disk does not dominate.
#
# usage: scripts/time-cli.sh [STACKC] [RUNS]   (default: target/release/stackc, 11 runs)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
stackc="$(realpath "${1:-${CARGO_TARGET_DIR:-$here/../target}/release/stackc}")"
runs="${2:-11}"
work="$(mktemp -d /dev/shm/stackc-perf.XXXXXX)"
trap 'rm -rf "$work"' EXIT

for n in 50 200 1000; do
    "$here/gen-stack.py" "$n" "$work/stack-$n"
done
python3 - "$stackc" "$runs" "$work" <<'PY'
import os, shutil, statistics, subprocess, sys, time

stackc, runs, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
print(f"{'services':<8} {'target':<7} {'median_ms':>10} {'cpu_ms':>8} {'peak_mb':>8}")
for n in (50, 200, 1000):
    for target in ("k3s", "helm", "podman"):
        walls, cpus, peak = [], [], 0
        for _ in range(runs):
            out = os.path.join(work, "out")
            shutil.rmtree(out, ignore_errors=True)
            start = time.perf_counter()
            child = subprocess.Popen(
                [stackc, "build", "--target", target, "-o", out],
                cwd=os.path.join(work, f"stack-{n}"),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _, status, usage = os.wait4(child.pid, 0)
            walls.append((time.perf_counter() - start) * 1000)
            if status != 0:
                sys.exit(f"stackc failed on {n} services, target {target}")
            cpus.append((usage.ru_utime + usage.ru_stime) * 1000)
            peak = max(peak, usage.ru_maxrss)
        print(f"{n:<8} {target:<7} {statistics.median(walls):>10.1f} "
              f"{statistics.median(cpus):>8.1f} {peak / 1024:>8.1f}")
PY
