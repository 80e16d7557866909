"""Trainers, cohorts, assignments and reminders, with the rules of who may see what."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# 12 characters from 31 unambiguous ones: about 59 bits, far beyond guessing through a chat bot.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
JOIN_PREFIX = "join_"
MIN_TRAINEES_FOR_AVERAGES = 3
MAX_NAME_LENGTH = 60
MAX_NOTE_LENGTH = 300
MAX_REFLECTION_LENGTH = 1000
WEEK = timedelta(days=7)


def new_code() -> str:
    """Return a fresh random invitation code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str | None:
    """Return a typed or deep-linked code in canonical form, or None when it cannot be one."""
    text = raw.strip()
    if text.casefold().startswith(JOIN_PREFIX):
        text = text[len(JOIN_PREFIX) :]
    code = text.replace("-", "").replace(" ", "").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def clean_name(raw: str, limit: int = MAX_NAME_LENGTH) -> str:
    """Return a display name or note on one line, trimmed to `limit` characters."""
    return " ".join(raw.split())[:limit]


@dataclass
class Cohort:
    """A trainer's group of trainees, joined with an invitation code."""

    trainer_id: int
    name: str
    code: str | None
    created_at: datetime
    id: int | None = None

    @property
    def is_open(self) -> bool:
        """Whether the cohort accepts new trainees (its code has not been revoked)."""
        return self.code is not None


@dataclass
class Membership:
    """A trainee in a cohort: present with consent from `joined_at`, until `left_at`."""

    cohort_id: int
    user_id: int
    display_name: str
    joined_at: datetime
    left_at: datetime | None = None
    id: int | None = None

    @property
    def is_active(self) -> bool:
        """Whether the trainee is still in the cohort and shares with its trainer."""
        return self.left_at is None


@dataclass
class Assignment:
    """An exercise card given to a whole cohort (trainee_id None) or one trainee.

    A personal exercise, chosen by a user for themself, has no cohort and the user as trainee.
    """

    card_id: str
    assigned_by: int
    created_at: datetime
    cohort_id: int | None = None
    trainee_id: int | None = None
    due_at: datetime | None = None
    note: str = ""
    id: int | None = None

    @property
    def is_personal(self) -> bool:
        """Whether the user chose it for themself, without a trainer."""
        return self.cohort_id is None

    def applies_to(self, user_id: int) -> bool:
        """Whether the assignment is meant for this trainee (a cohort-wide one is for all)."""
        return self.trainee_id is None or self.trainee_id == user_id

    def is_overdue(self, now: datetime) -> bool:
        """Whether its due date has passed."""
        return self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class Completion:
    """A trainee marked an assignment done, with a reflection and an optional 1-5 rating."""

    assignment_id: int
    user_id: int
    done_at: datetime
    reflection: str = ""
    rating: int | None = None


class ReminderKind(StrEnum):
    """Why the coach writes to someone who did not write first."""

    ASSIGNED = "assigned"  # a new exercise from a trainer
    DUE = "due"  # the due date is near
    LATER = "later"  # the trainee asked to be reminded
    WEEKLY_CHECK = "weekly_check"  # the weekly invitation to retake the quick check
    WEEKLY_EXERCISE = "weekly_exercise"  # a week has passed on a personal exercise
    JOINED = "joined"  # tells a trainer that someone joined their cohort ("cohort:user")
    LEFT = "left"  # tells a trainer that a trainee left, and nothing else about them ("cohort")


@dataclass
class Reminder:
    """A message due to a user at a time; `sent_at` is set once, by whoever sends it."""

    user_id: int
    kind: ReminderKind
    due_at: datetime
    ref: str = ""
    sent_at: datetime | None = None
    cancelled: bool = False
    id: int | None = None


def is_trainer_of(user_id: int, cohort: Cohort) -> bool:
    """Whether the user runs this cohort (the only person who sees its trainees)."""
    return cohort.trainer_id == user_id


def visible_members(memberships: list[Membership]) -> list[Membership]:
    """The trainees a trainer may see: those who joined with consent and have not left."""
    return [member for member in memberships if member.is_active]


def may_show_averages(trainee_count: int) -> bool:
    """Averages and charts of fewer than three people would single someone out."""
    return trainee_count >= MIN_TRAINEES_FOR_AVERAGES


DUE_HOUR_UTC = 17  # a typed date means "by the end of that working day"


MAX_DUE_YEARS = 5  # a due date further away than this is a typo, not a plan
MAX_DUE_DAYS = 366


def parse_due(text: str, now: datetime) -> datetime | None:
    """Read a due date typed as days from now ("7"), 2026-12-05, 05/12 or 05/12/2026.

    None when the text is not a date, the date is not in the future, or it is years away.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(".", "/").replace("-", "/")
    if not cleaned.isascii():
        return None
    if cleaned.isdigit() and len(cleaned) <= 3:
        days = int(cleaned)
        return now + timedelta(days=days) if 0 < days <= MAX_DUE_DAYS else None
    parts = [part for part in cleaned.split("/") if part]
    if not 2 <= len(parts) <= 3 or not all(part.isdigit() and len(part) <= 4 for part in parts):
        return None
    due = _date_of([int(part) for part in parts], len(parts[0]) == 4, now)
    return due if due is not None and now < due <= _latest_due(now) else None


def _date_of(numbers: list[int], year_first: bool, now: datetime) -> datetime | None:
    if year_first:  # 2026/12/05
        if len(numbers) != 3:
            return None
        year, month, day = numbers
    else:
        day, month = numbers[0], numbers[1]
        year = numbers[2] if len(numbers) == 3 else now.year
        year = year + 2000 if year < 100 else year
    try:
        due = now.replace(
            year=year, month=month, day=day, hour=DUE_HOUR_UTC, minute=0, second=0, microsecond=0
        )
    except ValueError:
        return None
    if len(numbers) == 2 and due <= now:  # "05/01" typed in December means next January
        due = due.replace(year=due.year + 1)
    return due


def _latest_due(now: datetime) -> datetime:
    return now + timedelta(days=365 * MAX_DUE_YEARS)


@dataclass(frozen=True)
class AccessRecord:
    """A trainer (or the operator) opened a cohort's report or exported it: who, what, when."""

    cohort_id: int
    actor: str  # "trainer" or "operator"
    action: str  # "report" or "export"
    at: datetime
    trainer_id: int | None = None
