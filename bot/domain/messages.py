"""User-facing texts, looked up by key and language and filled with named values."""

from __future__ import annotations

import string
from collections.abc import Mapping

from bot.domain.framework import LANGUAGES, Language


class MessageError(KeyError):
    """A text key is missing, or a placeholder was left unfilled."""


def placeholders(template: str) -> set[str]:
    """Return the named placeholders of a str.format template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# A text may have a singular form, `<key>__one`, used when its `count` is one (in French, zero
# or one: "0 personne", "1 membre", but "2 membres").
SINGULAR = "__one"


def is_singular(language: Language, count: object) -> bool:
    """Tell whether a count takes the singular in a language."""
    if not isinstance(count, int) or isinstance(count, bool):
        return False
    return count in (0, 1) if language == "fr" else count == 1


class Messages:
    """The catalogue of user-facing texts in every supported language."""

    def __init__(self, texts: Mapping[Language, Mapping[str, str]]) -> None:
        self._texts = {language: dict(texts[language]) for language in LANGUAGES}

    def text(self, language: Language, key: str, **values: object) -> str:
        """Return the text for a key in a language, with its placeholders filled."""
        singular = f"{key}{SINGULAR}"
        if singular in self._texts[language] and is_singular(language, values.get("count")):
            key = singular
        try:
            template = self._texts[language][key]
        except KeyError as error:
            raise MessageError(f"no '{key}' text in {language}") from error
        try:
            return template.format(**values)
        except KeyError as error:
            raise MessageError(f"'{key}' needs a value for {error}") from error

    def keys(self, language: Language) -> set[str]:
        """Return the keys known in a language."""
        return set(self._texts[language])

    def template(self, language: Language, key: str) -> str:
        """Return a raw template, placeholders unfilled."""
        return self._texts[language][key]
