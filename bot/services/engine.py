"""The dialogue engine: one inbound event and the stored state in, replies out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.content import Content
from bot.domain.dialogue import Choice, Inbound, Reply, Start, User
from bot.domain.framework import Language
from bot.services import router
from bot.services.conversation.protocol import decode
from bot.services.conversation.state import Conversation, Shown
from bot.services.conversation.turn import Turn
from bot.services.ports import CardIndex, ChartRenderer, Clock, EmotionDetector, UnitOfWork


@dataclass(frozen=True)
class Pressed:
    """The option a button press chose, as it was shown (for the channel to mark it)."""

    label: str
    stays: bool


@dataclass(frozen=True)
class Outcome:
    """The replies to one event, and for a button press, what the pressed option was."""

    replies: list[Reply]
    pressed: Pressed | None = None


class DialogueEngine:
    """Channel-neutral coach: every channel turns its updates into events and renders replies.

    The engine keeps nothing in memory between events: the state of each conversation lives in
    the database, so any process can continue any user's conversation.
    """

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        content: Content,
        clock: Clock,
        default_language: Language = "en",
        cards: CardIndex | None = None,
        emotions: EmotionDetector | None = None,
        charts: ChartRenderer | None = None,
        trainer_allowlist: frozenset[str] | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._content = content
        self._clock = clock
        self._default_language = default_language
        self._cards = cards
        self._emotions = emotions
        self._charts = charts
        self._trainer_allowlist = trainer_allowlist

    @property
    def content(self) -> Content:
        """The framework, instruments and texts the engine speaks with."""
        return self._content

    def handle(
        self,
        channel: str,
        external_id: str,
        event: Inbound,
        language_hint: Language | None = None,
        deep_link: str | None = None,
    ) -> list[Reply]:
        """Handle one event in one transaction; on any error nothing of it is stored.

        `language_hint` is the channel's guess of the language (Telegram's language_code), used
        to greet a new user in it; `deep_link` the channel's prefix for invitation links.
        """
        return self.respond(channel, external_id, event, language_hint, deep_link).replies

    def respond(
        self,
        channel: str,
        external_id: str,
        event: Inbound,
        language_hint: Language | None = None,
        deep_link: str | None = None,
    ) -> Outcome:
        """Handle one event like `handle`, and tell which option a button press chose."""
        with self._unit_of_work() as uow:
            user = uow.users.find(channel, external_id)
            if user is None:
                user = uow.users.add(self._new_user(channel, external_id, event, language_hint))
            turn = Turn(
                user=user,
                uow=uow,
                content=self._content,
                now=self._clock.now(),
                cards=self._cards,
                emotions=self._emotions,
                charts=self._charts,
                trainer_allowlist=self._trainer_allowlist,
                deep_link=deep_link,
            )
            pressed = _pressed(turn, event)
            replies = router.handle(turn, event)
            uow.users.save(user)
            uow.commit()
        return Outcome(replies, pressed)

    def conversation(self, channel: str, external_id: str) -> Conversation | None:
        """Where a user's conversation stands (None for someone who never wrote), read-only."""
        with self._unit_of_work() as uow:
            user = uow.users.find(channel, external_id)
        return Conversation.from_json(user.state) if user is not None else None

    def language_of(self, channel: str, external_id: str) -> Language:
        """Return the language a user speaks with the coach (the default for unknown users)."""
        with self._unit_of_work() as uow:
            user = uow.users.find(channel, external_id)
        return user.language if user is not None else self._default_language

    def text(self, language: Language, key: str, **values: object) -> str:
        """Return a user-facing text, for channel-level messages such as errors."""
        return self._content.messages.text(language, key, **values)

    def _new_user(
        self, channel: str, external_id: str, event: Inbound, language_hint: Language | None
    ) -> User:
        language = event.language if isinstance(event, Start) and event.language else language_hint
        user = User(
            channel=channel, external_id=external_id, language=language or self._default_language
        )
        user.language_confirmed = language_hint is not None
        return user


def _pressed(turn: Turn, event: Inbound) -> Pressed | None:
    """The option a press chose, if it was on screen and the id is one of ours."""
    if not isinstance(event, Choice) or decode(event.option_id) is None:
        return None
    shown: Shown | None = turn.conversation.shown_option(event.option_id)
    return Pressed(shown.label, shown.stays) if shown is not None else None
