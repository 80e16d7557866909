"""A small Okapi BM25 index with typo tolerance, over stemmed, accent-folded tokens."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from bot.adapters.nlp.speller import Speller
from bot.adapters.nlp.text import analyze, is_content_word, stem, words

K1 = 1.2
B = 0.75
MIN_TYPO_LENGTH = 4


class Bm25Index:
    """BM25 over documents of one language; unknown query words are matched to close spellings."""

    def __init__(self, documents: list[str], language: str) -> None:
        self.language = language
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths: list[int] = []
        surface: Counter[str] = Counter()
        for index, document in enumerate(documents):
            tokens = analyze(document, language)
            self._lengths.append(len(tokens))
            for token, count in Counter(tokens).items():
                self._postings[token].append((index, count))
            surface.update(w for w in words(document) if is_content_word(w, language))
        self._size = len(documents)
        self._average = sum(self._lengths) / max(1, self._size)
        self._speller = Speller(surface, MIN_TYPO_LENGTH)

    def correct(self, word: str) -> str:
        """Return the known word closest to a query word (itself when known or too short)."""
        return self._speller.correct(word)

    def query_terms(self, query: str) -> list[str]:
        """Return the stems a query is searched with, after spelling correction."""
        content = [w for w in words(query) if is_content_word(w, self.language)]
        return [stem(self.correct(w), self.language) for w in content]

    def scores(self, query: str) -> dict[int, float]:
        """Return the BM25 score of every document that shares a term with the query."""
        totals: dict[int, float] = defaultdict(float)
        for term in set(self.query_terms(query)):
            postings = self._postings.get(term)
            if not postings:
                continue
            idf = math.log(1 + (self._size - len(postings) + 0.5) / (len(postings) + 0.5))
            for index, count in postings:
                norm = count + K1 * (1 - B + B * self._lengths[index] / self._average)
                totals[index] += idf * count * (K1 + 1) / norm
        return dict(totals)
