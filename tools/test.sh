#!/usr/bin/env bash
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
(cd build && ctest --output-on-failure -j2) 2>&1 | tee build/logs/ctest.log
add_ctest build/logs/ctest.log

echo "== C unit tests under ASan+UBSan"
cmake -S . -B build-asan -DOMNILUA_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null &&
  cmake --build build-asan -j"$(nproc)" >build/logs/asan-build.log 2>&1 ||
  { cat build/logs/asan-build.log; failed=$((failed + 1)); }
(cd build-asan && ctest --output-on-failure -j2) 2>&1 | tee build/logs/ctest-asan.log
add_ctest build/logs/ctest-asan.log

if [ -f stdlib/omni/cli/test.lua ]; then
  echo "== omnilua self-tests (tests/)"
  build/omnilua test tests/ -n auto --junitxml build/logs/selftest.xml 2>&1 | tee build/logs/selftest.log
  add_omnilua build/logs/selftest.log
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
