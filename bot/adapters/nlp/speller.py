"""One-typo spelling correction against a known vocabulary (symmetric-delete lookup)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from .text import one_deletions, within_one_edit


class Speller:
    """Corrects a word to the known word one insertion, deletion, substitution or swap away.

    Built once, then only read: one speller may serve any number of threads.
    """

    def __init__(self, vocabulary: Mapping[str, int] | Iterable[str], min_length: int) -> None:
        # A plain list of words counts each occurrence, so repeated words weigh more.
        counts = vocabulary if isinstance(vocabulary, Mapping) else Counter(vocabulary)
        self._counts: dict[str, int] = dict(counts)
        self._min_length = min_length
        self._neighbours = self._symmetric_deletes(self._counts, min_length)

    @staticmethod
    def _symmetric_deletes(counts: Mapping[str, int], min_length: int) -> dict[str, list[str]]:
        # As in SymSpell: a word and each of its one-letter deletions point to the word, so a
        # query word (or one of its deletions) meets every known word one edit away, and a few
        # two edits away that within_one_edit then drops.
        neighbours: dict[str, list[str]] = defaultdict(list)
        for word in counts:
            if len(word) >= min_length:
                for key in {word, *one_deletions(word)}:
                    neighbours[key].append(word)
        return dict(neighbours)

    def __contains__(self, word: object) -> bool:
        return word in self._counts

    def correct(self, word: str) -> str:
        """Return the known word within one edit (the word itself when known, short or unknown).

        Among several candidates the most frequent wins, then the first in alphabetical order,
        so that a correction never depends on hashing or insertion order.
        """
        if word in self._counts or len(word) < self._min_length:
            return word
        candidates = {
            known
            for key in {word, *one_deletions(word)}
            for known in self._neighbours.get(key, ())
            if within_one_edit(word, known)
        }
        if not candidates:
            return word
        return max(sorted(candidates), key=self._counts.__getitem__)
