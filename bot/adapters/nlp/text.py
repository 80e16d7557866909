"""Text analysis for lexical search: accent folding, tokens, stop words, Snowball stems."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer

from bot.domain.text import fold

__all__ = ["fold"]  # the one folding of the project, where the language tools always found it

TOKEN = re.compile(r"[a-z0-9]+")

# Folded (no accents) stop words; short, common words that carry no topic.
STOP_WORDS = {
    "en": frozenset(
        """
        a about above after again against all am an and any are as at be because been
        before being below between both but by can could did do does doing down during
        each few for from further had has have having he her here hers herself him
        himself his how i if in into is it its itself just me more most my myself no nor
        not now of off on once only or other our ours ourselves out over own same she
        should so some such than that the their theirs them themselves then there these
        they this those through to too under until up very was we were what when where
        which while who whom why will with would you your yours yourself yourselves im
        ive dont cant wont isnt doesnt didnt get got also still even much many really
        lot lots us let lets one ones way thing things want need like know tell give
        make go going say time today tomorrow week month again ok okay please thanks hi
        hello hey
        """.split()
    ),
    "fr": frozenset(
        """
        a au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la
        le les leur leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par
        pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous
        c d j l m n s t y ete etre avoir ai as avons avez ont suis es est sommes etes
        sont fait faire faut peut peux veux veut comment quoi quel quelle quels quelles
        est-ce cest jai ca cela ceci tout tous toute toutes tres trop plus moins bien
        encore deja aussi alors donc car si sans sous chez entre vers ici la-bas oui non
        merci bonjour salut svp stp demain aujourdhui semaine mois fois chose choses
        truc dire dit mon ma mes va vais vont avant apres depuis quand comme
        """.split()
    ),
}

SNOWBALL_ALGORITHMS = {"en": "english", "fr": "french"}


class _Stemmers(threading.local):
    """One Snowball stemmer per language and per thread.

    A stemmer keeps the word it is working on in its own fields, so two threads sharing one
    (the card index and the emotion detector are built at the same time) corrupt each other's
    stems or crash with IndexError. Each thread builds its own set on first use.
    """

    def __init__(self) -> None:
        self.by_language = {
            language: snowballstemmer.stemmer(algorithm)
            for language, algorithm in SNOWBALL_ALGORITHMS.items()
        }


_STEMMERS = _Stemmers()


def words(text: str) -> list[str]:
    """Return the folded word tokens of a text (apostrophes and hyphens split words)."""
    return TOKEN.findall(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str, language: str) -> str:
    """Return the Snowball stem of a folded word in a language (safe from any thread)."""
    # The cache shares only finished stems (immutable); each miss uses this thread's stemmer.
    return str(_STEMMERS.by_language[language].stemWord(word))


def is_content_word(word: str, language: str) -> bool:
    """Tell whether a folded word carries meaning (not a stop word, not a lone letter)."""
    return len(word) > 1 and word not in STOP_WORDS[language]


def analyze(text: str, language: str) -> list[str]:
    """Return the stems of a text's content words, as indexed and searched."""
    return [stem(word, language) for word in words(text) if is_content_word(word, language)]


# Frequent words that tell French from English apart in short, informal messages.
_FRENCH_HINTS = frozenset(
    """
        le la les des du un une est et je j mon ma mes nous vous il elle ils pas avec
        pour sur dans fournisseur fournisseurs client clients retard prix hausse reunion
        demain comment quoi faire suis cest ca tres trop encore on qu que qui au aux ne
        """.split()
)
_ENGLISH_HINTS = frozenset(
    """
        the a an is are and i my we you he she they not with for on in of to supplier
        suppliers customer customers late price increase meeting tomorrow how what do
        does it this that im can should
        """.split()
)


def guess_language(text: str, default: str = "en") -> str:
    """Guess whether a short message is French or English from accents and common words."""
    tokens = words(text)
    french = sum(t in _FRENCH_HINTS for t in tokens) + 2 * sum(
        ch in "éèêàùçœ" for ch in text.casefold()
    )
    english = sum(t in _ENGLISH_HINTS for t in tokens)
    if french == english:
        return default
    return "fr" if french > english else "en"


def within_one_edit(a: str, b: str) -> bool:
    """Tell whether two words differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        swap = (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
        return len(diffs) == 1 or swap
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def one_deletions(word: str) -> set[str]:
    """Every string one deleted letter away from a word (for symmetric-delete typo lookups)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}
