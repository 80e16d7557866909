"""SQLAlchemy 2 typed ORM tables: users, assessments, wellbeing, cohorts and reminders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .crypto import SecretJSON, SecretText

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
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # Encrypted at rest when a key is set (crypto.py): it holds what people said of a meeting.
    dialogue_state: Mapped[dict[str, Any]] = mapped_column(SecretJSON, default=dict)
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
    answers: Mapped[dict[str, Any]] = mapped_column(SecretJSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    debrief_score: Mapped[int | None] = mapped_column(Integer)
    debrief_notes: Mapped[dict[str, Any]] = mapped_column(SecretJSON, default=dict)
    debriefed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TrainerRow(Base):
    """The name a trainer shows to trainees."""

    __tablename__ = "trainers"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    display_name: Mapped[str] = mapped_column(String(64))


class CohortRow(Base):
    """A trainer's group of trainees; `code` is NULL once invitations are revoked."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MembershipRow(Base):
    """A trainee in a cohort, from joining until leaving (kept afterwards as history)."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    left_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AssignmentRow(Base):
    """An exercise card for a cohort, one trainee, or (without cohort) a user's own choice."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    assigned_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(SecretText, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CompletionRow(Base):
    """A trainee's completion of an assignment; at most one per assignment and trainee."""

    __tablename__ = "completions"
    __table_args__ = (
        UniqueConstraint("assignment_id", "user_id", name="uq_completions_assignment_id_user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    done_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reflection: Mapped[str] = mapped_column(SecretText, default="")
    rating: Mapped[int | None] = mapped_column(SmallInteger)


class ReminderRow(Base):
    """A message due to a user; the unique key makes scheduling the same one twice a no-op."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "kind", "ref", "due_at", name="uq_reminders_user_id_kind_ref_due_at"
        ),
        # The sender polls for unsent reminders by due time.
        Index("ix_reminders_sent_at_due_at", "sent_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # Never NULL: NULLs are all distinct, so they would slip past the unique key.
    ref: Mapped[str] = mapped_column(String(128), default="", server_default="")
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled: Mapped[bool] = mapped_column(default=False, server_default=false())


class DeliveryRow(Base):
    """One inbound update handled (its key recorded once) and the replies it owes, until sent.

    Written in the transaction of the update's effects: a redelivered update finds its row and
    changes nothing; replies committed but not sent (the process died) are sent from here.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("channel", "update_key", name="uq_deliveries_channel_update_key"),
        # Senders look for a user's unsent replies in order, and for leases that ran out.
        Index("ix_deliveries_user_id_delivered_at", "user_id", "delivered_at"),
    )

    # The id orders one user's deliveries: replies go out in the order updates were handled.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    replies: Mapped[list[Any]] = mapped_column(SecretJSON, default=list)
    # The channel's own details (chat, pressed message), opaque to the engine.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sent_parts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class AccessRow(Base):
    """Each report or export of a cohort, by its trainer or the operator (the access audit)."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EncryptionRow(Base):
    """One row when the free text is encrypted: a check value only the right key opens."""

    __tablename__ = "encryption"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check: Mapped[str] = mapped_column(Text)
