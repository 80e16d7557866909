"""Measures retrieval quality on labelled queries: hit@1, hit@3 and MRR per language and mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.cards import Card
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
