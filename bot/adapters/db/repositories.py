"""Repositories translating between ORM rows and domain objects, and the SQL unit of work."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Self, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.assessment import AssessmentSession, InstrumentId, Scores, SessionStatus
from bot.domain.dialogue import User
from bot.domain.framework import Language, Role
from bot.domain.preparation import MoodCheckin, Preparation
from bot.domain.progress import AssessmentResult

from .models import (
    AnswerRow,
    MoodRow,
    PreparationRow,
    ResultRow,
    SafetyEventRow,
    SavedCardRow,
    ScoreRow,
    SessionRow,
    UserRow,
)

OPEN_STATUSES = (SessionStatus.ACTIVE.value, SessionStatus.PAUSED.value)


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back without a zone; everything stored is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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

    def add(self, user: User) -> User:
        """Insert a new user and return it with its id."""
        now = datetime.now(UTC)
        row = UserRow(
            channel=user.channel, external_id=user.external_id, created_at=now, updated_at=now
        )
        self._copy(user, row)
        self._session.add(row)
        self._session.flush()
        user.id = row.id
        return user

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


class SqlUnitOfWork:
    """One database transaction holding the three repositories."""

    users: SqlUserRepository
    sessions: SqlSessionRepository
    results: SqlResultRepository
    saved_cards: SqlSavedCardRepository
    wellbeing: SqlWellbeingRepository
    preparations: SqlPreparationRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self.users = SqlUserRepository(self._session)
        self.sessions = SqlSessionRepository(self._session)
        self.results = SqlResultRepository(self._session)
        self.saved_cards = SqlSavedCardRepository(self._session)
        self.wellbeing = SqlWellbeingRepository(self._session)
        self.preparations = SqlPreparationRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back anything not committed and release the connection."""
        if self._session is not None:
            self._session.rollback()
            self._session.close()
            self._session = None

    def commit(self) -> None:
        """Commit the transaction."""
        if self._session is None:
            raise RuntimeError("commit outside a unit of work")
        self._session.commit()
