#!/usr/bin/env python3
"""`yamlnet validate` of a config with 150k Dense layers stays well under 1 GB of resident memory.

Memory, not time, is asserted: the peak resident set of the child, which the kernel reports exactly
(getrusage). The config is generated, so the figure covers the whole path a user's file takes: the YAML
tree, the parsed spec, the graph with its shapes and parameters, and the compile block's losses.
Usage: validate_memory.py YAMLNET [LAYERS] [LIMIT_MB]
"""
import os
import resource
import subprocess
import sys
import tempfile

yamlnet = sys.argv[1]
layers = int(sys.argv[2]) if len(sys.argv) > 2 else 150_000
limit_mb = float(sys.argv[3]) if len(sys.argv) > 3 else 700.0

with tempfile.TemporaryDirectory() as folder:
    config = os.path.join(folder, "big.yaml")
    with open(config, "w") as out:
        out.write("name: big\ninputs: {x: {shape: [4]}}\nlayers:\n")
        out.write("  - {type: Dense, units: 4}\n" * layers)
        out.write("compile: {loss: mse}\n")
    result = subprocess.run([yamlnet, "validate", config], capture_output=True, text=True)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0  # KiB on Linux
    print(result.stdout.strip() or result.stderr.strip())
    print(f"peak resident memory of validate, {layers} Dense layers: {peak_mb:.0f} MiB (limit {limit_mb:.0f})")
    if result.returncode != 0:
        sys.exit(f"validate failed with {result.returncode}: {result.stderr}")
    expected = f"({layers + 1} layers, {20 * layers:,} parameters)"
    if expected not in result.stdout:
        sys.exit(f"validate did not report {expected}")
    if peak_mb > limit_mb:
        sys.exit(f"validate peaked at {peak_mb:.0f} MiB, over {limit_mb:.0f}")
