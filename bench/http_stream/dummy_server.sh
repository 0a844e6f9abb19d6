# Sourced by run.sh and repeat.sh (from the repository root, with EXE and T
# set): checks the build, raises the open-file limit for N streams, starts
# the dummy server (no delays, text only, T tokens a stream) and sets $url
# to its chat endpoint. The server is stopped when the script exits.
PY=/usr/bin/python3 # Debian's python, which has python3-aiohttp
[ -x "$EXE" ] || { echo "no $EXE: build first" >&2; exit 3; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

log=$(mktemp)
"$EXE" serve-dummy --port 0 --itl-ms 0 --ttft-ms 0 --text-only --output-tokens "$T" >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q listening "$log" && break; sleep 0.1; done
port=$(grep -o 'http://127.0.0.1:[0-9]*' "$log" | sed 's/.*://')
[ -n "$port" ] || { echo "dummy server did not start:" >&2; cat "$log" >&2; exit 3; }
url="http://127.0.0.1:$port/v1/chat/completions"
