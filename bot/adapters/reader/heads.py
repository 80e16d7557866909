"""Linear heads on message features, trained with numpy: softmax for one label, sigmoids for many.

Plain logistic regression (full-batch Adam with L2): a few thousand labelled messages train each
head in well under a second, and the weights are plain arrays, saved without pickle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEARNING_RATE = 0.05
# Cross-validated on the corpus: 150 full-batch steps fit as well as 400, in a third of the time.
EPOCHS = 150
L2 = 1e-3


@dataclass
class SoftmaxHead:
    """One label among several (an emotion, an intent): weights, bias and the labels' names."""

    labels: tuple[str, ...]
    weights: np.ndarray  # features x labels
    bias: np.ndarray  # labels

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """One row of label probabilities per message."""
        return _softmax(features @ self.weights + self.bias)

    @classmethod
    def train(
        cls,
        features: np.ndarray,
        targets: list[str],
        labels: tuple[str, ...],
        balance: float = 0.5,
    ) -> SoftmaxHead:
        """Fit on labelled rows; rare labels weigh more (by frequency ** -balance)."""
        index = {label: i for i, label in enumerate(labels)}
        y = np.zeros((len(targets), len(labels)), dtype=np.float32)
        for row, target in enumerate(targets):
            y[row, index[target]] = 1.0
        counts = y.sum(axis=0) + 1.0
        class_weight = (counts / counts.mean()) ** -balance
        sample_weight = (y * class_weight).sum(axis=1, keepdims=True)

        def gradient(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            error = (_softmax(features @ w + b) - y) * sample_weight
            return features.T @ error / len(y) + L2 * w, error.mean(axis=0)

        w, b = _adam(gradient, features.shape[1], len(labels))
        return cls(labels, w, b)


@dataclass
class SigmoidHeads:
    """Independent yes-or-no labels (the situations a message is about)."""

    labels: tuple[str, ...]
    weights: np.ndarray  # features x labels
    bias: np.ndarray

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """One row per message, one probability per label."""
        return _sigmoid(features @ self.weights + self.bias)

    @classmethod
    def train(
        cls, features: np.ndarray, targets: list[tuple[str, ...]], labels: tuple[str, ...]
    ) -> SigmoidHeads:
        """Fit one logistic regression per label, positives weighted up to balance them."""
        index = {label: i for i, label in enumerate(labels)}
        y = np.zeros((len(targets), len(labels)), dtype=np.float32)
        for row, names in enumerate(targets):
            for name in names:
                y[row, index[name]] = 1.0
        positives = y.mean(axis=0).clip(1e-3, 0.5)
        weight = np.where(y > 0, 0.5 / positives, 1.0).astype(np.float32)

        def gradient(w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            error = (_sigmoid(features @ w + b) - y) * weight
            return features.T @ error / len(y) + L2 * w, error.mean(axis=0)

        w, b = _adam(gradient, features.shape[1], len(labels))
        return cls(labels, w, b)


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
