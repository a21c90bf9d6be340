"""yamlnet from Python: load a trained model and predict on numpy arrays, train and evaluate.

    import yamlnet
    model = yamlnet.load("configs/ncf_neumf.yaml", "runs/ncf_neumf/ncf_neumf.weights.json")
    scores = model.predict({"user": users, "item": items})
    history = yamlnet.train("configs/ncf_neumf.yaml", set={"fit.epochs": 2})

Errors are raised as yamlnet.Error subclasses (ConfigError, DataError, WeightsError, TrainingError,
UsageError) carrying the messages the command line prints: file:line:col, data file and row.
"""

import json

import numpy as np

from . import _native
from ._native import ConfigError, DataError, Error, ShapeError, TrainingError, UsageError, WeightsError

__all__ = ["load", "train", "evaluate", "version", "Model", "History", "Error", "ConfigError", "DataError",
           "ShapeError", "TrainingError", "UsageError", "WeightsError"]

_INT32 = np.iinfo(np.int32)


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _native.version()


def _overrides(values):
    """`set` as `yamlnet train --set` takes it: a dict {"fit.epochs": 3} or a list ["fit.epochs=3"]."""
    if values is None:
        return []
    if isinstance(values, dict):
        out = []
        for key, value in values.items():
            if isinstance(value, str):
                text = value
            elif isinstance(value, bool):
                text = "true" if value else "false"
            else:
                text = json.dumps(value)  # numbers, lists and dicts: JSON is YAML
            out.append(f"{key}={text}")
        return out
    if isinstance(values, (list, tuple)) and all(isinstance(v, str) for v in values):
        return list(values)
    raise UsageError("set: give a dict {'fit.epochs': 3} or a list of 'key=value' strings")


def _input_array(info, value):
    """The array for one model input, as the library takes it: int32 ids or float32 features, C-contiguous,
    rows first. Converts (copies) only when the dtype or layout differs; refuses what would change values."""
    name, shape = info["name"], tuple(info["shape"])
    array = np.asarray(value)
    if info["dtype"] == "int32":
        if array.dtype.kind not in "iub":
            raise UsageError(f"predict: input '{name}' takes integer ids, got an array of {array.dtype}")
        if array.size and array.dtype.kind != "b" and (array.min() < _INT32.min or array.max() > _INT32.max):
            raise UsageError(f"predict: input '{name}' holds ids beyond 32 bits (yamlnet ids are int32)")
        array = np.ascontiguousarray(array, dtype=np.int32)
    else:
        if array.dtype.kind not in "fiub":
            raise UsageError(f"predict: input '{name}' takes numbers, got an array of {array.dtype}")
        array = np.ascontiguousarray(array, dtype=np.float32)
    # A 1-D array of ids for an input of shape (1,), as Keras accepts it.
    if array.ndim == 1 and shape == (1,):
        array = array.reshape(-1, 1)
    if array.ndim == 0 or tuple(array.shape[1:]) != shape:
        raise UsageError(f"predict: input '{name}' has per-row shape {shape}; got an array of shape "
                         f"{tuple(array.shape)}")
    return array


class Model:
    """A model loaded from its config and weights (see load())."""

    def __init__(self, native):
        self._native = native

    @property
    def name(self):
        return self._native.name

    @property
    def inputs(self):
        """Each input: {"name", "shape" (per row), "dtype" ("int32" ids or "float32"), "id_limit"}."""
        return self._native.inputs

    @property
    def outputs(self):
        return self._native.outputs

    def layer_output(self, name):
        """Shape of any layer's output ("user_vector", "lstm:1"), as predict(outputs=...) fetches it."""
        return self._native.layer_output(name)

    def predict(self, inputs, outputs=None):
        """The model's outputs for the rows of `inputs` (a dict: input name -> array, or one array for a
        one-input model). With one output, an array; with several, a list in order, as Keras returns them.
        `outputs` names layers to fetch instead ("user_vector"): a name gives an array, a list a list.
        Safe to call from several threads; the computation runs without the GIL."""
        infos = self._native.inputs
        if not isinstance(inputs, dict):
            if len(infos) != 1:
                raise UsageError("predict: the model has several inputs; give a dict {name: array}")
            inputs = {infos[0]["name"]: inputs}
        known = {info["name"] for info in infos}
        for key in inputs:
            if key not in known:
                names = ", ".join(f"'{info['name']}'" for info in infos)
                raise UsageError(f"predict: the model has no input '{key}' (its inputs: {names})")
        arrays = {}
        for info in infos:
            if info["name"] not in inputs:
                raise UsageError(f"predict: input '{info['name']}' is not given")
            arrays[info["name"]] = _input_array(info, inputs[info["name"]])
        rows = {len(a) for a in arrays.values()}
        if len(rows) > 1:
            counts = ", ".join(f"'{k}': {len(a)}" for k, a in arrays.items())
            raise UsageError(f"predict: the inputs have different numbers of rows ({counts})")
        batch = rows.pop() if rows else 0
        single = isinstance(outputs, str) or (outputs is None and len(self._native.outputs) == 1)
        if outputs is None:
            names = [info["name"] for info in self._native.outputs]
        else:
            names = [outputs] if isinstance(outputs, str) else list(outputs)
        values = self._native.predict(batch, arrays, names)
        return values[0] if single else values

    def evaluate(self, split="test"):
        """Loss and metrics on a split (test, validation, train) of the data the config names."""
        return self._native.evaluate(split)


def load(config, weights=None, set=None):
    """Loads `config` (a YAML path) with `weights` (a yamlnet weights file; None gives the config's seeded
    initial weights). `set` overrides config values as `--set` does. Reads no data file."""
    return Model(_native.LoadedModel.load(str(config), "" if weights is None else str(weights), _overrides(set)))


class History:
    """What train() returns, shaped like Keras's History: `history` maps each logged name to its value per
    epoch; `epoch` lists the epochs run; `test` holds the test split's figures."""

    def __init__(self, result):
        self.epoch = list(range(len(result["history"])))
        self.history = {}
        for logs in result["history"]:
            for key, value in logs.items():
                self.history.setdefault(key, []).append(value)
        self.test = result["test"]
        self.weights_path = result["weights_path"]
        self.history_path = result["history_path"]
        self.config_path = result["config_path"]
        self.warnings = result["warnings"]


def train(config, set=None, weights_in=None, weights_out=None, resume=None, on_epoch_end=None):
    """Trains the model `config` declares on its data, as `yamlnet train` does (the run is not recorded in
    the run registry), and writes its weights (weights_out, default runs/<name>/<name>.weights.json).
    `on_epoch_end(epoch, logs)` is called after each epoch. Returns a History."""
    result = _native.train(str(config), _overrides(set), str(weights_in or ""), str(weights_out or ""),
                           str(resume or ""), on_epoch_end)
    return History(result)


def evaluate(config, weights, split="test", set=None):
    """Loss and metrics of `weights` on a split of the config's data."""
    return _native.evaluate(str(config), str(weights), split, _overrides(set))
