"""Finds the taxonomy tags a message speaks of, from the lexicon's words in either language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from .lexicon import Lexicon
from .text import stem, words


class TagMatcher:
    """Matches lexicon terms in a text: all their words, stemmed and accent-folded, in any order."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._terms: dict[str, list[tuple[str, frozenset[str]]]] = {"en": [], "fr": []}
        for tag, languages in lexicon.items():
            for language, terms in languages.items():
                for term in terms:
                    # Every word counts, stop words included: "à quoi bon" must not match "bon".
                    stems = frozenset(stem(word, language) for word in words(term))
                    if stems:
                        self._terms[language].append((tag, stems))
        self._english_terms = {tag: languages.get("en", ()) for tag, languages in lexicon.items()}

    def match(
        self, text: str, language: str, correct: Callable[[str], str] = str
    ) -> dict[str, float]:
        """Return the tags whose terms appear in the text, weighted by the words they match."""
        stems = {stem(correct(w), language) for w in words(text)}
        found: dict[str, float] = defaultdict(float)
        for tag, term in self._terms[language]:
            if term <= stems:
                # A longer term is stronger evidence ("retard de paiement" over "retard").
                found[tag] = max(found[tag], float(len(term)))
        return dict(found)

    def matched_stems(self, text: str, language: str) -> dict[str, frozenset[str]]:
        """The tags whose terms appear in the text, each with the stems of its matched terms."""
        stems = {stem(w, language) for w in words(text)}
        found: dict[str, frozenset[str]] = defaultdict(frozenset)
        for tag, term in self._terms[language]:
            if term <= stems:
                found[tag] = found[tag] | term
        return dict(found)

    def english_terms(self, tags: dict[str, float], limit: int = 3) -> list[str]:
        """Return a few English words for matched tags, to help an English-only embedding model."""
        terms: list[str] = []
        for tag in sorted(tags, key=lambda t: -tags[t]):
            terms.extend(self._english_terms.get(tag, ())[:limit])
        return terms
