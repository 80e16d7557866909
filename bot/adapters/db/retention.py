"""Retention: free text goes after its period, abandoned checks sooner, left groups' names at once.

One run at a time across processes: PostgreSQL takes a transaction-scoped advisory lock and
skips the run when another process holds it; SQLite's BEGIN IMMEDIATE serialises writers, and
every step is idempotent, so a second run right after the first finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from bot.domain.memory import Memory

from .models import AssignmentRow, CompletionRow, MembershipRow, PreparationRow, SessionRow, UserRow

RETENTION_LOCK = 0x7275_6E21  # the advisory lock key of retention runs
OPEN_STATUSES = ("active", "paused")


@dataclass(frozen=True)
class Periods:
    """How long things are kept (settings TRUSTCOACH_RETENTION_*)."""

    free_text: timedelta = timedelta(days=365)
    abandoned: timedelta = timedelta(days=30)


def run(session: Session, now: datetime, periods: Periods) -> dict[str, int] | None:
    """Apply the periods; what was cleared, by kind, or None when another process is at it."""
    if session.get_bind().dialect.name == "postgresql":
        got = session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": RETENTION_LOCK})
        if not got.scalar():
            return None
    old_text = now - periods.free_text
    cleared = {
        "reflections": _count(
            session,
            update(CompletionRow)
            .where(CompletionRow.done_at < old_text, CompletionRow.reflection != "")
            .values(reflection=""),
        ),
        "exercise_notes": _count(
            session,
            update(AssignmentRow)
            .where(AssignmentRow.created_at < old_text, AssignmentRow.note != "")
            .values(note=""),
        ),
        "preparation_notes": _preparations(session, old_text),
        "abandoned_checks": _count(
            session,
            delete(SessionRow).where(
                SessionRow.status.in_(OPEN_STATUSES),
                SessionRow.started_at < now - periods.abandoned,
            ),
        ),
        "left_memberships": _count(
            session, delete(MembershipRow).where(MembershipRow.left_at.is_not(None))
        ),
        "conversation_memories": _memories(session, now),
    }
    return cleared


def _count(session: Session, statement: Any) -> int:
    result: Any = session.execute(statement)
    return int(result.rowcount or 0)


def _preparations(session: Session, before: datetime) -> int:
    """Empty the typed answers and debrief notes of old preparations (ratings stay)."""
    rows = session.scalars(select(PreparationRow).where(PreparationRow.created_at < before))
    cleared = 0
    for row in rows:
        if row.answers or row.debrief_notes:
            row.answers, row.debrief_notes = {}, {}
            cleared += 1
    return cleared


def _memories(session: Session, now: datetime) -> int:
    """Drop what people said about a meeting once it is past its hours (not only on their next
    message: someone who never comes back would otherwise keep it forever)."""
    cleared = 0
    for row in session.scalars(select(UserRow)):
        state = dict(row.dialogue_state or {})
        if "memory" not in state:
            continue
        memory = Memory.from_json(state["memory"])
        if memory is None or not memory.is_fresh(now):
            state.pop("memory")
            row.dialogue_state = state
            cleared += 1
    return cleared
