#!/bin/sh
# Fidelity and capacity benchmarks of the perf load engine (approximate on a
# shared machine). Usage: bench/perf/run.sh [path/to/omnilua]
# (1) fidelity: dummy with TTFT 50 ms / ITL 10 ms, 256 concurrent streams:
#     measured mean TTFT and ITL against the set values.
# (2) capacity: non-streaming requests/s against the same loopback dummy:
#     omnilua bench --no-stream vs wrk (same body) vs a Python aiohttp client.
set -eu
EXE=${1:-build/omnilua}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
PIDS=""
trap 'for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT INT TERM

start_dummy() { # args -> sets URL
  : >"$TMP/dummy.log" # exists before the background shell opens it (sed reads it at once)
  "$EXE" serve-dummy --port 0 "$@" >"$TMP/dummy.log" 2>&1 &
  PIDS="$PIDS $!"
  for _ in $(seq 100); do
    PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/dummy.log" 2>/dev/null || true)
    [ -n "$PORT" ] && break
    sleep 0.05
  done
  URL="http://127.0.0.1:$PORT"
}

echo "== fidelity: TTFT 50 ms, ITL 10 ms, 256 concurrent streams =="
start_dummy --ttft-ms 50 --itl-ms 10 --text-only
# cold: the first wave opens its 256 connections while measured; warm (the
# default): the concurrency's worth of connections is opened first, on the
# same engine, by unmeasured requests
for MODE in cold warm; do
  FLAG=""; [ "$MODE" = cold ] && FLAG=--no-warm-connections
  timeout 300 "$EXE" bench --backend openai-chat --base-url "$URL" --model omni-dummy --num-prompts 1024 \
    --max-concurrency 256 --random-input-len 32 --random-output-len 32 --ignore-eos --no-progress $FLAG \
    --percentile-metrics ttft,itl --metric-percentiles 50,99 --save-result --result-filename "$TMP/fid.json" >/dev/null
  /usr/bin/python3 - "$TMP/fid.json" "$MODE" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}: completed {r['completed']}/{r['num_prompts']}")
for m, want in (("ttft", 50.0), ("itl", 10.0)):
    print(f"  {m}: mean {r[f'mean_{m}_ms']:.3f} ms (error {r[f'mean_{m}_ms'] - want:+.3f}), "
          f"p50 {r[f'p50_{m}_ms']:.3f}, p99 {r[f'p99_{m}_ms']:.3f} ms (error {r[f'p99_{m}_ms'] - want:+.3f})")
PY
done
kill $PIDS 2>/dev/null || true; PIDS=""

echo "== capacity: non-streaming requests/s, loopback dummy, concurrency 64 =="
start_dummy --ttft-ms 0 --itl-ms 0 --text-only
timeout 120 "$EXE" bench --backend openai-chat --base-url "$URL" --model omni-dummy --num-prompts 2000 \
  --max-concurrency 64 --random-input-len 8 --random-output-len 8 --ignore-eos --no-stream --no-progress \
  --modalities text >/dev/null # warm-up
timeout 120 "$EXE" bench --backend openai-chat --base-url "$URL" --model omni-dummy --num-prompts 40000 \
  --max-concurrency 64 --random-input-len 8 --random-output-len 8 --ignore-eos --no-stream --no-progress \
  --modalities text --save-result --result-filename "$TMP/cap.json" >/dev/null
OMNI=$(/usr/bin/python3 -c "import json;r=json.load(open('$TMP/cap.json'));print(f\"{r['request_throughput']:.0f}\")")
echo "omnilua bench: $OMNI req/s"
WRK=$(wrk -t1 -c64 -d10s -s "$HERE/post.lua" "$URL/v1/chat/completions" | sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p')
echo "wrk (1 thread, 64 connections): $WRK req/s"
/usr/bin/python3 -c "o,w=$OMNI,$WRK;print(f'omnilua/wrk = {o/w:.2f} (target >= 0.5)')"
if PY=$(timeout 120 /usr/bin/python3 "$HERE/aiohttp_client.py" "$URL/v1/chat/completions" 5000 64 2>"$TMP/py.err"); then
  echo "python aiohttp (64 tasks): $PY req/s"
  /usr/bin/python3 -c "o,p=$OMNI,$PY;print(f'omnilua/aiohttp = {o/p:.1f} (target >= 20)')"
else
  echo "python aiohttp: failed ($(tail -1 "$TMP/py.err"))"
fi
