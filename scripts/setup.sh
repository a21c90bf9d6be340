#!/usr/bin/env bash
# Installs the Debian packages yamlnet needs (only those missing) and builds it in Release mode.
# Usage: scripts/setup.sh BUILD_DIR [extra CMake arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake make g++ libyaml-cpp-dev libeigen3-dev nlohmann-json3-dev doctest-dev libcli11-dev zlib1g-dev
          libhdf5-dev libzip-dev libsqlite3-dev libonnx-dev libprotobuf-dev
          libopenblas-openmp-dev
          dataset-fashion-mnist)
# What only the test suite needs (git for the textconv test, the schema validator, Clang's sanitizers and
# libFuzzer) comes from scripts/test.sh through this variable.
read -r -a extra <<< "${YAMLNET_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing missing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: installing packages needs root (run as root, or install: ${missing[*]})" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir=$1
shift
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
