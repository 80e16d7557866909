"""The dialogue engine: one inbound event and the stored state in, replies out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.content import Content
from bot.domain.delivery import KEEP_HANDLED, Delivery
from bot.domain.dialogue import Choice, Inbound, Reply, Start, User
from bot.domain.framework import Language
from bot.services import router
from bot.services.conversation.protocol import decode
from bot.services.conversation.state import Conversation, Shown
from bot.services.conversation.turn import Turn
from bot.services.pictures import redrawable
from bot.services.ports import CardIndex, ChartRenderer, Clock, EmotionDetector, UnitOfWork


@dataclass(frozen=True)
class Pressed:
    """The option a button press chose, as it was shown (for the channel to mark it)."""

    label: str
    stays: bool


@dataclass(frozen=True)
class Outcome:
    """The replies to one event, and for a button press, what the pressed option was.

    With an update key (a channel that may deliver an update twice), `delivery` is the record
    of the replies owed, `duplicate` tells that the update had been handled before (nothing
    changed this time), and `deliveries` are the user's unsent replies this caller now holds,
    in order (this update's among them, unless another sender holds the user's).
    """

    replies: list[Reply]
    pressed: Pressed | None = None
    language: Language = "en"
    delivery: Delivery | None = None
    duplicate: bool = False
    deliveries: list[Delivery] = field(default_factory=list)


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
        ready: Callable[[], None] | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._content = content
        self._clock = clock
        self._default_language = default_language
        self._cards = cards
        self._emotions = emotions
        self._charts = charts
        self._trainer_allowlist = trainer_allowlist
        # Loads what a turn may need (card index, reader) outside any database transaction.
        self._ready = ready or (lambda: None)

    @property
    def default_language(self) -> Language:
        """The language for people whose channel does not say which they speak."""
        return self._default_language

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
        *,
        update_key: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> Outcome:
        """Handle one event like `handle`, and tell which option a button press chose.

        With `update_key`, the update is handled at most once: its key and the replies it owes
        (with the channel's `context`) are committed with its effects; the same key again
        changes nothing and returns what the first handling owed.
        """
        if not isinstance(event, Start):  # a greeting needs no model: it stays instant
            self._ready()  # models load before the transaction, never while it holds the lock
        with self._unit_of_work() as uow:
            uow.lock_user(channel, external_id)
            if update_key is not None:
                seen = uow.deliveries.find(channel, update_key)
                if seen is not None:
                    return self._repeat(uow, channel, external_id, seen)
            user = uow.users.find(channel, external_id)
            if user is None:
                user = uow.users.add(self._new_user(channel, external_id, event, language_hint))
            turn = self._turn(uow, user, deep_link)
            pressed = _pressed(turn, event)
            replies = router.handle(turn, event)
            if turn.forgotten:  # erased: nothing of them is stored again, this reply included
                uow.commit()
                return _unrecorded(replies, pressed, user.language, context)
            uow.users.save(user)
            delivery, held = None, []
            if update_key is not None and user.id is not None:
                owed = Delivery(0, user.id, replies, _with_pressed(context, pressed))
                delivery = uow.deliveries.add(channel, update_key, owed, turn.now)
                held = self._claim(uow, user.id, turn.now)
            uow.commit()
        return Outcome(replies, pressed, user.language, delivery, deliveries=held)

    def sent_parts(self, delivery_id: int, parts: int) -> None:
        """Count the parts of a delivery that went out (a restart resumes after them)."""
        with self._unit_of_work() as uow:
            uow.deliveries.progress(delivery_id, parts)
            uow.commit()

    def renew(self, deliveries: list[Delivery]) -> None:
        """Keep holding deliveries still being sent (a chart queued behind others, say)."""
        with self._unit_of_work() as uow:
            uow.deliveries.renew([d.id for d in deliveries], self._clock.now())
            uow.commit()

    def delivered(self, channel: str, external_id: str, delivery: Delivery) -> list[Delivery]:
        """Mark a delivery sent and take the user's next ones, in one transaction.

        Taking the next ones before letting go is what keeps a user's replies in order across
        processes: a reply committed meanwhile by another process is found here.
        """
        with self._unit_of_work() as uow:
            uow.lock_user(channel, external_id)
            now = self._clock.now()
            uow.deliveries.done(delivery.id, now)
            held = self._claim(uow, delivery.user_id, now)
            uow.commit()
        return held

    def stranded(self, channel: str, limit: int = 50) -> list[tuple[str, list[Delivery]]]:
        """Take the unsent replies whose sender died (its lease ran out), user by user.

        Also forgets sent deliveries older than the redelivery window.
        """
        with self._unit_of_work() as uow:
            now = self._clock.now()
            uow.deliveries.purge(now - KEEP_HANDLED)
            users = uow.deliveries.stranded(channel, now, limit)
            uow.commit()
        taken: list[tuple[str, list[Delivery]]] = []
        for external_id in users:
            with self._unit_of_work() as uow:
                uow.lock_user(channel, external_id)
                user = uow.users.find(channel, external_id)
                held = self._claim(uow, user.id, now) if user and user.id else []
                uow.commit()
            if held:
                taken.append((external_id, held))
        return taken

    def _repeat(self, uow: UnitOfWork, channel: str, external_id: str, seen: Delivery) -> Outcome:
        """An update handled before: nothing changes; its unsent replies (if any) are taken."""
        user = uow.users.find(channel, external_id)
        language = user.language if user is not None else self._default_language
        held = self._claim(uow, seen.user_id, self._clock.now())
        uow.commit()
        return Outcome(seen.replies, None, language, seen, duplicate=True, deliveries=held)

    def _claim(self, uow: UnitOfWork, user_id: int, now: datetime) -> list[Delivery]:
        """Take the user's unsent replies, their charts drawable here."""
        return redrawable(uow.deliveries.claim(user_id, now), self._charts)

    def _turn(self, uow: UnitOfWork, user: User, deep_link: str | None) -> Turn:
        return Turn(
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


def _unrecorded(
    replies: list[Reply],
    pressed: Pressed | None,
    language: Language,
    context: dict[str, Any] | None,
) -> Outcome:
    """The last reply to someone just erased: sent once, from memory, never stored."""
    owed = Delivery(0, 0, replies, _with_pressed(context, pressed))
    return Outcome(replies, pressed, language, None, deliveries=[owed])


def _with_pressed(context: dict[str, Any] | None, pressed: Pressed | None) -> dict[str, Any]:
    """The channel's context, and under "pressed" the option a press chose (label, stays)."""
    stored = dict(context or {})
    if pressed is not None:
        stored["pressed"] = [pressed.label, pressed.stays]
    return stored


def _pressed(turn: Turn, event: Inbound) -> Pressed | None:
    """The option a press chose, if it was on screen and the id is one of ours."""
    if not isinstance(event, Choice) or decode(event.option_id) is None:
        return None
    shown: Shown | None = turn.conversation.shown_option(event.option_id)
    return Pressed(shown.label, shown.stays) if shown is not None else None
