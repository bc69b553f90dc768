#!/bin/sh
# Fuzz smoke test: every cargo-fuzz target in fuzz/ runs for SECONDS (default 30, or $FUZZ_SECONDS) when a
# nightly toolchain with cargo-fuzz is present; otherwise the proptest fallbacks (random and mutated input
# for the AT parser, the APDU parsers and every ASN.1 decoder) run repeatedly, with fresh seeds, for the
# same time each. Any crash or failed property fails the script.
#
#   scripts/fuzz-smoke.sh            # 30 s per target (CI)
#   scripts/fuzz-smoke.sh 3600       # an hour per target
#   FUZZ_FALLBACK=1 scripts/fuzz-smoke.sh 10   # the proptest fallbacks even where cargo-fuzz exists
#
# For long runs of one target with its corpus kept: cargo +nightly fuzz run asn1_esipa -- -max_total_time=36000
set -eu
seconds=${1:-${FUZZ_SECONDS:-30}}
cd "$(dirname "$0")/.."

if [ -z "${FUZZ_FALLBACK:-}" ] && cargo +nightly fuzz --version >/dev/null 2>&1; then
    targets=$(cargo +nightly fuzz list)
    echo "fuzz-smoke: cargo-fuzz, ${seconds}s per target: $(printf '%s\n' "$targets" | tr '\n' ' ')"
    for target in $targets; do
        cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
    done
    exit 0
fi

echo "fuzz-smoke: no cargo-fuzz on nightly; proptest fallbacks, ${seconds}s each"
# Build once, so the time budget goes to the properties.
cargo test -j2 --no-run -q --test parser_props
cargo test -j2 --no-run -q -p euicc-asn1 --test robustness
for suite in "--test parser_props" "-p euicc-asn1 --test robustness"; do
    end=$(( $(date +%s) + seconds ))
    rounds=0
    while [ "$rounds" -eq 0 ] || [ "$(date +%s)" -lt "$end" ]; do
        # shellcheck disable=SC2086 # the suite is two words on purpose
        if ! output=$(cargo test -j2 -q $suite 2>&1); then
            echo "$output"
            echo "fuzz-smoke: $suite failed in round $((rounds + 1))"
            exit 1
        fi
        rounds=$((rounds + 1))
    done
    echo "fuzz-smoke: $suite: $rounds rounds, no failure"
done
