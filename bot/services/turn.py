"""The context of one inbound event: who, their stored state, and how to word replies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.content import Content
from bot.domain.dialogue import Option, Reply, User
from bot.services.ports import CardIndex, ChartRenderer, EmotionDetector, UnitOfWork


@dataclass
class Turn:
    """One event being handled inside one unit of work."""

    user: User
    uow: UnitOfWork
    content: Content
    now: datetime
    cards: CardIndex | None = None
    emotions: EmotionDetector | None = None
    charts: ChartRenderer | None = None
    # Who may become a trainer ("channel:id"); None lets anyone.
    trainer_allowlist: frozenset[str] | None = None
    # The channel's link prefix that opens the coach with a start parameter (Telegram deep links).
    deep_link: str | None = None

    def t(self, key: str, **values: object) -> str:
        """Return a user-facing text in the user's language."""
        return self.content.messages.text(self.user.language, key, **values)

    @property
    def flow(self) -> str:
        """The name of the step the conversation is in ('menu' when idle)."""
        return str(self.user.state.get("flow", "menu"))

    def state_value(self, name: str) -> Any:
        """Return a value stored with the current step, or None."""
        return self.user.state.get(name)

    def go(self, flow: str, **data: Any) -> None:
        """Move the conversation to a step, with the data that step needs."""
        self.user.state = {"flow": flow, **data}

    @property
    def user_id(self) -> int:
        """The stored user's id (every handled event has a stored user)."""
        assert self.user.id is not None
        return self.user.id

    def reply(self, key: str, options: tuple[Option, ...] = (), **values: object) -> Reply:
        """Build a reply from a text key."""
        return Reply(text=self.t(key, **values), options=options)
