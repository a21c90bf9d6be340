"""Fashion-MNIST rows as sequences: LSTM(128) -> Dense(10, softmax), batch 64 (bench/configs/lstm.yaml)."""
import torch

import common


class RowsLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = common.keras_lstm(28, 128)
        self.dense = common.keras_dense(128, 10)

    def forward(self, images):
        _, (h, _) = self.lstm(images)
        return self.dense(h[-1])


def run(args, rng):
    x, y, x_test, y_test = common.fashion_mnist()
    model = RowsLSTM()
    optimizer = common.keras_adam(model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(images, labels):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(images), labels).backward()
        optimizer.step()
        return len(labels)

    samples, seconds = common.train_epochs(
        args.epochs or 2, lambda e: common.shuffled_batches(rng, (x, y), 64), step, args.steps)
    with torch.no_grad():
        correct = sum((model(x_test[b:b + 1000]).argmax(1) == y_test[b:b + 1000]).sum().item()
                      for b in range(0, len(y_test), 1000))
    return samples, seconds, {"accuracy": correct / len(y_test)}
