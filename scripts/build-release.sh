#!/usr/bin/env bash
# Builds the stackc binary to distribute. On Linux with glibc it is linked statically: no
# dynamic loader and no relocation of libc at start, which is a tenth of a 50-service build
# (docs/performance.md, item 39), and the binary needs no shared library (it runs in a
# `scratch` image). Elsewhere it is the plain release build.
#
# The static binary is position-dependent, as the release binaries of helm and Docker Compose
# are: it is loaded at a fixed address, so nothing is relocated at start (a position-independent
# one rewrites 14 000 pointers, on 70 pages that each fault and are copied), which takes 5% off
# a 50-service build (item 66). The price is address-space randomisation of the executable
# image itself (its heap, stacks and other mappings stay randomised); `STACKC_PIE=1` keeps it,
# with a static-pie binary.
#
# `cargo build --release` cannot make the static binary: the flag would also apply to the
# proc-macro crates, which cannot be linked statically, unless a `--target` separates them from
# the binary; this script passes the host's own triple.
#
# usage: [STACKC_PIE=1] scripts/build-release.sh [OUT]   (default: dist/stackc)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist/stackc}

host=$(rustc -vV | sed -n 's/^host: //p')
target_dir=${CARGO_TARGET_DIR:-target}

if [[ $host == *-linux-gnu ]]; then
    flags="-C target-feature=+crt-static"
    if [[ ${STACKC_PIE:-0} != 1 ]]; then
        flags+=" -C relocation-model=static"
    fi
    RUSTFLAGS="${RUSTFLAGS:-} $flags" \
        cargo build --locked --release --target "$host" --bin stackc
    built=$target_dir/$host/release/stackc
else
    cargo build --locked --release --bin stackc
    built=$target_dir/release/stackc
fi

mkdir -p "$(dirname "$out")"
cp "$built" "$out"
echo "built $out"
