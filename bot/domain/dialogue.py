"""What flows in and out of a conversation, whatever the channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.charts import Chart
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
    """A choice offered to the user: `id` comes back in a Choice, `key` can be typed instead.

    `stays`: the option still works after later screens while it is in view (a card's "read
    more" and "save", an exercise's buttons): its key can still be typed and a channel keeps its
    button. `group`: options of one group belong together (the points of a scale, one card's
    buttons); a channel may put each group on its own row.
    """

    id: str
    label: str
    key: str
    stays: bool = False
    group: int = 0


class Layout(StrEnum):
    """How a channel should lay out a reply's options."""

    LIST = "list"  # one option per line (a menu)
    SCALE = "scale"  # group 0 is a scale answered in one tap (1-5); other groups below it
    CARDS = "cards"  # card previews: each group is one card's buttons, numbered by the group


class ReplyKind(StrEnum):
    """What a reply is, for channels that show some kinds differently."""

    MESSAGE = "message"
    STALE = "stale"  # the notice for an outdated or forged button (a channel may show it briefly)


@dataclass(frozen=True)
class Progress:
    """Where a step stands in its sequence: statement 4 of 10, step 2 of 6."""

    number: int
    total: int


@dataclass(frozen=True)
class Image:
    """A picture to show, drawn when the channel sends it, with a file name and a caption.

    Drawing takes a tenth of a second: a channel can send the texts before it first, and draw
    off its event loop.
    """

    draw: Callable[[], bytes]
    filename: str
    caption: str = ""
    chart: Chart | None = None  # what it shows, kept with a stored reply to draw it again

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
    """One outbound message: plain text, optional options and image, and display hints.

    The hints tell a channel how to show the reply without reading its text or option ids:
    `layout` (a menu, a scale, card previews), `progress` (statement n of m), `replaces_pressed`
    (this reply is the next step of the one whose button was just pressed: a channel may turn
    that message into this one) with `echo` (what was just answered, to keep in view).
    """

    text: str
    options: tuple[Option, ...] = ()
    image: Image | None = None
    attachment: Attachment | None = None
    layout: Layout = Layout.LIST
    kind: ReplyKind = ReplyKind.MESSAGE
    progress: Progress | None = None
    replaces_pressed: bool = False
    echo: str = ""
    # The text key the reply was worded from, when it is one: for logs and tests, never shown.
    key: str = ""


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
    # IANA name ("Europe/Paris"); None until set: guessed from the language meanwhile.
    time_zone: str | None = None
