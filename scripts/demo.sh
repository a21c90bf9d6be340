#!/usr/bin/env bash
# The main job: install what is missing, build (Release), train the default config (Fashion-MNIST MLP).
# Extra arguments go to `yamlnet train` (e.g. --set fit.epochs=1).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build -DYAMLNET_BUILD_TESTS=OFF
exec build/yamlnet train configs/fashion_mlp.yaml "$@"
