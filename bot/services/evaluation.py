"""Measures retrieval quality on labelled queries: hit@1, hit@3 and MRR per language and mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.cards import Card
from bot.domain.emotions import EmotionReading, LabelledMessage
from bot.domain.framework import Language
from bot.domain.retrieval import LabelledQuery

MRR_DEPTH = 10


@dataclass(frozen=True)
class Scorecard:
    """Quality figures of one ranking on one language."""

    mode: str
    language: str
    queries: int
    hit_at_1: float
    hit_at_3: float
    mrr: float
    misses: tuple[str, ...]


Ranker = Callable[[str, Language], list[Card]]


def evaluate(queries: list[LabelledQuery], rankers: dict[str, Ranker]) -> list[Scorecard]:
    """Score each ranking mode on each language of the labelled queries."""
    cards: list[Scorecard] = []
    for mode, rank in rankers.items():
        for language in sorted({q.language for q in queries}):
            subset = [q for q in queries if q.language == language]
            positions = [_first_relevant(q, rank(q.text, q.language)) for q in subset]
            count = len(subset)
            cards.append(
                Scorecard(
                    mode=mode,
                    language=language,
                    queries=count,
                    hit_at_1=sum(p == 1 for p in positions) / count,
                    hit_at_3=sum(0 < p <= 3 for p in positions) / count,
                    mrr=sum(1 / p for p in positions if p) / count,
                    misses=tuple(
                        q.text for q, p in zip(subset, positions, strict=True) if not 0 < p <= 3
                    ),
                )
            )
    return cards


def _first_relevant(query: LabelledQuery, ranked: list[Card]) -> int:
    for position, card in enumerate(ranked[:MRR_DEPTH], start=1):
        if query.is_answered_by(card):
            return position
    return 0


@dataclass(frozen=True)
class EmotionScorecard:
    """Emotion detection quality on one language."""

    language: str
    messages: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    confusion: dict[str, dict[str, int]]  # expected -> predicted -> count
    intensity_accuracy: float


def evaluate_emotions(
    messages: list[LabelledMessage],
    analyze: Callable[[str, Language], EmotionReading],
    labels: tuple[str, ...],
) -> list[EmotionScorecard]:
    """Accuracy, macro-F1 and the confusion table of the primary emotion, per language."""
    cards = []
    for language in sorted({m.language for m in messages}):
        subset = [m for m in messages if m.language == language]
        readings = [analyze(m.text, m.language) for m in subset]
        confusion = {e: dict.fromkeys(labels, 0) for e in labels}
        for message, reading in zip(subset, readings, strict=True):
            confusion[message.emotion][reading.primary] += 1
        f1 = {label: _f1(confusion, label) for label in labels}
        present = [label for label in labels if sum(confusion[label].values())]
        intensity_hits = sum(
            r.intensity.value == m.intensity for m, r in zip(subset, readings, strict=True)
        )
        cards.append(
            EmotionScorecard(
                language=language,
                messages=len(subset),
                accuracy=sum(confusion[e][e] for e in labels) / len(subset),
                macro_f1=sum(f1[label] for label in present) / len(present),
                f1=f1,
                confusion=confusion,
                intensity_accuracy=intensity_hits / len(subset),
            )
        )
    return cards


def _f1(confusion: dict[str, dict[str, int]], label: str) -> float:
    true_positive = confusion[label][label]
    predicted = sum(row[label] for row in confusion.values())
    actual = sum(confusion[label].values())
    if not true_positive:
        return 0.0
    precision, recall = true_positive / predicted, true_positive / actual
    return 2 * precision * recall / (precision + recall)
