#!/usr/bin/env bash
# The benchmark suite: five training workloads (mlp, neumf, lstm, lstm_embed, youtube_dnn) in yamlnet and in
# PyTorch (Debian's python3-torch on OpenBLAS), same models, initialisation schemes, optimizer, batch sizes and
# thread counts, in one run. Prints training samples/s, peak memory and quality side by side with ratios, and
# the matrix-product peak measured in the same run. Never part of the test command: timings are noisy.
#
# Usage: scripts/bench.sh [--workloads mlp neumf ...] [--threads 1 2] [--repeat 3] [--ml100k DIR] [--smoke]
#        [--contention] (another process keeps one core busy throughout)
# (as root on Debian 12; installs what it needs). Results: the table on stdout and build-bench/last_run.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export YAMLNET_EXTRA_PACKAGES="${YAMLNET_EXTRA_PACKAGES:-} python3-torch python3-numpy libopenblas0-openmp time"
scripts/setup.sh build-bench -DYAMLNET_BUILD_TESTS=OFF -DYAMLNET_BUILD_BENCH=ON >/dev/null
# Debian's torch calls whatever libblas.so.3 the alternatives system points to; it must be OpenBLAS (the
# reference BLAS is 3-10x slower and would flatter us).
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)
case "$blas" in
  *openblas*) ;;
  *) echo "libblas.so.3 is $blas, not OpenBLAS: update-alternatives --config libblas.so.3-x86_64-linux-gnu" >&2
     exit 1 ;;
esac
tokens=/tmp/yamlnet-bench/tokens
[ -f "$tokens/test_y.npy" ] || /usr/bin/python3 bench/make_tokens.py "$tokens"
smoke=0
for a in "$@"; do [ "$a" = "--smoke" ] && smoke=1; done
peak="{}"
if [ "$smoke" = 0 ]; then
  peak="{\"1\": $(build-bench/yamlnet_gemm_peak 1), \"2\": $(build-bench/yamlnet_gemm_peak 2)}"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "yamlnet $(git describe --always --dirty 2>/dev/null || echo '?'), $(c++ --version | head -1), Eigen 3.4"
  echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), BLAS $blas"
  echo "matrix-product peak (yamlnet's GEMM path, float, 1536^3) at the start: $peak GFLOP/s by thread count;"
  echo "the share-of-peak column compares each mlp and lstm run with a reading taken right before it"
  mkdir -p /tmp/yamlnet-bench/weights
  read -r params mb write read same < <(build-bench/yamlnet_weights_io_bench /tmp/yamlnet-bench/weights)
  echo "weights JSON, $params parameters ($mb MB): write $write MB/s, read $read MB/s, round trip $same"
fi
exec /usr/bin/python3 bench/run_suite.py --yamlnet build-bench/yamlnet --tokens "$tokens" "$@"
