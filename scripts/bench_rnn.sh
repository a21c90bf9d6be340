#!/usr/bin/env bash
# Recurrent layers, forward + backward, yamlnet against PyTorch (Debian's python3-torch with OpenBLAS) on the
# same shapes, at 1 and 2 threads, in one run. Prints samples/s and the ratio yamlnet / PyTorch.
# Not part of the test suite: timings are noisy. Usage: scripts/bench_rnn.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-30}
scripts/setup.sh build -DYAMLNET_BUILD_TESTS=OFF -DYAMLNET_BUILD_BENCH=ON >/dev/null
for p in python3-torch libopenblas0-openmp; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    echo "Installing $p (PyTorch's matrix products must run on OpenBLAS, not the reference BLAS)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
  }
done
python=/usr/bin/python3  # Debian's, where python3-torch lives
printf "%-6s %-22s %8s %14s %14s %8s  %s\n" cell "shape (B,T,F,units)" threads "yamlnet/s" "pytorch/s" ratio "pytorch BLAS"
for cell in lstm gru; do
  for shape in "64 28 28 128" "64 80 64 64"; do
    read -r B T F U <<<"$shape"
    for threads in 1 2; do
      ours=$(OMP_NUM_THREADS=$threads build/yamlnet_rnn_bench "$cell" "$B" "$T" "$F" "$U" "$iterations")
      read -r theirs blas < <(OMP_NUM_THREADS=$threads "$python" bench/torch_rnn.py "$cell" "$threads" "$B" "$T" "$F" "$U" "$iterations")
      ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
      printf "%-6s %-22s %8s %14s %14s %8s  %s\n" "$cell" "($B,$T,$F,$U)" "$threads" "$ours" "$theirs" "$ratio" "$blas"
    done
  done
done
