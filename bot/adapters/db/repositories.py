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
from bot.domain.progress import AssessmentResult

from .models import AnswerRow, ResultRow, SavedCardRow, ScoreRow, SessionRow, UserRow

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


class SqlUnitOfWork:
    """One database transaction holding the three repositories."""

    users: SqlUserRepository
    sessions: SqlSessionRepository
    results: SqlResultRepository
    saved_cards: SqlSavedCardRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        self._session = self._session_factory()
        self.users = SqlUserRepository(self._session)
        self.sessions = SqlSessionRepository(self._session)
        self.results = SqlResultRepository(self._session)
        self.saved_cards = SqlSavedCardRepository(self._session)
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
