#!/bin/bash
# How cost grows with the data, and what a second process buys: for MovieLens-100k and synthetic logs of 1M and
# 20M ratings (bench/make_interactions.py, MovieLens-1M's and -20M's users and items), one row per log and
# workload: the log reader's time and MB/s, the load time and peak RSS of one process, NeuMF's and
# YouTube-DNN's training samples/s over one epoch (one process, one thread; and mpirun -np 2, one thread each,
# on the same cores, with whole tables and with the tables split by rows), and YouTube-DNN's full-catalogue
# evaluation time. Adam runs lazily (see below).
#   bench/scaling.sh [BUILD=build-dev] [SIZES="100k 1m 20m"]
# Needs a build with -DYAMLNET_MPI=ON -DYAMLNET_BUILD_BENCH=ON, and Debian's time and openmpi-bin. Run from the
# repository root; logs are kept in bench-data/ (about 520 MB for 20M). 20M takes about 35 minutes.
set -euo pipefail
build=${1:-build-dev} sizes=${2:-"100k 1m 20m"}
mkdir -p bench-data
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mpirun=(mpirun --allow-run-as-root -np 2)  # each process bound to its core

log_of() {  # size -> path, users, items
  case $1 in
    100k) echo "../shared/data/ml-100k/u.data 943 1682" ;;
    1m) [ -f bench-data/1m.data ] || /usr/bin/python3 bench/make_interactions.py bench-data/1m.data \
          --ratings 1000209 --users 6040 --items 3706 >&2
        echo "bench-data/1m.data 6040 3706" ;;
    20m) [ -f bench-data/20m.data ] || /usr/bin/python3 bench/make_interactions.py bench-data/20m.data >&2
         echo "bench-data/20m.data 138493 26744" ;;
  esac
}

# Best of three reads of the log alone: "seconds MB/s peak-RSS-MB".
reader() {
  for i in 1 2 3; do "$build/yamlnet_log_reader_bench" "$1"; done | /usr/bin/python3 -c '
import json, sys
runs = [json.loads(line) for line in sys.stdin if line.strip()]
best = min(runs, key=lambda r: r["seconds"])
print("%.2f %.0f %.0f" % (best["seconds"], best["mb_per_s"], best["peak_rss_mb"]))'
}

# Runs a command under /usr/bin/time; prints "wall-seconds peak-RSS-MB" and leaves its stdout in $out/stdout.
timed() {
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/stdout" 2> "$out/stderr" || { cat "$out/stderr" >&2; exit 1; }
  awk '{printf "%.1f %.0f", $1, $2 / 1024}' "$out/time"
}

samples_per_second() { /usr/bin/python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["train_samples_per_second"]))' "$out/stdout"; }

printf '| log | workload | reader s | reader MB/s | load s | train epoch: 1 process samples/s | peak RSS MB | bytes/interaction | -np 2 samples/s | ratio | -np 2, split tables | ratio | full-catalogue eval s |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for size in $sizes; do
  read -r log users items <<< "$(log_of "$size")"
  repeats=3
  [ "$size" = 20m ] && repeats=1  # an epoch there is minutes long, which evens the noise out
  ratings=$(wc -l < "$log")
  read -r rs rmb _ <<< "$(reader "$log")"
  for workload in ncf_neumf youtube_dnn; do
    if [ $workload = ncf_neumf ]; then
      dims=(--set "layers.mf_user.input_dim=$((users + 1))" --set "layers.mlp_user.input_dim=$((users + 1))"
            --set "layers.mf_item.input_dim=$((items + 1))" --set "layers.mlp_item.input_dim=$((items + 1))")
      split=(--set layers.mf_user.shard=rows --set layers.mlp_user.shard=rows --set layers.mf_item.shard=rows
             --set layers.mlp_item.shard=rows)
    else
      dims=(--set "layers.user_embedding.input_dim=$((users + 1))" --set "layers.item_embedding.input_dim=$((items + 1))")
      split=(--set layers.user_embedding.shard=rows)  # the item table is sampled softmax's, which needs it whole
    fi
    # Lazy Adam (TF Addons' LazyAdam): Keras's Adam moves every row of every table at every step, so its step
    # costs the whole catalogue (6.6M weights at 20M) however small the batch.
    model=(configs/$workload.yaml --set "data.path=$log" "${dims[@]}" --set compile.optimizer.lazy=true --no-registry)
    fit=(--set fit.epochs=1 --set fit.verbose=0 --set fit.callbacks=[] --json)
    read -r load _ <<< "$(timed "$build/yamlnet" evaluate "${model[@]}" --baseline most_popular)"
    # This shared VM's speed varies by tens of percent from run to run: the best of `repeats` alternated runs.
    one=0 two=0 halves=0
    for ((i = 0; i < repeats; i++)); do
      read -r _ rss <<< "$(timed "$build/yamlnet" train "${model[@]}" "${fit[@]}" --set threads=1 --weights-out "$out/w.json")"
      one=$(( $(samples_per_second) > one ? $(samples_per_second) : one ))
      timed "${mpirun[@]}" "$build/yamlnet" train "${model[@]}" "${fit[@]}" --weights-out "$out/w2.json" > /dev/null
      two=$(( $(samples_per_second) > two ? $(samples_per_second) : two ))
      timed "${mpirun[@]}" "$build/yamlnet" train "${model[@]}" "${fit[@]}" "${split[@]}" --weights-out "$out/w2.json" > /dev/null
      halves=$(( $(samples_per_second) > halves ? $(samples_per_second) : halves ))
    done
    evaluation="-"
    if [ $workload = youtube_dnn ]; then
      read -r whole _ <<< "$(timed "$build/yamlnet" evaluate "${model[@]}" --weights "$out/w.json" --set threads=1)"
      evaluation=$(/usr/bin/python3 -c "print(f'{$whole - $load:.1f}')")
    fi
    per=$(/usr/bin/python3 -c "print(round($rss * 1048576 / $ratings))")
    ratio=$(/usr/bin/python3 -c "print(f'{$two / $one:.2f}')")
    split_ratio=$(/usr/bin/python3 -c "print(f'{$halves / $one:.2f}')")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$size" "$workload" "$rs" "$rmb" \
      "$load" "$one" "$rss" "$per" "$two" "$ratio" "$halves" "$split_ratio" "$evaluation"
  done
done
