"""Results of finished assessments, their reading, and progress over time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.assessment import InstrumentId, Scores
from bot.domain.framework import Framework

STRENGTH_THRESHOLD = 70.0
GROWTH_THRESHOLD = 40.0


class Band(StrEnum):
    """A coarse reading of a 0-100 score, used to word interpretations."""

    GROWTH = "growth"
    SOLID = "solid"
    STRENGTH = "strength"


def band_of(score: float) -> Band:
    """Return the band a 0-100 score falls in."""
    if score >= STRENGTH_THRESHOLD:
        return Band.STRENGTH
    if score < GROWTH_THRESHOLD:
        return Band.GROWTH
    return Band.SOLID


@dataclass(frozen=True)
class AssessmentResult:
    """The stored outcome of a completed session."""

    user_id: int
    session_id: int
    instrument: InstrumentId
    completed_at: datetime
    scores: Scores
    id: int | None = None


@dataclass(frozen=True)
class Highlights:
    """The strongest and weakest areas of one result, ties broken by framework order."""

    strongest_register: str
    weakest_register: str
    strongest_competency: str
    weakest_competency: str
    # Several competencies share the top (or the bottom) score: none is named as such.
    strongest_tied: bool = False
    weakest_tied: bool = False


def highlights(scores: Scores, framework: Framework) -> Highlights:
    """Pick the strongest and weakest register and competency of a result."""
    registers = [r.id for r in framework.registers if r.id in scores.registers]
    competencies = [c.id for c in framework.competencies if c.id in scores.competencies]
    if not registers or not competencies:
        raise ValueError("a result needs at least one scored register and competency")
    # max/min keep the first of equal values, so ties go to the earlier id in framework order.
    values = [round(scores.competencies[c], 1) for c in competencies]
    return Highlights(
        strongest_register=max(registers, key=lambda r: scores.registers[r]),
        weakest_register=min(registers, key=lambda r: scores.registers[r]),
        strongest_competency=max(competencies, key=lambda c: scores.competencies[c]),
        weakest_competency=min(competencies, key=lambda c: scores.competencies[c]),
        strongest_tied=values.count(max(values)) > 1,
        weakest_tied=values.count(min(values)) > 1,
    )


# A change smaller than one answer moving one step is the instrument's noise, not progress: the
# quick check reads each register from two statements (one step = 12.5 points), the full
# assessment from about seven (one step = about 3.6 points; two steps are taken as noise).
NOISE_POINTS = {InstrumentId.QUICK: 13.0, InstrumentId.FULL: 7.5}


@dataclass(frozen=True)
class RegisterProgress:
    """One register's latest score and its change since the previous and the first result."""

    register: str
    latest: float
    previous: float | None
    first: float | None
    noise: float = 0.0  # changes smaller than this are shown as stable

    def is_stable(self, change: float | None) -> bool:
        """Tell whether a change is within the instrument's noise."""
        return change is not None and abs(change) < self.noise

    @property
    def change_since_previous(self) -> float | None:
        """Points gained (or lost) since the previous result."""
        return None if self.previous is None else round(self.latest - self.previous, 1)

    @property
    def change_since_first(self) -> float | None:
        """Points gained (or lost) since the first result."""
        return None if self.first is None else round(self.latest - self.first, 1)


@dataclass(frozen=True)
class ProgressReport:
    """What a user sees of their progress: history, per-register change and current focus."""

    history: tuple[AssessmentResult, ...]
    registers: tuple[RegisterProgress, ...]
    focus: str | None
    focus_chosen: bool

    @property
    def latest(self) -> AssessmentResult | None:
        """The most recent result, if any."""
        return self.history[-1] if self.history else None


def progress_report(
    history: list[AssessmentResult],
    framework: Framework,
    chosen_focus: str | None,
) -> ProgressReport:
    """Build the progress report of a user from their results, oldest first."""
    ordered = tuple(sorted(history, key=lambda r: (r.completed_at, r.id or 0)))
    if not ordered:
        return ProgressReport((), (), chosen_focus, chosen_focus is not None)
    latest = ordered[-1]
    # Like with like: a quick check is compared with earlier quick checks only.
    earlier = [r for r in ordered[:-1] if r.instrument == latest.instrument]
    rows = []
    for register in framework.registers:
        if register.id not in latest.scores.registers:
            continue
        before = [
            r.scores.registers[register.id] for r in earlier if register.id in r.scores.registers
        ]
        rows.append(
            RegisterProgress(
                register=register.id,
                latest=latest.scores.registers[register.id],
                previous=before[-1] if before else None,
                first=before[0] if before else None,
                noise=NOISE_POINTS.get(latest.instrument, 0.0),
            )
        )
    focus = chosen_focus or highlights(latest.scores, framework).weakest_competency
    return ProgressReport(ordered, tuple(rows), focus, chosen_focus is not None)
