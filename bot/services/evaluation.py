"""Measures quality on labelled sets: retrieval (hit@1, hit@3, MRR) and what the reader reads."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.cards import Card
from bot.domain.emotions import EmotionReading, LabelledMessage, SafetyLevel
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
    pairs = [(m, analyze(m.text, m.language)) for m in messages]
    return [score_emotions(language, subset, labels) for language, subset in _by_language(pairs)]


def score_emotions(
    language: str, pairs: list[tuple[LabelledMessage, EmotionReading]], labels: tuple[str, ...]
) -> EmotionScorecard:
    """The emotion scorecard of messages read in one language."""
    confusion = {e: dict.fromkeys(labels, 0) for e in labels}
    for message, reading in pairs:
        confusion[message.emotion][reading.primary] += 1
    f1 = {label: _f1(confusion, label) for label in labels}
    present = [label for label in labels if sum(confusion[label].values())]
    return EmotionScorecard(
        language=language,
        messages=len(pairs),
        accuracy=sum(confusion[e][e] for e in labels) / len(pairs),
        macro_f1=sum(f1[label] for label in present) / len(present),
        f1=f1,
        confusion=confusion,
        intensity_accuracy=_share(pairs, lambda m, r: r.intensity.value == m.intensity),
    )


def _by_language(
    pairs: list[tuple[LabelledMessage, EmotionReading]],
) -> list[tuple[str, list[tuple[LabelledMessage, EmotionReading]]]]:
    languages = sorted({m.language for m, _ in pairs})
    return [(lang, [(m, r) for m, r in pairs if m.language == lang]) for lang in languages]


def _f1(confusion: dict[str, dict[str, int]], label: str) -> float:
    true_positive = confusion[label][label]
    predicted = sum(row[label] for row in confusion.values())
    actual = sum(confusion[label].values())
    if not true_positive:
        return 0.0
    precision, recall = true_positive / predicted, true_positive / actual
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class ReaderScorecard:
    """Everything the reader reads, measured on one language of one labelled set."""

    language: str
    messages: int
    emotions: EmotionScorecard
    lenient_accuracy: float  # the expected emotion among the two read first
    intent_accuracy: float
    meeting_accuracy: float
    situation_recall: float
    situation_precision: float
    distress: int
    safety_recall: float  # distress messages given a check-in or the hand-off
    hand_off_recall: float  # clearly distressed messages given the hand-off itself
    ordinary: int
    false_alarms: float  # messages without distress that got a check-in or the hand-off


def evaluate_reader(
    messages: list[LabelledMessage],
    analyze: Callable[[str, Language], EmotionReading],
    labels: tuple[str, ...],
) -> list[ReaderScorecard]:
    """Emotions, intent, meeting, situations and safety per language of a labelled set."""
    pairs = [(m, analyze(m.text, m.language)) for m in messages]
    return [
        _reader_card(language, subset, score_emotions(language, subset, labels))
        for language, subset in _by_language(pairs)
    ]


def _reader_card(
    language: str, pairs: list[tuple[LabelledMessage, EmotionReading]], emotions: EmotionScorecard
) -> ReaderScorecard:
    # Older sets label emotions and situations only: their other figures are not a number.
    full = [(m, r) for m, r in pairs if m.intent is not None]
    distress = [(m, r) for m, r in full if m.safety is not None]
    clear = [(m, r) for m, r in distress if m.safety_level is SafetyLevel.CLEAR]
    ordinary = [(m, r) for m, r in full if m.safety is None]
    expected = sum(len(m.situations) for m, _ in pairs)
    found = sum(len(r.situations) for _, r in pairs)
    right = sum(len(set(m.situations) & set(r.situations)) for m, r in pairs)
    return ReaderScorecard(
        language=language,
        messages=len(pairs),
        emotions=emotions,
        lenient_accuracy=_share(pairs, lambda m, r: m.emotion in [e.label for e in r.emotions[:2]]),
        intent_accuracy=_share(full, lambda m, r: r.intent is m.intent),
        meeting_accuracy=_share(full, lambda m, r: r.meeting is m.meeting),
        situation_recall=right / expected if expected else 1.0,
        situation_precision=right / found if found else 1.0,
        distress=len(distress),
        safety_recall=_share(distress, lambda m, r: r.safety is not None),
        hand_off_recall=_share(
            clear, lambda m, r: r.safety is not None and r.safety.needs_hand_off
        ),
        ordinary=len(ordinary),
        false_alarms=_share(ordinary, lambda m, r: r.safety is not None),
    )


def _share(
    pairs: list[tuple[LabelledMessage, EmotionReading]],
    test: Callable[[LabelledMessage, EmotionReading], bool],
) -> float:
    return sum(test(m, r) for m, r in pairs) / len(pairs) if pairs else float("nan")


@dataclass
class TimedAnalysis:
    """A reader's analyze, remembering how long each reading took (the speed of an evaluation)."""

    analyze: Callable[[str, Language], EmotionReading]
    milliseconds: list[float] = field(default_factory=list)

    def __call__(self, text: str, language: Language) -> EmotionReading:
        """Read one message and time it."""
        started = time.perf_counter()
        reading = self.analyze(text, language)
        self.milliseconds.append((time.perf_counter() - started) * 1000)
        return reading

    @property
    def median(self) -> float:
        """The median time of one reading, in milliseconds."""
        return statistics.median(self.milliseconds) if self.milliseconds else float("nan")
