"""Linear heads on message features, trained with numpy: softmax for one label, sigmoids for many.

Plain logistic regression (full-batch Adam with L2): a few thousand labelled messages train each
head in well under a second, and the weights are plain arrays, saved without pickle.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEARNING_RATE = 0.05
# Cross-validated on the corpus (5,280 messages): 100 full-batch steps fit as well as 150 or 400.
EPOCHS = 100
L2 = 1e-3


class Design:
    """Training rows as a dense block and a mostly-zero block (hashed words), multiplied fast.

    Two thousand word buckets hold a few dozen non-zeros per message: multiplying them as dense
    arrays spent nine tenths of the training time on zeros.
    """

    def __init__(self, features: np.ndarray, dense_columns: int | None = None) -> None:
        split = features.shape[1] if dense_columns is None else dense_columns
        self.rows, self.columns = features.shape
        self._dense = np.ascontiguousarray(features[:, :split], dtype=np.float32)
        rows, cols = np.nonzero(features[:, split:])
        self._values = features[rows, cols + split].astype(np.float32)[:, None]
        self._split = split
        self._rows, self._cols = rows, cols
        self._row_starts, self._row_ids = _starts(rows)
        self._by_col = np.argsort(cols, kind="stable")
        self._col_starts, self._col_ids = _starts(cols[self._by_col])

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """features @ weights."""
        out: np.ndarray = np.asarray(self._dense @ weights[: self._split], dtype=np.float32)
        if len(self._rows):
            contributions = weights[self._split :][self._cols] * self._values
            out[self._row_ids] += np.add.reduceat(contributions, self._row_starts, axis=0)
        return out

    def tdot(self, error: np.ndarray) -> np.ndarray:
        """features.T @ error."""
        out = np.zeros((self.columns, error.shape[1]), dtype=np.float32)
        out[: self._split] = self._dense.T @ error
        if len(self._rows):
            contributions = (error[self._rows] * self._values)[self._by_col]
            sums = np.add.reduceat(contributions, self._col_starts, axis=0)
            out[self._split + self._col_ids] = sums
        return out


def _starts(sorted_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal ids begins in a sorted array, and the id of each run."""
    if not len(sorted_ids):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    return starts, sorted_ids[starts]


def _design(features: np.ndarray | Design) -> Design:
    return features if isinstance(features, Design) else Design(features)


@dataclass(frozen=True)
class Task:
    """One head to fit: its targets, how much each cell counts, and its kind of output."""

    labels: tuple[str, ...]
    targets: np.ndarray  # messages x labels, 0 or 1
    weight: np.ndarray  # messages x 1 (softmax) or messages x labels (sigmoids)
    softmax: bool

    def error(self, logits: np.ndarray) -> np.ndarray:
        """The weighted gradient of the loss with respect to this head's logits."""
        predicted = _softmax(logits) if self.softmax else _sigmoid(logits)
        return np.asarray((predicted - self.targets) * self.weight, dtype=np.float32)


@dataclass
class SoftmaxHead:
    """One label among several (an emotion, an intent): weights, bias and the labels' names."""

    labels: tuple[str, ...]
    weights: np.ndarray  # features x labels
    bias: np.ndarray  # labels

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """One row of label probabilities per message."""
        return _softmax(features @ self.weights + self.bias)

    @staticmethod
    def task(targets: list[str], labels: tuple[str, ...], balance: float = 0.5) -> Task:
        """What fitting this head means; rare labels weigh more (by frequency ** -balance)."""
        index = {label: i for i, label in enumerate(labels)}
        y = np.zeros((len(targets), len(labels)), dtype=np.float32)
        for row, target in enumerate(targets):
            y[row, index[target]] = 1.0
        counts = y.sum(axis=0) + 1.0
        class_weight = (counts / counts.mean()) ** -balance
        sample_weight = (y * class_weight).sum(axis=1, keepdims=True).astype(np.float32)
        return Task(labels, y, sample_weight, softmax=True)


@dataclass
class SigmoidHeads:
    """Independent yes-or-no labels (the situations a message is about)."""

    labels: tuple[str, ...]
    weights: np.ndarray  # features x labels
    bias: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """One row per message, one probability per label."""
        return _sigmoid(features @ self.weights + self.bias)

    @staticmethod
    def task(targets: list[tuple[str, ...]], labels: tuple[str, ...]) -> Task:
        """What fitting these heads means; positives weigh more, to balance them."""
        index = {label: i for i, label in enumerate(labels)}
        y = np.zeros((len(targets), len(labels)), dtype=np.float32)
        for row, names in enumerate(targets):
            for name in names:
                y[row, index[name]] = 1.0
        positives = y.mean(axis=0).clip(1e-3, 0.5)
        weight = np.where(y > 0, 0.5 / positives, 1.0).astype(np.float32)
        return Task(labels, y, weight, softmax=False)


def fit_together(
    features: np.ndarray | Design, tasks: list[Task]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Fit every head in one pass over the rows: one product serves them all.

    Adam works weight by weight, so this gives what fitting each head alone would, at a fraction
    of the time. Returns each head's weights and bias, in the order of the tasks.
    """
    design = _design(features)
    edges = np.cumsum([0, *(len(task.labels) for task in tasks)])
    spans = list(itertools.pairwise(edges.tolist()))

    def gradient(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits = design.dot(w) + b
        error = np.concatenate(
            [task.error(logits[:, a:z]) for task, (a, z) in zip(tasks, spans, strict=True)], axis=1
        )
        return design.tdot(error) / design.rows + L2 * w, error.mean(axis=0)

    w, b = _adam(gradient, design.columns, int(edges[-1]))
    return [(w[:, a:z].copy(), b[a:z].copy()) for a, z in spans]


Gradient = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _adam(gradient: Gradient, inputs: int, outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch Adam from zero weights."""
    w = np.zeros((inputs, outputs), dtype=np.float32)
    b = np.zeros(outputs, dtype=np.float32)
    moments: list[np.ndarray] = [
        np.zeros_like(w),
        np.zeros_like(w),
        np.zeros_like(b),
        np.zeros_like(b),
    ]
    beta1, beta2, epsilon = 0.9, 0.999, 1e-8
    for step in range(1, EPOCHS + 1):
        grad_w, grad_b = gradient(w, b)
        for value, grad, first, second in ((w, grad_w, 0, 1), (b, grad_b, 2, 3)):
            moments[first] = beta1 * moments[first] + (1 - beta1) * grad
            moments[second] = beta2 * moments[second] + (1 - beta2) * grad * grad
            corrected = moments[first] / (1 - beta1**step)
            scale = np.sqrt(moments[second] / (1 - beta2**step)) + epsilon
            np.subtract(value, LEARNING_RATE * corrected / scale, out=value, casting="unsafe")
    return w, b


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    return np.asarray(exps / exps.sum(axis=1, keepdims=True), dtype=np.float32)


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30))), dtype=np.float32)
