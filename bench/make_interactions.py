#!/usr/bin/env python3
"""Writes a synthetic interaction log in MovieLens's u.data format (user<TAB>item<TAB>rating<TAB>timestamp, ids
from 1), shaped like MovieLens: every user rates at least 20 items, users' activity is heavy-tailed (log-normal),
items' popularity follows a Zipf law over a shuffled catalogue, no user rates an item twice, ratings follow
MovieLens-20M's histogram of whole stars, and each user's timestamps increase from a start in 1995-2015.
The default size is MovieLens-20M's: 138,493 users, 26,744 items, 20,000,263 ratings. Deterministic for a seed.

Usage: make_interactions.py OUT [--ratings N] [--users N] [--items N] [--seed S] [--zipf A]
(about a minute and 1.5 GB of memory at the default size; the file is about 500 MB).
"""
import argparse
import os
import sys
import time

import numpy as np

# MovieLens-20M's shares of 1..5 stars (half stars folded up).
STAR_SHARES = np.array([0.045, 0.105, 0.270, 0.340, 0.240])
START, END = 788918400, 1420070400  # 1995-01-01 and 2015-01-01, UTC
MIN_PER_USER = 20


def user_counts(rng, users, ratings, items):
    """Ratings per user: 20 + a log-normal tail, scaled so they sum to `ratings`, none above half the catalogue
    (MovieLens's most active users rate well under that, and a user with every item leaves no negative to draw)."""
    if ratings < users * MIN_PER_USER:
        sys.exit(f"error: {ratings} ratings cannot give {users} users {MIN_PER_USER} each")
    tail = rng.lognormal(mean=0.0, sigma=1.3, size=users)
    extra = ratings - users * MIN_PER_USER
    counts = MIN_PER_USER + np.floor(tail / tail.sum() * extra).astype(np.int64)
    cap = max(MIN_PER_USER, items // 2)
    counts = np.minimum(counts, cap)
    # Hand out what rounding and the cap left, one more each to the most active users that still have room.
    short = ratings - counts.sum()
    order = np.argsort(-tail)
    while short > 0:
        room = order[counts[order] < cap][:short]
        if len(room) == 0:
            sys.exit("error: more ratings than users times half the items")
        counts[room] += 1
        short -= len(room)
    return counts


def user_items(rng, n, popularity_cdf, catalogue):
    """`n` distinct items for one user, drawn by popularity (draws repeated until they are distinct)."""
    chosen = np.unique(catalogue[np.searchsorted(popularity_cdf, rng.random(int(n * 1.3) + 8))])
    while len(chosen) < n:
        more = catalogue[np.searchsorted(popularity_cdf, rng.random(n))]
        chosen = np.unique(np.concatenate([chosen, more]))
    return rng.permutation(chosen)[:n]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--ratings", type=int, default=20000263)
    parser.add_argument("--users", type=int, default=138493)
    parser.add_argument("--items", type=int, default=26744)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--zipf", type=float, default=1.0, help="exponent of item popularity (rank^-a)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    began = time.time()

    counts = user_counts(rng, args.users, args.ratings, args.items)
    weights = np.arange(1, args.items + 1, dtype=np.float64) ** -args.zipf
    popularity_cdf = np.cumsum(weights / weights.sum())
    popularity_cdf[-1] = 1.0
    catalogue = rng.permutation(args.items) + 1  # the most popular item is not item 1

    with open(args.out + ".tmp", "w") as out:
        block = []
        for user, n in enumerate(counts, start=1):
            items = user_items(rng, int(n), popularity_cdf, catalogue)
            stars = rng.choice(5, size=n, p=STAR_SHARES) + 1
            first = rng.integers(START, END - 86400)
            times = np.sort(first + rng.integers(0, min(END - first, 3 * 365 * 86400), size=n))
            block.append(np.column_stack([np.full(n, user), items, stars, times]))
            if sum(len(b) for b in block) >= 1_000_000 or user == len(counts):
                np.savetxt(out, np.concatenate(block), fmt="%d", delimiter="\t")
                block = []
    os.replace(args.out + ".tmp", args.out)  # atomically, as yamlnet writes its files
    print(f"wrote {args.out}: {args.ratings} ratings, {args.users} users, {args.items} items "
          f"in {time.time() - began:.0f} s")


if __name__ == "__main__":
    main()
