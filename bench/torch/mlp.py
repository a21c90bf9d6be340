"""Fashion-MNIST MLP: Flatten -> Dense(128, relu) -> Dense(10, softmax), batch 32 (bench/configs/mlp.yaml)."""
import torch

import common


def run(args, rng):
    model = torch.nn.Sequential(torch.nn.Flatten(), common.keras_dense(784, 128), torch.nn.ReLU(),
                                common.keras_dense(128, 10))
    return common.train_fashion_classifier(args, rng, model, epochs=5, batch_size=32)
