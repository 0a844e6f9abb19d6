#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/fuzz_*.c) with clang and runs each for
# SECONDS (default 60). Usage: tools/fuzz.sh [SECONDS] [TARGET...]
# Crashes are written to build-fuzz/crashes/<target>/; a non-zero exit means
# a target found one.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
CC=clang cmake -S . -B build-fuzz -DOMNILUA_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
# only the fuzz targets: the rest of the tree is not built with the fuzzer runtime
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}" >/dev/null
status=0
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t crashes=build-fuzz/crashes/$t
  mkdir -p "$corpus" "$crashes"
  [ -d "fuzz/seeds/$t" ] && cp -n fuzz/seeds/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "== $t for ${seconds}s"
  if build-fuzz/"$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
       -artifact_prefix="$crashes/" "$corpus" 2>build-fuzz/"$t".log; then
    grep -E '^Done|stat::number_of_executed_units' build-fuzz/"$t".log | tail -n1
    echo "$t: clean for ${seconds}s"
  else
    tail -n 30 build-fuzz/"$t".log
    echo "$t: FOUND A CRASH (see $crashes)"
    status=1
  fi
done
exit $status
