"""The process's one embedding model, loaded on first use; light to import (torch loads later)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.adapters.lazy import DEFAULT_BACKOFF, Lazy
from bot.domain.health import ResourceStatus

if TYPE_CHECKING:  # numpy, langchain and torch: imported when the model is first needed
    from .embeddings import SentenceTransformerEmbeddings


class SharedEmbeddings:
    """One embedding model per process, loaded on first use and shared by every adapter.

    A model that cannot be loaded is tried again after a back-off, like any heavy resource.
    """

    def __init__(
        self,
        model_setting: str | None,
        *,
        backoff: tuple[float, ...] = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._setting = model_setting
        self._embeddings = Lazy("embedding model", self._open, backoff=backoff, clock=clock)

    @property
    def model(self) -> Path | str:
        """The model folder or name (ModelNotFoundError when the setting points nowhere)."""
        from .embeddings import resolve_model  # noqa: PLC0415 - numpy, langchain

        return resolve_model(self._setting)

    def get(self, _model: Path | str | None = None) -> SentenceTransformerEmbeddings:
        """Return the loaded model, loading it once (usable as an embeddings factory)."""
        return self._embeddings.get()

    def status(self) -> ResourceStatus:
        """Return whether the model is loaded, loading or unavailable (and why)."""
        return self._embeddings.status()

    def _open(self) -> SentenceTransformerEmbeddings:
        from .embeddings import SentenceTransformerEmbeddings  # noqa: PLC0415 - torch

        return SentenceTransformerEmbeddings(self.model)
