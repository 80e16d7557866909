"""Repositories translating between ORM rows and domain objects, and the SQL unit of work."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Update,
    delete,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.assessment import AssessmentSession, InstrumentId, Scores, SessionStatus
from bot.domain.cohorts import (
    AccessRecord,
    Assignment,
    Cohort,
    Completion,
    Membership,
    Reminder,
    ReminderKind,
)
from bot.domain.delivery import LEASE, Delivery, reply_from_json, reply_to_json
from bot.domain.dialogue import User
from bot.domain.framework import Language, Role
from bot.domain.preparation import MoodCheckin, Preparation
from bot.domain.progress import AssessmentResult
from bot.services.ports import StorageUnavailableError

from . import personal, retention
from .models import (
    AccessRow,
    AnswerRow,
    AssignmentRow,
    CohortRow,
    CompletionRow,
    DeliveryRow,
    MembershipRow,
    MoodRow,
    PreparationRow,
    ReminderRow,
    ResultRow,
    SafetyEventRow,
    SavedCardRow,
    ScoreRow,
    SessionRow,
    TrainerRow,
    UserRow,
)

# Errors that mean "the database is away or too slow", not "this update is wrong".
UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
OPEN_STATUSES = (SessionStatus.ACTIVE.value, SessionStatus.PAUSED.value)


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _maybe_aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment)


def _utc(moment: datetime) -> datetime:
    # SQLite compares datetimes as text and drops the zone, so every stored moment is UTC.
    return _aware(moment).astimezone(UTC)


def _maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)


def _insert_once(session: Session, row: object) -> bool:
    """Insert a row inside a savepoint; False when a unique key already holds it.

    The savepoint keeps the surrounding transaction usable when a concurrent transaction
    inserted the same key between our check and our insert.
    """
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def user_lock_key(channel: str, external_id: str) -> int:
    """A stable signed 64-bit key for a user's advisory lock (the same in every process)."""
    digest = hashlib.blake2b(f"{channel}:{external_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _dialect_insert(session: Session) -> Any:
    """The INSERT construct of the session's database, which knows ON CONFLICT."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql_insert
    return sqlite_insert


class SqlUserRepository:
    """Users stored in the `users` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, channel: str, external_id: str) -> User | None:
        """Return the user, with their row locked until the transaction ends, or None."""
        query = (
            select(UserRow)
            .where(UserRow.channel == channel, UserRow.external_id == external_id)
            .with_for_update()
        )
        row = self._session.scalars(query).one_or_none()
        return None if row is None else self._to_domain(row)

    def get(self, user_id: int) -> User | None:
        """Return a user by id, or None (without locking their row)."""
        row = self._session.get(UserRow, user_id)
        return None if row is None else self._to_domain(row)

    def add(self, user: User) -> User:
        """Insert a new user and return it with its id."""
        now = datetime.now(UTC)
        row = UserRow(
            channel=user.channel, external_id=user.external_id, created_at=now, updated_at=now
        )
        self._copy(user, row)
        values = {column.key: getattr(row, column.key) for column in UserRow.__table__.columns}
        values.pop("id")
        # Insert-or-nothing: two first messages of one person arriving at once (two workers)
        # must not end in a unique violation; the second finds the row the first wrote.
        insert = _dialect_insert(self._session)(UserRow).values(**values)
        self._session.execute(
            insert.on_conflict_do_nothing(index_elements=["channel", "external_id"])
        )
        found = self.find(user.channel, user.external_id)
        if found is None:
            raise LookupError("the new user could not be stored")
        return found

    def save(self, user: User) -> None:
        """Write back the user's settings and dialogue state."""
        row = self._session.get(UserRow, user.id)
        if row is None:
            raise LookupError(f"user {user.id} vanished")
        self._copy(user, row)
        row.updated_at = datetime.now(UTC)

    @staticmethod
    def _copy(user: User, row: UserRow) -> None:
        row.language = user.language
        row.language_confirmed = user.language_confirmed
        row.role = user.role
        row.focus = user.focus
        row.time_zone = user.time_zone
        row.dialogue_state = dict(user.state)

    @staticmethod
    def _to_domain(row: UserRow) -> User:
        return User(
            id=row.id,
            channel=row.channel,
            external_id=row.external_id,
            language=cast(Language, row.language),
            language_confirmed=row.language_confirmed,
            role=cast(Role | None, row.role),
            focus=row.focus,
            time_zone=row.time_zone,
            state=dict(row.dialogue_state or {}),
        )


