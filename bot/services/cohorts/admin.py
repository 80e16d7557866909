"""The operator's view of cohorts, for the command line (whoever runs the server owns the data)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.cohorts import normalise_code, visible_members
from bot.domain.content import Content
from bot.domain.dialogue import Attachment
from bot.domain.framework import Language
from bot.domain.text import parse_number
from bot.services.conversation.protocol import MAX_ID_VALUE
from bot.services.ports import CardIndex, Clock, UnitOfWork

from . import reports


@dataclass(frozen=True)
class CohortLine:
    """One cohort in the operator's list."""

    id: int
    name: str
    trainer: str
    trainees: int
    open: bool


@dataclass(frozen=True)
class AccessLine:
    """One report or export in the operator's audit list."""

    at: datetime
    cohort_id: int
    cohort: str
    who: str
    action: str


class CohortAdmin:
    """Lists cohorts and exports one as CSV, outside any chat."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        content: Content,
        clock: Clock,
        cards: CardIndex | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._content = content
        self._clock = clock
        self._cards = cards

    def cohorts(self) -> list[CohortLine]:
        """Every cohort with its trainer's name and how many trainees share with them."""
        with self._unit_of_work() as uow:
            lines = []
            for cohort in uow.cohorts.all():
                assert cohort.id is not None
                trainer = uow.cohorts.trainer_name(cohort.trainer_id) or "?"
                count = len(visible_members(uow.cohorts.members(cohort.id)))
                lines.append(CohortLine(cohort.id, cohort.name, trainer, count, cohort.is_open))
        return lines

    def export(self, key: str, language: Language = "en") -> Attachment | None:
        """A cohort, named by id or current code, as CSV; None when no cohort matches."""
        with self._unit_of_work() as uow:
            cohort_id = parse_number(key, 1, MAX_ID_VALUE)
            code = normalise_code(key)
            cohort = (
                uow.cohorts.get(cohort_id)
                if cohort_id is not None
                else uow.cohorts.by_code(code)
                if code
                else None
            )
            if cohort is None:
                return None
            now = self._clock.now()
            report = reports.cohort_report(uow, self._content.framework, cohort, now)
            reports.record_access(uow, cohort, "export", now)
            csv = reports.report_csv(report, self._cards, language)
            uow.commit()
            return csv

    def audit(self, limit: int = 200) -> list[AccessLine]:
        """The latest reports and exports of cohorts: when, which cohort, by whom."""
        with self._unit_of_work() as uow:
            lines = []
            for record in uow.audit.recent(limit):
                cohort = uow.cohorts.get(record.cohort_id)
                trainer = uow.cohorts.trainer_name(record.trainer_id) if record.trainer_id else None
                name = cohort.name if cohort else "?"
                who = trainer or record.actor
                lines.append(AccessLine(record.at, record.cohort_id, name, who, record.action))
        return lines
