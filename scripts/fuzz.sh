#!/usr/bin/env bash
# Fuzzes zk-proto: every cargo-fuzz target (or the named ones) for SECONDS_PER_TARGET each,
# starting from the committed seed corpus. Installs cargo-fuzz (and a nightly toolchain) when
# missing. Prints each target's executions; exits non-zero if any target crashed (or hung, or
# ran out of memory), leaving the input under fuzz/artifacts/<target>/ (fuzz/README.md says
# how to turn it into a regression test).
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 30 s, every target)
#
# New inputs the fuzzer finds go to a scratch corpus ($FUZZ_SCRATCH/<target>/corpus, default
# target/fuzz/), never into fuzz/corpus/, which libFuzzer only reads; a later run resumes from
# both.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
if [ $# -gt 0 ]; then shift; fi
if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi
scratch=${FUZZ_SCRATCH:-target/fuzz}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "== installing a nightly toolchain (cargo-fuzz needs its sanitizer flags)"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# cargo-fuzz has no --locked: check that fuzz/Cargo.lock needs no change before it builds.
cargo metadata --manifest-path fuzz/Cargo.toml --locked --format-version 1 >/dev/null

# Built before the runs so that build time is not fuzzing time: release with debug assertions
# and overflow checks, and AddressSanitizer (cargo-fuzz's defaults).
echo "== building the fuzz targets"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
    cargo +nightly fuzz build
else
    for target in "${targets[@]}"; do
        cargo +nightly fuzz build "$target"
    done
fi

failed=()
for target in "${targets[@]}"; do
    corpus=$scratch/$target/corpus
    log=$scratch/$target/fuzz.log
    mkdir -p "$corpus"
    echo "== fuzzing $target for ${seconds}s (log: $log)"
    # The first directory receives new inputs; the committed seeds are read only.
    if cargo +nightly fuzz run "$target" "$corpus" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout=20 -print_final_stats=1 >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
        tail -n 60 "$log"
    fi
    runs=$(grep -Eo '^Done [0-9]+ runs in [0-9]+ second\(s\)' "$log" | tail -n 1 || true)
    executed=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
    found=$(find "$corpus" -type f | wc -l)
    echo "$target: $status, ${executed:-?} executions (${runs:-no final stats line}), scratch corpus $found inputs"
    if [ "$status" = FAILED ]; then
        grep -E -A1 'panicked at' "$log" | head -n 2 || true
        grep -E 'Test unit written to' "$log" || true
        echo "replay: cargo +nightly fuzz run $target <that file>; keep it: copy it into fuzz/regressions/$target/"
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing failed (a crash, a timeout or running out of memory) in: ${failed[*]}"
    exit 1
fi
