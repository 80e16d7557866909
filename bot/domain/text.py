"""The one way the coach folds, cleans and reads what people type (standard library only)."""

from __future__ import annotations

import re
import unicodedata

# Longer messages are cut before they are read: nothing the coach does needs more.
MAX_TEXT_LENGTH = 4000
# Phones type curly apostrophes; they must read like the straight one.
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
ASCII_NUMBER = re.compile(r"[0-9]{1,9}")
# What a typed key looks like: "3", "m2", "o12", "p" (a letter, a number, or a letter and a number).
KEY_SHAPE = re.compile(r"[a-z]?[0-9]{1,6}|[a-z]")


def fold(text: str) -> str:
    """Lower-case, strip accents and straighten apostrophes: 'Délai’' and "delai'" read the same.

    NFKD also turns compatibility forms into plain ones ("５" → "5", "ﬁ" → "fi").
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean_input(raw: str) -> str:
    """Normalise typed text: NFC, no control characters, at most MAX_TEXT_LENGTH, trimmed."""
    text = unicodedata.normalize("NFC", raw[:MAX_TEXT_LENGTH])
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def parse_number(text: str, low: int, high: int) -> int | None:
    """Read a typed whole number between low and high, or None.

    Compatibility forms read as the digits they show ("４", "⑤" and "²" are 4, 5 and 2, after
    NFKC); other digits Python's isdigit() accepts, and numbers too long to be meant, are refused
    rather than raising.
    """
    folded = unicodedata.normalize("NFKC", text).strip()
    if not ASCII_NUMBER.fullmatch(folded):
        return None
    value = int(folded)
    return value if low <= value <= high else None


def is_number(text: str) -> bool:
    """Tell whether typed text is a bare number (of any size), such as a key from a list."""
    folded = unicodedata.normalize("NFKC", text).strip()
    return bool(folded) and folded.isascii() and folded.isdigit()


def looks_like_key(text: str) -> bool:
    """Tell whether typed text has the shape of an option's key ("4", "m2", "o12", "p")."""
    folded = fold(text).strip()
    return is_number(folded) or bool(KEY_SHAPE.fullmatch(folded))
