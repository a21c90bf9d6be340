#!/usr/bin/env python3
"""PyTorch side of the benchmark suite (scripts/bench.sh): trains one workload and prints one JSON line with
training samples/s (epoch time, per-epoch data work included, evaluation excluded), the quality metric and the
BLAS library PyTorch loaded.

Usage: torch_bench.py WORKLOAD THREADS [--epochs N] [--steps N] [--data DIR] [--ml100k DIR] [--seed S]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch"))

import common  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workload", choices=["mlp", "neumf", "lstm", "lstm_embed", "youtube_dnn"])
    parser.add_argument("threads", type=int)
    parser.add_argument("--epochs", type=int, default=None, help="default: the workload's")
    parser.add_argument("--steps", type=int, default=None, help="stop each epoch after this many steps")
    parser.add_argument("--data", default="/tmp/yamlnet-bench/tokens", help="lstm_embed's .npy files")
    parser.add_argument("--ml100k", default="../shared/data/ml-100k")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = common.setup(args.threads, args.seed)
    module = __import__(args.workload)
    samples, seconds, metrics = module.run(args, rng)
    common.report(samples, seconds, metrics)


if __name__ == "__main__":
    main()