class SqlSessionRepository:
    """Assessment sessions and their answers."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, session_id: int) -> AssessmentSession | None:
        """Return a session by id, or None."""
        row = self._session.get(SessionRow, session_id)
        return None if row is None else self._to_domain(row)

    def open_session(self, user_id: int, instrument: InstrumentId) -> AssessmentSession | None:
        """Return the user's latest open session of an instrument, or None."""
        query = (
            select(SessionRow)
            .where(
                SessionRow.user_id == user_id,
                SessionRow.instrument == instrument.value,
                SessionRow.status.in_(OPEN_STATUSES),
            )
            .order_by(SessionRow.id.desc())
            .limit(1)
        )
        row = self._session.scalars(query).one_or_none()
        return None if row is None else self._to_domain(row)

    def add(self, session: AssessmentSession) -> AssessmentSession:
        """Insert a new session and return it with its id."""
        row = SessionRow(
            user_id=session.user_id,
            instrument=session.instrument.value,
            started_at=session.started_at,
        )
        self._copy(session, row)
        self._session.add(row)
        self._session.flush()
        session.id = row.id
        return session

    def save(self, session: AssessmentSession) -> None:
        """Write back status, position and answers (changed answers replace the old value)."""
        row = self._session.get(SessionRow, session.id)
        if row is None:
            raise LookupError(f"session {session.id} vanished")
        self._copy(session, row)

    def _copy(self, session: AssessmentSession, row: SessionRow) -> None:
        row.role = session.role
        row.language = session.language
        row.status = session.status.value
        row.position = session.position
        row.completed_at = session.completed_at
        stored = {answer.item_id: answer for answer in row.answers}
        now = datetime.now(UTC)
        for item_id, value in session.answers.items():
            existing = stored.get(item_id)
            if existing is None:
                row.answers.append(AnswerRow(item_id=item_id, value=value, answered_at=now))
            elif existing.value != value:
                existing.value = value
                existing.answered_at = now

    @staticmethod
    def _to_domain(row: SessionRow) -> AssessmentSession:
        return AssessmentSession(
            id=row.id,
            user_id=row.user_id,
            instrument=InstrumentId(row.instrument),
            role=cast(Role, row.role),
            language=cast(Language, row.language),
            started_at=_aware(row.started_at),
            status=SessionStatus(row.status),
            position=row.position,
            answers={answer.item_id: answer.value for answer in row.answers},
            completed_at=_aware(row.completed_at) if row.completed_at else None,
        )


class SqlResultRepository:
    """Results of completed sessions, with one score row per register and competency."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, result: AssessmentResult) -> AssessmentResult:
        """Insert a result with its scores and return it with its id."""
        row = ResultRow(
            user_id=result.user_id,
            session_id=result.session_id,
            instrument=result.instrument.value,
            completed_at=result.completed_at,
        )
        row.scores = [
            ScoreRow(dimension="register", key=k, score=v)
            for k, v in result.scores.registers.items()
        ]
        row.scores += [
            ScoreRow(dimension="competency", key=k, score=v)
            for k, v in result.scores.competencies.items()
        ]
        self._session.add(row)
        self._session.flush()
        return AssessmentResult(**{**result.__dict__, "id": row.id})

    def for_user(self, user_id: int) -> list[AssessmentResult]:
        """Return a user's results, oldest first."""
        query = (
            select(ResultRow)
            .where(ResultRow.user_id == user_id)
            .order_by(ResultRow.completed_at, ResultRow.id)
        )
        return [self._to_domain(row) for row in self._session.scalars(query)]

    @staticmethod
    def _to_domain(row: ResultRow) -> AssessmentResult:
        registers = {s.key: s.score for s in row.scores if s.dimension == "register"}
        competencies = {s.key: s.score for s in row.scores if s.dimension == "competency"}
        return AssessmentResult(
            id=row.id,
            user_id=row.user_id,
            session_id=row.session_id,
            instrument=InstrumentId(row.instrument),
            completed_at=_aware(row.completed_at),
            scores=Scores(competencies=competencies, registers=registers),
        )


class SqlSavedCardRepository:
    """Kept cards in the `saved_cards` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user_id: int, card_id: str, saved_at: datetime) -> bool:
        """Keep a card; False when it was already kept."""
        if self._session.get(SavedCardRow, (user_id, card_id)) is not None:
            return False
        self._session.add(SavedCardRow(user_id=user_id, card_id=card_id, saved_at=saved_at))
        self._session.flush()
        return True

    def for_user(self, user_id: int) -> list[str]:
        """Return the ids of a user's kept cards, newest first."""
        query = (
            select(SavedCardRow.card_id)
            .where(SavedCardRow.user_id == user_id)
            .order_by(SavedCardRow.saved_at.desc(), SavedCardRow.card_id)
        )
        return list(self._session.scalars(query))


