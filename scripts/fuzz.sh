#!/usr/bin/env bash
# Development time: libFuzzer harnesses for every reader of files Strata takes from users
# (Fuzz/Harnesses), built with AddressSanitizer, each started from its seed corpus.
#   scripts/fuzz.sh build                  builds .build-fuzz/fuzz-NAME for every harness
#   scripts/fuzz.sh run [SECONDS] [NAME…]  runs each (default 60 s), at -rss_limit_mb=2048
#                                          -timeout=5; crashers go to Fuzz/crashers/NAME/
# A harness that finds a crash stops; turn the crasher into a test, then fix it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-fuzz
harnesses=(png image safetensors config settings session theme tokenizer)

build() {
    mkdir -p "$out"
    swift build -c release --scratch-path "$out" --sanitize=fuzzer --sanitize=address --target StrataTUI > "$out/build.log" 2>&1 \
        || { tail -20 "$out/build.log"; exit 1; }
    local objects=()
    for t in CStrata StrataTensor StrataModels StrataEdit StrataLayers StrataTUI; do
        objects+=($(find "$out/release/$t.build" -name '*.o'))
    done
    for h in "${harnesses[@]}"; do
        swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name "Fuzz_$h" \
            -I "$out/release/Modules" -I "$out/release" \
            -Xcc -fmodule-map-file="$out/release/CStrata.build/module.modulemap" -Xcc -I -Xcc Sources/CStrata/include \
            -Xcc -fmodule-map-file=Sources/CTerminal/module.modulemap $(pkg-config --cflags chafa | sed 's/\(-[^ ]*\)/-Xcc \1/g') \
            Fuzz/Harnesses/FuzzInput.swift "Fuzz/Harnesses/$h.swift" "${objects[@]}" \
            -lopenblas -lpng -lm $(pkg-config --libs chafa ncursesw) -o "$out/fuzz-$h" 2> "$out/fuzz-$h.log" \
            || { grep -v "Cannot export local symbol" "$out/fuzz-$h.log" | tail -20; exit 1; }
        echo "built $out/fuzz-$h"
    done
}

run() {
    local seconds=${1:-60}; shift || true
    local names=("${@:-${harnesses[@]}}")
    [ ${#names[@]} -gt 0 ] || names=("${harnesses[@]}")
    for h in "${names[@]}"; do
        mkdir -p "Fuzz/crashers/$h" "$out/corpus/$h"
        local log="$out/fuzz-$h.run.log"
        LSAN_OPTIONS=suppressions=Fuzz/lsan.supp STRATA_TOKENIZER=Assets/clip-tokenizer "$out/fuzz-$h" "$out/corpus/$h" "Fuzz/corpus/$h" \
            -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 -artifact_prefix="Fuzz/crashers/$h/" \
            -print_final_stats=1 > "$log" 2>&1 || { echo "$h: FOUND A PROBLEM (see $log)"; tail -30 "$log"; exit 1; }
        echo "$h: $(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}') executions in ${seconds} s, no crash, leak or timeout"
    done
}

case "${1:-}" in
build) build ;;
run) shift; run "$@" ;;
*) sed -n 2,8p "$0"; exit 2 ;;
esac
