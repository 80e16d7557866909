"""The process's one sentence encoder, loaded on first use; light to import (numpy loads later)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.adapters.lazy import DEFAULT_BACKOFF, Lazy
from bot.domain.health import ResourceStatus

if TYPE_CHECKING:  # numpy, langchain and the model: imported when first needed
    from .encoders import TextEncoder


class SharedEmbeddings:
    """One encoder per process, loaded on first use and shared by the reader and the search.

    An encoder that cannot be loaded is tried again after a back-off, like any heavy resource.
    """

    def __init__(
        self,
        model_setting: str | None = None,
        *,
        engine: str = "use",
        backoff: tuple[float, ...] = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._setting = model_setting
        self.engine = engine
        self._encoder = Lazy("embedding model", self._open, backoff=backoff, clock=clock)

    def get(self) -> TextEncoder:
        """Return the loaded encoder, loading it once."""
        return self._encoder.get()

    def status(self) -> ResourceStatus:
        """Return whether the encoder is loaded, loading or unavailable (and why)."""
        return self._encoder.status()

    def _open(self) -> TextEncoder:
        from .encoders import open_encoder  # noqa: PLC0415 - numpy, and the model's weights

        return open_encoder(self.engine, self._setting)
