"""The retention job: what people wrote goes after its period, whichever process runs it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.services.ports import Clock, UnitOfWork


class RetentionService:
    """Clears free text past its period and abandoned checks; safe to run from any process."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Clock,
        free_text: timedelta,
        abandoned: timedelta,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._free_text = free_text
        self._abandoned = abandoned

    def run(self) -> dict[str, int] | None:
        """One run: counts by kind, or None when another process was running it."""
        with self._unit_of_work() as uow:
            cleared = uow.retention.apply(self._clock.now(), self._free_text, self._abandoned)
            uow.commit()
        return cleared
