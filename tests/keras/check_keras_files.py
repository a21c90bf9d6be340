#!/usr/bin/env python3
"""Reads the Keras files `yamlnet export-keras` writes with an outside reader (Debian's h5py and Python's
zipfile) and checks them against Keras's layout, as Keras's own savers write it:

- legacy .h5 (keras/src/legacy/saving/legacy_h5_format.py): root attributes keras_version, backend and
  model_config (the topology JSON); a model_weights group with layer_names, backend and keras_version; a group
  per layer whose weight_names attribute lists its datasets, named as tf.keras 2 names variables
  ("dense/kernel:0", "lstm/lstm_cell/kernel:0"), in Keras's weight order.
- .keras (keras/src/saving/saving_lib.py): a zip of metadata.json, config.json and model.weights.h5, stored;
  the weights of the model's layers, in the order Keras 3's Functional lists them (ops/function.py map_graph),
  under layers/<class in snake case, numbered per class>/[cell|forward_layer/cell|...]/vars/<i>.

Every value must equal the yamlnet weights file's, so a weight in the wrong place fails.
Usage: check_keras_files.py YAMLNET_BINARY SOURCE_DIR
"""
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

import h5py
import numpy as np

CONFIGS = ["configs/ncf_neumf.yaml", "configs/fashion_gru_bidirectional.yaml", "configs/ml100k_gender_lstm.yaml",
           "configs/seeds/keras1_recurrent_layers.yaml", "configs/seeds/embedding_sequential.yaml"]
# Keras's order of each layer's weights (its build() creates them in this order).
WEIGHT_ORDER = {"Dense": ["kernel", "bias"], "Embedding": ["embeddings"],
                "LSTM": ["kernel", "recurrent_kernel", "bias"], "GRU": ["kernel", "recurrent_kernel", "bias"],
                "SimpleRNN": ["kernel", "recurrent_kernel", "bias"]}
RECURRENT = {"LSTM", "GRU", "SimpleRNN"}


def to_snake_case(name):  # keras/src/utils/naming.py
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def read_weights(path):
    with open(path) as f:
        doc = json.load(f)
    return {k: np.asarray(v["data"], dtype=np.float32).reshape(v["shape"]) for k, v in doc["weights"].items()}


def expected_keys(layer):
    """yamlnet's keys of a Keras layer config's weights, in Keras's order."""
    cls, cfg = layer["class_name"], layer["config"]
    if cls == "Bidirectional":
        inner = cfg["layer"]["class_name"]
        return [f"{cfg['name']}/{side}_{cfg['layer']['config']['name']}/{w}" for side in ("forward", "backward")
                for w in WEIGHT_ORDER[inner]]
    return [f"{cfg['name']}/{w}" for w in WEIGHT_ORDER.get(cls, [])]


def check_h5(path, weights):
    f = h5py.File(path, "r")
    assert isinstance(f.attrs["keras_version"], str) and f.attrs["keras_version"].startswith("2."), "keras_version"
    assert f.attrs["backend"] == "tensorflow"
    config = json.loads(f.attrs["model_config"])
    assert config["class_name"] in ("Functional", "Model"), config["class_name"]
    layers = config["config"]["layers"]
    group = f["model_weights"]
    names = [n.decode() for n in group.attrs["layer_names"]]
    assert names == [l["config"]["name"] for l in layers], "layer_names follow the config's layers"
    assert group.attrs["backend"] == b"tensorflow" and group.attrs["keras_version"].startswith(b"2.")
    seen = set()
    for layer in layers:
        name, cls = layer["config"]["name"], layer["class_name"]
        weight_names = [n.decode() for n in group[name].attrs["weight_names"]]
        keys = [k for k in expected_keys(layer) if k in weights]
        assert len(weight_names) == len(keys), f"{name}: {weight_names} against {keys}"
        for weight_name, key in zip(weight_names, keys):
            inner = layer["config"]["layer"]["class_name"] if cls == "Bidirectional" else cls
            cell = f"{to_snake_case(inner)}_cell/" if inner in RECURRENT else ""
            scope, base = key.rsplit("/", 1)
            assert weight_name == f"{scope}/{cell}{base}:0", f"{name}: '{weight_name}' for {key}"
            data = group[name][weight_name]
            assert data.dtype == np.float32, f"{weight_name} is {data.dtype}"
            assert np.array_equal(data[()], weights[key]), f"{weight_name} differs from {key}"
            seen.add(key)
    assert seen == set(weights), f"weights the file lacks: {set(weights) - seen}"


