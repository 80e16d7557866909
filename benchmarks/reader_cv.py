"""Cross-validates ways of reading the emotion on the reader's training corpus only.

Stratified k-fold over knowledge/reader/corpus (never knowledge/eval): each variant is fitted on
k-1 folds and scored on the held-out one, and the primary emotion is decided as the reader does
(irony turns praise away). Prints emotion accuracy and macro-F1 per language, and fit time.

Run with `PYTHONPATH=. .venv/bin/python benchmarks/reader_cv.py [--variants a,b] [--folds 5]`.
The corpus's features are computed once and kept in the data folder's cache.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.adapters.reader import heads  # noqa: E402
from bot.adapters.reader.features import SIGNALS, WORD_BUCKETS  # noqa: E402
from bot.domain.taxonomy import EMOTIONS  # noqa: E402

# A variant: (train features, train labels as indices, test features) -> test probabilities.
Variant = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
IRONY = 512 + SIGNALS.index("irony")
CONFIDENCE, NEUTRAL = EMOTIONS.index("confidence"), EMOTIONS.index("neutral")


def corpus_features() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The corpus's features, emotion indices and languages (cached by the corpus's hash)."""
    from bot.adapters.emotion.factory import open_detector
    from bot.adapters.nlp.encoders import open_encoder
    from bot.adapters.reader.features import FEATURE_VERSION, Featurizer
    from bot.adapters.reader.training import corpus_files, load_corpus
    from bot.config import load_settings

    settings = load_settings()
    knowledge = ROOT / "knowledge"
    digest = hashlib.sha256(str(FEATURE_VERSION).encode())
    for path in corpus_files(knowledge):
        digest.update(path.read_bytes())
    cache = settings.cache_root / f"reader-cv-{digest.hexdigest()[:16]}.npz"
    messages = load_corpus(knowledge)
    labels = np.array([EMOTIONS.index(m.emotion) for m in messages])
    languages = np.array([m.language for m in messages])
    extra = np.concatenate(
        [
            np.stack([char_grams(m.text) for m in messages]),
            np.stack([stem_grams(m.text, m.language) for m in messages]),
            np.stack([prefix_grams(m.text) for m in messages]),
        ],
        axis=1,
    )
    if cache.exists():
        with np.load(cache, allow_pickle=False) as saved:
            return np.concatenate([saved["features"], extra], axis=1), labels, languages
    encoder = open_encoder(settings.embeddings, settings.model_path)
    featurizer = Featurizer(encoder, open_detector(knowledge, settings.cache_root, None))
    features = featurizer.many([m.text for m in messages], [m.language for m in messages])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, features=features)
    return np.concatenate([features, extra], axis=1), labels, languages


CHAR_BUCKETS = 4096
BASE = 512 + len(SIGNALS) + WORD_BUCKETS  # the reader's own columns; char grams come after


def char_grams(text: str, sizes: tuple[int, ...] = (3, 4, 5)) -> np.ndarray:
    """Character n-grams of the folded words (with word edges), hashed, log-counted, unit length."""
    import zlib

    from bot.adapters.nlp.text import words

    padded = f" {' '.join(words(text))} "
    counts = np.zeros(CHAR_BUCKETS, dtype=np.float32)
    for n in sizes:
        for i in range(len(padded) - n + 1):
            counts[zlib.crc32(padded[i : i + n].encode()) % CHAR_BUCKETS] += 1.0
    counts = np.log1p(counts)
    norm = float(np.linalg.norm(counts))
    return counts / norm if norm else counts


STEM_BUCKETS = 2048
STEMS = BASE + CHAR_BUCKETS
PREFIXES = STEMS + STEM_BUCKETS


def _hashed(grams: list[str], buckets: int) -> np.ndarray:
    import zlib

    counts = np.zeros(buckets, dtype=np.float32)
    for gram in grams:
        counts[zlib.crc32(gram.encode()) % buckets] += 1.0
    counts = np.log1p(counts)
    norm = float(np.linalg.norm(counts))
    return counts / norm if norm else counts