class SqlWellbeingRepository:
    """Mood check-ins and safety events (category and time only)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add_mood(self, checkin: MoodCheckin) -> None:
        """Store a mood check-in."""
        self._session.add(MoodRow(user_id=checkin.user_id, at=checkin.at, score=checkin.score))
        self._session.flush()

    def moods(self, user_id: int, since: datetime) -> list[MoodCheckin]:
        """Return a user's check-ins since a moment, oldest first."""
        query = (
            select(MoodRow)
            .where(MoodRow.user_id == user_id, MoodRow.at >= since)
            .order_by(MoodRow.at)
        )
        return [
            MoodCheckin(row.user_id, _aware(row.at), row.score)
            for row in self._session.scalars(query)
        ]

    def record_safety_event(self, user_id: int, category: str, at: datetime) -> None:
        """Record that a message needed human help; its text is never stored."""
        self._session.add(SafetyEventRow(user_id=user_id, category=category, created_at=at))
        self._session.flush()

    def safety_events(self, user_id: int) -> list[str]:
        """Return the categories recorded for a user, oldest first."""
        query = (
            select(SafetyEventRow.category)
            .where(SafetyEventRow.user_id == user_id)
            .order_by(SafetyEventRow.id)
        )
        return list(self._session.scalars(query))


class SqlPreparationRepository:
    """Meetings prepared with the coach."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, preparation: Preparation) -> Preparation:
        """Store a new preparation and return it with its id."""
        row = PreparationRow(user_id=preparation.user_id, created_at=preparation.created_at)
        self._copy(preparation, row)
        self._session.add(row)
        self._session.flush()
        preparation.id = row.id
        return preparation

    def get(self, preparation_id: int) -> Preparation | None:
        """Return a preparation by id, or None."""
        row = self._session.get(PreparationRow, preparation_id)
        return None if row is None else self._to_domain(row)

    def save(self, preparation: Preparation) -> None:
        """Write back a preparation's answers and debrief."""
        row = self._session.get(PreparationRow, preparation.id)
        if row is None:
            raise LookupError(f"preparation {preparation.id} vanished")
        self._copy(preparation, row)

    def for_user(self, user_id: int) -> list[Preparation]:
        """Return a user's preparations, oldest first."""
        query = (
            select(PreparationRow)
            .where(PreparationRow.user_id == user_id)
            .order_by(PreparationRow.id)
        )
        return [self._to_domain(row) for row in self._session.scalars(query)]

    @staticmethod
    def _copy(preparation: Preparation, row: PreparationRow) -> None:
        row.role = preparation.role
        row.language = preparation.language
        row.situation = preparation.situation
        row.feeling = preparation.feeling
        row.answers = dict(preparation.answers)
        row.completed_at = preparation.completed_at
        row.debrief_score = preparation.debrief_score
        row.debrief_notes = dict(preparation.debrief_notes)
        row.debriefed_at = preparation.debriefed_at

    @staticmethod
    def _to_domain(row: PreparationRow) -> Preparation:
        return Preparation(
            id=row.id,
            user_id=row.user_id,
            role=cast(Role, row.role),
            language=cast(Language, row.language),
            created_at=_aware(row.created_at),
            situation=row.situation,
            answers=dict(row.answers or {}),
            feeling=row.feeling,
            completed_at=_aware(row.completed_at) if row.completed_at else None,
            debrief_score=row.debrief_score,
            debrief_notes=dict(row.debrief_notes or {}),
            debriefed_at=_aware(row.debriefed_at) if row.debriefed_at else None,
        )


