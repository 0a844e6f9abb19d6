#!/usr/bin/env bash
# Streaming-client capacity: N concurrent SSE streams x T tokens from the
# dummy server (inter-token latency 0), read by omnilua's HTTP engine and by
# a Python aiohttp client, in one run (omnilua twice: its native HTTP/1.1
# transport, the default for http://IPv4, and libcurl's). Reports chunks/s and
# client CPU per chunk (getrusage of each client process).
# usage: bench/http_stream/run.sh [N=1000] [T=100] [BUILD=build]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000}
T=${2:-100}
BUILD=${3:-${BUILD:-build}}
EXE=$BUILD/omnilua
. bench/http_stream/dummy_server.sh # sets PY and url; stops the server on exit

echo "streams=$N tokens=$T server=$url"
omni=$(timeout 600 $PY bench/http_stream/measure.py "$EXE" lua bench/http_stream/client.lua "$url" "$N")
curl=$(timeout 600 $PY bench/http_stream/measure.py "$EXE" lua bench/http_stream/client.lua "$url" "$N" curl)
py=$(timeout 600 $PY bench/http_stream/measure.py $PY bench/http_stream/client_aiohttp.py "$url" "$N")
$PY - "$omni" "$py" "$N" "$T" "$curl" <<'PYEOF'
import json, sys
rows = [("omnilua", json.loads(sys.argv[1])), ("omnilua (curl)", json.loads(sys.argv[5])),
        ("python aiohttp", json.loads(sys.argv[2]))]
n, t = int(sys.argv[3]), int(sys.argv[4])
print(f"{'client':16} {'chunks':>8} {'failed':>6} {'wall s':>8} {'chunks/s':>10} {'cpu s':>7} {'us cpu/chunk':>12} {'chunks/cpu-s':>13}")
per = {}
for name, r in rows:
    c = r["chunks"]
    per[name] = c / r["cpu_s"] if r["cpu_s"] > 0 else float("inf")
    print(f"{name:16} {c:8d} {r['failed']:6d} {r['wall_s']:8.3f} {c / r['wall_s']:10.0f} {r['cpu_s']:7.3f} "
          f"{1e6 * r['cpu_s'] / max(c, 1):12.2f} {per[name]:13.0f}")
ratio = per["omnilua"] / per["python aiohttp"]
print(f"omnilua / python chunks per CPU-second: {ratio:.1f}x (goal >= 20x); "
      f"with the curl transport: {per['omnilua (curl)'] / per['python aiohttp']:.1f}x")
ok = all(r["chunks"] == n * t and r["failed"] == 0 for _, r in rows)
print("all streams complete" if ok else "SOME STREAMS INCOMPLETE")
sys.exit(0 if ok else 1)
PYEOF
