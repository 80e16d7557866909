"""SQLAlchemy 2 typed ORM tables: users, assessment sessions and answers, results and scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names make migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the project's naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    """A person on one channel."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_users_channel_external_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(8))
    language_confirmed: Mapped[bool] = mapped_column(default=False)
    role: Mapped[str | None] = mapped_column(String(16))
    focus: Mapped[str | None] = mapped_column(String(64))
    dialogue_state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(Base):
    """One run through an instrument."""

    __tablename__ = "assessment_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    instrument: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    answers: Mapped[list[AnswerRow]] = relationship(
        back_populates="session", cascade="all, delete-orphan", lazy="selectin"
    )


class AnswerRow(Base):
    """One answer of a session; changing it replaces the value."""

    __tablename__ = "assessment_answers"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    session: Mapped[SessionRow] = relationship(back_populates="answers")


class ResultRow(Base):
    """The outcome of a completed session."""

    __tablename__ = "assessment_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_sessions.id", ondelete="CASCADE"), unique=True
    )
    instrument: Mapped[str] = mapped_column(String(16))
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    scores: Mapped[list[ScoreRow]] = relationship(
        back_populates="result", cascade="all, delete-orphan", lazy="selectin"
    )


class ScoreRow(Base):
    """One 0-100 score of a result, for a register or a competency (queryable for cohorts)."""

    __tablename__ = "result_scores"

    result_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_results.id", ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    score: Mapped[float]

    result: Mapped[ResultRow] = relationship(back_populates="scores")


class SavedCardRow(Base):
    """A knowledge card a user kept for later."""

    __tablename__ = "saved_cards"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    card_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SafetyEventRow(Base):
    """A message that called for human help; only its category and time are kept, never its text."""

    __tablename__ = "safety_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MoodRow(Base):
    """A mood check-in: 1 (tense) to 5 (great)."""

    __tablename__ = "mood_checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    score: Mapped[int] = mapped_column(Integer)


class PreparationRow(Base):
    """A meeting prepared with the coach, and its debrief."""

    __tablename__ = "preparations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    situation: Mapped[str | None] = mapped_column(String(64))
    feeling: Mapped[str | None] = mapped_column(String(32))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    debrief_score: Mapped[int | None] = mapped_column(Integer)
    debrief_notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    debriefed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
