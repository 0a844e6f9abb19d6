#!/usr/bin/env bash
# Times `omnilua test` against busted and pytest on the same generated suite:
# 100 files x 100 trivial tests each (omnilua: test_*.lua, busted: *_spec.lua,
# pytest: test_*.py), plus the cold start of a one-test file. Prints the wall
# times (median of several runs, via hyperfine when installed) and the ratios.
# Usage: bench/runner/run.sh [path/to/omnilua]   (default: build/omnilua)
set -euo pipefail
cd "$(dirname "$0")/../.."
OMNILUA=$(realpath "${1:-build/omnilua}")
FILES=${FILES:-100}
TESTS=${TESTS:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/omni" "$work/busted" "$work/pytest" "$work/one"

for f in $(seq 1 "$FILES"); do
  {
    echo 'local omni = require "omni"'
    for t in $(seq 1 "$TESTS"); do echo "omni.test(\"t$t\", function() assert(1 + $t > $t) end)"; done
  } >"$work/omni/test_f$f.lua"
  {
    echo "describe(\"f$f\", function()"
    for t in $(seq 1 "$TESTS"); do echo "  it(\"t$t\", function() assert(1 + $t > $t) end)"; done
    echo "end)"
  } >"$work/busted/f${f}_spec.lua"
  {
    for t in $(seq 1 "$TESTS"); do printf 'def test_t%d():\n    assert 1 + %d > %d\n' "$t" "$t" "$t"; done
  } >"$work/pytest/test_f$f.py"
done
printf 'local omni = require "omni"\nomni.test("only", function() end)\n' >"$work/one/test_one.lua"

omni_cmd="$OMNILUA test $work/omni -q"
# the default run records durations (one line appended to
# .omnilua/durations.journal); --no-durations shows the runner without it.
# pytest runs with its cache off (-p no:cacheprovider)
omni_nodur_cmd="$OMNILUA test $work/omni -q --no-durations"
busted_cmd="busted --output=TAP $work/busted"
pytest_cmd="pytest -q -p no:cacheprovider $work/pytest"
one_cmd="$OMNILUA test $work/one/test_one.lua -q"

# sanity: every runner sees every test
$omni_cmd | tail -n1
echo "$($busted_cmd | grep -c "^ok") busted tests passed"
(cd "$work" && $pytest_cmd | tail -n1)

median() { # command -> median wall seconds of N runs
  local n=$1; shift
  if command -v hyperfine >/dev/null; then
    hyperfine -N -w 1 -r "$n" --export-json "$work/h.json" "$*" >/dev/null 2>&1
    python3 -c "import json;print(json.load(open('$work/h.json'))['results'][0]['median'])"
  else
    local times=()
    for _ in $(seq 1 "$n"); do
      local s e
      s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
      times+=("$(echo "$e - $s" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
  fi
}

$omni_cmd >/dev/null # a durations file as in steady use
t_omni=$(median 10 $omni_cmd)
t_omni_nodur=$(median 10 $omni_nodur_cmd)
t_busted=$(median 3 $busted_cmd)
t_pytest=$(cd "$work" && median 3 $pytest_cmd)
t_one=$(median 20 $one_cmd)

python3 - "$t_omni" "$t_busted" "$t_pytest" "$t_one" "$FILES" "$TESTS" "$t_omni_nodur" <<'PY'
import sys
o, b, p, one = map(float, sys.argv[1:5])
files, tests = sys.argv[5], sys.argv[6]
nd = float(sys.argv[7])
print(f"suite: {files} files x {tests} trivial tests")
print(f"omnilua --no-durations {nd*1000:9.1f} ms   busted/omnilua = {b/nd:6.1f}   pytest/omnilua = {p/nd:6.1f}")
print(f"omnilua  {o*1000:9.1f} ms")
print(f"busted   {b*1000:9.1f} ms   busted/omnilua = {b/o:6.1f}  (goal >= 30)")
print(f"pytest   {p*1000:9.1f} ms   pytest/omnilua = {p/o:6.1f}  (goal >= 50)")
print(f"one-test file, cold start: {one*1000:.1f} ms  (goal <= 20 ms)")
PY
