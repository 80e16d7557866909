"""Opens the card index on first use (or in the background), so that start-up stays fast."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.adapters.lazy import DEFAULT_BACKOFF, Lazy
from bot.domain.cards import Card
from bot.domain.framework import Language
from bot.domain.health import ResourceStatus, ResourceUnavailableError
from bot.domain.retrieval import CardHit, SearchUnavailableError, TagFilter

if TYPE_CHECKING:  # the index pulls numpy, faiss and langchain: only load them when used
    from .index import HybridCardIndex


class LazyCardIndex:
    """A CardIndex that opens the real one on first need, and tries again after a failure."""

    def __init__(
        self,
        opener: Callable[[], HybridCardIndex],
        *,
        backoff: tuple[float, ...] = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._index = Lazy("cards", opener, backoff=backoff, clock=clock)

    def index(self) -> HybridCardIndex:
        """Return the index, opening it if needed; SearchUnavailableError if it cannot be."""
        try:
            return self._index.get()
        except ResourceUnavailableError as error:
            # Services know the knowledge base by its own error, not by the holder's.
            raise SearchUnavailableError(error.reason) from error

    def warm_up(self) -> threading.Thread:
        """Open the index in a background thread; a failure shows in status()."""
        return self._index.warm_up()

    def wait(self, timeout: float | None = None) -> ResourceStatus:
        """Block while the index is loading; return its status."""
        return self._index.wait(timeout)

    def status(self) -> ResourceStatus:
        """Return whether the index is loaded, loading or unavailable (and why)."""
        return self._index.status()

    def search(
        self,
        query: str,
        language: Language,
        k: int = 3,
        tags: TagFilter | None = None,
        hints: tuple[str, ...] = (),
    ) -> list[CardHit]:
        """Search the cards (see HybridCardIndex.search)."""
        return self.index().search(query, language, k, tags, hints=hints)

    def get(self, card_id: str) -> Card | None:
        """Return a card by id, or None (also when the index is unavailable)."""
        try:
            return self.index().get(card_id)
        except SearchUnavailableError:
            return None
