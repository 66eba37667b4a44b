#!/usr/bin/env bash
# Times the whole CLI, `stackc build --target T -o DIR`, on generated stacks of 50, 200 and 1000
# services, for each target: median wall time of RUNS runs and peak resident memory.
# Output goes to tmpfs (/dev/shm) so the disk does not dominate.
#
# usage: scripts/time-cli.sh [STACKC] [RUNS]   (default: target/release/stackc, 11 runs)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
stackc="$(realpath "${1:-${CARGO_TARGET_DIR:-$here/../target}/release/stackc}")"
runs="${2:-11}"
work="$(mktemp -d /dev/shm/stackc-perf.XXXXXX)"
trap 'rm -rf "$work"' EXIT

printf '%-8s %-7s %12s %12s\n' services target median_ms peak_mb
for n in 50 200 1000; do
    "$here/gen-stack.py" "$n" "$work/stack-$n"
    for target in k3s helm podman; do
        times=()
        peak=0
        for _ in $(seq "$runs"); do
            rm -rf "$work/out"
            start=$(date +%s%N)
            kb=$(cd "$work/stack-$n" && /usr/bin/time -f '%M' "$stackc" build --target "$target" -o "$work/out" 2>&1 >/dev/null | tail -1)
            end=$(date +%s%N)
            times+=($(( (end - start) / 1000 )))
            (( kb > peak )) && peak=$kb
        done
        median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
        printf '%-8s %-7s %12.1f %12.1f\n' "$n" "$target" "$(echo "$median / 1000" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
    done
done
