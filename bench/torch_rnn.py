#!/usr/bin/env python3
"""PyTorch side of the recurrent benchmark: forward + backward of nn.LSTM / nn.GRU on random batches.

Usage: torch_rnn.py CELL THREADS BATCH STEPS FEATURES UNITS ITERATIONS
Prints one line: samples_per_second blas_library
"""
import sys
import time

import torch


def loaded_blas():
    with open("/proc/self/maps") as maps:
        for line in maps:
            for name in ("openblas", "blis", "mkl", "libblas"):
                if name in line:
                    return line.split("/")[-1].strip()
    return "unknown"


def main():
    cell, threads, batch, steps, features, units, iterations = sys.argv[1], *map(int, sys.argv[2:])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layer = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](features, units, batch_first=True)
    x = torch.rand(batch, steps, features)
    for _ in range(3):  # warm-up
        out, _ = layer(x)
        out[:, -1].sum().backward()
    start = time.perf_counter()
    for _ in range(iterations):
        layer.zero_grad()
        out, _ = layer(x)
        out[:, -1].sum().backward()
    elapsed = time.perf_counter() - start
    print(f"{batch * iterations / elapsed:.1f} {loaded_blas()}")


if __name__ == "__main__":
    main()
