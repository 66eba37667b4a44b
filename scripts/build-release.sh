#!/usr/bin/env bash
# Builds the stackc binary to distribute. On Linux with glibc it is linked statically (a
# static-pie executable, so address-space randomisation stays): no dynamic loader and no
# relocation of libc at start, which is a tenth of a 50-service build (docs/performance.md,
# item 39), and the binary needs no shared library (it runs in a `scratch` image).
# Elsewhere it is the plain release build.
#
# `cargo build --release` cannot make the static binary: the flag would also apply to the
# proc-macro crates, which cannot be linked statically, unless a `--target` separates them from
# the binary; this script passes the host's own triple.
#
# usage: scripts/build-release.sh [OUT]   (default: dist/stackc)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist/stackc}

host=$(rustc -vV | sed -n 's/^host: //p')
target_dir=${CARGO_TARGET_DIR:-target}

if [[ $host == *-linux-gnu ]]; then
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
        cargo build --locked --release --target "$host" --bin stackc
    built=$target_dir/$host/release/stackc
else
    cargo build --locked --release --bin stackc
    built=$target_dir/release/stackc
fi

mkdir -p "$(dirname "$out")"
cp "$built" "$out"
echo "built $out"
