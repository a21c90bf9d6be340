#!/usr/bin/env python3
"""Data-parallel training under mpirun, checked from outside: the weights of N processes against one process's,
run-to-run identity for a fixed N, one writer, and what happens when a process dies or hangs.

Usage: check_mpi.py YAMLNET YAMLNET_F64 SOURCE_DIR WORK_DIR

In float, Adam divides by the root of tiny second moments, so the last-bit differences of a different
summation order grow visible within an epoch; the double-precision build (yamlnet_f64) shows that N processes
compute the same training as one, and the float build that it stays within 1e-5 where the optimizer does not
amplify (MLP, LSTM) and is byte-identical run to run.
"""
import json
import os
import shutil
import subprocess
import sys
import time

YAMLNET, YAMLNET_F64, SOURCE, WORK = sys.argv[1:5]
MPIRUN = ["mpirun", "--oversubscribe", "--allow-run-as-root", "--bind-to", "none"]
FASHION = "/usr/share/datasets/fashion-mnist/"

# 60000 rows in batches of 131 leave a last batch of 2: under -np 3 one process has no rows there.
MLP = f"""name: mpi_mlp
seed: 7
inputs:
  image: {{shape: [28, 28], dtype: float32}}
layers:
  - {{name: flatten, type: Flatten}}
  - {{name: hidden, type: Dense, units: 64, activation: relu, kernel_regularizer: {{type: l2, l2: 0.0001}}}}
  - {{name: drop, type: Dropout, rate: 0.2}}
  - {{name: probabilities, type: Dense, units: 10, activation: softmax}}
compile:
  optimizer: {{type: adam, learning_rate: 0.001}}
  loss: sparse_categorical_crossentropy
  metrics: [accuracy]
data:
  type: idx
  rescale: 0.00392156862745098
  train: {{x: {FASHION}train-images-idx3-ubyte.gz, y: {FASHION}train-labels-idx1-ubyte.gz}}
  test: {{x: {FASHION}t10k-images-idx3-ubyte.gz, y: {FASHION}t10k-labels-idx1-ubyte.gz}}
fit:
  epochs: 1
  batch_size: 131
  validation_split: 0.1
"""

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def numbers(node):
    if isinstance(node, bool):
        return
    if isinstance(node, (int, float)):
        yield float(node)
    elif isinstance(node, list):
        for v in node:
            yield from numbers(v)
    elif isinstance(node, dict):
        for k in sorted(node):
            yield from numbers(node[k])


def largest_difference(a, b):
    x = list(numbers(json.load(open(a))))
    y = list(numbers(json.load(open(b))))
    if len(x) != len(y) or not x:
        return float("inf")
    return max(abs(p - q) for p, q in zip(x, y))


def history(path):
    lines = open(path).read().strip().splitlines()
    head = lines[0].split(",")
    return head, [[float(v) for v in line.split(",")] for line in lines[1:]]


def history_difference(a, b):
    (ha, ra), (hb, rb) = history(a), history(b)
    if ha != hb or len(ra) != len(rb):
        return float("inf")
    return max(abs(p - q) for x, y in zip(ra, rb) for p, q in zip(x, y))