def functional_order(config):
    """Keras 3's Functional.layers order: by depth (longest path to an output), deepest first; ties in the
    order a depth-first walk from the outputs first meets the layers."""
    layers = {l["name"]: l for l in config["layers"]}

    def producers(layer):
        out = []

        def visit(v):
            if isinstance(v, dict) and v.get("class_name") == "__keras_tensor__":
                out.append(v["config"]["keras_history"][0])
            elif isinstance(v, list):
                for item in v:
                    visit(item)
        for node in layer["inbound_nodes"][:1]:
            visit(node["args"])
        return out

    first_seen, finished = {}, []

    def walk(name):
        if name in finished:
            return
        first_seen.setdefault(name, len(first_seen))
        for p in producers(layers[name]):
            walk(p)
        finished.append(name)
    for out in config["output_layers"]:
        walk(out[0])
    depth = {n: 0 for n in finished}
    for name in reversed(finished):
        for p in producers(layers[name]):
            depth[p] = max(depth[p], depth[name] + 1)
    return [layers[n] for n in sorted(finished, key=lambda n: (-depth[n], first_seen[n]))]


def check_keras(path, weights):
    archive = zipfile.ZipFile(path)
    assert archive.namelist() == ["metadata.json", "config.json", "model.weights.h5"], archive.namelist()
    assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
    assert json.loads(archive.read("metadata.json"))["keras_version"].startswith("3.")
    config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Functional" and config["module"] == "keras.src.models.functional"
    for layer in config["config"]["layers"]:
        assert layer["module"] == "keras.layers" and layer["registered_name"] is None, layer["name"]
        for node in layer["inbound_nodes"]:
            assert set(node) == {"args", "kwargs"}, layer["name"]
    store = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
    used, seen = {}, set()
    for layer in functional_order(config["config"]):
        cls = layer["class_name"]
        base = to_snake_case(cls)
        used[base] = used.get(base, -1) + 1
        path_ = "layers/" + base + (f"_{used[base]}" if used[base] else "")
        assert store[path_ + "/vars"].attrs["name"] == layer["name"], f"{path_} is not {layer['name']}"
        if cls == "Bidirectional":
            inner_cell = "/cell" if layer["config"]["layer"]["class_name"] in RECURRENT else ""
            groups = [f"{path_}/forward_layer{inner_cell}", f"{path_}/backward_layer{inner_cell}"]
        else:
            groups = [path_ + ("/cell" if cls in RECURRENT else "")]
        values = []
        for g in groups:
            if g + "/vars" in store:
                vars_ = store[g + "/vars"]
                values += [vars_[str(i)][()] for i in range(len(vars_))]
        keys = [k for k in expected_keys(layer) if k in weights]
        assert len(values) == len(keys), f"{layer['name']}: {len(values)} variables for {keys}"
        for value, key in zip(values, keys):
            assert np.array_equal(value, weights[key]), f"{path_}: {key} differs"
            seen.add(key)
    assert seen == set(weights), f"weights the file lacks: {set(weights) - seen}"


def main():
    yamlnet, source = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        for config in CONFIGS:
            path = os.path.join(source, config)
            w = os.path.join(tmp, "w.json")
            subprocess.run([yamlnet, "init", path, "-o", w], check=True, capture_output=True)
            weights = read_weights(w)
            for fmt, check in (("h5", check_h5), ("keras", check_keras)):
                out = os.path.join(tmp, "model." + fmt)
                run = subprocess.run([yamlnet, "export-keras", path, "--weights", w, "-o", out],
                                     capture_output=True, text=True)
                if "keras1" in config and fmt == "keras":  # Keras 1's hard_sigmoid has no Keras 3 form
                    assert run.returncode != 0 and "hard_sigmoid" in run.stderr, run.stderr
                    continue
                assert run.returncode == 0, run.stderr
                check(out, weights)
                print(f"ok {config} {fmt}")


if __name__ == "__main__":
    main()
