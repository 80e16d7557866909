"""The operator's side of people's data rights: an export or an erasure by channel and id."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.content import Content
from bot.domain.dialogue import Attachment
from bot.services.conversation.turn import Turn
from bot.services.ports import Clock, UnitOfWork

from . import export
from .routes import erase_person


class PrivacyAdmin:
    """Exports or erases one person's data outside any chat (answering a request by mail)."""

    def __init__(
        self, unit_of_work: Callable[[], UnitOfWork], content: Content, clock: Clock
    ) -> None:
        self._unit_of_work = unit_of_work
        self._content = content
        self._clock = clock

    def export(self, channel: str, external_id: str) -> tuple[Attachment, Attachment] | None:
        """The readable report and the JSON file; None for someone the coach does not know."""
        with self._unit_of_work() as uow:
            user = uow.users.find(channel, external_id)
            if user is None:
                return None
            turn = Turn(user=user, uow=uow, content=self._content, now=self._clock.now())
            return export.attachments(turn, export.export(turn))

    def delete(self, channel: str, external_id: str) -> dict[str, int] | None:
        """Erase the person; the rows erased by table, or None for someone unknown."""
        with self._unit_of_work() as uow:
            uow.lock_user(channel, external_id)
            user = uow.users.find(channel, external_id)
            if user is None:
                return None
            turn = Turn(user=user, uow=uow, content=self._content, now=self._clock.now())
            erased = erase_person(turn)
            uow.commit()
        return erased
