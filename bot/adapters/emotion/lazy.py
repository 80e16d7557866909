"""Opens the emotion detector on first use; reads cues alone while the model cannot be loaded."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable

from bot.adapters.lazy import DEFAULT_BACKOFF, Lazy
from bot.domain.emotions import EmotionReading
from bot.domain.framework import Language
from bot.domain.health import ResourceState, ResourceStatus
from bot.services.ports import EmotionDetector as Reader  # the trained reader or the cues

CUES_ONLY = "cues only"


class LazyEmotionDetector:
    """An EmotionDetector port: the trained reader when it loads, cues alone until it does.

    The full detector is retried after a back-off, so a model installed (or a disk freed) after
    start-up is picked up without a restart.
    """

    def __init__(
        self,
        full: Callable[[], Reader],
        cues_only: Callable[[], Reader],
        *,
        backoff: tuple[float, ...] = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._detector = Lazy("emotions", full, fallback=cues_only, backoff=backoff, clock=clock)

    def detector(self) -> Reader:
        """Return the detector, building it if needed (cues only while the model is missing)."""
        return self._detector.get()

    def warm_up(self) -> threading.Thread:
        """Build the detector in a background thread."""
        return self._detector.warm_up()

    def wait(self, timeout: float | None = None) -> ResourceStatus:
        """Block while the detector is loading; return its status."""
        return _described(self._detector.wait(timeout))

    def status(self) -> ResourceStatus:
        """Return whether the full detector is ready, loading, or replaced by cues alone."""
        return _described(self._detector.status())

    def analyze(self, text: str, default_language: Language = "en") -> EmotionReading:
        """Read one message."""
        return self.detector().analyze(text, default_language)


def _described(status: ResourceStatus) -> ResourceStatus:
    # The fallback is always the same: say what is served rather than what failed (logged).
    if status.state is ResourceState.DEGRADED:
        return dataclasses.replace(status, detail=CUES_ONLY)
    return status
