#!/bin/sh
# Fuzz every target in fuzz/ for SECONDS each (default 45, or $FUZZ_SECONDS), and print how many inputs
# each one ran. With a nightly toolchain and cargo-fuzz: libFuzzer (with AddressSanitizer), starting from
# the kept corpus fuzz/corpus/TARGET/, $FUZZ_JOBS targets at a time (default 2); new inputs go to a
# scratch directory, or with FUZZ_KEEP=1 into the kept corpus, which is then minimised (cargo fuzz cmin).
# Without them: the proptest fallback of every target (tests/fuzz_fallback.rs: the same target bodies over
# the kept corpus, random and mutated input) and the parser and ASN.1 property tests, over and over with
# fresh seeds, SECONDS per suite. Any crash or failed property fails the script.
#
#   scripts/fuzz-smoke.sh                     # 45 s per target (CI)
#   scripts/fuzz-smoke.sh 3600 asn1_esipa     # an hour of one target
#   FUZZ_KEEP=1 scripts/fuzz-smoke.sh 600     # grow and minimise the kept corpus (commit fuzz/corpus)
#   FUZZ_FALLBACK=1 scripts/fuzz-smoke.sh 10  # the proptest fallback even where cargo-fuzz exists
set -eu
seconds=${1:-${FUZZ_SECONDS:-45}}
[ "$#" -gt 0 ] && shift
jobs=${FUZZ_JOBS:-2}
cd "$(dirname "$0")/.."

if [ -n "${FUZZ_FALLBACK:-}" ] || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: proptest fallbacks (FUZZ_FALLBACK, or no cargo-fuzz on nightly), ${seconds}s per suite"
    targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^euiccd-fuzz$' | tr '\n' ' ')
    # Build once, so the time budget goes to the properties.
    cargo test -j2 --no-run -q --test fuzz_fallback --test parser_props
    cargo test -j2 --no-run -q -p euicc-asn1 --test robustness
    for suite in "--test fuzz_fallback" "--test parser_props" "-p euicc-asn1 --test robustness"; do
        end=$(($(date +%s) + seconds))
        rounds=0
        while [ "$rounds" -eq 0 ] || [ "$(date +%s)" -lt "$end" ]; do
            # shellcheck disable=SC2086 # the suite is several words on purpose
            if ! output=$(cargo test -j2 -q $suite 2>&1); then
                echo "$output"
                echo "fuzz-smoke: $suite failed in round $((rounds + 1))"
                exit 1
            fi
            rounds=$((rounds + 1))
        done
        echo "fuzz-smoke: $suite: $rounds rounds, no failure"
        # Each round of tests/fuzz_fallback.rs runs every target on its corpus and 2 x 256 generated inputs.
        [ "$suite" != "--test fuzz_fallback" ] ||
            echo "fuzz-smoke: $((rounds * 512)) generated inputs (plus the corpus $rounds times) for each of: $targets"
    done
    exit 0
fi

targets=${*:-$(cargo +nightly fuzz list)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
cargo +nightly fuzz build
echo "fuzz-smoke: built every target in $(($(date +%s) - start)) s; ${seconds}s per target, $jobs at a time"

# fuzz TARGET: runs it for the time budget; its libFuzzer output goes to $work/TARGET.log.
fuzz() {
    if [ -n "${FUZZ_KEEP:-}" ]; then
        set -- "$1" "fuzz/corpus/$1"
    else
        mkdir -p "$work/$1"
        set -- "$1" "$work/$1" "fuzz/corpus/$1"
    fi
    cargo +nightly fuzz run "$@" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$work/$1.log" 2>&1
}

# report TARGET STATUS: prints its exec count (or its log, if it failed).
report() {
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$1.log")
    if [ "$2" -ne 0 ]; then
        tail -n 60 "$work/$1.log"
        echo "fuzz-smoke: $1 FAILED (crash input under fuzz/artifacts/$1/)"
        return 1
    fi
    inputs=$(find "fuzz/corpus/$1" -type f | wc -l)
    printf 'fuzz-smoke: %-16s %10s execs in %ss, kept corpus %s inputs\n' "$1" "$execs" "$seconds" "$inputs"
}

failed=0
# shellcheck disable=SC2086 # one word per target
set -- $targets
while [ "$#" -gt 0 ]; do
    batch=""
    i=0
    while [ "$i" -lt "$jobs" ] && [ "$#" -gt 0 ]; do
        fuzz "$1" &
        batch="$batch $1:$!"
        shift
        i=$((i + 1))
    done
    for entry in $batch; do
        status=0
        wait "${entry#*:}" || status=$?
        report "${entry%%:*}" "$status" || failed=1
    done
done

if [ -n "${FUZZ_KEEP:-}" ]; then
    for target in $targets; do
        # On edge coverage only (no hit counters): a corpus of hundreds of KB rather than megabytes.
        cargo +nightly fuzz cmin "$target" "fuzz/corpus/$target" -- -use_counters=0 \
            >"$work/$target.cmin.log" 2>&1 ||
            { tail -n 20 "$work/$target.cmin.log"; failed=1; }
    done
    echo "fuzz-smoke: kept corpus minimised: $(du -sh fuzz/corpus | cut -f1)"
fi
echo "fuzz-smoke: $(($(date +%s) - start)) s in all"
exit "$failed"
