"""The message reader: emotion, intensity, situations, safety, meeting and intent, in one pass."""

from __future__ import annotations

import re

import numpy as np

from bot.adapters.emotion.detector import NEGATED_SITUATION, EmotionDetector
from bot.adapters.nlp.text import guess_language
from bot.domain.emotions import (
    NEUTRAL,
    EmotionReading,
    EmotionScore,
    Intensity,
    Intent,
    Meeting,
    SafetyConcern,
    SafetyLevel,
    SafetyReading,
)
from bot.domain.framework import Language

from .features import Featurizer
from .model import ReaderModel

NONE = "none"
MAX_TEXT = 2000
INSULT_SIGNAL = f"intent:{Intent.INSULT.value}"
CONFIDENCE = "confidence"


class MessageReader:
    """Reads a message with trained heads on its sentence vector and cues.

    The cues keep the last word where they are plain: a safety phrase is always a clear concern
    (recall first), and an insult phrase aimed at the coach is always an insult.
    """

    def __init__(self, featurizer: Featurizer, model: ReaderModel, cues: EmotionDetector) -> None:
        self._featurizer = featurizer
        self._model = model
        self._cues = cues

    def analyze(self, text: str, default_language: Language = "en") -> EmotionReading:
        """Read one message (its language guessed, the default breaking ties)."""
        message = text[:MAX_TEXT]
        language: Language = "fr" if guess_language(message, default_language) == "fr" else "en"
        found = self._cues.cue_signals(message, language)
        features = self._featurizer.one(message, language, found)[None, :]
        return self.decide(message, language, features, found)

    def decide(
        self,
        message: str,
        language: Language,
        features: np.ndarray,
        found: dict[str, float] | None = None,
    ) -> EmotionReading:
        """The reading of a message whose features are computed (evaluation reads many at once)."""
        model = self._model
        cue = self._cues.cue_signals(message, language) if found is None else found
        emotions = _ranked(model.emotion.labels, model.emotion.probabilities(features)[0])
        if cue.get("irony") and emotions[0].label == CONFIDENCE:
            emotions = _unpraised(emotions)
        primary = emotions[0].label
        intensity = Intensity(_top(model.intensity.labels, model.intensity.probabilities(features)))
        return EmotionReading(
            language=language,
            primary=primary,
            intensity=Intensity.LOW if primary == NEUTRAL else intensity,
            emotions=tuple(score for score in emotions if score.score >= 0.05),
            situations=signed_figure_first(message, self._situations(features, cue)),
            safety=self._safety(features, _cue_concern(cue)),
            meeting=Meeting(_top(model.meeting.labels, model.meeting.probabilities(features))),
            intent=Intent.INSULT if cue.get(INSULT_SIGNAL) else self._intent(features),
        )

    def _situations(self, features: np.ndarray, cue: dict[str, float]) -> tuple[str, ...]:
        heads, thresholds = self._model.situations, self._model.thresholds
        probabilities = heads.probabilities(features)[0]
        ranked = sorted(zip(heads.labels, probabilities, strict=True), key=lambda pair: -pair[1])
        # What the message names only to deny it is not what it is about ("ya pas de retard").
        chosen = [
            label
            for label, p in ranked
            if p >= thresholds.situation and not cue.get(f"{NEGATED_SITUATION}{label}")
        ]
        return tuple(chosen[: thresholds.max_situations])

    def _safety(
        self, features: np.ndarray, from_cues: SafetyReading | None
    ) -> SafetyReading | None:
        if from_cues is not None:
            return from_cues  # a plain phrase: the hand-off, whatever the model thinks
        head, thresholds = self._model.safety, self._model.thresholds
        probabilities = head.probabilities(features)[0]
        concern = 1.0 - float(probabilities[head.labels.index(NONE)])
        if concern < thresholds.safety_weak:
            return None
        others = [(p, label) for label, p in zip(head.labels, probabilities, strict=True)]
        category = max((pair for pair in others if pair[1] != NONE), key=lambda pair: pair[0])[1]
        level = SafetyLevel.CLEAR if concern >= thresholds.safety_clear else SafetyLevel.WEAK
        return SafetyReading(SafetyConcern(category), level)

    def _intent(self, features: np.ndarray) -> Intent:
        head = self._model.intent
        return Intent(_top(head.labels, head.probabilities(features)))


# A signed percentage says which way the price goes: "+14 %" is an increase, "-3 %" a reduction.
_RISE = re.compile(r"(?<![\w.,])\+\s?\d+(?:[.,]\d+)?\s?%|\d+(?:[.,]\d+)?\s?%\s(?:more|de plus)\b")
_CUT = re.compile(r"(?<![\w.,])[-−–]\s?\d+(?:[.,]\d+)?\s?%")


def signed_figure_first(message: str, situations: tuple[str, ...]) -> tuple[str, ...]:
    """Put the situation a signed figure points to first, when the heads found it at all.

    The heads rank "the +14 % letter came on a Friday at 5pm" as a late delivery first (the
    Friday, the hour); the figure says it is about the price.
    """
    for pattern, situation in ((_RISE, "price-increase"), (_CUT, "cost-reduction")):
        if situation in situations[1:] and pattern.search(message):
            return (situation, *(s for s in situations if s != situation))
    return situations


def _top(labels: tuple[str, ...], probabilities: np.ndarray) -> str:
    return labels[int(np.argmax(probabilities[0]))]


def _ranked(labels: tuple[str, ...], probabilities: np.ndarray) -> list[EmotionScore]:
    scores = [EmotionScore(label, float(p)) for label, p in zip(labels, probabilities, strict=True)]
    return sorted(scores, key=lambda score: -score.score)


def _cue_concern(found: dict[str, float]) -> SafetyReading | None:
    # A safety phrase of the cue files is plain: a clear concern, whatever the heads say.
    for concern in SafetyConcern:
        if found.get(f"safety:{concern.value}"):
            return SafetyReading(concern, SafetyLevel.CLEAR, plain=True)
    return None


def _unpraised(emotions: list[EmotionScore]) -> list[EmotionScore]:
    # Irony ("génial. encore un retard"): the praise is not meant; the best other feeling leads,
    # frustration when the heads name none.
    others = [e for e in emotions if e.label not in (CONFIDENCE, NEUTRAL)]
    lead = others[0] if others and others[0].score >= 0.05 else EmotionScore("frustration", 0.0)
    top = emotions[0].score
    rest = [e for e in emotions if e.label not in (lead.label, CONFIDENCE)]
    return [EmotionScore(lead.label, top), *rest, EmotionScore(CONFIDENCE, lead.score)]
