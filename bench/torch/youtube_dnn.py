"""YouTube-DNN recall on MovieLens-100k (bench/configs/youtube_dnn.yaml): each position of a user's time-ordered
history predicts the next item from the (up to) 50 items before it, pre-padded with 0; masked mean pooling of a
32-dim item embedding, concatenated with a user-id embedding, Dense 128 relu -> 64 relu -> 32 = the user vector;
TF's sampled_softmax_loss with 100 unique negatives from the training targets' frequencies, log-Q correction and
accidental hits removed; batch 128. HR@50 of each user's last item over the whole catalogue, seen items
excluded."""
import numpy as np
import torch

import common

HISTORY, NEGATIVES = 50, 100


def padded(items):
    row = np.zeros(HISTORY, dtype=np.int64)
    tail = items[-HISTORY:]
    if tail:
        row[HISTORY - len(tail):] = tail
    return row


class UserTower(torch.nn.Module):
    def __init__(self, users, items):
        super().__init__()
        self.items = torch.nn.Embedding(items, 32)
        self.users = torch.nn.Embedding(users, 32)
        for table in (self.items, self.users):
            torch.nn.init.uniform_(table.weight, -0.05, 0.05)
        self.mlp = torch.nn.Sequential(common.keras_dense(64, 128), torch.nn.ReLU(), common.keras_dense(128, 64),
                                       torch.nn.ReLU(), common.keras_dense(64, 32))

    def forward(self, history, user):
        mask = (history != 0).float().unsqueeze(2)
        watched = (self.items(history) * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.mlp(torch.cat([watched, self.users(user)], dim=1))


class UniqueFrequencySampler:
    """TF's fixed-unigram candidate sampler with unique=True: draws until NEGATIVES distinct ids, and the
    expected count of an id is 1 - (1 - p)^tries (p * n when no draw was rejected)."""

    def __init__(self, rng, counts):
        self.rng = rng
        self.p = counts / counts.sum()
        self.log_p = torch.from_numpy(np.log(np.maximum(self.p, 1e-300)))

    def sample(self):
        ids, tries = [], 0
        taken = set()
        while len(ids) < NEGATIVES:
            for item in self.rng.choice(len(self.p), size=2 * NEGATIVES, p=self.p):
                tries += 1
                if item not in taken:
                    taken.add(item)
                    ids.append(item)
                    if len(ids) == NEGATIVES:
                        break
        return torch.tensor(ids), tries

    def log_expected(self, ids, tries):
        p = torch.exp(self.log_p[ids])
        if tries == NEGATIVES:
            return torch.log(p * NEGATIVES).float()
        return torch.log(-torch.expm1(tries * torch.log1p(-p))).float()


def run(args, rng):
    histories, num_items = common.user_histories(f"{args.ml100k}/u.data")
    rows, users, targets, test_rows, test_users, test_targets, test_seen = [], [], [], [], [], [], []
    for user, items in enumerate(histories):
        keep = len(items) - 1 if len(items) > 1 else len(items)
        for k in range(1, keep):
            rows.append(padded(items[:k]))
            users.append(user)
            targets.append(items[k])
        if len(items) >= 2:
            test_rows.append(padded(items[:-1]))
            test_users.append(user)
            test_targets.append(items[-1])
            test_seen.append(sorted(set(items[:-1])))
    x, u, t = torch.from_numpy(np.array(rows)), torch.tensor(users), torch.tensor(targets)
    sampler = UniqueFrequencySampler(rng, np.bincount(targets, minlength=num_items).astype(np.float64))

    model = UserTower(len(histories), num_items)
    optimizer = common.keras_adam(model.parameters())

    def step(history, user, target):
        optimizer.zero_grad(set_to_none=True)
        vectors = model(history, user)
        sampled, tries = sampler.sample()
        table = model.items.weight
        true_logit = (vectors * table[target]).sum(1, keepdim=True) - sampler.log_expected(target, tries)[:, None]
        sampled_logits = vectors @ table[sampled].t() - sampler.log_expected(sampled, tries)[None, :]
        sampled_logits = sampled_logits.masked_fill(target[:, None] == sampled[None, :], -1e30)
        logits = torch.cat([true_logit, sampled_logits], dim=1)
        torch.nn.functional.cross_entropy(logits, torch.zeros(len(target), dtype=torch.long)).backward()
        optimizer.step()
        return len(target)

    samples, seconds = common.train_epochs(
        args.epochs or 10, lambda e: common.shuffled_batches(rng, (x, u, t), 128), step, args.steps)
    with torch.no_grad():
        vectors = model(torch.from_numpy(np.array(test_rows)), torch.tensor(test_users))
        scores = vectors @ model.items.weight.t()
        scores[:, 0] = -np.inf  # padding is never recommended
        hits = 0
        for r, (target, seen) in enumerate(zip(test_targets, test_seen)):
            row = scores[r].clone()
            row[seen] = -np.inf
            hits += int((row > row[target]).sum().item() < 50)
    return samples, seconds, {"hr@50": hits / len(test_targets)}
