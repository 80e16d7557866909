"""What a search of the knowledge base returns, and how tag filters read."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.cards import Card
from bot.domain.framework import Language
from bot.domain.taxonomy import parse_tag


@dataclass(frozen=True)
class CardHit:
    """One card found for a query, in the language it should be shown in."""

    card: Card
    score: float
    language: Language
    dense: float = 0.0
    lexical: float = 0.0
    # False when the query named no known topic and matched the card only faintly.
    confident: bool = True


def side_tags(role: str | None, tags: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The audience tags of the cards written for a side, unless `tags` already name one.

    A buyer facing a price increase needs the buyer's cards, not the supplier's script (a card
    for both sides carries both tags); a trainer gets the trainer's cards and the buyer's they
    coach.
    """
    if role is None or any(tag.startswith("audience:") for tag in tags):
        return []
    return ["audience:trainer", "audience:buyer"] if role == "trainer" else [f"audience:{role}"]


class QueryError(ValueError):
    """A query that cannot be searched (empty, or only punctuation)."""


@dataclass(frozen=True)
class TagFilter:
    """Tags a card must carry: any value within a facet, every facet named."""

    facets: dict[str, frozenset[str]]

    @classmethod
    def parse(cls, tags: list[str] | tuple[str, ...]) -> TagFilter:
        """Read 'facet:value' tags (UnknownTagError for a tag outside the taxonomy)."""
        facets: dict[str, set[str]] = {}
        for tag in tags:
            facet, value = parse_tag(tag)
            facets.setdefault(facet, set()).add(value)
        return cls({facet: frozenset(values) for facet, values in facets.items()})

    @property
    def language(self) -> Language | None:
        """The language a `lang:` filter asks for, if exactly one."""
        values = self.facets.get("lang", frozenset())
        if len(values) != 1:
            return None
        return "fr" if "fr" in values else "en"

    def accepts(self, card: Card) -> bool:
        """Tell whether a card carries the tags asked for (language aside)."""
        return all(
            any(card.has_tag(facet, value) for value in values)
            for facet, values in self.facets.items()
            if facet != "lang"
        )


@dataclass(frozen=True)
class LabelledQuery:
    """A query as a user would type it, with the tags a good answer must all carry."""

    text: str
    language: Language
    expect: tuple[str, ...]

    def is_answered_by(self, card: Card) -> bool:
        """Tell whether a card carries every expected tag."""
        return all(tag in card.tags for tag in self.expect)


class SearchUnavailableError(RuntimeError):
    """The knowledge base cannot be searched on this machine right now (model or index missing)."""
