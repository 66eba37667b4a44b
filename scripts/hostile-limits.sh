#!/usr/bin/env bash
# Measures every hostile input of tests/hostile.rs against the acceptance bounds (1 s, 200 MB)
# with a release binary, one input at a time, and prints a row per run: input, command, wall ms,
# peak MB. Needs GNU time (/usr/bin/time; Debian package `time`). The numbers in
# docs/security.md come from this script.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
target_dir=${CARGO_TARGET_DIR:-target}
STACKC_BIN=$(realpath "$target_dir/release/stackc") \
    cargo test --quiet --test hostile -- --nocapture --test-threads=1
