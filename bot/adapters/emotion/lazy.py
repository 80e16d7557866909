"""Opens the emotion detector on first use; falls back to cues alone when the model is missing."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.domain.emotions import EmotionReading
from bot.domain.framework import Language

if TYPE_CHECKING:  # numpy and the stemmers load only when the detector is first used
    from .detector import EmotionDetector

log = logging.getLogger(__name__)


class LazyEmotionDetector:
    """An EmotionDetector port that builds the real detector once, when first needed."""

    def __init__(
        self, full: Callable[[], EmotionDetector], cues_only: Callable[[], EmotionDetector]
    ) -> None:
        self._full = full
        self._cues_only = cues_only
        self._lock = threading.Lock()
        self._detector: EmotionDetector | None = None

    def detector(self) -> EmotionDetector:
        """Return the detector, building it if needed (with the model when it can be loaded)."""
        with self._lock:
            if self._detector is None:
                try:
                    self._detector = self._full()
                except Exception:
                    # Without the model the cues still read most messages; better than nothing.
                    log.exception("emotion prototypes unavailable; reading cues only")
                    self._detector = self._cues_only()
            return self._detector

    def warm_up(self) -> threading.Thread:
        """Build the detector in a background thread."""
        thread = threading.Thread(target=self.detector, name="emotion-warm-up", daemon=True)
        thread.start()
        return thread

    def analyze(self, text: str, default_language: Language = "en") -> EmotionReading:
        """Read one message."""
        return self.detector().analyze(text, default_language)
