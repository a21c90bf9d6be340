"""The Python module (python/) against the command line and hand computations. Run by ctest (python_module)
with PYTHONPATH at the build's python/ folder; YAMLNET_SOURCE_DIR and YAMLNET_BINARY name the tree and CLI."""

import csv
import json
import os
import subprocess
import threading

import numpy as np
import pytest

import yamlnet

SOURCE = os.environ["YAMLNET_SOURCE_DIR"]
BINARY = os.environ["YAMLNET_BINARY"]
NEUMF = os.path.join(SOURCE, "configs", "ncf_neumf.yaml")
# Wide initial embeddings, so that scores differ from row to row; the data where the suite keeps it.
NEUMF_SET = {"data.path": os.path.join(SOURCE, "..", "shared", "data", "ml-100k", "u.data"),
             "layers.mf_user.embeddings_initializer.stddev": 1,
             "layers.mlp_item.embeddings_initializer.stddev": 1}


def cli(*args):
    subprocess.run([BINARY, *map(str, args)], check=True, capture_output=True)


def sets(overrides):
    return [a for key, value in overrides.items() for a in ("--set", f"{key}={value}")]


@pytest.fixture(scope="module")
def neumf(tmp_path_factory):
    """NeuMF's seeded weights and the scores `yamlnet predict` writes for its test rows."""
    folder = tmp_path_factory.mktemp("neumf")
    weights, scores = folder / "neumf.weights.json", folder / "scores.csv"
    cli("init", NEUMF, *sets(NEUMF_SET), "-o", weights)
    cli("predict", NEUMF, *sets(NEUMF_SET), "--weights", weights, "-o", scores)
    with open(scores) as f:
        rows = list(csv.DictReader(f))
    return weights, rows


def test_predict_equals_the_command_line(neumf):
    weights, rows = neumf
    model = yamlnet.load(NEUMF, weights, set=NEUMF_SET)
    assert model.name == "ncf_neumf"
    assert [i["name"] for i in model.inputs] == ["user", "item"]
    assert model.inputs[0]["dtype"] == "int32" and model.inputs[0]["id_limit"] == 944
    users = np.array([int(r["user"]) for r in rows])  # int64: converted
    items = np.array([int(r["item"]) for r in rows], dtype=np.int32).reshape(-1, 1)  # taken as it is
    expected = np.array([float(r["score"]) for r in rows])
    scores = model.predict({"user": users, "item": items})
    assert scores.shape == (len(rows), 1) and scores.dtype == np.float32
    np.testing.assert_allclose(scores[:, 0], expected, rtol=1e-6, atol=1e-7)
    assert expected.max() - expected.min() > 0.05  # not a comparison of constants
    # Any layer, and several outputs: a list in order.
    score, tower = model.predict({"user": users[:10], "item": items[:10]}, outputs=["score", "mlp_4"])
    assert tower.shape == (10, 8) and model.layer_output("mlp_4")["shape"] == (8,)
    np.testing.assert_allclose(score[:, 0], expected[:10], rtol=1e-6, atol=1e-7)


def test_id_arrays_of_the_right_layout_are_not_copied():
    model = yamlnet.load(NEUMF)
    ids = np.arange(5, dtype=np.int32).reshape(-1, 1)
    assert np.shares_memory(yamlnet._input_array(model.inputs[0], ids), ids)
    floats = np.zeros((4, 3), dtype=np.float32)
    info = {"name": "x", "shape": (3,), "dtype": "float32", "id_limit": 0}
    assert np.shares_memory(yamlnet._input_array(info, floats), floats)


def test_a_dense_layer_computes_x_w_plus_b(tmp_path):
    config = tmp_path / "dense.yaml"
    config.write_text("name: dense_py\nseed: 3\ninputs: {x: {shape: [3]}}\n"
                      "layers:\n  - {name: out, type: Dense, units: 2}\noutputs: [out]\n")
    weights = tmp_path / "dense.weights.json"
    cli("init", config, "-o", weights)
    document = json.loads(weights.read_text())
    document["weights"]["out/bias"]["data"] = [0.25, -0.5]
    weights.write_text(json.dumps(document))
    kernel = np.array(document["weights"]["out/kernel"]["data"])
    x = np.random.default_rng(1).uniform(-2, 2, size=(2500, 3))  # float64: converted
    y = yamlnet.load(config, weights).predict(x)  # one input: the array alone
    np.testing.assert_allclose(y, x @ kernel + np.array([0.25, -0.5]), rtol=1e-5, atol=1e-5)


