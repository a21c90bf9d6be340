#!/usr/bin/env python3
"""The benchmark suite's driver (called by scripts/bench.sh): runs every workload in yamlnet and in PyTorch at
each thread count, repeats, and prints the medians side by side with the ratio yamlnet / PyTorch.

Per run: training samples/s (epoch time with its data work, evaluation excluded; both sides measure the same
span), peak resident memory (/usr/bin/time -v) and the quality metric after the workload's fixed epochs.
Standard library only, so it runs before anything is installed in a virtualenv.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"  # Debian's, where python3-torch lives
WORKLOADS = ["mlp", "neumf", "lstm", "lstm_embed", "youtube_dnn"]
METRIC = {"mlp": "accuracy", "neumf": "hr@10", "lstm": "accuracy", "lstm_embed": "accuracy",
          "youtube_dnn": "hr@50"}
# Matrix-product FLOPs of one training sample (forward, weight gradients, and the input gradients that are
# needed: none for the first layer's input), for the GFLOP/s column.
FLOPS_PER_SAMPLE = {
    "mlp": 2 * (784 * 128 + 128 * 10) * 2 + 2 * 128 * 10,
    "lstm": 28 * 2 * (28 * 512 + 128 * 512) * 2 + 28 * 2 * 128 * 512 + 3 * 2 * 128 * 10,
}


def timed(command, env):
    """Runs command under /usr/bin/time -v; returns (its stdout's last line as JSON, peak RSS in MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        done = subprocess.run(["/usr/bin/time", "-v", "-o", report.name, *command], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
        peak_kb = next(int(line.split(":")[1]) for line in report.read().splitlines()
                       if "Maximum resident set size" in line)
    return json.loads(done.stdout.strip().splitlines()[-1]), peak_kb / 1024.0


def yamlnet_run(args, workload, threads, env, seed):
    out = tempfile.mkdtemp(prefix="yamlnet-bench-")
    # --no-registry: a benchmark's runs are measurements, not runs to compare later.
    command = [args.yamlnet, "train", f"bench/configs/{workload}.yaml", "--json", "--no-registry", "--weights-out",
               f"{out}/weights.json", "--set", f"fit.history={out}/history.csv", "--set", f"threads={threads}",
               "--set", f"seed={seed}"]
    if workload in ("neumf", "youtube_dnn"):
        command += ["--set", f"data.path={args.ml100k}/u.data"]
    if workload == "lstm_embed":
        for split in ("train", "test"):
            for part in ("x", "y"):
                command += ["--set", f"data.{split}.{part}={args.tokens}/{split}_{part}.npy"]
    if args.smoke:
        command += ["--set", "fit.epochs=1", "--set", "fit.steps_per_epoch=2"]
    result, peak = timed(command, env)
    shutil.rmtree(out, ignore_errors=True)
    metrics = result.get("test", {})
    return {"samples_per_second": result["train_samples_per_second"], "peak_mb": peak,
            "quality": metrics.get("test_" + METRIC[workload], float("nan"))}


def gemm_peak(args, threads, env):
    """The matrix-product peak at this thread count, measured now (bench/gemm_peak.cpp, beside the binary)."""
    binary = os.path.join(os.path.dirname(os.path.abspath(args.yamlnet)), "yamlnet_gemm_peak")
    done = subprocess.run([binary, str(threads)], env=env, stdout=subprocess.PIPE, text=True, check=True)
    return float(done.stdout.strip())


def torch_run(args, workload, threads, env, seed):
    command = [PYTHON, "bench/torch_bench.py", workload, str(threads), "--data", args.tokens, "--ml100k",
               args.ml100k, "--seed", str(seed)]
    if args.smoke:
        command += ["--epochs", "1", "--steps", "2"]
    result, peak = timed(command, env)
    return {"samples_per_second": result["samples_per_second"], "peak_mb": peak,
            "quality": result[METRIC[workload]], "blas": result["blas"]}


class BusyCore:
    """A competing process that keeps the last CPU busy while it is open (--contention): users train on
    laptops, CI runners and shared servers, where another process holds a core."""

    def __enter__(self):
        cpu = max(os.sched_getaffinity(0))
        self.process = subprocess.Popen([PYTHON, "-c", "while True: pass"],
                                        preexec_fn=lambda: os.sched_setaffinity(0, {cpu}))
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


class NoContention:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--workloads", nargs="+", default=WORKLOADS, choices=WORKLOADS)
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--yamlnet", default="build/yamlnet")
    parser.add_argument("--ml100k", default=os.path.join(os.path.dirname(ROOT), "shared/data/ml-100k"))
    parser.add_argument("--tokens", default="/tmp/yamlnet-bench/tokens")
    parser.add_argument("--smoke", action="store_true", help="two steps of each workload, nothing printed")
    parser.add_argument("--contention", action="store_true",
                        help="run everything while another process keeps one core busy; prints each "
                             "side's two-thread speed as a share of its one-thread speed")
    args = parser.parse_args()

    rows = []
    header = (f"{'workload':<12} {'thr':>3} {'yamlnet/s':>10} {'pytorch/s':>10} {'speed':>6} "
              f"{'yamlnet MB':>10} {'pytorch MB':>10} {'memory':>6}  {'metric':<9} {'yamlnet':>7} "
              f"{'pytorch':>7}  GFLOP/s (peak, share)")
    if not args.smoke:
        print(header, flush=True)
    blas = set()
    for workload in args.workloads:
        for threads in args.threads:
            env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
            ours, theirs = [], []
            # Repetition r uses seed 42 + r on both sides, so the median quality is over three trainings,
            # not one training three times (a single seed's HR@10 moves by about 0.015).
            for r in range(1 if args.smoke else args.repeat):
                # The peak is measured right before each run it is compared with: on a shared machine the
                # peak itself moves by 2x within minutes, so a share of one early reading would be noise.
                measures_flops = workload in FLOPS_PER_SAMPLE and not args.smoke
                with BusyCore() if args.contention else NoContention():
                    peak_now = gemm_peak(args, threads, env) if measures_flops else None
                    ours.append(yamlnet_run(args, workload, threads, env, 42 + r))
                    if peak_now:
                        ours[-1]["peak_gflops"] = peak_now
                        ours[-1]["share"] = (ours[-1]["samples_per_second"] * FLOPS_PER_SAMPLE[workload] / 1e9
                                             / peak_now)
                    theirs.append(torch_run(args, workload, threads, env, 42 + r))
            blas.add(theirs[0]["blas"])
            if args.smoke:
                continue
            row = {"workload": workload, "threads": threads, "metric": METRIC[workload]}
            for side, runs in (("yamlnet", ours), ("pytorch", theirs)):
                for key in ("samples_per_second", "peak_mb", "quality"):
                    row[f"{side}_{key}"] = median_of(runs, key)
            row["speed"] = row["yamlnet_samples_per_second"] / row["pytorch_samples_per_second"]
            row["memory"] = row["yamlnet_peak_mb"] / row["pytorch_peak_mb"]
            flops = ""
            if workload in FLOPS_PER_SAMPLE:
                row["yamlnet_gflops"] = row["yamlnet_samples_per_second"] * FLOPS_PER_SAMPLE[workload] / 1e9
                row["peak_gflops"] = median_of(ours, "peak_gflops")
                row["share_of_peak"] = median_of(ours, "share")
                flops = f"{row['yamlnet_gflops']:.1f} ({row['peak_gflops']:.1f}, {100 * row['share_of_peak']:.0f}%)"
            rows.append(row)
            print(f"{workload:<12} {threads:>3} {row['yamlnet_samples_per_second']:>10.0f} "
                  f"{row['pytorch_samples_per_second']:>10.0f} {row['speed']:>6.2f} {row['yamlnet_peak_mb']:>10.0f} "
                  f"{row['pytorch_peak_mb']:>10.0f} {row['memory']:>6.2f}  {row['metric']:<9} "
                  f"{row['yamlnet_quality']:>7.4f} {row['pytorch_quality']:>7.4f}  {flops}", flush=True)
    print(f"PyTorch's BLAS: {', '.join(sorted(blas))}")
    if args.contention and not args.smoke:
        print("under contention, two threads against one (samples/s ratio):")
        for workload in args.workloads:
            by_threads = {r["threads"]: r for r in rows if r["workload"] == workload}
            if 1 in by_threads and 2 in by_threads:
                ours = by_threads[2]["yamlnet_samples_per_second"] / by_threads[1]["yamlnet_samples_per_second"]
                theirs = by_threads[2]["pytorch_samples_per_second"] / by_threads[1]["pytorch_samples_per_second"]
                print(f"  {workload:<12} yamlnet {ours:.2f}x   pytorch {theirs:.2f}x", flush=True)
    if not args.smoke:
        # Beside the binary measured (build-bench/ from scripts/bench.sh).
        with open(os.path.join(os.path.dirname(os.path.abspath(args.yamlnet)), "last_run.json"), "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
