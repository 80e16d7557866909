"""What the heads read of a message: its sentence vector, and the cues' evidence as numbers."""

from __future__ import annotations

import math

import numpy as np

from bot.adapters.emotion.detector import EmotionDetector
from bot.adapters.nlp.encoders import TextEncoder
from bot.domain.emotions import Intent, Meeting, SafetyConcern
from bot.domain.framework import Language
from bot.domain.taxonomy import EMOTIONS, SITUATIONS

# The cue signals, in a fixed order: a change here changes the weights' key (FEATURE_VERSION).
SIGNALS: tuple[str, ...] = (
    *(f"cue:{emotion}" for emotion in EMOTIONS),
    "negated",
    "modifiers",
    "caps",
    "exclaims",
    "question",
    "short",
    *(f"situation:{situation}" for situation in SITUATIONS),
    *(f"safety:{concern.value}" for concern in SafetyConcern),
    *(f"meeting:{moment.value}" for moment in Meeting),
    *(f"intent:{intent.value}" for intent in Intent),
    "lang:fr",
)
FEATURE_VERSION = 1
# The cue block weighs like a sentence vector's part: vectors are unit length, cues are counts.
CUE_SCALE = 0.5


class Featurizer:
    """Turns messages into rows of features: the encoder's vector, then the cue signals."""

    def __init__(self, encoder: TextEncoder, cues: EmotionDetector) -> None:
        self._encoder = encoder
        self._cues = cues

    @property
    def encoder(self) -> TextEncoder:
        """The sentence encoder (shared with the card search)."""
        return self._encoder

    def one(self, text: str, language: Language) -> np.ndarray:
        """The features of one message, its vector reused from the encoder's memory."""
        return np.concatenate([self._encoder.query_vector(text), self.signals(text, language)])

    def many(self, texts: list[str], languages: list[Language]) -> np.ndarray:
        """The features of many messages at once (training, evaluation)."""
        vectors = self._encoder.encode_queries(texts)
        cues = np.stack([self.signals(t, lang) for t, lang in zip(texts, languages, strict=True)])
        return np.concatenate([vectors, cues], axis=1).astype(np.float32)

    def signals(self, text: str, language: Language) -> np.ndarray:
        """The cue signals of a message, in SIGNALS order, squashed to a common scale."""
        found = self._cues.cue_signals(text, language)
        found["lang:fr"] = float(language == "fr")
        return np.array(
            [CUE_SCALE * math.log1p(max(0.0, found.get(name, 0.0))) for name in SIGNALS],
            dtype=np.float32,
        )
