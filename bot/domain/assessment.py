"""Self-assessment: items, sessions that can be paused and resumed, and scoring on 0-100."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from statistics import mean

from bot.domain.framework import Framework, Language, LocalizedText, Role

LIKERT_MIN = 1
LIKERT_MAX = 5


class InstrumentId(StrEnum):
    """The two self-assessments the coach offers."""

    QUICK = "quick"
    FULL = "full"


class SessionStatus(StrEnum):
    """Where a session stands; only a completed session yields a result."""

    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class AssessmentError(ValueError):
    """A request the assessment cannot honour (wrong value, finished session...)."""


@dataclass(frozen=True)
class Item:
    """One statement answered on a 1-5 frequency scale, worded per role and language."""

    id: str
    competency: str
    reverse: bool
    buyer: LocalizedText
    supplier: LocalizedText

    def text(self, role: Role, language: Language) -> str:
        """Return the statement for a role; trainers see the buyer's wording."""
        wording = self.supplier if role == "supplier" else self.buyer
        return wording.in_(language)

    def points(self, value: int) -> float:
        """Return the 0-100 points of an answer, reversing the scale for reverse items."""
        check_likert(value)
        scored = LIKERT_MAX + LIKERT_MIN - value if self.reverse else value
        return (scored - LIKERT_MIN) / (LIKERT_MAX - LIKERT_MIN) * 100


@dataclass(frozen=True)
class Instrument:
    """An ordered list of items: the quick check or the full assessment."""

    id: InstrumentId
    items: tuple[Item, ...]

    def __len__(self) -> int:
        return len(self.items)

    def item(self, item_id: str) -> Item:
        """Return the item with this id (KeyError if unknown)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def check_likert(value: int) -> None:
    """Refuse a value outside the 1-5 scale."""
    if not LIKERT_MIN <= value <= LIKERT_MAX:
        raise AssessmentError(f"answer must be between {LIKERT_MIN} and {LIKERT_MAX}")


@dataclass
class AssessmentSession:
    """A user's run through an instrument; `position` is the index of the item on screen."""

    user_id: int
    instrument: InstrumentId
    role: Role
    language: Language
    started_at: datetime
    id: int | None = None
    status: SessionStatus = SessionStatus.ACTIVE
    position: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    completed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether the session can still take answers."""
        return self.status in (SessionStatus.ACTIVE, SessionStatus.PAUSED)

    def answer(self, instrument: Instrument, value: int) -> None:
        """Record an answer to the item on screen and move to the next unanswered item."""
        self._require_open()
        check_likert(value)
        item = instrument.items[self.position]
        self.answers[item.id] = value
        self.status = SessionStatus.ACTIVE
        self.position = self._next_position(instrument)

    def back(self) -> bool:
        """Go back one item so its answer can be changed; False when already at the start."""
        self._require_open()
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def is_complete(self, instrument: Instrument) -> bool:
        """Tell whether every item has an answer."""
        return all(item.id in self.answers for item in instrument.items)

    def pause(self) -> None:
        """Pause the session; it can be resumed later."""
        self._require_open()
        self.status = SessionStatus.PAUSED

    def abandon(self) -> None:
        """Drop the session; it never yields a result."""
        if self.is_open:
            self.status = SessionStatus.ABANDONED

    def complete(self, instrument: Instrument, framework: Framework, now: datetime) -> Scores:
        """Close a fully answered session and return its scores."""
        self._require_open()
        if not self.is_complete(instrument):
            raise AssessmentError("a half-finished session never counts as a result")
        self.status = SessionStatus.COMPLETED
        self.completed_at = now
        return score(instrument, self.answers, framework)

    def _next_position(self, instrument: Instrument) -> int:
        # After changing an earlier answer, move on to the first item still unanswered.
        for index in range(self.position + 1, len(instrument)):
            if instrument.items[index].id not in self.answers:
                return index
        for index, item in enumerate(instrument.items):
            if item.id not in self.answers:
                return index
        return len(instrument)

    def _require_open(self) -> None:
        if not self.is_open:
            raise AssessmentError(f"session is {self.status.value}")


@dataclass(frozen=True)
class Scores:
    """Scores on 0-100 per competency answered and per register."""

    competencies: dict[str, float]
    registers: dict[str, float]


def score(instrument: Instrument, answers: dict[str, int], framework: Framework) -> Scores:
    """Score answers: item points averaged per competency, competencies averaged per register."""
    by_competency: dict[str, list[float]] = {}
    for item in instrument.items:
        if item.id in answers:
            by_competency.setdefault(item.competency, []).append(item.points(answers[item.id]))
    competencies = {
        c.id: round(mean(by_competency[c.id]), 1)
        for c in framework.competencies
        if c.id in by_competency
    }
    registers: dict[str, float] = {}
    for register in framework.registers:
        measured = [
            competencies[c.id]
            for c in framework.competencies_of(register.id)
            if c.id in competencies
        ]
        if measured:
            registers[register.id] = round(mean(measured), 1)
    return Scores(competencies=competencies, registers=registers)
