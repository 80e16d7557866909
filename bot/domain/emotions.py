"""What the coach reads in a message: emotions, intensity, situations, safety concerns."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.framework import Language
from bot.domain.taxonomy import EMOTIONS

NEUTRAL = "neutral"
# Emotions acknowledged before the substance (confidence is welcomed, not soothed).
DIFFICULT_EMOTIONS = tuple(e for e in EMOTIONS if e not in ("neutral", "confidence"))


class Intensity(StrEnum):
    """How strongly an emotion shows in a message."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    def stronger(self, steps: int) -> Intensity:
        """Move up (or down, for negative steps) the scale, staying within it."""
        order = list(Intensity)
        return order[max(0, min(len(order) - 1, order.index(self) + steps))]


class SafetyConcern(StrEnum):
    """Messages that call for human help or a calm boundary rather than coaching."""

    SELF_HARM = "self_harm"
    HARASSMENT = "harassment"
    BURNOUT = "burnout"
    INSULT = "insult_to_coach"

    @property
    def needs_human_help(self) -> bool:
        """Tell whether the coach should hand over to human support."""
        return self is not SafetyConcern.INSULT


@dataclass(frozen=True)
class EmotionScore:
    """One emotion and how strongly the message suggests it (0-1)."""

    label: str
    score: float


@dataclass(frozen=True)
class EmotionReading:
    """The detector's reading of one message."""

    language: Language
    primary: str
    intensity: Intensity
    emotions: tuple[EmotionScore, ...]
    situations: tuple[str, ...] = ()
    safety: SafetyConcern | None = None
    upcoming_meeting: bool = False

    @property
    def needs_acknowledging(self) -> bool:
        """A difficult emotion above low intensity: name it before the substance."""
        return self.primary in DIFFICULT_EMOTIONS and self.intensity is not Intensity.LOW

    def as_json(self) -> dict[str, object]:
        """The JSON form printed by `trustcoach analyze --json`."""
        result: dict[str, object] = {
            "lang": self.language,
            "primary_emotion": self.primary,
            "intensity": self.intensity.value,
            "emotions": [{"label": e.label, "score": round(e.score, 3)} for e in self.emotions],
            "situations": list(self.situations),
        }
        if self.safety is not None:
            result["safety"] = self.safety.value
        if self.upcoming_meeting:
            result["upcoming_meeting"] = True
        return result


@dataclass(frozen=True)
class LabelledMessage:
    """A message with the emotion, intensity and situations a careful coach reads in it."""

    text: str
    language: Language
    emotion: str
    intensity: str
    situations: tuple[str, ...] = ()
