#!/bin/sh
# Fidelity and capacity benchmarks of the perf load engine (approximate on a
# shared machine). Usage: bench/perf/run.sh [path/to/omnilua]
# (1) fidelity: dummy with TTFT 50 ms / ITL 10 ms, 256 concurrent streams:
#     measured mean and p99 TTFT and ITL against the set values, in
#     FIDELITY_ROUNDS rounds (default 3).
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

ROUNDS=${FIDELITY_ROUNDS:-3}
echo "== fidelity: TTFT 50 ms, ITL 10 ms, 256 concurrent streams, $ROUNDS rounds =="
start_dummy --ttft-ms 50 --itl-ms 10 --text-only
# cold: the first wave opens its 256 connections while measured; warm (the
# default): the concurrency's worth of connections is opened first, on the
# same engine, by unmeasured requests. Rounds alternate the two; a noisy
# moment on a shared machine (other processes, the hypervisor taking the
# CPU) shows as one bad round, so the median round is the figure.
for ROUND in $(seq "$ROUNDS"); do
  for MODE in cold warm; do
    FLAG=""; [ "$MODE" = cold ] && FLAG=--no-warm-connections
    timeout 300 "$EXE" bench --backend openai-chat --base-url "$URL" --model omni-dummy --num-prompts 1024 \
      --max-concurrency 256 --random-input-len 32 --random-output-len 32 --ignore-eos --no-progress $FLAG \
      --percentile-metrics ttft,itl --metric-percentiles 50,99 --save-result \
      --result-filename "$TMP/fid_${MODE}_$ROUND.json" >/dev/null
  done
done
/usr/bin/python3 - "$TMP" "$ROUNDS" <<'PY'
import json, statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
want = {"ttft": 50.0, "itl": 10.0}
for mode in ("cold", "warm"):
    rs = [json.load(open(f"{tmp}/fid_{mode}_{i}.json")) for i in range(1, rounds + 1)]
    done = sum(r["completed"] for r in rs)
    print(f"{mode}: completed {done}/{sum(r['num_prompts'] for r in rs)}")
    for m, w in want.items():
        mean = [r[f"mean_{m}_ms"] - w for r in rs]
        p99 = [r[f"p99_{m}_ms"] - w for r in rs]
        print(f"  {m} error: mean median {statistics.median(mean):+.3f} ms (rounds {', '.join(f'{x:+.3f}' for x in mean)}); "
              f"p99 median {statistics.median(p99):+.3f} ms (rounds {', '.join(f'{x:+.3f}' for x in p99)})")
    # each result carries the machine's own wake-up lateness during the
    # round (omnilua bench's probe): a token can be paced and timed no
    # better than the machine wakes a sleeping thread
    for i, r in enumerate(rs, 1):
        print(f"  round {i}, the machine's wake-up lateness: p50 {r['wake_lateness_p50_ms']:.3f} "
              f"p99 {r['wake_lateness_p99_ms']:.3f} max {r['wake_lateness_max_ms']:.3f} ms")
PY
kill $PIDS 2>/dev/null || true; PIDS=""

echo "== capacity: non-streaming requests/s, loopback dummy, concurrency 64 =="
# Three rounds, the three clients taking turns in each, so that a noisy
# moment on a shared machine falls on all of them; the medians are compared.
start_dummy --ttft-ms 0 --itl-ms 0 --text-only
omni_once() { # -> "req/s CPU-us-per-request" (omnilua's CPU in the measured window)
  timeout 120 "$EXE" bench --backend openai-chat --base-url "$URL" --model omni-dummy --num-prompts "$1" \
    --max-concurrency 64 --random-input-len 8 --random-output-len 8 --ignore-eos --no-stream --no-progress \
    --modalities text --save-result --result-filename "$TMP/cap.json" >/dev/null
  /usr/bin/python3 -c "import json;r=json.load(open('$TMP/cap.json'));print(f\"{r['request_throughput']:.0f} {r['client_cpu_s']/r['completed']*1e6:.1f}\")"
}
wrk_once() { # -> "req/s CPU-us-per-request" (wrk's CPU over its whole run)
  /usr/bin/time -f "cpu %U %S" -o "$TMP/wrk.time" wrk -t1 -c64 -d5s -s "$HERE/post.lua" "$URL/v1/chat/completions" >"$TMP/wrk.out"
  /usr/bin/python3 - "$TMP/wrk.out" "$TMP/wrk.time" <<'PY'
import re, sys
out, tm = open(sys.argv[1]).read(), open(sys.argv[2]).read().split()
rps = float(re.search(r"Requests/sec:\s*([\d.]+)", out).group(1))
n = int(re.search(r"(\d+) requests in", out).group(1))
print(f"{rps:.0f} {(float(tm[-2]) + float(tm[-1])) / n * 1e6:.1f}")
PY
}
omni_once 2000 >/dev/null # warm-up
: >"$TMP/cap.txt"
for ROUND in 1 2 3; do
  O=$(omni_once 40000)
  W=$(wrk_once)
  P=$(timeout 120 /usr/bin/python3 "$HERE/aiohttp_client.py" "$URL/v1/chat/completions" 5000 64 2>"$TMP/py.err" || echo "")
  echo "round $ROUND: req/s and client CPU us/request: omnilua bench $O, wrk $W, aiohttp ${P:-failed ($(tail -1 "$TMP/py.err"))}"
  echo "$O | $W | ${P:--}" >>"$TMP/cap.txt"
done
/usr/bin/python3 - "$TMP/cap.txt" <<'PY'
import statistics, sys
rows = [[c.split() for c in line.split("|")] for line in open(sys.argv[1]) if line.strip()]
def med(col, k):
    v = [float(r[col][k]) for r in rows if len(r[col]) == 2]
    return statistics.median(v) if v else None
o, w, p = med(0, 0), med(1, 0), med(2, 0)
oc, wc, pc = med(0, 1), med(1, 1), med(2, 1)
print(f"median req/s: omnilua bench {o:.0f}, wrk (1 thread, 64 connections) {w:.0f}"
      + (f", python aiohttp (64 tasks) {p:.0f}" if p else ", python aiohttp failed in every round"))
print(f"omnilua/wrk = {o / w:.2f} (target >= 0.5)" + (f"; omnilua/aiohttp = {o / p:.1f} (target >= 20)" if p else ""))
# req/s is capped by the one-threaded dummy for the fast clients; the CPU a
# client spends on a request is its capacity apart from the server's
print(f"median client CPU per request: omnilua {oc:.1f} us, wrk {wc:.1f} us"
      + (f", aiohttp {pc:.1f} us (aiohttp/omnilua = {pc / oc:.1f})" if pc else ""))
PY
