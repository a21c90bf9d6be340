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
    return common.train_fashion_classifier(args, rng, RowsLSTM(), epochs=2, batch_size=64)
