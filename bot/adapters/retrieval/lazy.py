"""Opens the card index on first use (or in the background), so that start-up stays fast."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.domain.cards import Card
from bot.domain.framework import Language
from bot.domain.retrieval import CardHit, SearchUnavailableError, TagFilter

if TYPE_CHECKING:  # the index pulls numpy, faiss and langchain: only load them when used
    from .index import HybridCardIndex

log = logging.getLogger(__name__)


class LazyCardIndex:
    """A CardIndex that opens the real one once, on first need; thread-safe."""

    def __init__(self, opener: Callable[[], HybridCardIndex]) -> None:
        self._opener = opener
        self._lock = threading.Lock()
        self._index: HybridCardIndex | None = None
        self._failure: str | None = None

    def index(self) -> HybridCardIndex:
        """Return the index, opening it if needed; SearchUnavailableError if it cannot be."""
        with self._lock:
            if self._index is None and self._failure is None:
                try:
                    self._index = self._opener()
                except Exception as error:
                    # Remembered so that every later message does not retry a slow, failing load.
                    log.exception("the card index could not be opened")
                    self._failure = f"{type(error).__name__}: {error}"
            if self._index is None:
                raise SearchUnavailableError(self._failure or "card index unavailable")
            return self._index

    def warm_up(self) -> threading.Thread:
        """Open the index in a background thread; errors surface on first use."""
        thread = threading.Thread(target=self._quiet_open, name="card-index-warm-up", daemon=True)
        thread.start()
        return thread

    def _quiet_open(self) -> None:
        with contextlib.suppress(SearchUnavailableError):
            self.index()

    def search(
        self, query: str, language: Language, k: int = 3, tags: TagFilter | None = None
    ) -> list[CardHit]:
        """Search the cards (see HybridCardIndex.search)."""
        return self.index().search(query, language, k, tags)

    def get(self, card_id: str) -> Card | None:
        """Return a card by id, or None (also when the index is unavailable)."""
        try:
            return self.index().get(card_id)
        except SearchUnavailableError:
            return None
