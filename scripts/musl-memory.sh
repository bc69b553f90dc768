#!/usr/bin/env bash
# The router's memory measured natively, without an emulator (qemu-user's own RSS is not the guest's): a static
# x86_64 musl build made as the router builds are (scripts/cross-build.sh: cargo-zigbuild, std rebuilt, musl's
# own malloc), run on this machine.
#
#   scripts/musl-memory.sh [--no-build]
#
# Prints the benchmark's figures of a 100 KB download and a cold `info` over a 115200 baud link (peak_rss_kib
# is the agent's VmHWM; rss_anon_kib and rss_file_kib split its RSS at the end into the anonymous part and the
# mapped binary), then the idle daemon's footprint with the build without the simulators (tests/daemon.rs,
# idle_footprint; EUICCD_IDLE_SECS, default 60). Pointer sizes aside (aarch64 is 64-bit like x86_64), the
# anonymous figures are the aarch64 router's; the file-backed part is its binary's size as mapped.
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-musl
if [ "${1:-}" != "--no-build" ]; then
    scripts/cross-build.sh "$target"
    scripts/cross-build.sh --no-sim "$target"
fi
"dist/euiccd-$target" --json --baud 115200 bench --scenario download_100k --scenario cold_info
EUICCD_BIN="$PWD/dist/euiccd-$target-nosim" cargo test --features sim --test daemon -- --ignored --nocapture \
    idle_footprint
