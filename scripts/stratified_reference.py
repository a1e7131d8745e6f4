#!/usr/bin/env python3
"""Reference per-class split sizes from scikit-learn's StratifiedShuffleSplit.

Hugging Face's `train_test_split(stratify_by_column=...)` uses the same allocation
(sklearn's _approximate_mode). Class counts per split are deterministic except when
fractional remainders tie; those cases are marked `ties: true` and not asserted.

Run:  /usr/bin/python3 scripts/stratified_reference.py > test/fixtures/stratified_counts.json
"""
import json
import numpy as np
from sklearn.model_selection import StratifiedShuffleSplit

CASES = [
    # (name, per-class counts, test_size)
    ("mrpc-train", [1194, 2474], 0.2),
    ("mrpc-train", [1194, 2474], 0.1),
    ("mrpc-train", [1194, 2474], 0.33),
    ("movie-reviews", [1000, 1000], 0.25),
    ("three-class", [50, 30, 20], 0.3),
    ("three-class-skewed", [701, 199, 100], 0.15),
    ("imbalanced", [950, 50], 0.2),
    ("five-class", [400, 300, 150, 100, 57], 0.1),
]


def has_ties(counts, n_draws):
    counts = np.asarray(counts)
    continuous = counts / counts.sum() * n_draws
    floored = np.floor(continuous)
    need = int(n_draws - floored.sum())
    if need == 0:
        return False
    remainder = continuous - floored
    values = np.sort(np.unique(remainder))[::-1]
    for value in values:
        inds = np.where(remainder == value)[0]
        if len(inds) > need:
            return True
        need -= len(inds)
        if need <= 0:
            return False
    return False


out = []
for name, counts, test_size in CASES:
    y = np.concatenate([np.full(c, k) for k, c in enumerate(counts)])
    sss = StratifiedShuffleSplit(n_splits=1, test_size=test_size, random_state=0)
    train, test = next(sss.split(np.zeros(len(y)), y))
    n_test = len(test)
    n_train = len(train)
    train_counts = [int((y[train] == k).sum()) for k in range(len(counts))]
    test_counts = [int((y[test] == k).sum()) for k in range(len(counts))]
    remaining = [c - t for c, t in zip(counts, train_counts)]
    ties = has_ties(counts, n_train) or has_ties(remaining, n_test)
    out.append({
        "name": name, "classCounts": counts, "testSize": test_size,
        "nTrain": n_train, "nTest": n_test,
        "trainCounts": train_counts, "testCounts": test_counts, "ties": bool(ties),
    })

print(json.dumps({"generator": "scripts/stratified_reference.py", "sklearn": __import__("sklearn").__version__, "cases": out}, indent=2))
