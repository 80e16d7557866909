"""Everything stored about one person, table by table: for their export and their erasure.

Every table of the schema has an owner rule here; `tests/integration/test_personal_data.py`
fails when a table has none, so a new table cannot be left out of exports and erasures.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, or_, select
from sqlalchemy.orm import Session

from .models import Base

# How each table's rows belong to a person: a column holding their user id, or a link
# through another table (its name, the linking column, the linked table's owner column).
DIRECT: dict[str, tuple[str, ...]] = {
    "users": ("id",),
    "assessment_sessions": ("user_id",),
    "assessment_results": ("user_id",),
    "saved_cards": ("user_id",),
    "mood_checkins": ("user_id",),
    "safety_events": ("user_id",),
    "preparations": ("user_id",),
    "trainers": ("user_id",),
    "cohorts": ("trainer_id",),
    "memberships": ("user_id",),
    # A personal exercise (trainee_id) or one a trainer gave (assigned_by).
    "assignments": ("trainee_id", "assigned_by"),
    "completions": ("user_id",),
    "reminders": ("user_id",),
    "deliveries": ("user_id",),
    # A trainer's own accesses; trainees see those to their groups in their export too.
    "access_audit": ("trainer_id",),
}
THROUGH: dict[str, tuple[str, str]] = {
    "assessment_answers": ("session_id", "assessment_sessions"),
    "result_scores": ("result_id", "assessment_results"),
}
# Bookkeeping of the program, not the person's data: left out of the export.
NOT_EXPORTED = frozenset({"deliveries"})


# The program's own tables, holding nothing about anyone.
PROGRAM = frozenset({"encryption"})


def unowned_tables() -> list[str]:
    """Tables of the schema that no owner rule covers (must stay empty)."""
    covered = DIRECT.keys() | THROUGH.keys() | PROGRAM
    return [t for t in Base.metadata.tables if t not in covered]


def owned_rows(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row the person owns, by table, as JSON-ready objects (dates in ISO 8601)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, table in Base.metadata.tables.items():
        condition = _owned(table, user_id)
        if condition is None:
            continue
        found = session.execute(select(table).where(condition)).mappings().all()
        rows[name] = [{key: _json(value) for key, value in row.items()} for row in found]
    return rows


def erase(session: Session, user_id: int) -> dict[str, int]:
    """Delete every row the person owns; return how many, by table.

    Rows hanging off theirs (answers, scores) go first; then every table with their id, the
    user row last. Foreign keys cascade too, but the count tells the operator what went.
    """
    counts: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        condition = _owned(table, user_id)
        if condition is None:
            continue
        result: Any = session.execute(delete(table).where(condition))
        if result.rowcount:
            counts[table.name] = int(result.rowcount)
    return counts


def _owned(table: Table, user_id: int) -> ColumnElement[bool] | None:
    if table.name in DIRECT:
        return or_(*(table.c[column] == user_id for column in DIRECT[table.name]))
    if table.name in THROUGH:
        column, parent_name = THROUGH[table.name]
        parent = Base.metadata.tables[parent_name]
        owner = _owned(parent, user_id)
        if owner is None:
            raise LookupError(f"{parent_name} has no owner rule")
        return table.c[column].in_(select(parent.c.id).where(owner))
    return None


def _json(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