class SqlCohortRepository:
    """Cohorts, memberships and trainers' display names."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, cohort: Cohort) -> Cohort:
        """Store a new cohort and return it with its id."""
        row = CohortRow(trainer_id=cohort.trainer_id, created_at=_utc(cohort.created_at))
        self._copy(cohort, row)
        self._session.add(row)
        self._session.flush()
        cohort.id = row.id
        return cohort

    def get(self, cohort_id: int) -> Cohort | None:
        """Return a cohort by id, or None."""
        row = self._session.get(CohortRow, cohort_id)
        return None if row is None else self._to_domain(row)

    def save(self, cohort: Cohort) -> None:
        """Write back a cohort's name and code."""
        row = self._session.get(CohortRow, cohort.id)
        if row is None:
            raise LookupError(f"cohort {cohort.id} vanished")
        self._copy(cohort, row)
        # Flush now, so a rotated code is free (and the new one taken) for later queries.
        self._session.flush()

    def by_code(self, code: str) -> Cohort | None:
        """Return the cohort whose current code this is, or None."""
        row = self._session.scalars(select(CohortRow).where(CohortRow.code == code)).one_or_none()
        return None if row is None else self._to_domain(row)

    def all(self) -> list[Cohort]:
        """Return every cohort, oldest first (for the operator's command line)."""
        query = select(CohortRow).order_by(CohortRow.created_at, CohortRow.id)
        return [self._to_domain(row) for row in self._session.scalars(query)]

    def of_trainer(self, trainer_id: int) -> list[Cohort]:
        """Return a trainer's cohorts, oldest first."""
        query = (
            select(CohortRow)
            .where(CohortRow.trainer_id == trainer_id)
            .order_by(CohortRow.created_at, CohortRow.id)
        )
        return [self._to_domain(row) for row in self._session.scalars(query)]

    def add_member(self, membership: Membership) -> Membership:
        """Store a new membership and return it with its id."""
        row = MembershipRow(
            cohort_id=membership.cohort_id,
            user_id=membership.user_id,
            joined_at=_utc(membership.joined_at),
        )
        self._copy_member(membership, row)
        self._session.add(row)
        self._session.flush()
        membership.id = row.id
        return membership

    def save_member(self, membership: Membership) -> None:
        """Write back a membership's display name and when it was left."""
        row = self._session.get(MembershipRow, membership.id)
        if row is None:
            raise LookupError(f"membership {membership.id} vanished")
        self._copy_member(membership, row)

    def members(self, cohort_id: int) -> list[Membership]:
        """Return every membership of a cohort, past ones included, oldest first."""
        return self._memberships(MembershipRow.cohort_id == cohort_id)

    def memberships_of(self, user_id: int) -> list[Membership]:
        """Return every membership of a user, past ones included, oldest first."""
        return self._memberships(MembershipRow.user_id == user_id)

    def trainer_name(self, user_id: int) -> str | None:
        """Return the name a trainer shows to trainees, or None if never given."""
        row = self._session.get(TrainerRow, user_id)
        return None if row is None else row.display_name

    def set_trainer_name(self, user_id: int, name: str) -> None:
        """Store the name a trainer shows to trainees."""
        row = self._session.get(TrainerRow, user_id)
        if row is None:
            self._session.add(TrainerRow(user_id=user_id, display_name=name))
        else:
            row.display_name = name
        self._session.flush()

    def _memberships(self, condition: ColumnElement[bool]) -> list[Membership]:
        query = (
            select(MembershipRow)
            .where(condition)
            .order_by(MembershipRow.joined_at, MembershipRow.id)
        )
        return [self._member_to_domain(row) for row in self._session.scalars(query)]

    @staticmethod
    def _copy(cohort: Cohort, row: CohortRow) -> None:
        row.name = cohort.name
        row.code = cohort.code

    @staticmethod
    def _copy_member(membership: Membership, row: MembershipRow) -> None:
        row.display_name = membership.display_name
        row.left_at = _maybe_utc(membership.left_at)

    @staticmethod
    def _to_domain(row: CohortRow) -> Cohort:
        return Cohort(
            id=row.id,
            trainer_id=row.trainer_id,
            name=row.name,
            code=row.code,
            created_at=_aware(row.created_at),
        )

    @staticmethod
    def _member_to_domain(row: MembershipRow) -> Membership:
        return Membership(
            id=row.id,
            cohort_id=row.cohort_id,
            user_id=row.user_id,
            display_name=row.display_name,
            joined_at=_aware(row.joined_at),
            left_at=_maybe_aware(row.left_at),
        )


