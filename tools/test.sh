#!/usr/bin/env bash
# Every step is bounded with timeout(1) so that a hang can never eat the CI run.
# The whole self-test: C unit tests (ctest), the same under ASan+UBSan, and
# omnilua's own suite (tests/, run by omnilua itself). The last line is the
# totals: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --test || exit 3

passed=0 failed=0 skipped=0
add_ctest() { # parses "NN% tests passed, F tests failed out of T"
  local line p f t
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of' "$1" | tail -n1)
  [ -n "$line" ] || { failed=$((failed + 1)); echo "test: no ctest summary in $1"; return; }
  f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests? failed.*/\1/')
  t=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
  passed=$((passed + t - f)); failed=$((failed + f))
}
add_omnilua() { # parses the closing line "N passed, N failed, N skipped in X s"
  local line n
  line=$(grep -E '^(=+ )?[0-9]+ [a-z]+.* in [0-9.]+ ?s' "$1" | tail -n1)
  [ -n "$line" ] || { failed=$((failed + 1)); echo "test: no omnilua summary in $1"; return; }
  n=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+'); passed=$((passed + ${n:-0}))
  n=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+'); failed=$((failed + ${n:-0}))
  n=$(echo "$line" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+'); failed=$((failed + ${n:-0}))
  n=$(echo "$line" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+'); skipped=$((skipped + ${n:-0}))
}

mkdir -p build/logs
echo "== C unit tests"
(cd build && ctest --output-on-failure -j2 --timeout 300) 2>&1 | tee build/logs/ctest.log
add_ctest build/logs/ctest.log

echo "== C unit tests under ASan+UBSan"
cmake -S . -B build-asan -DOMNILUA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
  cmake --build build-asan -j"$(nproc)" >build/logs/asan-build.log 2>&1 ||
  { cat build/logs/asan-build.log; failed=$((failed + 1)); }
(cd build-asan && ctest --output-on-failure -j2 --timeout 300) 2>&1 | tee build/logs/ctest-asan.log
add_ctest build/logs/ctest-asan.log

# The Lua suites that drive C bindings hardest, with the ASan+UBSan binary.
# (--memory-limit none: ASan's shadow memory does not fit a worker data limit.)
asan_suites="tests/assert tests/selection tests/yaml tests/metrics tests/media tests/http tests/dummy tests/faults"
echo "== omnilua suites under ASan+UBSan"
ASAN_OPTIONS=detect_leaks=0 timeout -k 30 900 build-asan/omnilua test $asan_suites -n 2 --memory-limit none 2>&1 |
  tee build/logs/selftest-asan.log
add_omnilua build/logs/selftest-asan.log

echo "== valgrind: no definite leaks or memory errors (C unit tests and a Lua run)"
vg="valgrind -q --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=99"
vg_failed=0
for t in build/test_expr build/test_sse_parse build/test_metrics_core build/test_yaml_core build/test_media_wav build/test_media_base64 build/test_media_dataurl \
  build/test_net_rxstamp build/test_dummy_pacing build/test_wake_probe; do
  [ -x "$t" ] || continue
  $vg "$t" >build/logs/valgrind-$(basename "$t").log 2>&1 || { vg_failed=1; cat build/logs/valgrind-$(basename "$t").log; }
done
timeout -k 30 600 $vg build/omnilua test tests/assert tests/yaml tests/metrics tests/bench/test_metrics.lua \
  tests/bench/test_json_numbers.lua tests/bench/test_request_bodies.lua -n 1 --memory-limit none -q \
  >build/logs/valgrind-lua.log 2>&1 || { vg_failed=1; tail -n 40 build/logs/valgrind-lua.log; }
if [ $vg_failed -eq 0 ]; then passed=$((passed + 1)); echo "valgrind: clean"; else failed=$((failed + 1)); echo "valgrind: FAILED"; fi

# Two passes, as the suites are meant to be run: deep-validation tests
# (advanced_model, the L3/L4 _expansion files) at --run-level advanced_model,
# everything else at the default core_model level.
echo "== omnilua self-tests (tests/, run level core_model)"
timeout -k 30 1500 build/omnilua test tests/ -n auto -m "not advanced_model" --junitxml build/logs/selftest.xml \
  --json build/logs/selftest.json 2>&1 | tee build/logs/selftest.log
add_omnilua build/logs/selftest.log
echo "== omnilua self-tests (tests/, -m advanced_model --run-level advanced_model)"
timeout -k 30 1500 build/omnilua test tests/ -n auto -m advanced_model --run-level advanced_model \
  --junitxml build/logs/selftest-advanced.xml 2>&1 | tee build/logs/selftest-advanced.log
add_omnilua build/logs/selftest-advanced.log

echo "== the main job: omnilua run L2 (L1 + L2 against the built-in dummy server)"
if timeout -k 30 900 build/omnilua run L2 --junitxml build/logs/L2.xml --json build/logs/L2.json >build/logs/L2.log 2>&1; then
  passed=$((passed + 1)); tail -n 3 build/logs/L2.log
else
  failed=$((failed + 1)); tail -n 60 build/logs/L2.log; echo "omnilua run L2: FAILED"
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
