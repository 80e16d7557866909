"""The words users type for each tag (knowledge/lexicon.yaml), used to enrich indexed cards."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.domain.cards import Card
from bot.domain.taxonomy import VOCABULARY

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Lexicon = dict[str, dict[str, tuple[str, ...]]]  # "facet:value" -> language -> terms


class LexiconError(ValueError):
    """The lexicon file is broken; the message names the file and the entry."""


def load_lexicon(path: Path) -> Lexicon:
    """Load and check the lexicon: known facets and ids, a list of terms per language."""
    if not path.exists():
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        raise LexiconError(f"{path}: not valid YAML ({error})") from error
    lexicon: Lexicon = {}
    for facet, entries in (data or {}).items():
        if facet not in VOCABULARY or not isinstance(entries, dict):
            raise LexiconError(f"{path}: {facet}: unknown facet")
        for value, languages in entries.items():
            if value not in VOCABULARY[facet] or not isinstance(languages, dict):
                raise LexiconError(f"{path}: {facet}.{value}: unknown {facet}")
            lexicon[f"{facet}:{value}"] = {
                language: tuple(str(term) for term in languages.get(language) or ())
                for language in ("en", "fr")
            }
    return lexicon


def keywords(card: Card, lexicon: Lexicon, language: str) -> list[str]:
    """Return the lexicon terms of a card's tags in a language, without repeats."""
    terms: dict[str, None] = {}
    for tag in card.tags:
        for term in lexicon.get(tag, {}).get(language, ()):
            terms.setdefault(term, None)
    return list(terms)
