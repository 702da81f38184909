#!/usr/bin/env bash
# Installs marketsim's build dependencies from Debian 12 packages, idempotently:
# it checks what is already installed and runs `apt-get update` only when something is missing.
# Usage: scripts/install-deps.sh [EXTRA_PACKAGE...]  (extra packages, e.g. the fuzzer's
# toolchain `clang-14 libfuzzer-14-dev libclang-rt-14-dev`, are checked and installed the same way)
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libboost-dev libboost-program-options-dev libboost-random-dev libboost-math-dev
  libboost-graph-dev
  libeigen3-dev nlohmann-json3-dev libtbb-dev catch2
  libsqlite3-dev libsqlitecpp-dev
  libpagmo-dev
  libjs-chart.js
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed" >&2
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