class SqlAssignmentRepository:
    """Assignments and their completions."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, assignment: Assignment) -> Assignment:
        """Store a new assignment and return it with its id."""
        row = AssignmentRow(
            cohort_id=assignment.cohort_id,
            trainee_id=assignment.trainee_id,
            assigned_by=assignment.assigned_by,
            card_id=assignment.card_id,
            due_at=_maybe_utc(assignment.due_at),
            note=assignment.note,
            created_at=_utc(assignment.created_at),
        )
        self._session.add(row)
        self._session.flush()
        assignment.id = row.id
        return assignment

    def get(self, assignment_id: int) -> Assignment | None:
        """Return an assignment by id, or None."""
        row = self._session.get(AssignmentRow, assignment_id)
        return None if row is None else self._to_domain(row)

    def for_cohort(self, cohort_id: int) -> list[Assignment]:
        """Return a cohort's assignments (to all or to one trainee), oldest first."""
        return self._assignments(AssignmentRow.cohort_id == cohort_id)

    def personal(self, user_id: int) -> list[Assignment]:
        """Return the exercises a user chose for themself, oldest first."""
        return self._assignments(
            AssignmentRow.cohort_id.is_(None), AssignmentRow.trainee_id == user_id
        )

    def complete(self, completion: Completion) -> bool:
        """Record a completion; False (nothing changed) if the user had already completed it."""
        if self._completed(completion):
            return False
        row = CompletionRow(
            assignment_id=completion.assignment_id,
            user_id=completion.user_id,
            done_at=_utc(completion.done_at),
            reflection=completion.reflection,
            rating=completion.rating,
        )
        return _insert_once(self._session, row)

    def completions(self, assignment_ids: list[int]) -> list[Completion]:
        """Return the completions of these assignments, oldest first."""
        if not assignment_ids:
            return []
        query = (
            select(CompletionRow)
            .where(CompletionRow.assignment_id.in_(assignment_ids))
            .order_by(CompletionRow.done_at, CompletionRow.id)
        )
        return [
            Completion(
                assignment_id=row.assignment_id,
                user_id=row.user_id,
                done_at=_aware(row.done_at),
                reflection=row.reflection,
                rating=row.rating,
            )
            for row in self._session.scalars(query)
        ]

    def _completed(self, completion: Completion) -> bool:
        query = select(CompletionRow.id).where(
            CompletionRow.assignment_id == completion.assignment_id,
            CompletionRow.user_id == completion.user_id,
        )
        return self._session.scalar(query) is not None

    def _assignments(self, *conditions: ColumnElement[bool]) -> list[Assignment]:
        query = (
            select(AssignmentRow)
            .where(*conditions)
            .order_by(AssignmentRow.created_at, AssignmentRow.id)
        )
        return [self._to_domain(row) for row in self._session.scalars(query)]

    @staticmethod
    def _to_domain(row: AssignmentRow) -> Assignment:
        return Assignment(
            id=row.id,
            card_id=row.card_id,
            assigned_by=row.assigned_by,
            created_at=_aware(row.created_at),
            cohort_id=row.cohort_id,
            trainee_id=row.trainee_id,
            due_at=_maybe_aware(row.due_at),
            note=row.note,
        )


