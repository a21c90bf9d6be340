"""NeuMF on MovieLens-100k under the NCF protocol (bench/configs/neumf.yaml): leave-one-out by timestamp,
4 negatives per positive resampled every epoch from items the user never had (inside the timed epoch), GMF dim
8, MLP embeddings 32 with layers [64, 32, 16, 8], batch 256; HR@10 and NDCG@10 of the held-out item among 99
sampled negatives."""
import math

import numpy as np
import torch

import common


def normal_embedding(rows, dim):
    layer = torch.nn.Embedding(rows, dim)
    torch.nn.init.normal_(layer.weight, std=0.01)
    return layer


class NeuMF(torch.nn.Module):
    def __init__(self, users, items):
        super().__init__()
        self.mf_user, self.mf_item = normal_embedding(users, 8), normal_embedding(items, 8)
        self.mlp_user, self.mlp_item = normal_embedding(users, 32), normal_embedding(items, 32)
        sizes = [64, 64, 32, 16, 8]
        self.mlp = torch.nn.Sequential(*[m for a, b in zip(sizes, sizes[1:])
                                         for m in (common.keras_dense(a, b), torch.nn.ReLU())])
        self.score = torch.nn.Linear(16, 1)
        limit = math.sqrt(3.0 / 16)  # lecun_uniform
        torch.nn.init.uniform_(self.score.weight, -limit, limit)
        torch.nn.init.zeros_(self.score.bias)

    def forward(self, user, item):
        gmf = self.mf_user(user) * self.mf_item(item)
        mlp = self.mlp(torch.cat([self.mlp_user(user), self.mlp_item(item)], dim=1))
        return self.score(torch.cat([gmf, mlp], dim=1)).squeeze(1)


def negatives(rng, seen, users, count):
    """count never-interacted items for each of users, by vectorised rejection sampling."""
    out = np.empty((len(users), count), dtype=np.int64)
    todo = np.ones(out.shape, dtype=bool)
    rows = np.repeat(users[:, None], count, axis=1)
    while todo.any():
        draw = rng.integers(1, seen.shape[1], size=int(todo.sum()))
        out[todo] = draw
        todo[todo] = seen[rows[todo], draw]
    return out


def run(args, rng):
    histories, num_items = common.user_histories(f"{args.ml100k}/u.data")
    seen = np.zeros((len(histories), num_items), dtype=bool)
    train_users, train_items, test = [], [], []
    for user, items in enumerate(histories):
        seen[user, items] = True
        if len(items) >= 2:
            test.append((user, items[-1]))
            items = items[:-1]
        train_users += [user] * len(items)
        train_items += items
    train_users, train_items = np.array(train_users), np.array(train_items)
    test_users = np.array([u for u, _ in test])
    eval_items = np.concatenate([np.array([[i] for _, i in test]), negatives(rng, seen, test_users, 99)], axis=1)

    model = NeuMF(len(histories), num_items)
    optimizer = common.keras_adam(model.parameters())
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def epoch_batches(epoch):
        users = np.repeat(train_users, 5)
        items = np.concatenate([train_items[:, None], negatives(rng, seen, train_users, 4)], axis=1).ravel()
        labels = np.tile(np.array([1, 0, 0, 0, 0], dtype=np.float32), len(train_users))
        tensors = (torch.from_numpy(users), torch.from_numpy(items), torch.from_numpy(labels))
        return common.shuffled_batches(rng, tensors, 256)

    def step(user, item, label):
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(user, item), label).backward()
        optimizer.step()
        return len(label)

    samples, seconds = common.train_epochs(args.epochs or 10, epoch_batches, step, args.steps)
    with torch.no_grad():
        users = torch.from_numpy(np.repeat(test_users, 100))
        scores = model(users, torch.from_numpy(eval_items.ravel())).reshape(-1, 100)
        rank = (scores[:, 1:] > scores[:, :1]).sum(1).float()
        hr = (rank < 10).float().mean().item()
        ndcg = torch.where(rank < 10, 1.0 / torch.log2(rank + 2), torch.zeros_like(rank)).mean().item()
    return samples, seconds, {"hr@10": hr, "ndcg@10": ndcg}
