"""Every config in configs/ (and the layer variants in tests/onnx/configs/) exported with `yamlnet export-onnx`,
accepted by onnx.checker (Debian's python3-onnx, full check with shape inference), and run by ONNX Runtime
(npm onnxruntime-node) on the test split's inputs: its outputs must equal `yamlnet predict`'s at 1e-5.
Weights are drawn at random (seeded, uniform in [-0.5, 0.5]) so that outputs differ from row to row.
Usage: check_onnx.py YAMLNET SOURCE_DIR WORK_DIR NODE"""

import glob
import json
import os
import subprocess
import sys

import numpy as np
import onnx

yamlnet, source, work, node = sys.argv[1:5]
here = os.path.join(source, "tests", "onnx")
os.makedirs(work, exist_ok=True)
failures = []


def run(*args, expect_ok=True):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=source)
    if expect_ok and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}")
    return result


def random_weights(config, sets, path, seed):
    run(yamlnet, "init", config, *sets, "-o", path)
    document = json.load(open(path))
    rng = np.random.default_rng(seed)
    for tensor in document["weights"].values():
        values = rng.uniform(-0.5, 0.5, size=tensor["shape"]).astype(np.float32)
        tensor["data"] = values.astype(float).tolist()
    json.dump(document, open(path, "w"))


def check(label, config, sets=(), outputs=None, seed=1):
    """Exports `config` (with --set `sets`), checks it, and compares ONNX Runtime with yamlnet on the test split."""
    folder = os.path.join(work, label)
    os.makedirs(folder, exist_ok=True)
    weights, model = os.path.join(folder, "weights.json"), os.path.join(folder, "model.onnx")
    random_weights(config, sets, weights, seed)
    run(yamlnet, "export-onnx", config, *sets, "--weights", weights, *(["--outputs", outputs] if outputs else []),
        "-o", model)
    proto = onnx.load(model)
    onnx.checker.check_model(proto, full_check=True)
    expected = os.path.join(folder, "expected.npy")
    if outputs:
        run(yamlnet, "export", config, *sets, "--weights", weights, "--outputs", outputs, "-o", expected)
    else:
        run(yamlnet, "predict", config, *sets, "--weights", weights, "-o", expected)
    feeds = []
    for graph_input in proto.graph.input:
        path = os.path.join(folder, f"input_{graph_input.name}.npy")
        run(yamlnet, "export", config, *sets, "--weights", weights, "--outputs", graph_input.name, "-o", path)
        int32 = graph_input.type.tensor_type.elem_type == onnx.TensorProto.INT32
        feeds.append(f"{graph_input.name}={path}" + (":int32" if int32 else ""))
    result = subprocess.run([node, os.path.join(here, "run_onnxruntime.cjs"), model, expected, *feeds],
                            capture_output=True, text=True, env={**os.environ, "NODE_PATH": os.path.join(here, "node_modules")})
    print(f"{label}: {len(proto.graph.node)} nodes; " + (result.stdout.strip() or result.stderr.strip()))
    if result.returncode != 0:
        failures.append(f"{label}: {result.stdout}{result.stderr}")


def refused(label, yaml_text, words):
    """export-onnx must refuse the config with a message holding every one of `words`."""
    path = os.path.join(work, label + ".yaml")
    open(path, "w").write(yaml_text)
    weights = os.path.join(work, label + ".weights.json")
    run(yamlnet, "init", path, "-o", weights)
    result = run(yamlnet, "export-onnx", path, "--weights", weights, "-o", os.path.join(work, label + ".onnx"),
                 expect_ok=False)
    message = result.stderr
    ok = result.returncode != 0 and all(w in message for w in words) and "internal error" not in message
    print(f"{label}: refused as expected: {message.strip()}" if ok else f"{label}: NOT refused as expected")
    if not ok:
        failures.append(f"{label}: rc {result.returncode}, message {message!r}, wanted {words}")


configs = sorted(glob.glob(os.path.join(source, "configs", "*.yaml")) + glob.glob(os.path.join(here, "configs", "*.yaml")))
for seed, config in enumerate(configs, start=1):
    try:
        check(os.path.splitext(os.path.basename(config))[0], config, seed=seed)
    except Exception as e:  # noqa: BLE001 - every config is tried; the failures are listed at the end
        failures.append(f"{config}: {e}")
extra = [
    ("youtube_dnn_user_tower", "configs/youtube_dnn.yaml", (), "user_vector"),
    ("ml100k_gender_lstm_post_padding", "configs/ml100k_gender_lstm.yaml", ("--set", "data.padding=post"), None),
    ("recurrent_variants_keras3", "tests/onnx/configs/recurrent_variants.yaml", ("--set", "keras_version=3"), None),
]
for label, config, sets, outputs in extra:
    try:
        check(label, os.path.join(source, config), sets, outputs, seed=99)
    except Exception as e:  # noqa: BLE001
        failures.append(f"{label}: {e}")
refused("masking_layer", "name: m\ninputs: {x: {shape: [3, 2]}}\nlayers:\n  - {name: hide, type: Masking}\n"
        "  - {name: out, type: LSTM, units: 2}\noutputs: [out]\n", ["masking_layer.yaml:4:", "layer 'hide' (Masking)", "no exact ONNX form"])
refused("masked_sequences", "name: s\ninputs: {x: {shape: [4], dtype: int32}}\nlayers:\n"
        "  - {name: e, type: Embedding, input_dim: 5, output_dim: 2, mask_zero: true}\n"
        "  - {name: all_steps, type: LSTM, units: 2, return_sequences: true}\noutputs: [all_steps]\n",
        ["s.yaml:5:", "layer 'all_steps' (LSTM)", "masked steps"])
refused("stateful", "name: st\ninputs: {x: {shape: [3, 2], batch_size: 4}}\nlayers:\n"
        "  - {name: carry, type: GRU, units: 2, stateful: true}\noutputs: [carry]\n", ["layer 'carry' (GRU)", "stateful"])
# README's "Serve with ONNX Runtime" example, on the NeuMF export checked above.
section = open(os.path.join(source, "README.md")).read().split("## Serve with ONNX Runtime", 1)[1].split("\n## ", 1)[0]
example = os.path.join(work, "serve_example.cjs")
open(example, "w").write(section.split("```js\n", 1)[1].split("```", 1)[0])
served = subprocess.run([node, example, os.path.join(work, "ncf_neumf", "model.onnx")], capture_output=True, text=True,
                        env={**os.environ, "NODE_PATH": os.path.join(here, "node_modules")})
scores = served.stdout.split()
print(f"README example: {served.stdout.strip()}{served.stderr.strip()}")
if served.returncode != 0 or len(scores) != 3 or not all(0 < float(v) < 1 for v in scores):
    failures.append(f"README example: rc {served.returncode}: {served.stdout}{served.stderr}")
if failures:
    print("\n".join(["FAILED:"] + failures))
    sys.exit(1)
print(f"{len(configs) + len(extra)} exports ran in ONNX Runtime as yamlnet predicts them; 3 refusals named their layer")
