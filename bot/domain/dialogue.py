"""What flows in and out of a conversation, whatever the channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.domain.framework import Language, Role


@dataclass(frozen=True)
class Start:
    """A user opens the conversation (terminal launch, Telegram /start), with channel hints."""

    language: Language | None = None
    role: Role | None = None
    payload: str | None = None
    # A channel's guess (Telegram's language_code) counts only until the user has chosen.
    language_is_hint: bool = False


@dataclass(frozen=True)
class Text:
    """A message typed by the user (commands included)."""

    text: str


@dataclass(frozen=True)
class Choice:
    """The choice of an option the coach offered, by its id."""

    option_id: str


Inbound = Start | Text | Choice


@dataclass(frozen=True)
class Option:
    """A choice offered to the user: `id` comes back in a Choice, `key` can be typed instead."""

    id: str
    label: str
    key: str


@dataclass(frozen=True)
class Image:
    """A picture to show, drawn when the channel sends it, with a file name and a caption.

    Drawing takes a tenth of a second: a channel can send the texts before it first, and draw
    off its event loop.
    """

    draw: Callable[[], bytes]
    filename: str
    caption: str = ""

    @property
    def png(self) -> bytes:
        """Draw the picture and return it as PNG bytes."""
        return self.draw()


@dataclass(frozen=True)
class Attachment:
    """A file to keep (a preparation sheet), with its name and media type."""

    data: bytes
    filename: str
    mime: str = "text/markdown"


@dataclass(frozen=True)
class Reply:
    """One outbound message: plain text, optional options and image."""

    text: str
    options: tuple[Option, ...] = ()
    image: Image | None = None
    attachment: Attachment | None = None
    # Options of one row on a phone (Likert answers) rather than one per line.
    inline: bool = False
    # "stale" marks the notice sent for an outdated or forged button (channels may show it briefly).
    kind: str = ""


@dataclass
class User:
    """A person on one channel, with what the coach remembers of them."""

    channel: str
    external_id: str
    language: Language
    id: int | None = None
    role: Role | None = None
    language_confirmed: bool = False
    focus: str | None = None
    state: dict[str, Any] = field(default_factory=dict)
