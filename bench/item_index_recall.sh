#!/bin/bash
# Recall of the approximate FAISS indexes against the exact one at MovieLens-20M scale: a synthetic log with
# ML-20M's 138,493 users and 26,744 items (bench/make_interactions.py; RATINGS of them), YouTube-DNN trained on
# it for one epoch (the item table then has the structure training gives it), its item table and every user's
# vector exported, and bench/item_index_recall.cpp comparing flat, hnsw and ivf on QUERIES users.
#   bench/item_index_recall.sh [BUILD=build-dev] [RATINGS=3000000] [QUERIES=20000]
# Needs a build configured with -DYAMLNET_FAISS=ON and Debian's python3-numpy. Run from the repository root.
set -euo pipefail
build=${1:-build-dev} ratings=${2:-3000000} queries=${3:-20000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/python3 bench/make_interactions.py "$out/ratings.data" --ratings "$ratings"
model=(configs/youtube_dnn.yaml --set "data.path=$out/ratings.data" --set layers.item_embedding.input_dim=26745
       --set layers.user_embedding.input_dim=138494 --set fit.epochs=1 --set fit.batch_size=1024)
"$build/yamlnet" train "${model[@]}" --set fit.verbose=0 --weights-out "$out/w.json" >/dev/null
"$build/yamlnet" export "${model[@]}" --weights "$out/w.json" --layer item_embedding -o "$out/items.npy"
"$build/yamlnet" export "${model[@]}" --weights "$out/w.json" --outputs user_vector -o "$out/users.npy"
"$build/yamlnet_item_index_recall" "$out/items.npy" "$out/users.npy" 10 "$queries"