class SqlReminderRepository:
    """Reminders: the one schedule every process shares, each reminder sent once."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, reminder: Reminder) -> bool:
        """Schedule a reminder; False if the same one (user, kind, ref, time) already exists."""
        if self._exists(reminder):
            return False
        row = ReminderRow(
            user_id=reminder.user_id,
            kind=reminder.kind.value,
            ref=reminder.ref,
            due_at=_utc(reminder.due_at),
            sent_at=_maybe_utc(reminder.sent_at),
            cancelled=reminder.cancelled,
        )
        if not _insert_once(self._session, row):
            return False
        reminder.id = row.id
        return True

    def claim_due(
        self, now: datetime, limit: int, channel: str | None = None, user_id: int | None = None
    ) -> list[Reminder]:
        """Mark due reminders as sent and return them; each is returned to one caller only.

        `channel` keeps to users of one channel, `user_id` to one user.
        """
        now = _utc(now)
        query = select(ReminderRow).where(
            ReminderRow.due_at <= now,
            ReminderRow.sent_at.is_(None),
            ReminderRow.cancelled.is_(False),
        )
        if channel is not None:
            on_channel = select(UserRow.id).where(UserRow.channel == channel)
            query = query.where(ReminderRow.user_id.in_(on_channel))
        if user_id is not None:
            query = query.where(ReminderRow.user_id == user_id)
        query = query.order_by(ReminderRow.due_at, ReminderRow.id).limit(limit)
        candidates = list(self._session.scalars(query))
        claimed: list[Reminder] = []
        for row in candidates:
            # Another process may have claimed it since our SELECT: the conditional UPDATE
            # waits for that process's row lock and then matches nothing.
            claim = update(ReminderRow).where(
                ReminderRow.id == row.id, ReminderRow.sent_at.is_(None)
            )
            if self._rowcount(claim.values(sent_at=now)) == 1:
                claimed.append(replace(self._to_domain(row), sent_at=now))
        return claimed

    def due(self, now: datetime, limit: int, channel: str) -> list[Reminder]:
        """The channel's due reminders, soonest first, without claiming them (candidates)."""
        on_channel = select(UserRow.id).where(UserRow.channel == channel)
        query = (
            select(ReminderRow)
            .where(
                ReminderRow.due_at <= _utc(now),
                ReminderRow.sent_at.is_(None),
                ReminderRow.cancelled.is_(False),
                ReminderRow.user_id.in_(on_channel),
            )
            .order_by(ReminderRow.due_at, ReminderRow.id)
            .limit(limit)
        )
        return [self._to_domain(row) for row in self._session.scalars(query)]

    def claim(self, reminder_id: int, now: datetime) -> Reminder | None:
        """Mark one due reminder as sent and return it; None if another process has it.

        PostgreSQL: the row is locked with SKIP LOCKED, so a worker never waits for another
        that is sending the same reminder; it moves on, and the sent mark keeps it once.
        """
        query = (
            select(ReminderRow)
            .where(
                ReminderRow.id == reminder_id,
                ReminderRow.sent_at.is_(None),
                ReminderRow.cancelled.is_(False),
            )
            .with_for_update(skip_locked=True)
        )
        row = self._session.scalars(query).first()
        if row is None:
            return None
        claim = update(ReminderRow).where(ReminderRow.id == row.id, ReminderRow.sent_at.is_(None))
        if self._rowcount(claim.values(sent_at=_utc(now))) != 1:
            return None
        return replace(self._to_domain(row), sent_at=_utc(now))

    def pending(self, user_id: int) -> list[Reminder]:
        """Return a user's reminders not sent nor cancelled yet, soonest first."""
        query = (
            select(ReminderRow)
            .where(
                ReminderRow.user_id == user_id,
                ReminderRow.sent_at.is_(None),
                ReminderRow.cancelled.is_(False),
            )
            .order_by(ReminderRow.due_at, ReminderRow.id)
        )
        return [self._to_domain(row) for row in self._session.scalars(query)]

    def cancel(self, user_id: int, kind: ReminderKind, ref: str | None = None) -> int:
        """Cancel a user's pending reminders of a kind (and ref, if given); return how many."""
        statement = update(ReminderRow).where(
            ReminderRow.user_id == user_id,
            ReminderRow.kind == kind.value,
            ReminderRow.sent_at.is_(None),
            ReminderRow.cancelled.is_(False),
        )
        if ref is not None:
            statement = statement.where(ReminderRow.ref == ref)
        return self._rowcount(statement.values(cancelled=True))

    def _exists(self, reminder: Reminder) -> bool:
        query = select(ReminderRow.id).where(
            ReminderRow.user_id == reminder.user_id,
            ReminderRow.kind == reminder.kind.value,
            ReminderRow.ref == reminder.ref,
            ReminderRow.due_at == _utc(reminder.due_at),
        )
        return self._session.scalar(query) is not None

    def _rowcount(self, statement: Update) -> int:
        result = cast(CursorResult[Any], self._session.execute(statement))
        return result.rowcount

    @staticmethod
    def _to_domain(row: ReminderRow) -> Reminder:
        return Reminder(
            id=row.id,
            user_id=row.user_id,
            kind=ReminderKind(row.kind),
            due_at=_aware(row.due_at),
            ref=row.ref,
            sent_at=_maybe_aware(row.sent_at),
            cancelled=row.cancelled,
        )


