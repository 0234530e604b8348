"""Calibrated confidence: the probability that the top-ranked entry is the right topic.

A logistic model over a few features of the ranking (top score, lead over the runner-up, how much of
the question the top entry explains, question length) turns raw scores, which mean different things
for short and long questions, into one probability that a single threshold can serve. It is fitted on
the dev set by `bench/fit_calibration.py` (k-fold) and its weights live in config.yaml `matching:`."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from bot.common.config import FEATURES

RIDGE = 1.0  # L2 pull toward zero on the weights (not the intercept): keeps a small dev set honest
NEWTON_STEPS = 30


@dataclass(frozen=True)
class Ranking:
    """What the calibration reads of one ranked question."""

    top: float  # best score, 0–100
    runner_up: float  # second-best score, 0–100 (0 when alone)
    coverage: float  # share of the question's subject words the top entry explains, 0–1
    tokens: int  # words in the question

    def features(self) -> np.ndarray:
        return np.array([
            self.top / 100, (self.top - self.runner_up) / 100, self.coverage, math.log1p(self.tokens),
        ])


def probability(weights: Sequence[float], ranking: Ranking) -> float:
    """P(top entry is right) under weights = (intercept, one per FEATURES)."""
    value = float(weights[0] + np.dot(weights[1:], ranking.features()))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, value))))


def fit(rows: Sequence[Ranking], right: Sequence[bool]) -> tuple[float, ...]:
    """Weights of a ridge-regularised logistic regression (Newton's method), intercept first
    (all zero, P = 0.5, without rows)."""
    if not rows:
        return (0.0,) * (len(FEATURES) + 1)
    x = np.hstack([np.ones((len(rows), 1)), np.array([r.features() for r in rows]).reshape(len(rows), -1)])
    y = np.array(right, dtype=float)
    weights = np.zeros(x.shape[1])
    penalty = RIDGE * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(NEWTON_STEPS):
        p = 1 / (1 + np.exp(-np.clip(x @ weights, -30, 30)))
        gradient = x.T @ (p - y) + penalty @ weights
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return tuple(round(float(w), 4) for w in weights)


def folds(count: int, k: int, seed: int = 13) -> list[np.ndarray]:
    """k (at most count) disjoint, shuffled, non-empty index sets covering range(count)."""
    order = np.random.default_rng(seed).permutation(count)
    return [order[i::k] for i in range(min(k, count))]


def out_of_fold(
    count: int, k: int, train_and_predict: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Predictions for every item from a model that never saw it: train_and_predict(train, test)
    returns one prediction per test index."""
    predictions: np.ndarray | None = None
    for held_out in folds(count, k):
        train = np.setdiff1d(np.arange(count), held_out)
        predicted = np.asarray(train_and_predict(train, held_out))
        if predictions is None:
            predictions = np.empty((count, *predicted.shape[1:]), dtype=predicted.dtype)
        predictions[held_out] = predicted
    return predictions if predictions is not None else np.empty(0)
