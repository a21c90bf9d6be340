"""What the five PyTorch workloads share: threads, Keras's initialisers and Adam, data readers, timing, output.

The PyTorch side mirrors yamlnet's bench configs (bench/configs/*.yaml): same architecture, Keras's
initialisation schemes, Adam with Keras's epsilon 1e-7, same batch size, a fresh shuffle every epoch, and the
per-epoch data work (negative sampling) inside the timed epoch.
"""
import gzip
import json
import math
import time

import numpy as np
import torch

FASHION = "/usr/share/datasets/fashion-mnist"


def setup(threads, seed=42):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def loaded_blas():
    """The BLAS library mapped into this process (Debian's torch calls whatever libblas.so.3 points to)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.split()[-1]}
    found = sorted(p.removeprefix("/usr/lib/x86_64-linux-gnu/") for p in paths)
    return ",".join(found) or "unknown"


def keras_adam(parameters, learning_rate=1e-3):
    return torch.optim.Adam(parameters, lr=learning_rate, betas=(0.9, 0.999), eps=1e-7)


def glorot_uniform_(weight, fan_in, fan_out):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    torch.nn.init.uniform_(weight, -limit, limit)


def keras_dense(in_features, units):
    """torch Linear initialised as Keras's Dense: glorot_uniform kernel, zero bias."""
    layer = torch.nn.Linear(in_features, units)
    glorot_uniform_(layer.weight, in_features, units)
    torch.nn.init.zeros_(layer.bias)
    return layer


def keras_lstm(input_size, units):
    """torch LSTM initialised as Keras's: glorot_uniform over the whole (input, 4*units) kernel, orthogonal
    recurrent kernel, zero bias with the forget gate's at 1 (unit_forget_bias). Gate order i, f, g, o is
    the same in both."""
    layer = torch.nn.LSTM(input_size, units, batch_first=True)
    glorot_uniform_(layer.weight_ih_l0, input_size, 4 * units)
    recurrent = torch.empty(units, 4 * units)
    torch.nn.init.orthogonal_(recurrent)
    with torch.no_grad():
        layer.weight_hh_l0.copy_(recurrent.t())
        layer.bias_ih_l0.zero_()
        layer.bias_hh_l0.zero_()
        layer.bias_ih_l0[units:2 * units] = 1.0
    return layer


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion_mnist():
    """(x_train, y_train, x_test, y_test) as float32 images in [0, 1] and int64 labels."""
    def images(name):
        return torch.from_numpy(read_idx(f"{FASHION}/{name}").astype(np.float32) / np.float32(255.0))

    def labels(name):
        return torch.from_numpy(read_idx(f"{FASHION}/{name}").astype(np.int64))

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def user_histories(path):
    """Each user's items ordered by timestamp (ties in file order), as yamlnet's interaction_log reads
    u.data: list indexed by user id, and the number of item ids (largest + 1)."""
    log = np.loadtxt(path, dtype=np.int64, delimiter="\t")
    order = np.lexsort((np.arange(len(log)), log[:, 3], log[:, 0]))
    log = log[order]
    histories = [[] for _ in range(int(log[:, 0].max()) + 1)]
    for user, item in zip(log[:, 0], log[:, 1]):
        histories[user].append(int(item))
    return histories, int(log[:, 1].max()) + 1


def train_epochs(epochs, epoch_batches, step, steps_limit=None):
    """Runs the epochs; epoch_batches(epoch) yields batches (its per-epoch data work is timed with the
    epoch). Returns (samples, seconds)."""
    samples, seconds = 0, 0.0
    for epoch in range(epochs):
        start = time.perf_counter()
        for count, batch in enumerate(epoch_batches(epoch)):
            if steps_limit is not None and count >= steps_limit:
                break
            samples += step(*batch)
        seconds += time.perf_counter() - start
    return samples, seconds


def train_fashion_classifier(args, rng, model, epochs, batch_size):
    """Fashion-MNIST classifiers (mlp, lstm): trains with sparse categorical cross-entropy on logits; returns
    (samples, seconds, {"accuracy": test accuracy})."""
    x, y, x_test, y_test = fashion_mnist()
    optimizer = keras_adam(model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()  # softmax + sparse categorical cross-entropy, fused

    def step(images, labels):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(images), labels).backward()
        optimizer.step()
        return len(labels)

    samples, seconds = train_epochs(args.epochs or epochs, lambda e: shuffled_batches(rng, (x, y), batch_size),
                                    step, args.steps)
    with torch.no_grad():
        correct = sum((model(x_test[b:b + 1000]).argmax(1) == y_test[b:b + 1000]).sum().item()
                      for b in range(0, len(y_test), 1000))
    return samples, seconds, {"accuracy": correct / len(y_test)}


def shuffled_batches(rng, tensors, batch_size):
    n = len(tensors[0])
    order = torch.from_numpy(rng.permutation(n))
    for begin in range(0, n, batch_size):
        index = order[begin:begin + batch_size]
        yield tuple(t[index] for t in tensors)


def report(samples, seconds, metrics):
    print(json.dumps({"samples_per_second": samples / seconds, "train_samples": samples,
                      "train_seconds": seconds, "blas": loaded_blas(), **metrics}))
