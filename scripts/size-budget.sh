#!/bin/sh
# Checks the cross-built binaries in dist/sizes.txt (scripts/cross-build.sh) against size-budget.txt: a
# binary above its ceiling fails, with the size, the ceiling and the bytes over; the target is reported as
# met or missed. The mipsel router binary's xz size (as a squashfs stores it) is printed beside it.
#
#   scripts/size-budget.sh [SIZES [BUDGET]]     # defaults: dist/sizes.txt, size-budget.txt
#
# EUICCD_SIZE_EXTRA=N adds N bytes to every measured size: how the budget's own test (tests/size_budget.rs)
# shows that an oversized build fails.
set -eu
cd "$(dirname "$0")/.."
sizes=${1:-dist/sizes.txt}
budget=${2:-size-budget.txt}
extra=${EUICCD_SIZE_EXTRA:-0}
[ -r "$sizes" ] || { echo "size-budget: no $sizes (run scripts/cross-build.sh first)" >&2; exit 2; }

failed=0
checked=0
while read -r name ceiling target; do
    case "$name" in '' | '#'*) continue ;; esac
    size=$(awk -v n="$name" '$1 == n { print $2 }' "$sizes")
    [ -n "$size" ] || continue
    size=$((size + extra))
    checked=$((checked + 1))
    goal="no target"
    if [ "$target" != "-" ]; then
        if [ "$size" -le "$target" ]; then goal="target $target met"; else goal="target $target missed by $((size - target))"; fi
    fi
    packed=""
    if [ -f "dist/$name" ] && command -v xz >/dev/null; then
        packed=", xz $(xz -9e -c "dist/$name" | wc -c)"
    fi
    if [ "$size" -gt "$ceiling" ]; then
        echo "size-budget: $name is $size bytes, $((size - ceiling)) over its ceiling $ceiling ($goal$packed)"
        failed=1
    else
        echo "size-budget: $name is $size bytes, within its ceiling $ceiling ($goal$packed)"
    fi
done <"$budget"
[ "$checked" -gt 0 ] || { echo "size-budget: no binary of $budget is in $sizes" >&2; exit 2; }
exit "$failed"