class SqlDeliveryRepository:
    """Handled updates and the replies they owe, in the `deliveries` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, channel: str, update_key: str) -> Delivery | None:
        """Return the delivery recorded for an update, or None if the update is new."""
        query = select(DeliveryRow).where(
            DeliveryRow.channel == channel, DeliveryRow.update_key == update_key
        )
        row = self._session.scalars(query).one_or_none()
        return None if row is None else self._to_domain(row)

    def add(self, channel: str, update_key: str, delivery: Delivery, now: datetime) -> Delivery:
        """Record a handled update and the replies it owes; return the delivery with its id."""
        row = DeliveryRow(
            channel=channel,
            update_key=update_key,
            user_id=delivery.user_id,
            replies=[reply_to_json(reply) for reply in delivery.replies],
            context=dict(delivery.context),
            sent_parts=0,
            created_at=_utc(now),
            # Nothing owed (a duplicate tap answered by a toast): delivered as it is written.
            delivered_at=None if delivery.replies else _utc(now),
        )
        self._session.add(row)
        self._session.flush()
        return replace(delivery, id=row.id)

    def claim(self, user_id: int, now: datetime) -> list[Delivery]:
        """Take a user's unsent deliveries in order, unless another sender holds them.

        The caller holds the user's lock: a sender that finds another's lease leaves everything
        to it, and that sender looks again once it is done, so nothing is left behind.
        """
        now = _utc(now)
        unsent = list(
            self._session.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.user_id == user_id, DeliveryRow.delivered_at.is_(None))
                .order_by(DeliveryRow.id)
            )
        )
        if any(row.lease_until is not None and _aware(row.lease_until) > now for row in unsent):
            return []
        for row in unsent:
            row.lease_until = now + LEASE
        return [self._to_domain(row) for row in unsent]

    def progress(self, delivery_id: int, sent_parts: int) -> None:
        """Count the parts of a delivery that went out."""
        self._session.execute(
            update(DeliveryRow).where(DeliveryRow.id == delivery_id).values(sent_parts=sent_parts)
        )

    def renew(self, delivery_ids: list[int], now: datetime) -> None:
        """Hold these unsent deliveries one lease longer (their sender is still at it)."""
        if not delivery_ids:
            return
        self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(delivery_ids), DeliveryRow.delivered_at.is_(None))
            .values(lease_until=_utc(now) + LEASE)
        )

    def done(self, delivery_id: int, now: datetime) -> None:
        """Mark a delivery as sent in full, and let go of the user's other unsent ones.

        They were claimed together with it by the same sender, which claims again next.
        """
        row = self._session.get(DeliveryRow, delivery_id)
        if row is None:
            return
        row.delivered_at, row.lease_until = _utc(now), None
        self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.user_id == row.user_id, DeliveryRow.delivered_at.is_(None))
            .values(lease_until=None)
        )

    def stranded(self, channel: str, now: datetime, limit: int) -> list[str]:
        """External ids of users whose unsent deliveries nobody holds (a sender died)."""
        now = _utc(now)
        free = or_(DeliveryRow.lease_until.is_(None), DeliveryRow.lease_until < now)
        query = (
            select(UserRow.external_id)
            .join(DeliveryRow, DeliveryRow.user_id == UserRow.id)
            .where(DeliveryRow.channel == channel, DeliveryRow.delivered_at.is_(None), free)
            .group_by(UserRow.external_id)
            .order_by(func.min(DeliveryRow.id))
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def purge(self, before: datetime) -> int:
        """Forget sent deliveries handled before a moment; return how many."""
        statement = delete(DeliveryRow).where(
            DeliveryRow.delivered_at.is_not(None), DeliveryRow.created_at < _utc(before)
        )
        result = cast(CursorResult[Any], self._session.execute(statement))
        return result.rowcount

    @staticmethod
    def _to_domain(row: DeliveryRow) -> Delivery:
        return Delivery(
            id=row.id,
            user_id=row.user_id,
            replies=[reply_from_json(item) for item in row.replies or []],
            context=dict(row.context or {}),
            sent_parts=row.sent_parts,
        )


class SqlPersonalDataRepository:
    """One person's rows across every table (see personal.py for the owner rules)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def export(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        """Every row the person owns, by table, as JSON-ready objects."""
        rows = personal.owned_rows(self._session, user_id)
        return {name: found for name, found in rows.items() if name not in personal.NOT_EXPORTED}

    def erase(self, user_id: int) -> dict[str, int]:
        """Delete every row the person owns; return how many, by table."""
        self._session.flush()
        counts = personal.erase(self._session, user_id)
        self._session.expire_all()
        return counts


