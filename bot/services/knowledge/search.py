"""The one way flows search the cards: a result, or nothing, never an error in the chat."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.cards import Card
from bot.domain.retrieval import (
    CardHit,
    QueryError,
    SearchUnavailableError,
    TagFilter,
    side_tags,
)
from bot.services.conversation.turn import Turn

log = logging.getLogger(__name__)


class Miss(StrEnum):
    """Why a search found nothing."""

    NO_WORDS = "no_words"  # the query has nothing to search for
    UNAVAILABLE = "unavailable"  # the card index cannot be used right now


@dataclass(frozen=True)
class Found:
    """The hits of a search, or why there are none."""

    hits: tuple[CardHit, ...] = ()
    miss: Miss | None = None

    @property
    def cards(self) -> list[Card]:
        """The cards found, best first."""
        return [hit.card for hit in self.hits]


def search(turn: Turn, query: str, k: int, tags: list[str] | None = None) -> Found:
    """Search the cards in the user's language with tags ("kind:exercise"), never raising."""
    if turn.cards is None:
        return Found(miss=Miss.UNAVAILABLE)
    filters = [*(tags or []), *side_tags(turn.user.role, tags or [])]
    wanted = TagFilter.parse(filters) if filters else None
    hints = tuple(f"situation:{s}" for s in _situations(turn, query))
    try:
        hits = turn.cards.search(query, turn.user.language, k=k, tags=wanted, hints=hints)
    except QueryError:
        return Found(miss=Miss.NO_WORDS)
    except SearchUnavailableError:
        return Found(miss=Miss.UNAVAILABLE)
    return Found(hits=tuple(hits))


def _situations(turn: Turn, query: str) -> tuple[str, ...]:
    """The situations the reader found in this very message, else the one being talked about.

    "Et s'il me dit c'est à prendre ou à laisser ?" names no situation: it is a follow-up within
    the price increase told just before, which the conversation's memory holds.
    """
    reading = turn.readings.get(query)
    if reading is not None and reading.situations:
        return reading.situations
    memory = turn.memory
    return (memory.situation,) if memory is not None and memory.situation else ()


def cards(turn: Turn, query: str, k: int, tags: list[str] | None = None) -> list[Card]:
    """The best cards for a query and tags; empty when nothing fits or the index is down."""
    return search(turn, query, k, tags).cards


def card(turn: Turn, card_id: str) -> Card | None:
    """A card by id; None when unknown or when the index cannot be opened."""
    return turn.cards.get(card_id) if turn.cards is not None else None


def known(turn: Turn, ids: list[str] | tuple[str, ...]) -> list[Card]:
    """The cards of these ids that still exist, in order."""
    found = [card(turn, str(card_id)) for card_id in ids]
    return [item for item in found if item is not None]
