#!/bin/bash
# One process with one thread against mpirun -np 2 (one thread each) on the same two cores, training one epoch of
# CONFIG at a global batch of BATCH: the best samples/s of three alternated runs each, and their ratio.
#   bench/mpi_speedup.sh CONFIG BATCH [BUILD=build-dev] [--set ...]
# Needs a build with -DYAMLNET_MPI=ON and Debian's openmpi-bin. Run from the repository root.
set -euo pipefail
config=$1 batch=$2 build=${3:-build-dev}
shift $(($# < 3 ? $# : 3))
run=(train "$config" --no-registry --json --set fit.epochs=1 --set fit.verbose=0 --set "fit.batch_size=$batch" "$@")
rate() { /usr/bin/python3 -c 'import json,sys; print(round(json.load(sys.stdin)["train_samples_per_second"]))'; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
best_one=0 best_two=0
for i in 1 2 3; do
  one=$("$build/yamlnet" "${run[@]}" --set threads=1 --weights-out "$out/one.json" 2>/dev/null | rate)
  two=$(mpirun --allow-run-as-root -np 2 "$build/yamlnet" "${run[@]}" --weights-out "$out/two.json" 2>/dev/null | rate)
  ((one > best_one)) && best_one=$one
  ((two > best_two)) && best_two=$two
done
/usr/bin/python3 -c "print(f'$config batch $batch: one process $best_one samples/s, -np 2 $best_two, ratio {$best_two / $best_one:.2f}')"
