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
        # Each stem points to the terms holding it: a text is checked against those only.
        self._by_stem: dict[str, dict[str, list[int]]] = {"en": {}, "fr": {}}
        for language, known in self._terms.items():
            for number, (_, term_stems) in enumerate(known):
                for one in term_stems:
                    self._by_stem[language].setdefault(one, []).append(number)
        self._english_terms = {tag: languages.get("en", ()) for tag, languages in lexicon.items()}

    def _matching(self, stems: set[str], language: str) -> list[tuple[str, frozenset[str]]]:
        """The (tag, term) pairs whose every stem is among the text's stems."""
        index = self._by_stem[language]
        candidates = {number for one in stems for number in index.get(one, ())}
        terms = self._terms[language]
        return [terms[n] for n in sorted(candidates) if terms[n][1] <= stems]

    def match(
        self, text: str, language: str, correct: Callable[[str], str] = str
    ) -> dict[str, float]:
        """Return the tags whose terms appear in the text, weighted by the words they match."""
        stems = {stem(correct(w), language) for w in words(text)}
        found: dict[str, float] = defaultdict(float)
        for tag, term in self._matching(stems, language):
            # A longer term is stronger evidence ("retard de paiement" over "retard").
            found[tag] = max(found[tag], float(len(term)))
        return dict(found)

    def matched_stems(self, text: str, language: str) -> dict[str, frozenset[str]]:
        """The tags whose terms appear in the text, each with the stems of its matched terms."""
        stems = {stem(w, language) for w in words(text)}
        found: dict[str, frozenset[str]] = defaultdict(frozenset)
        for tag, term in self._matching(stems, language):
            found[tag] = found[tag] | term
        return dict(found)

    def english_terms(self, tags: dict[str, float], limit: int = 3) -> list[str]:
        """Return a few English words for matched tags, to help an English-only embedding model."""
        terms: list[str] = []
        for tag in sorted(tags, key=lambda t: -tags[t]):
            terms.extend(self._english_terms.get(tag, ())[:limit])
        return terms
