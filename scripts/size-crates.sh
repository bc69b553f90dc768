#!/usr/bin/env bash
# Where a router binary's bytes go: the code size of each crate linked into the release build of euiccd without
# the simulators, for one musl target, as `cargo bloat --crates` counts it (the .text section; a generic function
# counts for the crate that instantiated it). The README's per-dependency table and size-budget-crates.txt come
# from here, and scripts/size-budget.sh compares a binary over its ceiling against size-budget-crates.txt.
#
#   scripts/size-crates.sh [TARGET [OUT]]    # defaults: mipsel-unknown-linux-musl, dist/crates-TARGET.txt
#
# OUT gets one line per crate, "crate bytes", biggest first, and a last line ".text bytes". The build is the one
# scripts/cross-build.sh --no-sim makes (same toolchain, std rebuilt with optimize_for_size, LTO), except that
# its symbols are kept for cargo bloat, in a target directory of its own (size-crates under CARGO_TARGET_DIR,
# default target). cargo-bloat is installed when missing. Needs scripts/cross-setup.sh once and a cross build
# before it (zig's linker wrappers come from cargo-zigbuild's first run).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${1:-mipsel-unknown-linux-musl}"
OUT="${2:-dist/crates-$TARGET.txt}"
TOOLCHAIN="${EUICCD_CROSS_TOOLCHAIN:-deb-1.85}"
VENV="${EUICCD_CROSS_VENV:-/opt/euiccd-cross}"
BLOAT_VERSION=0.12.1

fail() {
    echo "size-crates: $*" >&2
    exit 1
}

case "$(cargo bloat --version 2>/dev/null || true)" in
    *"$BLOAT_VERSION") ;;
    *) timeout 15m cargo install --locked cargo-bloat --version "$BLOAT_VERSION" ;;
esac

# cargo bloat runs `cargo build` itself, so it gets the linker and C compiler cargo-zigbuild would set.
wrapper() {
    find "${XDG_CACHE_HOME:-$HOME/.cache}/cargo-zigbuild" -name "$1-$TARGET-*.sh" 2>/dev/null | head -n1
}
cc="$(wrapper zigcc)"
[ -n "$cc" ] || fail "no zig wrapper for $TARGET: run scripts/cross-build.sh --no-sim $TARGET first"
upper="$(echo "$TARGET" | tr 'a-z-' 'A-Z_')"
lower="$(echo "$TARGET" | tr '-' '_')"
flags="-C link-self-contained=no"
[ "$TARGET" = mipsel-unknown-linux-musl ] && flags="$flags -C relocation-model=static"
export PATH="$VENV/bin:$PATH" CARGO_TERM_COLOR=never RUSTC_BOOTSTRAP=1
export "CARGO_TARGET_${upper}_LINKER=$cc" "CARGO_TARGET_${upper}_RUSTFLAGS=$flags" "CC_$lower=$cc" \
    "AR_$lower=$(dirname "$cc")/ar"

json="$(cargo "+$TOOLCHAIN" bloat --release --config profile.release.strip=false --locked --target "$TARGET" \
    --target-dir "${CARGO_TARGET_DIR:-target}/size-crates" -Z build-std=std,panic_abort \
    -Z build-std-features=optimize_for_size --no-default-features --crates -n 0 --message-format json)"
mkdir -p "$(dirname "$OUT")"
python3 -c '
import json, sys
report = json.loads(sys.argv[1])
for crate in sorted(report["crates"], key=lambda c: -c["size"]):
    print(crate["name"], crate["size"])
print(".text", report["text-section-size"])
' "$json" >"$OUT"
echo "size-crates: $OUT ($(wc -l <"$OUT") lines)"
