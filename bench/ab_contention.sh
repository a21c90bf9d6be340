#!/bin/bash
# Interleaved A/B of two yamlnet binaries on one workload, at 1 and 2 threads, optionally with another
# process keeping CPU 1 busy. Prints each run's training samples/s and the means per binary and thread count.
#   bench/ab_contention.sh OLD_BINARY NEW_BINARY [workload=mlp] [rounds=5] [busy=1] [epochs=4]
# Run from the repository root (the configs name their data relative to it).
set -euo pipefail
old=$1 new=$2 workload=${3:-mlp} rounds=${4:-5} busy=${5:-1} epochs=${6:-4}
out=$(mktemp -d)
trap 'rm -rf "$out"; [ -n "${hog:-}" ] && kill "$hog" 2>/dev/null || true' EXIT
if [ "$busy" = 1 ]; then
  taskset -c 1 sh -c 'while :; do :; done' &
  hog=$!
  sleep 1
fi
for round in $(seq "$rounds"); do
  for side in old new; do
    binary=${!side}
    for threads in 1 2; do
      rate=$("$binary" train "bench/configs/$workload.yaml" --set "threads=$threads" --set "fit.epochs=$epochs" --json \
        --weights-out "$out/w.json" 2>/dev/null |
        python3 -c "import json, sys; print(round(json.load(sys.stdin)['train_samples_per_second']))")
      echo "round $round $side threads=$threads $rate"
    done
  done
done | awk '{print; key = $3 " " $4; sum[key] += $5; n[key]++}
  END {for (k in sum) printf "mean %s %d\n", k, sum[k] / n[k]}'
