#!/usr/bin/env bash
# The whole test suite: install what is missing, build (Release, with tests), run every test with ctest; then
# the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer, and each fuzz target for a bounded
# time (Clang build in build-sanitize, compiled file by file).
set -euo pipefail
cd "$(dirname "$0")/.."
# PyTorch, OpenBLAS and time: the benchmark suite's smoke run (both sides, two steps each). h5py: an outside
# reader of the Keras HDF5 files export-keras writes. Chromium: the browser the HTML reports are checked in.
# pybind11, Python headers, pytest, venv and setuptools: the Python module, its tests and its pip install.
# python3-onnx: onnx.checker on the models export-onnx writes. libfaiss-dev: the item indexes (export --format
# faiss, recommend --index). OpenMPI (libopenmpi-dev, openmpi-bin): data-parallel training under mpirun.
export YAMLNET_EXTRA_PACKAGES="git python3-yaml python3-jsonschema clang libclang-rt-14-dev librsvg2-bin graphviz \
python3-torch python3-numpy libopenblas0-openmp time python3-h5py chromium \
pybind11-dev python3-dev python3-pytest python3-venv python3-setuptools python3-onnx libfaiss-dev \
libopenmpi-dev openmpi-bin"
# Node and npm for the Keras reference generator (tests/golden/generator); a Node that already brings its own npm
# (NodeSource's nodejs) is kept, since Debian's npm package would conflict with it.
command -v npm >/dev/null || YAMLNET_EXTRA_PACKAGES+=" nodejs npm"
scripts/setup.sh build-test -DYAMLNET_BUILD_TESTS=ON -DYAMLNET_PYTHON=ON -DYAMLNET_FAISS=ON -DYAMLNET_MPI=ON
# TensorFlow.js for that generator, at the versions package-lock.json pins (test-only; nothing is built from it).
npm ci --prefix tests/golden/generator --no-audit --no-fund --loglevel=error
# ONNX Runtime for Node, for tests/onnx (pinned likewise). Its install script would download a GPU build from
# GitHub; the CPU runtime the tests use is in the package itself, so the script is skipped.
npm ci --prefix tests/onnx --no-audit --no-fund --loglevel=error --ignore-scripts
# Tests side by side, as many as there are cores: each writes only in its own temporary or build directory.
(cd build-test && ctest --output-on-failure -j "$(nproc)")
# File by file (no unity build) here, so a missing #include or two helpers of the same name in different
# files fail this build instead of hiding in a batch.
CXX=clang++ scripts/setup.sh build-sanitize -DYAMLNET_BUILD_TESTS=ON -DYAMLNET_SANITIZE=ON -DYAMLNET_UNITY_BUILD=OFF
cd build-sanitize
ctest --output-on-failure -j "$(nproc)"
