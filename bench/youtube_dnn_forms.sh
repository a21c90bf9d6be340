#!/bin/bash
# The YouTube-DNN model written two ways, trained on MovieLens-100k with the same seeds: the seed's literal
# form (configs/seeds/youtube_dnn.yaml: reversed histories, post padding and truncation, a hist_len input)
# and configs/youtube_dnn.yaml (oldest first, pre padding, mask_zero). The mean over the kept items is the
# same function either way, so the test HR@50s differ only by the seeds' noise.
#   bench/youtube_dnn_forms.sh [BINARY=build/yamlnet] [SEEDS="1 2 3 4 5 42"]
# Run from the repository root (the configs name their data relative to it).
set -euo pipefail
binary=${1:-build/yamlnet} seeds=${2:-"1 2 3 4 5 42"}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for form in youtube_dnn seeds/youtube_dnn; do
  for seed in $seeds; do
    "$binary" train "configs/$form.yaml" --set "seed=$seed" --set fit.verbose=0 --json \
      --weights-out "$out/w.json" 2>/dev/null |
      python3 -c "import json, sys; print('$form', $seed, json.load(sys.stdin)['test']['test_hr@50'])"
  done
done | python3 -c "
import sys, collections
runs = collections.defaultdict(list)
for line in sys.stdin:
    form, seed, hr = line.split()
    runs[form].append(float(hr))
    print(f'{form:24s} seed {seed:>3s}  test HR@50 {float(hr):.4f}')
for form, values in runs.items():
    print(f'{form:24s} mean of {len(values)}  {sum(values) / len(values):.4f}')
"
