"""Language tools under threads: Snowball stems are the same from any number of threads."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import snowballstemmer

from bot.adapters.nlp import text
from bot.adapters.nlp.text import stem, words

ROOT = Path(__file__).resolve().parents[2]
THREADS = 8


def _card_words() -> list[str]:
    cards = sorted((ROOT / "knowledge" / "cards").rglob("*.md"))
    found = {w for path in cards for w in words(path.read_text(encoding="utf-8"))}
    return sorted(found)


def _reference(vocabulary: list[str]) -> dict[tuple[str, str], str]:
    # Fresh stemmers, used from this thread only: what stem() must give.
    stemmers = {
        language: snowballstemmer.stemmer(algorithm)
        for language, algorithm in text.SNOWBALL_ALGORITHMS.items()
    }
    return {
        (word, language): str(stemmer.stemWord(word))
        for word in vocabulary
        for language, stemmer in stemmers.items()
    }


def test_stems_from_eight_threads_are_the_single_threaded_stems() -> None:
    expected = _reference(_card_words())
    assert len(expected) > 5000
    text.stem.cache_clear()  # every thread must really stem, not read another's cached answer
    wrong: list[tuple[str, str, str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(seed: int) -> None:
        keys = list(expected)
        random.Random(seed).shuffle(keys)
        start.wait()
        for word, language in keys:
            try:
                got = stem(word, language)
            except Exception as error:  # the shared stemmer raised IndexError here
                errors.append(error)
                continue
            if got != expected[word, language]:
                wrong.append((word, language, got))

    threads = [threading.Thread(target=run, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert wrong == []


def test_each_thread_has_its_own_stemmers() -> None:
    seen: list[object] = []

    def grab() -> None:
        seen.append(text._STEMMERS.by_language["fr"])

    thread = threading.Thread(target=grab)
    thread.start()
    thread.join()
    grab()
    assert seen[0] is not seen[1]
