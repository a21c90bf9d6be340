"""Token ids (vocabulary 10000, length 80, padded) -> Embedding(64, mask_zero) -> LSTM(64) -> Dense(1, sigmoid),
batch 64 (bench/configs/lstm_embed.yaml). Keras's mask is PyTorch's packed sequence: the padded steps are
skipped and the state after each sequence's last real token is the output."""
import numpy as np
import torch

import common


class TokensLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10000, 64)
        torch.nn.init.uniform_(self.embedding.weight, -0.05, 0.05)  # Keras's Embedding default
        self.lstm = common.keras_lstm(64, 64)
        self.dense = common.keras_dense(64, 1)

    def forward(self, tokens, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(self.embedding(tokens), lengths, batch_first=True,
                                                         enforce_sorted=False)
        _, (h, _) = self.lstm(packed)
        return self.dense(h[-1])


def left_aligned(path):
    """Pre-padded rows (Keras's layout) as post-padded rows and lengths (packing's layout)."""
    x = np.load(path)
    lengths = (x != 0).sum(axis=1)
    out = np.zeros_like(x)
    for r, n in enumerate(lengths):
        out[r, :n] = x[r, x.shape[1] - n:]
    return torch.from_numpy(out.astype(np.int64)), torch.from_numpy(lengths.astype(np.int64))


def run(args, rng):
    x, lengths = left_aligned(f"{args.data}/train_x.npy")
    y = torch.from_numpy(np.load(f"{args.data}/train_y.npy"))
    x_test, lengths_test = left_aligned(f"{args.data}/test_x.npy")
    y_test = torch.from_numpy(np.load(f"{args.data}/test_y.npy"))
    model = TokensLSTM()
    optimizer = common.keras_adam(model.parameters())
    loss_fn = torch.nn.BCEWithLogitsLoss()  # sigmoid + binary cross-entropy, fused

    def step(tokens, n, labels):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(tokens, n), labels).backward()
        optimizer.step()
        return len(labels)

    samples, seconds = common.train_epochs(
        args.epochs or 2, lambda e: common.shuffled_batches(rng, (x, lengths, y), 64), step, args.steps)
    with torch.no_grad():
        accuracy = ((model(x_test, lengths_test) > 0).float() == y_test).float().mean().item()
    return samples, seconds, {"accuracy": accuracy}
