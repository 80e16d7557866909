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
    """Messages that call for human help rather than coaching."""

    SELF_HARM = "self_harm"
    HARASSMENT = "harassment"
    BURNOUT = "burnout"


class SafetyLevel(StrEnum):
    """How plainly a message shows the concern: recall comes before precision."""

    WEAK = "weak"  # one vague signal: a calm check-in question
    CLEAR = "clear"  # said plainly, or several signals: the hand-off to human help


class Intent(StrEnum):
    """What the person wants from the coach with this message."""

    QUESTION = "question"  # advice or information, asked or implied by describing a situation
    VENTING = "venting"  # letting off steam, asking for nothing
    EXERCISE = "exercise"  # an exercise or a role-play to practise
    CHECKLIST = "checklist"  # a checklist, steps or a template to prepare
    GREETING = "greeting"
    THANKS = "thanks"
    OFF_TOPIC = "off_topic"  # nothing to do with work relationships
    INSULT = "insult"  # aimed at the coach itself


class Meeting(StrEnum):
    """Whether the writer will soon face the other side, and when."""

    NONE = "none"
    TODAY = "today"
    TOMORROW = "tomorrow"
    THIS_WEEK = "this_week"
    LATER = "later"


@dataclass(frozen=True)
class SafetyReading:
    """A safety concern and how plainly it shows."""

    category: SafetyConcern
    level: SafetyLevel
    # Said in so many words (a phrase of the safety list), not only guessed by the model.
    plain: bool = False

    @property
    def needs_hand_off(self) -> bool:
        """Said plainly: hand over to human help (a weak signal gets a check-in instead)."""
        return self.level is SafetyLevel.CLEAR


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
    safety: SafetyReading | None = None
    meeting: Meeting = Meeting.NONE
    intent: Intent = Intent.QUESTION

    @property
    def upcoming_meeting(self) -> bool:
        """Whether a meeting with the other side is coming."""
        return self.meeting is not Meeting.NONE

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
            "upcoming_meeting": self.upcoming_meeting,
            "meeting": self.meeting.value,
            "intent": self.intent.value,
            "safety": (
                {"level": self.safety.level.value, "category": self.safety.category.value}
                if self.safety is not None
                else None
            ),
        }
        return result


@dataclass(frozen=True)
class LabelledMessage:
    """A message with what a careful coach reads in it (see knowledge/reader/README.md).

    Older sets label only the emotion, intensity and situations: the other fields are None.
    """

    text: str
    language: Language
    emotion: str
    intensity: str
    situations: tuple[str, ...] = ()
    intent: Intent | None = None
    safety: SafetyConcern | None = None
    safety_level: SafetyLevel | None = None
    meeting: Meeting | None = None
    side: str | None = None

    @property
    def needs_help(self) -> bool:
        """Whether the message is labelled as needing human help (a weak signal counts)."""
        return self.safety is not None
