#!/usr/bin/env bash
# The whole test suite: install what is missing, build (Release, with tests), run every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build-test -DYAMLNET_BUILD_TESTS=ON
cd build-test
ctest --output-on-failure
