#!/usr/bin/env bash
# Times the whole CLI, `stackc build --target T -o DIR`, on generated stacks of 50, 200 and 1000
# services, for each target: the median over RUNS runs of the wall time and of the CPU time (user
# plus system, which other load on a shared machine disturbs less than wall time), the median and
# the highest peak resident memory. Output goes to tmpfs (/dev/shm) so the disk does not dominate.
#
# Binaries after RUNS are measured side by side with the first: each run times every binary in
# turn, and each binary on every target in turn, so that the host's load, which moves absolute
# figures by 10-40% between minutes on these shared machines, weighs on all of them alike, and
# their ratios (between binaries, and between targets, such as helm / k3s) hold. The order
# turns from run to run, so that no binary or target always follows the same one.
#
# The ratios are also given paired: each run's helm / k3s (and podman / k3s, and each binary
# against the first on the same target) is one sample, taken within seconds, and the table
# gives their median and the middle half of them. The host's load drifts between minutes, so
# paired samples spread less than the ratio of two medians, which can take its two terms
# from different minutes.
#
# usage: scripts/time-cli.sh [STACKC] [RUNS] [STACKC...]
#        (default: target/release/stackc, 11 runs)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
stackc="$(realpath "${1:-${CARGO_TARGET_DIR:-$here/../target}/release/stackc}")"
runs="${2:-11}"
others=()
for other in "${@:3}"; do
    others+=("$(realpath "$other")")
done
work="$(mktemp -d /dev/shm/stackc-perf.XXXXXX)"
trap 'rm -rf "$work"' EXIT

for n in 50 200 1000; do
    "$here/gen-stack.py" "$n" "$work/stack-$n"
done
python3 - "$runs" "$work" "$stackc" "${others[@]}" <<'PY'
import os, shutil, statistics, subprocess, sys, time

runs, work, binaries = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
several = len(binaries) > 1
print(("binary  " if several else "")
      + f"{'services':<8} {'target':<7} {'median_ms':>10} {'cpu_ms':>8} {'peak_mb':>8} {'max_mb':>8}")
targets = ("k3s", "helm", "podman")
paired = []
for n in (50, 200, 1000):
    walls = {(b, t): [] for b in binaries for t in targets}
    cpus = {(b, t): [] for b in binaries for t in targets}
    peaks = {(b, t): [] for b in binaries for t in targets}
    for turn in range(runs):
        # Each run starts from another binary and another target: on these virtual machines a
        # process that follows another reads a few percent faster or slower (memory just given
        # back is still backed), which a fixed order would credit to one binary or target.
        for binary in binaries[turn % len(binaries):] + binaries[:turn % len(binaries)]:
            for target in targets[turn % len(targets):] + targets[:turn % len(targets)]:
                out = os.path.join(work, "out")
                shutil.rmtree(out, ignore_errors=True)
                start = time.perf_counter()
                child = subprocess.Popen(
                    [binary, "build", "--target", target, "-o", out],
                    cwd=os.path.join(work, f"stack-{n}"),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                _, status, usage = os.wait4(child.pid, 0)
                walls[binary, target].append((time.perf_counter() - start) * 1000)
                if status != 0:
                    sys.exit(f"{binary} failed on {n} services, target {target}")
                cpus[binary, target].append((usage.ru_utime + usage.ru_stime) * 1000)
                peaks[binary, target].append(usage.ru_maxrss / 1024)
    for target in targets:
        for index, binary in enumerate(binaries):
            run = (binary, target)
            print((f"{index + 1:<7} " if several else "")
                  + f"{n:<8} {target:<7} {statistics.median(walls[run]):>10.2f} "
                  f"{statistics.median(cpus[run]):>8.2f} {statistics.median(peaks[run]):>8.1f} "
                  f"{max(peaks[run]):>8.1f}")
    paired.append((n, walls))

def spread(over, under):
    """The median and the middle half of the run-by-run ratios over / under."""
    ratios = sorted(a / b for a, b in zip(over, under))
    q1, q2, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
    return f"{q2:.3f} ({q1:.3f}-{q3:.3f})"

print()
print("paired wall-time ratios: the median of each run's ratio (the middle half of them)")
print(("binary  " if several else "") + f"{'services':<8} {'helm/k3s':<22} {'podman/k3s':<22}"
      + (" against binary 1: k3s, helm, podman" if several else ""))
for n, walls in paired:
    for index, binary in enumerate(binaries):
        line = ((f"{index + 1:<7} " if several else "") + f"{n:<8} "
                + f"{spread(walls[binary, 'helm'], walls[binary, 'k3s']):<22} "
                + f"{spread(walls[binary, 'podman'], walls[binary, 'k3s']):<22}")
        if index > 0:
            line += " " + ", ".join(
                spread(walls[binary, target], walls[binaries[0], target]) for target in targets)
        print(line)
if several:
    for index, binary in enumerate(binaries):
        print(f"binary {index + 1}: {binary}")
PY
