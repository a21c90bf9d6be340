#!/usr/bin/env python3
"""Writes the lstm_embed workload's data: token-id sequences (vocabulary 10000, length 80, padded with 0 at the
start as Keras's pad_sequences does) and a binary label, as .npy files both sides read.

The task is a synthetic sentiment: 300 of the 1000 most frequent tokens carry a weight, the label says whether a sequence's weights
sum above the training set's median (so the classes are balanced), so an LSTM learns it and accuracy tells whether training worked. Token frequencies follow a
Zipf law like words. Deterministic for a given seed.

Usage: make_tokens.py DIR [TRAIN_ROWS] [TEST_ROWS]
"""
import os
import sys

import numpy as np

VOCAB, LENGTH = 10000, 80


def sequences(rng, rows, weights):
    ranks = np.arange(1, VOCAB)
    probabilities = 1.0 / ranks
    probabilities /= probabilities.sum()
    lengths = rng.integers(20, LENGTH + 1, size=rows)
    x = np.zeros((rows, LENGTH), dtype=np.int32)
    score = np.zeros(rows)
    for r, n in enumerate(lengths):
        tokens = rng.choice(ranks, size=n, p=probabilities)
        x[r, LENGTH - n:] = tokens
        score[r] = weights[tokens].sum()
    return x, score


def main():
    out = sys.argv[1]
    train_rows = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    test_rows = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
    rng = np.random.default_rng(7)
    weights = np.zeros(VOCAB)
    weights[rng.choice(np.arange(1, 1001), size=300, replace=False)] = rng.normal(size=300)
    os.makedirs(out, exist_ok=True)
    threshold = None
    for name, rows in (("train", train_rows), ("test", test_rows)):
        x, score = sequences(rng, rows, weights)
        threshold = np.median(score) if threshold is None else threshold
        np.save(os.path.join(out, f"{name}_x.npy"), x)
        np.save(os.path.join(out, f"{name}_y.npy"), (score > threshold).astype(np.float32).reshape(-1, 1))


if __name__ == "__main__":
    main()
