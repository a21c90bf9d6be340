"""Fashion-MNIST MLP: Flatten -> Dense(128, relu) -> Dense(10, softmax), batch 32 (bench/configs/mlp.yaml)."""
import torch

import common


def run(args, rng):
    x, y, x_test, y_test = common.fashion_mnist()
    model = torch.nn.Sequential(torch.nn.Flatten(), common.keras_dense(784, 128), torch.nn.ReLU(),
                                common.keras_dense(128, 10))
    optimizer = common.keras_adam(model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()  # softmax + sparse categorical cross-entropy, fused

    def step(images, labels):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(images), labels).backward()
        optimizer.step()
        return len(labels)

    samples, seconds = common.train_epochs(
        args.epochs or 5, lambda e: common.shuffled_batches(rng, (x, y), 32), step, args.steps)
    with torch.no_grad():
        accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
    return samples, seconds, {"accuracy": accuracy}