class SqlRetentionRepository:
    """Applies the retention periods (see retention.py)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def apply(
        self, now: datetime, free_text: timedelta, abandoned: timedelta
    ) -> dict[str, int] | None:
        """Clear what is past its period; counts by kind, or None when another process is at it."""
        periods = retention.Periods(free_text=free_text, abandoned=abandoned)
        return retention.run(self._session, _utc(now), periods)


class SqlAccessAuditRepository:
    """The access audit, in the `access_audit` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, record: AccessRecord) -> None:
        """Record one access."""
        self._session.add(
            AccessRow(
                cohort_id=record.cohort_id,
                trainer_id=record.trainer_id,
                actor=record.actor,
                action=record.action,
                at=_utc(record.at),
            )
        )

    def of_cohorts(self, cohort_ids: list[int]) -> list[AccessRecord]:
        """The accesses to these cohorts, oldest first."""
        query = (
            select(AccessRow)
            .where(AccessRow.cohort_id.in_(cohort_ids))
            .order_by(AccessRow.at, AccessRow.id)
        )
        return [self._to_domain(row) for row in self._session.scalars(query)]

    def recent(self, limit: int) -> list[AccessRecord]:
        """The latest accesses to any cohort, newest first (for the operator)."""
        query = select(AccessRow).order_by(AccessRow.at.desc(), AccessRow.id.desc()).limit(limit)
        return [self._to_domain(row) for row in self._session.scalars(query)]

    @staticmethod
    def _to_domain(row: AccessRow) -> AccessRecord:
        return AccessRecord(row.cohort_id, row.actor, row.action, _aware(row.at), row.trainer_id)


class SqlUnitOfWork:
    """One database transaction holding the repositories."""

    users: SqlUserRepository
    sessions: SqlSessionRepository
    results: SqlResultRepository
    saved_cards: SqlSavedCardRepository
    wellbeing: SqlWellbeingRepository
    preparations: SqlPreparationRepository
    cohorts: SqlCohortRepository
    assignments: SqlAssignmentRepository
    reminders: SqlReminderRepository
    deliveries: SqlDeliveryRepository
    personal_data: SqlPersonalDataRepository
    retention: SqlRetentionRepository
    audit: SqlAccessAuditRepository

    def __init__(
        self, session_factory: sessionmaker[Session], writers: threading.Lock | None = None
    ) -> None:
        self._session_factory = session_factory
        self._writers = writers
        self._session: Session | None = None

    def __enter__(self) -> Self:
        if self._writers is not None:
            self._writers.acquire()
        self._session = self._session_factory()
        self.users = SqlUserRepository(self._session)
        self.sessions = SqlSessionRepository(self._session)
        self.results = SqlResultRepository(self._session)
        self.saved_cards = SqlSavedCardRepository(self._session)
        self.wellbeing = SqlWellbeingRepository(self._session)
        self.preparations = SqlPreparationRepository(self._session)
        self.cohorts = SqlCohortRepository(self._session)
        self.assignments = SqlAssignmentRepository(self._session)
        self.reminders = SqlReminderRepository(self._session)
        self.deliveries = SqlDeliveryRepository(self._session)
        self.personal_data = SqlPersonalDataRepository(self._session)
        self.retention = SqlRetentionRepository(self._session)
        self.audit = SqlAccessAuditRepository(self._session)
        return self

    def lock_user(self, channel: str, external_id: str) -> None:
        """Serialise this user's transactions across processes (new users included).

        PostgreSQL: a transaction-scoped advisory lock on the user's key, taken before anything
        is read, so that two workers never handle one person's updates side by side. SQLite's
        BEGIN IMMEDIATE already lets one writer in at a time.
        """
        if self._session is None:
            raise RuntimeError("lock outside a unit of work")
        if self._session.get_bind().dialect.name != "postgresql":
            return
        self._session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": user_lock_key(channel, external_id)}
        )

    def try_lock_user(self, channel: str, external_id: str) -> bool:
        """Take the user's lock if nobody holds it; False (without waiting) otherwise.

        Background work (reminders) uses it: it never queues behind a person's own turn, and
        never holds one lock while waiting for another, so no deadlock can form.
        """
        if self._session is None:
            raise RuntimeError("lock outside a unit of work")
        if self._session.get_bind().dialect.name != "postgresql":
            return True
        taken = self._session.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"),
            {"key": user_lock_key(channel, external_id)},
        )
        return bool(taken.scalar_one())

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back anything not committed and release the connection.

        A database that cannot be reached (down, timed out, locked too long, its file gone)
        surfaces as StorageUnavailableError, which channels answer with "try again".
        """
        try:
            if self._session is not None:
                with contextlib.suppress(SQLAlchemyError):
                    self._session.rollback()
                self._session.close()
                self._session = None
        finally:
            if self._writers is not None:
                self._writers.release()
        if isinstance(
            exc, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError
        ):
            raise StorageUnavailableError(
                type(exc.orig if isinstance(exc, DBAPIError) else exc).__name__
            ) from exc

    def commit(self) -> None:
        """Commit the transaction."""
        if self._session is None:
            raise RuntimeError("commit outside a unit of work")
        self._session.commit()
