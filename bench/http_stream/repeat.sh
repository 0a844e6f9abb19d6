#!/usr/bin/env bash
# The streaming-client benchmark repeated R times, the three clients
# interleaved (omnilua native transport, omnilua with curl, Python aiohttp),
# reporting min and median client CPU per chunk and the ratios: on a shared
# machine one run's ratio moves by +-30%, the median of several does not.
# usage: bench/http_stream/repeat.sh [N=1000] [T=100] [R=7] [BUILD=build]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000}
T=${2:-100}
R=${3:-7}
BUILD=${4:-${BUILD:-build}}
EXE=$BUILD/omnilua
. bench/http_stream/dummy_server.sh # sets PY and url; stops the server on exit
echo "streams=$N tokens=$T runs=$R server=$url"
for _ in $(seq "$R"); do
  echo "native $(timeout 600 $PY bench/http_stream/measure.py "$EXE" lua bench/http_stream/client.lua "$url" "$N")"
  echo "curl $(timeout 600 $PY bench/http_stream/measure.py "$EXE" lua bench/http_stream/client.lua "$url" "$N" curl)"
  echo "aiohttp $(timeout 600 $PY bench/http_stream/measure.py $PY bench/http_stream/client_aiohttp.py "$url" "$N")"
done | $PY -c '
import json, statistics as st, sys
want = int(sys.argv[1]) * int(sys.argv[2])
d, bad = {}, 0
for line in sys.stdin:
    name, js = line.split(" ", 1)
    r = json.loads(js)
    bad += r["failed"] != 0 or r["chunks"] != want
    d.setdefault(name, []).append(1e6 * r["cpu_s"] / max(r["chunks"], 1))
for k, v in d.items():
    print("%-8s us cpu/chunk: min %.3f median %.3f" % (k, min(v), st.median(v)))
a, n, c = d["aiohttp"], d["native"], d["curl"]
print("omnilua / python chunks per CPU-second: median %.1fx, min %.1fx (goal >= 20x); curl transport: median %.1fx"
      % (st.median(a) / st.median(n), min(a) / min(n), st.median(a) / st.median(c)))
print("all streams complete" if not bad else "SOME STREAMS INCOMPLETE")
sys.exit(1 if bad else 0)
' "$N" "$T"
