#!/bin/sh
# Checks the cross-built binaries in dist/sizes.txt (scripts/cross-build.sh) against size-budget.txt: a
# binary above its ceiling fails, with the size, the ceiling and the bytes over; the target is reported as
# met or missed. A name ending in .xz is that binary (beside SIZES) compressed with xz -9e, as a squashfs
# stores it.
#
#   scripts/size-budget.sh [SIZES [BUDGET]]     # defaults: dist/sizes.txt, size-budget.txt
#
# A router binary (…-nosim) over its ceiling is explained crate by crate: its per-crate code sizes
# (crates-TARGET.txt beside SIZES, from scripts/size-crates.sh; made here first when EUICCD_SIZE_EXPLAIN=1) are compared
# with the table recorded beside the budget (size-budget-crates.txt), biggest growth first.
#
# EUICCD_SIZE_CRATES names another recorded table (the test's own).
# EUICCD_SIZE_EXTRA=N adds N bytes to every measured size: how the budget's own test (tests/size_budget.rs)
# shows that an oversized build fails.
set -eu
cd "$(dirname "$0")/.."
sizes=${1:-dist/sizes.txt}
budget=${2:-size-budget.txt}
extra=${EUICCD_SIZE_EXTRA:-0}
recorded=${EUICCD_SIZE_CRATES:-size-budget-crates.txt}
[ -r "$sizes" ] || { echo "size-budget: no $sizes (run scripts/cross-build.sh first)" >&2; exit 2; }

# explain NAME: what grew in router binary NAME, per crate, against the recorded table.
explain() {
    case "$1" in *-nosim) ;; *) return 0 ;; esac
    triple=${1#euiccd-}
    triple=${triple%-nosim}
    current="$(dirname "$sizes")/crates-$triple.txt"
    if [ ! -r "$current" ] && [ "${EUICCD_SIZE_EXPLAIN:-0}" = 1 ]; then
        scripts/size-crates.sh "$triple" "$current" >&2 || true
    fi
    if [ ! -r "$current" ] || [ ! -r "$recorded" ]; then
        echo "size-budget: for what grew per crate, run scripts/size-crates.sh $triple"
        return 0
    fi
    echo "size-budget: $1 per crate, against $recorded (bytes of code; growth first):"
    awk -v t="$triple" '
        NR == FNR { if ($1 == t) old[$2] = $3; next }
        { was = ($1 in old) ? old[$1] : 0; seen[$1] = 1; printf "%d %s %d %d\n", $2 - was, $1, was, $2 }
        END { for (c in old) if (!(c in seen)) printf "%d %s %d 0\n", -old[c], c, old[c] }
    ' "$recorded" "$current" | sort -k1,1nr | awk '$1 != 0 { printf "  %-24s %+9d  (%d -> %d)\n", $2, $1, $3, $4 }' | head -n 20
}

failed=0
checked=0
while read -r name ceiling target; do
    case "$name" in '' | '#'*) continue ;; esac
    case "$name" in
        *.xz)
            # A binary compressed as a squashfs stores it: the binary beside SIZES, through xz -9e.
            binary="$(dirname "$sizes")/${name%.xz}"
            if [ ! -f "$binary" ] || ! command -v xz >/dev/null; then continue; fi
            size=$(xz -9e -c "$binary" | wc -c)
            ;;
        *) size=$(awk -v n="$name" '$1 == n { print $2 }' "$sizes") ;;
    esac
    [ -n "$size" ] || continue
    size=$((size + extra))
    checked=$((checked + 1))
    goal="no target"
    if [ "$target" != "-" ]; then
        if [ "$size" -le "$target" ]; then goal="target $target met"; else goal="target $target missed by $((size - target))"; fi
    fi
    if [ "$size" -gt "$ceiling" ]; then
        echo "size-budget: $name is $size bytes, $((size - ceiling)) over its ceiling $ceiling ($goal)"
        failed=1
        explain "$name"
    else
        echo "size-budget: $name is $size bytes, within its ceiling $ceiling ($goal)"
    fi
done <"$budget"
[ "$checked" -gt 0 ] || { echo "size-budget: no binary of $budget is in $sizes" >&2; exit 2; }
exit "$failed"