def test_errors_are_typed_and_name_what_is_wrong(tmp_path):
    assert issubclass(yamlnet.ConfigError, yamlnet.Error) and issubclass(yamlnet.Error, RuntimeError)
    typo = tmp_path / "typo.yaml"
    typo.write_text("name: typo\ninputs: {x: {shape: [3]}}\nlayers:\n  - {name: out, type: Dense, unitz: 2}\n"
                    "outputs: [out]\n")
    with pytest.raises(yamlnet.ConfigError, match=r"typo\.yaml:4:"):
        yamlnet.load(typo)
    with pytest.raises(yamlnet.Error, match="missing.json"):
        yamlnet.load(NEUMF, tmp_path / "missing.json")
    model = yamlnet.load(NEUMF)
    ok = np.array([1, 2, 3])
    with pytest.raises(yamlnet.DataError, match=r"input 'user', row 2: id 944 is outside \[0, 944\)"):
        model.predict({"user": [1, 944, 3], "item": ok})
    with pytest.raises(yamlnet.UsageError, match="takes integer ids, got an array of float64"):
        model.predict({"user": [1.5, 2, 3], "item": ok})
    with pytest.raises(yamlnet.UsageError, match="beyond 32 bits"):
        model.predict({"user": [2**32 + 1, 2, 3], "item": ok})
    with pytest.raises(yamlnet.UsageError, match="input 'item' is not given"):
        model.predict({"user": ok})
    with pytest.raises(yamlnet.UsageError, match="no input 'usr'"):
        model.predict({"usr": ok, "item": ok})
    with pytest.raises(yamlnet.UsageError, match=r"different numbers of rows \('user': 3, 'item': 2\)"):
        model.predict({"user": ok, "item": ok[:2]})
    with pytest.raises(yamlnet.UsageError, match=r"per-row shape \(1,\); got an array of shape \(3, 2\)"):
        model.predict({"user": np.ones((3, 2), dtype=int), "item": ok})
    with pytest.raises(yamlnet.UsageError, match="no layer named 'scroe'"):
        model.predict({"user": ok, "item": ok}, outputs="scroe")
    with pytest.raises(yamlnet.UsageError, match="a dict"):
        yamlnet.load(NEUMF, set=3)


def test_threads_predicting_at_once_get_what_one_thread_gets():
    model = yamlnet.load(NEUMF, set={"threads": 1})
    calls = [{"user": np.arange(c % 13 + 1) * 7 % 944, "item": np.arange(c % 13 + 1) * 11 % 1683}
             for c in range(120)]
    alone = [model.predict(c) for c in calls]
    together = [None] * len(calls)

    def work(start):
        for c in range(start, len(calls), 4):
            together[c] = model.predict(calls[c])

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(alone, together):
        np.testing.assert_array_equal(a, b)


def small_config(tmp_path):
    config = tmp_path / "small.yaml"
    config.write_text("name: small\nseed: 5\ninputs: {x: {shape: [4]}}\n"
                      "layers:\n  - {name: hidden, type: Dense, units: 8, activation: relu}\n"
                      "  - {name: probabilities, type: Dense, units: 3, activation: softmax}\n"
                      "compile: {optimizer: adam, loss: sparse_categorical_crossentropy, metrics: [accuracy]}\n"
                      "data: {type: generated, samples: 96, test_samples: 32}\nfit: {epochs: 2, batch_size: 16}\n")
    return config


def test_train_returns_a_keras_like_history_and_evaluate_agrees(tmp_path):
    config = small_config(tmp_path)
    seen = []
    history = yamlnet.train(config, set={"fit.epochs": 3, "compile.optimizer.learning_rate": 0.01},
                            weights_out=tmp_path / "small.weights.json",
                            on_epoch_end=lambda epoch, logs: seen.append((epoch, logs["loss"])))
    assert history.epoch == [0, 1, 2]
    assert list(history.history) == ["loss", "accuracy"]
    assert [loss for _, loss in seen] == history.history["loss"]
    assert history.history["loss"][2] < history.history["loss"][0]
    assert os.path.exists(history.weights_path)
    again = yamlnet.evaluate(config, history.weights_path, "test")
    assert again["loss"] == pytest.approx(history.test["loss"], rel=1e-6)
    assert yamlnet.load(config, history.weights_path).evaluate("test") == again


def test_an_exception_in_on_epoch_end_stops_training(tmp_path):
    config = small_config(tmp_path)

    def stop(epoch, logs):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        yamlnet.train(config, weights_out=tmp_path / "w.json", on_epoch_end=stop)
    assert not (tmp_path / "w.json").exists()


def test_version():
    assert yamlnet.version().count(".") == 2
