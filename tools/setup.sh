#!/usr/bin/env bash
# Installs what omnilua needs on a fresh Debian machine (when missing) and
# builds it into build/. Usage: tools/setup.sh [--test] (--test also installs
# what the self-tests and benchmarks use: ffmpeg, OpenCV, node, chromium, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs="cmake make gcc pkg-config liblua5.4-dev lua-cjson-dev libyaml-dev libcurl4-openssl-dev libstb-dev"
test_pkgs="valgrind clang libclang-rt-14-dev ffmpeg python3-opencv python3-aiohttp python3-pytest lua-busted wrk nodejs npm chromium"

want="$build_pkgs"
[ "${1:-}" = "--test" ] && want="$want $test_pkgs"
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# the interop tests drive the dummy server with the official `openai` npm client
# and point omnilua's client at an npm mock server (tests/interop/node)
if [ "${1:-}" = "--test" ] && [ ! -d tests/interop/node/node_modules ]; then
  npm ci --prefix tests/interop/node --no-audit --no-fund >/dev/null 2>&1 ||
    echo "setup: npm ci in tests/interop/node failed: the interop tests will skip"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/omnilua"
