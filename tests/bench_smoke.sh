#!/usr/bin/env bash
# Two steps of every benchmark workload, in yamlnet and in PyTorch, through the suite's own driver, so the
# benchmark code cannot rot. Nothing is timed or compared. Usage: tests/bench_smoke.sh YAMLNET_BINARY
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 bench/make_tokens.py "$dir" 256 64
workloads=(mlp lstm lstm_embed)
if [ -f ../shared/data/ml-100k/u.data ]; then
  workloads+=(neumf youtube_dnn)
else
  echo "../shared/data/ml-100k is absent: the neumf and youtube_dnn workloads are skipped"
fi
/usr/bin/python3 bench/run_suite.py --smoke --yamlnet "$1" --tokens "$dir" --threads 1 --workloads "${workloads[@]}"
