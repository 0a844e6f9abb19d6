#!/bin/sh
# The soak's own footprint: sends N requests (default 1,000,000) to the dummy
# through `omnilua soak` (fast answers: ttft/itl 0, one token, keep-alive,
# 64 in flight) and reports omnilua's RSS right before the load and at the
# end, from the series the soak writes (the load_started event, then
# self_rss_bytes of each sample), and omnilua's own CPU time (self_cpu_s). Goal: < 5 MB growth.
#   bench/soak/run.sh [N] [OMNILUA] [ENGINE]      ENGINE: auto (default), load, batch
set -eu
N=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EXE=${2:-${OMNILUA:-$ROOT/build/omnilua}}
ENGINE=${3:-auto}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/omnilua-soak-bench.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
START=$(date +%s)
"$EXE" soak "$ROOT/bench/soak/bench.json" --max-requests "$N" \
  --engine "$ENGINE" --out "$OUT" --no-progress --json "$OUT/r.json" >"$OUT/log" 2>&1 || {
  echo "omnilua soak failed:"; cat "$OUT/log"; exit 1; }
END=$(date +%s)
"$EXE" lua "$ROOT/bench/soak/report.lua" "$OUT/footprint.jsonl" "$N" "$((END - START))"