def train(binary, config, out, processes=1, sets=(), env=None, extra=(), check_rc=True):
    cmd = ([] if processes == 1 else MPIRUN + ["-np", str(processes)]) + [
        binary, "train", config, "--no-registry", "--weights-out", out, "--set", "fit.verbose=0"]
    for s in sets:
        cmd += ["--set", s]
    cmd += list(extra)
    run = subprocess.run(cmd, cwd=SOURCE, capture_output=True, text=True,
                         env=dict(os.environ, **(env or {})), timeout=900)
    if check_rc and run.returncode != 0:
        print(run.stdout[-3000:], run.stderr[-3000:])
        raise SystemExit(f"training failed: {' '.join(cmd)}")
    return run


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    mlp = os.path.join(WORK, "mlp.yaml")
    open(mlp, "w").write(MLP)
    workloads = {
        "mlp": (mlp, []),
        # with every kind of metric state: sums, confusion counts per threshold, and every prediction (exact_auc)
        "neumf": ("configs/ncf_neumf.yaml",
                  ["fit.epochs=1", "compile.metrics=[hr@10, ndcg@10, accuracy, auc, precision, exact_auc]"]),
        "youtube_dnn": ("configs/youtube_dnn.yaml", ["fit.epochs=1"]),  # sampled softmax
        "lstm": ("configs/ml100k_gender_lstm.yaml", ["fit.epochs=1"]),  # dropout and recurrent dropout
    }

    # N processes train what one does: an epoch of each workload, in double precision.
    for name, (config, sets) in workloads.items():
        one = os.path.join(WORK, f"{name}.f64.np1.json")
        train(YAMLNET_F64, config, one, 1, sets)
        for n in (2, 3):
            out = os.path.join(WORK, f"{name}.f64.np{n}.json")
            train(YAMLNET_F64, config, out, n, sets)
            d = largest_difference(one, out)
            check(d <= 1e-5, f"{name}: -np {n} weights within 1e-5 of one process (double; largest {d:.2g})")
            h = history_difference(one[:-5] + ".history.csv", out[:-5] + ".history.csv")
            check(h <= 1e-5, f"{name}: -np {n} history (loss, metrics, val_) within 1e-5 (largest {h:.2g})")

    # The float product: within 1e-5 where no optimizer amplifies the summation order, and byte-identical
    # run to run for a fixed N. One process runs with one thread, as each of the two does: a second thread
    # reassociates sums too (a bias gradient's column sums), and Adam can grow either difference.
    for name in ("mlp", "lstm"):
        config, sets = workloads[name]
        one, two = (os.path.join(WORK, f"{name}.np{n}.json") for n in (1, 2))
        train(YAMLNET, config, one, 1, sets + ["threads=1"])
        train(YAMLNET, config, two, 2, sets)
        d = largest_difference(one, two)
        check(d <= 1e-5, f"{name}: float -np 2 weights within 1e-5 of one process (largest {d:.2g})")
    for name, n in (("neumf", 2), ("youtube_dnn", 2), ("mlp", 3)):
        config, sets = workloads[name]
        a, b = (os.path.join(WORK, f"{name}.repeat{i}.json") for i in (1, 2))
        train(YAMLNET, config, a, n, sets)
        train(YAMLNET, config, b, n, sets)
        check(open(a, "rb").read() == open(b, "rb").read(), f"{name}: -np {n} byte-identical run to run")

    # Tables split by rows (shard: rows): NeuMF's four tables spread over the processes, rows and gradients
    # moved by all-to-all. The same training as the whole tables, byte for byte in float for -np 2 (both add
    # each row's two contributions in rank order), within 1e-5 of one process in double; evaluate splits too.
    neumf, neumf_sets = workloads["neumf"]
    sharded = os.path.join(WORK, "neumf_sharded.yaml")
    text = open(os.path.join(SOURCE, neumf)).read()
    split_tables = "stddev: 0.01}, shard: rows}"
    open(sharded, "w").write(text.replace("stddev: 0.01}}", split_tables))
    check(open(sharded).read().count(split_tables) == 4, "the sharded NeuMF splits its four tables")
    for n in (2, 3):
        out = os.path.join(WORK, f"neumf_sharded.f64.np{n}.json")
        train(YAMLNET_F64, sharded, out, n, neumf_sets)
        d = largest_difference(os.path.join(WORK, "neumf.f64.np1.json"), out)
        check(d <= 1e-5, f"sharded neumf: -np {n} weights within 1e-5 of one process's whole tables "
                         f"(double; largest {d:.2g})")
        h = history_difference(os.path.join(WORK, "neumf.f64.np1.history.csv"), out[:-5] + ".history.csv")
        check(h <= 1e-5, f"sharded neumf: -np {n} history within 1e-5 (largest {h:.2g})")
    split_out = os.path.join(WORK, "neumf_sharded.np2.json")
    train(YAMLNET, sharded, split_out, 2, neumf_sets)
    same = json.load(open(split_out))["weights"] == json.load(open(os.path.join(WORK, "neumf.repeat1.json")))["weights"]
    check(same, "sharded neumf: float -np 2 weights identical to the whole tables' under -np 2")
    evaluate = [YAMLNET, "evaluate", neumf, "--weights", split_out, "--json", "--no-registry"]
    for s in neumf_sets:
        evaluate += ["--set", s]
    alone = subprocess.run(evaluate, cwd=SOURCE, capture_output=True, text=True, timeout=600)
    evaluate[2] = sharded
    split = subprocess.run(MPIRUN + ["-np", "3"] + evaluate, cwd=SOURCE, capture_output=True, text=True,
                           timeout=600)
    lines = split.stdout.strip().splitlines()
    ok = alone.returncode == 0 and split.returncode == 0 and len(lines) == 1
    d = float("inf")
    if ok:
        a, b = json.loads(alone.stdout), json.loads(lines[0])
        d = max(abs(a[k] - b[k]) for k in a) if a.keys() == b.keys() else float("inf")
    check(d <= 1e-5, f"sharded evaluate under -np 3 equals one process's figures (largest difference {d:.2g})"
          + ("" if ok else split.stderr[-400:]))
    # A table over one process's max_memory: refused whole, trained split (40,000 x 32 floats and their
    # gradient, 10.2 MB, against 8 MB; half of it fits beside the rest of the model).
    big = os.path.join(WORK, "neumf_big_table.yaml")
    open(big, "w").write("max_memory: 8MB\n" + open(sharded).read().replace(
        "name: mlp_user, type: Embedding, inputs: user, input_dim: 944",
        "name: mlp_user, type: Embedding, inputs: user, input_dim: 40000"))
    small_run = ["fit.epochs=1", "fit.steps_per_epoch=50", "compile.optimizer={type: adam, lazy: true}"]
    whole_run = train(YAMLNET, big, os.path.join(WORK, "big.np1.json"), 1, small_run, check_rc=False)
    check(whole_run.returncode != 0 and "max_memory" in whole_run.stderr,
          "a 10 MB table is refused by one process under max_memory: 8MB")
    train(YAMLNET, big, os.path.join(WORK, "big.np2.json"), 2, small_run)
    shape = json.load(open(os.path.join(WORK, "big.np2.json")))["weights"]["mlp_user/embeddings"]["shape"]
    check(shape == [40000, 32], f"split across two processes it trains, and is written whole ({shape})")

    # Checkpoints gather the split tables and their Adam moments; a resume takes each process's rows back.
    sharded_checkpoints = os.path.join(WORK, "sharded_checkpoints")
    resumable = ["fit.epochs=2", f"fit.checkpoint={{dir: {sharded_checkpoints}}}"]
    uninterrupted = os.path.join(WORK, "sharded_whole.json")
    train(YAMLNET, sharded, uninterrupted, 2, neumf_sets + resumable)
    shutil.rmtree(sharded_checkpoints)
    resumed = os.path.join(WORK, "sharded_resumed.json")
    # NeuMF's steps per epoch: ML-100k less a test and a validation item per user, with 4 negatives each, in
    # batches of 256.
    steps = -(-(100_000 - 2 * 943) * 5 // 256)
    run = train(YAMLNET, sharded, resumed, 2, neumf_sets + resumable, check_rc=False,
                env={"YAMLNET_FAULT": f"rank_dies_at=1:{steps + 20}"})
    check(run.returncode != 0 and os.path.isdir(os.path.join(sharded_checkpoints, "epoch-0001")),
          "sharded neumf: a killed process leaves epoch 1's checkpoint")
    train(YAMLNET, sharded, resumed, 2, neumf_sets + resumable, extra=["--resume", sharded_checkpoints])
    check(open(uninterrupted, "rb").read() == open(resumed, "rb").read(),
          "sharded neumf: resumed with the same N, byte-identical to the uninterrupted run")

    # One writer: the first process alone prints the progress and records the run.
    registry = os.path.join(WORK, "runs.sqlite")
    run = subprocess.run(MPIRUN + ["-np", "2", YAMLNET, "train", mlp, "--registry", registry, "--weights-out",
                                   os.path.join(WORK, "recorded.json")], cwd=SOURCE, capture_output=True,
                         text=True, timeout=900)
    check(run.returncode == 0, "a recorded -np 2 run succeeds")
    check(run.stdout.count("Epoch 1/1") == 1 and run.stdout.count("Weights written to") == 1,
          "the progress bar and the summary are printed once")
    listed = subprocess.run([YAMLNET, "runs", "--registry", registry, "--json"], capture_output=True, text=True)
    runs = json.loads(listed.stdout) if listed.returncode == 0 else None
    count = len(runs["runs"] if isinstance(runs, dict) else runs or [])
    check(count == 1, f"the registry holds the run once (found {count})")

    # evaluate splits its rows too and prints once; a verb that does not split refuses to run under mpirun.
    evaluate = [YAMLNET, "evaluate", neumf, "--weights", os.path.join(WORK, "neumf.repeat1.json"), "--json",
                "--no-registry"]
    for s in neumf_sets:
        evaluate += ["--set", s]
    alone = subprocess.run(evaluate, cwd=SOURCE, capture_output=True, text=True, timeout=600)
    split = subprocess.run(MPIRUN + ["-np", "3"] + evaluate, cwd=SOURCE, capture_output=True, text=True,
                           timeout=600)
    lines = split.stdout.strip().splitlines()
    check(alone.returncode == 0 and split.returncode == 0 and len(lines) == 1, "evaluate under -np 3 prints once")
    if len(lines) == 1 and alone.returncode == 0:
        a, b = json.loads(alone.stdout), json.loads(lines[0])
        d = max(abs(a[k] - b[k]) for k in a) if a.keys() == b.keys() else float("inf")
        check(d <= 1e-5, f"evaluate under -np 3 equals one process's figures (largest difference {d:.2g}): {b}")
    refused = subprocess.run(MPIRUN + ["-np", "2", YAMLNET, "summary", neumf], cwd=SOURCE, capture_output=True,
                             text=True, timeout=600)
    check(refused.returncode != 0 and "runs as one process" in refused.stderr,
          "a verb that does not split refuses mpirun: " + refused.stderr.strip().splitlines()[0][:120]
          if refused.stderr.strip() else "a verb that does not split refuses mpirun")

    # A process that hangs: the others name it within the timeout and stop; the checkpoint stays usable.
    faulty = os.path.join(WORK, "faulty.yaml")
    checkpoints = os.path.join(WORK, "checkpoints")
    open(faulty, "w").write(MLP.replace("epochs: 1", "epochs: 3") + f"  checkpoint: {{dir: {checkpoints}}}\n")
    steps_per_epoch = -(-54000 // 131)
    start = time.monotonic()
    run = train(YAMLNET, faulty, os.path.join(WORK, "hung.json"), 2,
                env={"YAMLNET_FAULT": f"rank_hangs_at=1:{steps_per_epoch + 20}"}, extra=["--rank-timeout", "3"],
                check_rc=False)
    took = time.monotonic() - start
    check(run.returncode != 0, "a hung process makes the launch fail")
    check("rank 1 stopped answering" in run.stderr and "epoch 2, step 20" in run.stderr,
          f"the message names the hung process and where ({took:.0f} s): " + run.stderr.strip()[:200])
    check(os.path.isdir(os.path.join(checkpoints, "epoch-0001")), "epoch 1's checkpoint was kept")

    # A process that dies: mpirun names it and stops the rest; resuming with the same N gives the weights of
    # an uninterrupted run, byte for byte.
    shutil.rmtree(checkpoints)
    whole = os.path.join(WORK, "whole.json")
    train(YAMLNET, faulty, whole, 2)
    shutil.rmtree(checkpoints)
    resumed = os.path.join(WORK, "resumed.json")
    run = train(YAMLNET, faulty, resumed, 2, env={"YAMLNET_FAULT": f"rank_dies_at=1:{steps_per_epoch + 20}"},
                check_rc=False)
    check(run.returncode != 0 and "rank 1" in run.stderr and "signal 9" in run.stderr,
          "a killed process is named and the launch stops")
    check(not os.path.exists(resumed), "no weights were written by the failed launch")
    train(YAMLNET, faulty, resumed, 2, extra=["--resume", checkpoints])
    check(open(whole, "rb").read() == open(resumed, "rb").read(),
          "resumed with the same N: byte-identical to the uninterrupted run")

    if failures:
        raise SystemExit(f"{len(failures)} check(s) failed")


main()
