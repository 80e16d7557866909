"""Preparing a tough meeting: the answers gathered step by step, the sheet, and the debrief."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.cards import Card
from bot.domain.framework import Language, Role

STEPS = ("situation", "stakes", "feeling", "needs", "walkaway", "opening")
SAY_MARKERS = ("Say:", "À dire :", "À dire:")
AVOID_MARKERS = ("Avoid:", "À éviter :", "À éviter:")


@dataclass
class Preparation:
    """One meeting being prepared, then debriefed."""

    user_id: int
    role: Role
    language: Language
    created_at: datetime
    id: int | None = None
    situation: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    feeling: str | None = None
    completed_at: datetime | None = None
    debrief_score: int | None = None
    debrief_notes: dict[str, str] = field(default_factory=dict)
    debriefed_at: datetime | None = None

    @property
    def next_step(self) -> str | None:
        """The first step not answered yet, or None when all are."""
        for step in STEPS:
            if step == "situation" and self.situation is None:
                return step
            if step == "feeling" and self.feeling is None:
                return step
            if step not in ("situation", "feeling") and step not in self.answers:
                return step
        return None


@dataclass(frozen=True)
class MoodCheckin:
    """How a user felt about their supplier or customer relationships on a day (1-5)."""

    user_id: int
    at: datetime
    score: int


def card_lines(card: Card, language: Language, markers: tuple[str, ...]) -> list[str]:
    """Return the bullet lines of a card that start with one of the markers, without the marker."""
    lines = []
    for raw in card.text(language).body.splitlines():
        line = raw.strip().lstrip("-•").strip().replace("**", "")
        for marker in markers:
            if line.startswith(marker):
                lines.append(line[len(marker) :].strip())
    return lines


def sentences_to_try(cards: list[Card], language: Language, limit: int = 3) -> list[str]:
    """Example sentences ('Say:' lines) of the chosen cards, first ones first, without repeats."""
    return _unique([s for card in cards for s in card_lines(card, language, SAY_MARKERS)], limit)


def traps_to_avoid(cards: list[Card], language: Language, limit: int = 3) -> list[str]:
    """The 'Avoid:' lines of the chosen cards."""
    return _unique([s for card in cards for s in card_lines(card, language, AVOID_MARKERS)], limit)


def _unique(lines: list[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for line in lines:
        key = re.sub(r"\W+", " ", line.casefold()).strip()
        if key and key not in {re.sub(r"\W+", " ", s.casefold()).strip() for s in seen}:
            seen[line] = None
    return list(seen)[:limit]