def stem_grams(text: str, language: str) -> np.ndarray:
    """Snowball stems of the folded words and stem pairs, hashed."""
    import itertools

    from bot.adapters.nlp.text import stem, words

    stems = [stem(w, language) for w in words(text)]
    return _hashed([*stems, *(f"{a}_{b}" for a, b in itertools.pairwise(stems))], STEM_BUCKETS)


def prefix_grams(text: str) -> np.ndarray:
    """The first five letters of each folded word, and prefix pairs, hashed."""
    import itertools

    from bot.adapters.nlp.text import words

    heads_ = [w[:5] for w in words(text)]
    return _hashed([*heads_, *(f"{a}_{b}" for a, b in itertools.pairwise(heads_))], STEM_BUCKETS)


def block(variant: Variant, start: int, stop: int, scale: float = 1.0) -> Variant:
    """A variant on the reader's features plus one scaled extra block of columns."""

    def run(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        pick = np.r_[0:BASE, start:stop]
        factor = np.ones(len(pick), dtype=np.float32)
        factor[BASE:] = scale
        return variant(train[:, pick] * factor, y, test[:, pick] * factor)

    return run


def clause(variant_of: Callable[[int], Variant], scale: float = 1.0) -> Variant:
    """A variant with the last clause's vector (scaled) as extra dense columns in front.

    The harness passes rows, not indices: the clause vectors ride along as the last columns.
    """

    def run(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        def arrange(rows: np.ndarray) -> np.ndarray:
            return np.concatenate([rows[:, -512:] * scale, rows[:, :BASE]], axis=1)

        return variant_of(1024 + len(SIGNALS))(arrange(train), y, arrange(test))

    return run


def base(variant: Variant) -> Variant:
    """A variant on the reader's own features only."""
    return lambda train, y, test: variant(train[:, :BASE], y, test[:, :BASE])


def scaled(variant: Variant, vector: float = 1.0, cues: float = 1.0, words: float = 1.0) -> Variant:
    """A variant on the reader's features with each block scaled (a block-wise L2, in effect)."""
    factor = np.ones(BASE, dtype=np.float32)
    factor[:512], factor[512 : 512 + len(SIGNALS)], factor[512 + len(SIGNALS) :] = (
        vector,
        cues,
        words,
    )
    return base(lambda train, y, test: variant(train * factor, y, test * factor))


def chars(variant: Variant, scale: float = 1.0) -> Variant:
    """A variant on the reader's features plus scaled character n-grams."""
    return block(variant, BASE, BASE + CHAR_BUCKETS, scale)


def last_clause_vectors() -> np.ndarray:
    """The sentence vector of each corpus message's last clause (the whole when it has one)."""
    import re

    from bot.adapters.nlp.encoders import open_encoder
    from bot.adapters.reader.training import corpus_files, load_corpus
    from bot.config import load_settings

    settings = load_settings()
    knowledge = ROOT / "knowledge"
    digest = hashlib.sha256(b"last-clause")
    for path in corpus_files(knowledge):
        digest.update(path.read_bytes())
    cache = settings.cache_root / f"reader-cv-clause-{digest.hexdigest()[:16]}.npz"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as saved:
            return np.asarray(saved["vectors"])
    texts = []
    for message in load_corpus(knowledge):
        parts = [
            p
            for p in re.split(r"[.!?;:\n]+|\s(?:but|mais|just|juste)\s", message.text)
            if len(p.split()) >= 2
        ]
        texts.append(parts[-1] if parts else message.text)
    encoder = open_encoder(settings.embeddings, settings.model_path)
    vectors = np.asarray(encoder.encode_queries(texts), dtype=np.float32)
    np.savez(cache, vectors=vectors)
    return vectors


CLAUSES: np.ndarray | None = None


def folds(labels: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """A fold number per message, stratified by emotion."""
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(labels), dtype=int)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        fold[members] = np.arange(len(members)) % k
    return fold


def decide(features: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """The primary emotion as the reader decides it: irony turns praise to the best other."""
    primary = probabilities.argmax(axis=1)
    others = probabilities.copy()
    others[:, [CONFIDENCE, NEUTRAL]] = -1.0
    best_other = others.argmax(axis=1)
    fallback = np.where(others.max(axis=1) >= 0.05, best_other, EMOTIONS.index("frustration"))
    ironic = (features[:, IRONY] > 0) & (primary == CONFIDENCE)
    return np.where(ironic, fallback, primary)


def macro_f1(expected: np.ndarray, read: np.ndarray) -> float:
    """Macro-F1 over the labels present, as bot.services.evaluation computes it."""
    scores = []
    for label in np.unique(expected):
        tp = int(np.sum((read == label) & (expected == label)))
        if not tp:
            scores.append(0.0)
            continue
        precision, recall = tp / np.sum(read == label), tp / np.sum(expected == label)
        scores.append(2 * precision * recall / (precision + recall))
    return float(np.mean(scores))


def cross_validate(
    variant: Variant, data: tuple[np.ndarray, np.ndarray, np.ndarray], k: int, seed: int
) -> tuple[dict[str, tuple[float, float]], float]:
    """Per-language (accuracy, macro-F1) of a variant over k folds, and its mean fit time."""
    features, labels, languages = data
    fold = folds(labels, k, seed)
    read = np.zeros_like(labels)
    seconds = 0.0
    for f in range(k):
        train, test = fold != f, fold == f
        started = time.perf_counter()
        probabilities = variant(features[train], labels[train], features[test])
        seconds += time.perf_counter() - started
        read[test] = decide(features[test], probabilities)
    figures = {
        lang: (
            float(np.mean(read[languages == lang] == labels[languages == lang])),
            macro_f1(labels[languages == lang], read[languages == lang]),
        )
        for lang in ("en", "fr")
    }
    return figures, seconds / k


# Experiments that did not earn a place in the reader (MLP, wide & deep), kept to reproduce them.
_softmax = heads._softmax
Design, Task = heads.Design, heads.Task


@dataclass
class MlpHead:
    """One label among several, read through one hidden layer of ReLU units.

    The hidden layer reads the first columns only (the sentence vector and the cues): the hashed
    words through it cost ten times the training time for no gain; a linear head reads them.
    """

    labels: tuple[str, ...]
    hidden: np.ndarray  # dense features x units
    hidden_bias: np.ndarray  # units
    weights: np.ndarray  # units x labels
    bias: np.ndarray  # labels

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """One row of label probabilities per message."""
        dense = features[:, : self.hidden.shape[0]]
        units = np.maximum(dense @ self.hidden + self.hidden_bias, 0.0)
        return _softmax(units @ self.weights + self.bias)


@dataclass(frozen=True)
class MlpSettings:
    """How an MLP head is fitted: mini-batch Adam with dropout on the hidden units and L2."""

    units: int = 256
    epochs: int = 20
    batch: int = 128
    learning_rate: float = 2e-3
    dropout: float = 0.3
    l2: float = 1e-4
    init: float = 0.05
    seed: int = 0
    wide_l2: float = 1e-4


def fit_mlp(
    dense: np.ndarray, task: Task, settings: MlpSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit a one-hidden-layer head on a softmax task; returns hidden, its bias, weights, bias."""
    rng = np.random.default_rng(settings.seed)
    rows, columns = dense.shape
    labels = task.targets.shape[1]
    params = [
        (rng.standard_normal((columns, settings.units)) * settings.init).astype(np.float32),
        np.zeros(settings.units, dtype=np.float32),
        (rng.standard_normal((settings.units, labels)) / np.sqrt(settings.units)).astype(
            np.float32
        ),
        np.zeros(labels, dtype=np.float32),
    ]
    adam = _Adam(params, settings.learning_rate)
    for _ in range(settings.epochs):
        order = rng.permutation(rows)
        for start in range(0, rows, settings.batch):
            batch = order[start : start + settings.batch]
            adam.step(_mlp_gradient(params, dense[batch], task, batch, settings, rng))
    return params[0], params[1], params[2], params[3]


def _mlp_gradient(
    params: list[np.ndarray],
    inputs: np.ndarray,
    task: Task,
    batch: np.ndarray,
    settings: MlpSettings,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """The gradient of the weighted cross-entropy plus L2 on one mini-batch, with dropout."""
    hidden, hidden_bias, weights, bias = params
    pre = inputs @ hidden + hidden_bias
    keep = ((rng.random(pre.shape) >= settings.dropout) / (1.0 - settings.dropout)).astype(
        np.float32
    )
    units = np.maximum(pre, 0.0) * keep
    error = (_softmax(units @ weights + bias) - task.targets[batch]) * task.weight[batch]
    error = np.asarray(error / len(batch), dtype=np.float32)
    back = (error @ weights.T) * keep * (pre > 0)
    return [
        inputs.T @ back + settings.l2 * hidden,
        back.sum(axis=0),
        units.T @ error + settings.l2 * weights,
        error.sum(axis=0),
    ]


class _Adam:
    """Adam's moments for a list of arrays, updated in place."""

    def __init__(self, params: list[np.ndarray], learning_rate: float) -> None:
        self.params = params
        self.rates = [learning_rate] * len(params)
        self.first = [np.zeros_like(p) for p in params]
        self.second = [np.zeros_like(p) for p in params]
        self.steps = 0

    def step(self, grads: list[np.ndarray]) -> None:
        """One update of every array from its gradient."""
        beta1, beta2, epsilon = 0.9, 0.999, 1e-8
        self.steps += 1
        bias1, bias2 = 1 - beta1**self.steps, 1 - beta2**self.steps
        for value, grad, first, second, rate in zip(
            self.params, grads, self.first, self.second, self.rates, strict=True
        ):
            np.multiply(first, beta1, out=first)
            np.add(first, (1 - beta1) * grad, out=first)
            np.multiply(second, beta2, out=second)
            np.add(second, (1 - beta2) * grad * grad, out=second)
            step = (rate / bias1) * first / (np.sqrt(second / bias2) + epsilon)
            np.subtract(value, step, out=value)


def fit_wide_deep(
    features: np.ndarray, task: Task, dense_columns: int, settings: MlpSettings, wide_rate: float
) -> tuple[np.ndarray, ...]:
    """Fit a linear head on every feature and an MLP on the dense ones, summed, jointly."""
    rng = np.random.default_rng(settings.seed)
    rows, columns = features.shape
    labels = task.targets.shape[1]
    params = [
        (rng.standard_normal((dense_columns, settings.units)) * settings.init).astype(np.float32),
        np.zeros(settings.units, dtype=np.float32),
        (rng.standard_normal((settings.units, labels)) / np.sqrt(settings.units)).astype(
            np.float32
        ),
        np.zeros(labels, dtype=np.float32),
        np.zeros((columns, labels), dtype=np.float32),
    ]
    adam = _Adam(params, settings.learning_rate)
    adam.rates[-1] = wide_rate
    for _ in range(settings.epochs):
        order = rng.permutation(rows)
        for start in range(0, rows, settings.batch):
            batch = order[start : start + settings.batch]
            design = Design(features[batch], dense_columns)
            adam.step(
                _wide_deep_gradient(
                    params, design, features[batch, :dense_columns], task, batch, settings, rng
                )
            )
    return tuple(params)


def _wide_deep_gradient(
    params: list[np.ndarray],
    design: Design,
    inputs: np.ndarray,
    task: Task,
    batch: np.ndarray,
    settings: MlpSettings,
    rng: np.random.Generator,
) -> list[np.ndarray]:
    hidden, hidden_bias, weights, bias, wide = params
    pre = inputs @ hidden + hidden_bias
    keep = ((rng.random(pre.shape) >= settings.dropout) / (1.0 - settings.dropout)).astype(
        np.float32
    )
    units = np.maximum(pre, 0.0) * keep
    logits = units @ weights + bias + design.dot(wide)
    error = (_softmax(logits) - task.targets[batch]) * task.weight[batch]
    error = np.asarray(error / len(batch), dtype=np.float32)
    back = (error @ weights.T) * keep * (pre > 0)
    return [
        inputs.T @ back + settings.l2 * hidden,
        back.sum(axis=0),
        units.T @ error + settings.l2 * weights,
        error.sum(axis=0),
        design.tdot(error) + settings.wide_l2 * wide,
    ]


def _one_hot(labels: np.ndarray) -> list[str]:
    return [EMOTIONS[i] for i in labels]


def linear(
    epochs: int = 100, l2: float = 1e-3, balance: float = 0.5, dense: int = 0, rate: float = 0.05
) -> Variant:
    """The linear softmax head as the reader trains it, with its epochs, L2 and balance."""

    def run(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        task = heads.SoftmaxHead.task(_one_hot(y), EMOTIONS, balance, l2=l2)
        design = heads.Design(train, dense or 512 + len(SIGNALS))
        saved = heads.EPOCHS, heads.LEARNING_RATE
        heads.EPOCHS, heads.LEARNING_RATE = epochs, rate
        try:
            ((w, b),) = heads.fit_together(design, [task])
        finally:
            heads.EPOCHS, heads.LEARNING_RATE = saved
        return heads.SoftmaxHead(EMOTIONS, w, b).probabilities(test)

    return run


def mlp(**settings: float) -> Variant:
    """A one-hidden-layer head (fit_mlp) with the given settings."""
    chosen = MlpSettings(**settings)  # type: ignore[arg-type]

    def run(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        task = heads.SoftmaxHead.task(_one_hot(y), EMOTIONS, 0.5)
        fitted = fit_mlp(train[:, : 512 + len(SIGNALS)], task, chosen)
        return MlpHead(EMOTIONS, *fitted).probabilities(test)

    return run


def wide_deep(wide_rate: float = 2e-3, **settings: float) -> Variant:
    """A linear head on every feature plus an MLP on the dense ones, fitted jointly."""
    chosen = MlpSettings(**settings)  # type: ignore[arg-type]
    dense = 512 + len(SIGNALS)

    def run(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        task = heads.SoftmaxHead.task(_one_hot(y), EMOTIONS, 0.5)
        h, hb, w, b, wide = fit_wide_deep(train, task, dense, chosen, wide_rate)
        units = np.maximum(test[:, :dense] @ h + hb, 0.0)
        return _softmax(units @ w + b + test @ wide)

    return run


def knn(k: int = 15, power: float = 4.0, columns: int = 512, balance: float = 0.0) -> Variant:
    """A vote of the k nearest corpus messages by sentence vector, weighted by similarity."""

    def run(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        similarity = _unit(test[:, :columns]) @ _unit(train[:, :columns]).T
        nearest = np.argpartition(-similarity, k, axis=1)[:, :k]
        votes = np.zeros((len(test), len(EMOTIONS)), dtype=np.float32)
        weight = np.clip(np.take_along_axis(similarity, nearest, axis=1), 0, None) ** power
        np.add.at(votes, (np.arange(len(test))[:, None], y[nearest]), weight)
        counts = np.bincount(y, minlength=len(EMOTIONS)) + 1.0
        votes *= ((counts / counts.mean()) ** -balance).astype(np.float32)
        return votes / np.maximum(votes.sum(axis=1, keepdims=True), 1e-9)

    return run


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def blend(first: Variant, second: Variant, share: float) -> Variant:
    """Probabilities of two variants mixed, `share` of the second."""

    def run(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        return (1 - share) * first(train, y, test) + share * second(train, y, test)

    return run


def reader() -> Variant:
    """The emotion reading as bot.adapters.reader trains and blends it (the kept change)."""
    from bot.adapters.reader.model import NEIGHBOUR_SHARE
    from bot.adapters.reader.training import EMOTION_L2

    def run(train: np.ndarray, y: np.ndarray, test: np.ndarray) -> np.ndarray:
        task = heads.SoftmaxHead.task(_one_hot(y), EMOTIONS, l2=EMOTION_L2)
        ((w, b),) = heads.fit_together(heads.Design(train, 512 + len(SIGNALS)), [task])
        vote = heads.NeighbourVote.of(train[:, :512], y, len(EMOTIONS))
        linear_part = heads.SoftmaxHead(EMOTIONS, w, b).probabilities(test)
        return (1 - NEIGHBOUR_SHARE) * linear_part + NEIGHBOUR_SHARE * vote.probabilities(test)

    return run


VARIANTS: dict[str, Variant] = {
    "reader": base(reader()),
    "linear": base(linear()),
    "linear-e200": base(linear(epochs=200)),
    "linear-e400": base(linear(epochs=400)),
    "linear-l2-1e-4": base(linear(l2=1e-4)),
    "linear-l2-3e-4-e200": base(linear(epochs=200, l2=3e-4)),
    "linear-bal1": base(linear(balance=1.0)),
    "linear-bal0": base(linear(balance=0.0)),
    "linear-l2-3e-5": base(linear(l2=3e-5)),
    "linear-l2-1e-5": base(linear(l2=1e-5)),
    "linear-l2-0": base(linear(l2=0.0)),
    "linear-l2-1e-4-e60": base(linear(epochs=60, l2=1e-4)),
    "linear-l2-1e-4-e150": base(linear(epochs=150, l2=1e-4)),
    "linear-l2-1e-4-bal0.7": base(linear(l2=1e-4, balance=0.7)),
    "linear-l2-1e-4+knn0.2": base(blend(linear(l2=1e-4), knn(), 0.2)),
    "linear-l2-1e-4+knn0.35": base(blend(linear(l2=1e-4), knn(), 0.35)),
    "mlp": base(mlp()),
    "mlp+linear0.3": base(blend(mlp(), linear(l2=1e-4), 0.3)),
    "mlp+linear0.5": base(blend(mlp(), linear(l2=1e-4), 0.5)),
    "mlp+linear0.7": base(blend(mlp(), linear(l2=1e-4), 0.7)),
    "mlp-e10": base(mlp(epochs=10)),
    "mlp-e40": base(mlp(epochs=40)),
    "mlp-u128": base(mlp(units=128)),
    "mlp-d0.5": base(mlp(dropout=0.5)),
    "mlp-lr1e-3": base(mlp(learning_rate=1e-3)),
    "mlp-init0.02": base(mlp(init=0.02)),
    "knn15": base(knn()),
    "knn30": base(knn(k=30)),
    "linear+knn0.3": base(blend(linear(), knn(), 0.3)),
    "linear+knn0.5": base(blend(linear(), knn(), 0.5)),
    "mlp+knn0.3": base(blend(mlp(), knn(), 0.3)),
    "L": base(linear(l2=1e-4)),
    "L-dense": scaled(linear(l2=1e-4), words=0.0),
    "L-vec2": scaled(linear(l2=1e-4), vector=2.0),
    "L-vec0.5": scaled(linear(l2=1e-4), vector=0.5),
    "L-words2": scaled(linear(l2=1e-4), words=2.0),
    "L-words0.5": scaled(linear(l2=1e-4), words=0.5),
    "L-cues2": scaled(linear(l2=1e-4), cues=2.0),
    "L-cues0.5": scaled(linear(l2=1e-4), cues=0.5),
    "knn5": base(knn(k=5)),
    "knn15-p1": base(knn(power=1.0)),
    "knn15-p10": base(knn(power=10.0)),
    "knn15-all": base(knn(columns=BASE)),
    "L+knn0.5": base(blend(linear(l2=1e-4), knn(), 0.5)),
    "L+knn30-0.35": base(blend(linear(l2=1e-4), knn(k=30), 0.35)),
    "L+knn15all-0.35": base(blend(linear(l2=1e-4), knn(columns=BASE), 0.35)),
    "L+stems": block(linear(l2=1e-4), STEMS, STEMS + STEM_BUCKETS),
    "L+stems0.5": block(linear(l2=1e-4), STEMS, STEMS + STEM_BUCKETS, 0.5),
    "L+prefix": block(linear(l2=1e-4), PREFIXES, PREFIXES + STEM_BUCKETS),
    "L+stems+knn0.35": block(blend(linear(l2=1e-4), knn(), 0.35), STEMS, STEMS + STEM_BUCKETS),
    "L+clause": clause(lambda d: linear(l2=1e-4, dense=d)),
    "L+clause0.5": clause(lambda d: linear(l2=1e-4, dense=d), 0.5),
    "L-lr0.1": base(linear(l2=1e-4, rate=0.1)),
    "L-lr0.02": base(linear(l2=1e-4, rate=0.02)),
    "L-lr0.02-e200": base(linear(l2=1e-4, rate=0.02, epochs=200)),
    "L-l2-2e-4": base(linear(l2=2e-4)),
    "L-l2-5e-5": base(linear(l2=5e-5)),
    "L+knn10-0.4": base(blend(linear(l2=1e-4), knn(k=10), 0.4)),
    "L+knn20-0.4": base(blend(linear(l2=1e-4), knn(k=20), 0.4)),
    "L+knn20p2-0.4": base(blend(linear(l2=1e-4), knn(k=20, power=2), 0.4)),
    "L+knn20p8-0.4": base(blend(linear(l2=1e-4), knn(k=20, power=8), 0.4)),
    "L+knn15-0.6": base(blend(linear(l2=1e-4), knn(), 0.6)),
    "L+knn20p16-0.4": base(blend(linear(l2=1e-4), knn(k=20, power=16), 0.4)),
    "L+knn20p32-0.4": base(blend(linear(l2=1e-4), knn(k=20, power=32), 0.4)),
    "L+knn40p16-0.4": base(blend(linear(l2=1e-4), knn(k=40, power=16), 0.4)),
    "L+knn20p16-0.3": base(blend(linear(l2=1e-4), knn(k=20, power=16), 0.3)),
    "L+knn20p16-0.5": base(blend(linear(l2=1e-4), knn(k=20, power=16), 0.5)),
    "L+knn20p8b0.5-0.4": base(blend(linear(l2=1e-4), knn(k=20, power=8, balance=0.5), 0.4)),
    "L+knn20p8b1-0.4": base(blend(linear(l2=1e-4), knn(k=20, power=8, balance=1), 0.4)),
    "Lb0.7+knn20p8-0.4": base(blend(linear(l2=1e-4, balance=0.7), knn(k=20, power=8), 0.4)),
    "L+knn30p8-0.4": base(blend(linear(l2=1e-4), knn(k=30, power=8), 0.4)),
    "L+knn20p8-0.35": base(blend(linear(l2=1e-4), knn(k=20, power=8), 0.35)),
    "wd": base(wide_deep()),
    "wd-wr1e-2": base(wide_deep(wide_rate=1e-2)),
    "wd-wr5e-3-e10": base(wide_deep(wide_rate=5e-3, epochs=10)),
    "wd-wl2-1e-5": base(wide_deep(wide_l2=1e-5)),
    "chars-linear-l2-1e-4": chars(linear(l2=1e-4)),
    "chars0.5-linear-l2-1e-4": chars(linear(l2=1e-4), 0.5),
    "chars-linear-l2-1e-4+knn0.35": chars(blend(linear(l2=1e-4), knn(), 0.35)),
}


def main() -> None:
    """Cross-validate the chosen variants and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = corpus_features()
    if any(name.startswith("L+clause") for name in args.variants.split(",")):
        data = (np.concatenate([data[0], last_clause_vectors()], axis=1), data[1], data[2])
    print(f"{len(data[1])} messages, {args.folds}-fold CV, seed {args.seed}")
    print(f"{'variant':<28} {'en acc':>7} {'en F1':>7} {'fr acc':>7} {'fr F1':>7} {'fit s':>6}")
    for name in args.variants.split(","):
        figures, seconds = cross_validate(VARIANTS[name], data, args.folds, args.seed)
        row = " ".join(f"{figures[lang][i]:>7.3f}" for lang in ("en", "fr") for i in (0, 1))
        print(f"{name:<28} {row} {seconds:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
