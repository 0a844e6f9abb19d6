#!/usr/bin/env bash
# Installs what omnilua needs on a fresh Debian machine (when missing) and
# builds it into build/. Usage: tools/setup.sh [--test] (--test also installs
# what the self-tests and benchmarks use: ffmpeg, OpenCV, node, chromium, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs="cmake make gcc pkg-config liblua5.4-dev lua-cjson-dev libyaml-dev libcurl4-openssl-dev libstb-dev"
test_pkgs="valgrind clang libclang-rt-14-dev ffmpeg python3-opencv python3-aiohttp python3-yaml python3-numpy python3-pytest lua-busted wrk hyperfine chromium openssl curl time"

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
missing() { # the packages of $@ that are not installed
  local p out=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || out="$out $p"
  done
  echo "$out"
}
updated=0
apt_install() { # apt_install PKG...: installs, running apt-get update once
  [ $updated -eq 1 ] || { $sudo_cmd apt-get update -qq; updated=1; }
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

need=$(missing $build_pkgs)
if [ -n "$need" ]; then
  echo "setup: installing$need"
  apt_install $need
fi

if [ "${1:-}" = "--test" ]; then
  need=$(missing $test_pkgs)
  # node and npm may come from elsewhere than Debian: only ask for them when absent
  command -v node >/dev/null || need="$need nodejs"
  command -v npm >/dev/null || need="$need npm"
  if [ -n "$need" ]; then
    echo "setup: installing$need"
    # best effort, one by one on failure: a missing tool makes its tests skip
    apt_install $need || for p in $need; do apt_install "$p" || echo "setup: could not install $p"; done
  fi
  # the interop tests drive the dummy server with the official `openai` npm
  # client and point omnilua's client at an npm mock server (tests/interop/node)
  if [ ! -d tests/interop/node/node_modules ] && command -v npm >/dev/null; then
    npm ci --prefix tests/interop/node --no-audit --no-fund >/dev/null 2>&1 ||
      echo "setup: npm ci in tests/interop/node failed: the interop tests will skip"
  fi
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/omnilua"
