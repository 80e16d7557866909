"""The ports the services need; adapters implement them, tests use the fakes in tests/fakes.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from bot.domain.assessment import AssessmentSession, InstrumentId
from bot.domain.cards import Card
from bot.domain.charts import BarChart, LineChart, RadarChart
from bot.domain.cohorts import (
    AccessRecord,
    Assignment,
    Cohort,
    Completion,
    Membership,
    Reminder,
    ReminderKind,
)
from bot.domain.delivery import Delivery
from bot.domain.dialogue import User
from bot.domain.emotions import EmotionReading
from bot.domain.framework import Language
from bot.domain.preparation import MoodCheckin, Preparation
from bot.domain.progress import AssessmentResult
from bot.domain.retrieval import CardHit, TagFilter


class StorageUnavailableError(RuntimeError):
    """The database cannot be reached (or its file vanished): nothing was stored, try later."""


class UserRepository(Protocol):
    """Users by channel and external id."""

    def find(self, channel: str, external_id: str) -> User | None:
        """Return the user and lock their row until the unit of work ends, or None."""

    def add(self, user: User) -> User:
        """Store a new user and return it with its id."""

    def get(self, user_id: int) -> User | None:
        """Return a user by id, or None."""

    def save(self, user: User) -> None:
        """Write back a user's language, role, focus and dialogue state."""


class SessionRepository(Protocol):
    """Assessment sessions with their answers."""

    def get(self, session_id: int) -> AssessmentSession | None:
        """Return a session by id, or None."""

    def open_session(self, user_id: int, instrument: InstrumentId) -> AssessmentSession | None:
        """Return the user's latest active or paused session of an instrument, or None."""

    def add(self, session: AssessmentSession) -> AssessmentSession:
        """Store a new session and return it with its id."""

    def save(self, session: AssessmentSession) -> None:
        """Write back a session's status, position and answers."""


class ResultRepository(Protocol):
    """Results of completed assessments."""

    def add(self, result: AssessmentResult) -> AssessmentResult:
        """Store a result and return it with its id."""

    def for_user(self, user_id: int) -> list[AssessmentResult]:
        """Return a user's results, oldest first."""


class SavedCardRepository(Protocol):
    """Cards a user kept for later."""

    def add(self, user_id: int, card_id: str, saved_at: datetime) -> bool:
        """Keep a card; False when it was already kept."""

    def for_user(self, user_id: int) -> list[str]:
        """Return the ids of a user's kept cards, newest first."""


class WellbeingRepository(Protocol):
    """Mood check-ins, and safety events recorded without any text."""

    def add_mood(self, checkin: MoodCheckin) -> None:
        """Store a mood check-in."""

    def moods(self, user_id: int, since: datetime) -> list[MoodCheckin]:
        """Return a user's check-ins since a moment, oldest first."""

    def record_safety_event(self, user_id: int, category: str, at: datetime) -> None:
        """Record that a message needed human help (category and time only)."""

    def safety_events(self, user_id: int) -> list[str]:
        """Return the categories recorded for a user, oldest first."""


class PreparationRepository(Protocol):
    """Meetings prepared with the coach, and their debriefs."""

    def add(self, preparation: Preparation) -> Preparation:
        """Store a new preparation and return it with its id."""

    def get(self, preparation_id: int) -> Preparation | None:
        """Return a preparation by id, or None."""

    def save(self, preparation: Preparation) -> None:
        """Write back a preparation's answers and debrief."""

    def for_user(self, user_id: int) -> list[Preparation]:
        """Return a user's preparations, oldest first."""


class CohortRepository(Protocol):
    """Trainers' cohorts, their trainees (memberships) and trainers' display names."""

    def add(self, cohort: Cohort) -> Cohort:
        """Store a new cohort and return it with its id."""

    def get(self, cohort_id: int) -> Cohort | None:
        """Return a cohort by id, or None."""

    def save(self, cohort: Cohort) -> None:
        """Write back a cohort's name and code."""

    def by_code(self, code: str) -> Cohort | None:
        """Return the cohort whose current code this is, or None."""

    def all(self) -> list[Cohort]:
        """Return every cohort, oldest first (for the operator's command line)."""

    def of_trainer(self, trainer_id: int) -> list[Cohort]:
        """Return a trainer's cohorts, oldest first."""

    def add_member(self, membership: Membership) -> Membership:
        """Store a new membership and return it with its id."""

    def save_member(self, membership: Membership) -> None:
        """Write back a membership (its display name and when it was left)."""

    def members(self, cohort_id: int) -> list[Membership]:
        """Return every membership of a cohort, past ones included, oldest first."""

    def memberships_of(self, user_id: int) -> list[Membership]:
        """Return every membership of a user, past ones included, oldest first."""

    def trainer_name(self, user_id: int) -> str | None:
        """Return the name a trainer shows to trainees, or None if never given."""

    def set_trainer_name(self, user_id: int, name: str) -> None:
        """Store the name a trainer shows to trainees."""


class AssignmentRepository(Protocol):
    """Exercises given to trainees (or chosen by users for themselves) and their completions."""

    def add(self, assignment: Assignment) -> Assignment:
        """Store a new assignment and return it with its id."""

    def get(self, assignment_id: int) -> Assignment | None:
        """Return an assignment by id, or None."""

    def for_cohort(self, cohort_id: int) -> list[Assignment]:
        """Return a cohort's assignments (to all or to one trainee), oldest first."""

    def personal(self, user_id: int) -> list[Assignment]:
        """Return the exercises a user chose for themself, oldest first."""

    def complete(self, completion: Completion) -> bool:
        """Record a completion; False (nothing changed) if the user had already completed it."""

    def completions(self, assignment_ids: list[int]) -> list[Completion]:
        """Return the completions of these assignments."""


class ReminderRepository(Protocol):
    """Messages scheduled for users; the database is the one schedule all processes share."""

    def add(self, reminder: Reminder) -> bool:
        """Schedule a reminder; False if the same one (user, kind, ref, time) already exists."""

    def claim_due(
        self, now: datetime, limit: int, channel: str | None = None, user_id: int | None = None
    ) -> list[Reminder]:
        """Mark due reminders as sent and return them; each is returned to one caller only.

        `channel` keeps to users of one channel, `user_id` to one user.
        """

    def due(self, now: datetime, limit: int, channel: str) -> list[Reminder]:
        """The channel's due reminders, soonest first, without claiming them (candidates)."""

    def claim(self, reminder_id: int, now: datetime) -> Reminder | None:
        """Mark one due reminder as sent and return it; None if another process has it."""

    def pending(self, user_id: int) -> list[Reminder]:
        """Return a user's reminders not sent nor cancelled yet, soonest first."""

    def cancel(self, user_id: int, kind: ReminderKind, ref: str | None = None) -> int:
        """Cancel a user's pending reminders of a kind (and ref, if given); return how many."""


class DeliveryRepository(Protocol):
    """Handled updates and the replies they owe, in the order they were handled."""

    def find(self, channel: str, update_key: str) -> Delivery | None:
        """Return the delivery recorded for an update, or None if the update is new."""

    def add(self, channel: str, update_key: str, delivery: Delivery, now: datetime) -> Delivery:
        """Record a handled update and the replies it owes; return the delivery with its id."""

    def claim(self, user_id: int, now: datetime) -> list[Delivery]:
        """Take a user's unsent deliveries in order, unless another sender holds them."""

    def progress(self, delivery_id: int, sent_parts: int) -> None:
        """Count the parts of a delivery that went out."""

    def renew(self, delivery_ids: list[int], now: datetime) -> None:
        """Hold these unsent deliveries one lease longer (their sender is still at it)."""

    def done(self, delivery_id: int, now: datetime) -> None:
        """Mark a delivery as sent in full, and let go of the user's other unsent ones."""

    def stranded(self, channel: str, now: datetime, limit: int) -> list[str]:
        """External ids of users whose unsent deliveries nobody holds (a sender died)."""

    def purge(self, before: datetime) -> int:
        """Forget sent deliveries handled before a moment; return how many."""


class PersonalDataRepository(Protocol):
    """Everything stored about one person, for their export and their erasure."""

    def export(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        """Every row the person owns, by table, as JSON-ready objects."""

    def erase(self, user_id: int) -> dict[str, int]:
        """Delete every row the person owns; return how many, by table."""


class RetentionRepository(Protocol):
    """Applies the retention periods to everything stored."""

    def apply(
        self, now: datetime, free_text: timedelta, abandoned: timedelta
    ) -> dict[str, int] | None:
        """Clear what is past its period; counts by kind, or None when another process is at it."""


class AccessAuditRepository(Protocol):
    """Who opened which cohort's report or export, and when."""

    def add(self, record: AccessRecord) -> None:
        """Record one access."""

    def of_cohorts(self, cohort_ids: list[int]) -> list[AccessRecord]:
        """The accesses to these cohorts, oldest first."""

    def recent(self, limit: int) -> list[AccessRecord]:
        """The latest accesses to any cohort, newest first (for the operator)."""


class UnitOfWork(Protocol):
    """One transaction: everything written inside it is committed together or not at all."""

    @property
    def users(self) -> UserRepository:
        """The users of this transaction."""

    @property
    def sessions(self) -> SessionRepository:
        """The assessment sessions of this transaction."""

    @property
    def results(self) -> ResultRepository:
        """The results of this transaction."""

    @property
    def saved_cards(self) -> SavedCardRepository:
        """The kept cards of this transaction."""

    @property
    def wellbeing(self) -> WellbeingRepository:
        """Mood check-ins and safety events of this transaction."""

    @property
    def preparations(self) -> PreparationRepository:
        """The meeting preparations of this transaction."""

    @property
    def cohorts(self) -> CohortRepository:
        """Cohorts and memberships of this transaction."""

    @property
    def assignments(self) -> AssignmentRepository:
        """Assignments and completions of this transaction."""

    @property
    def reminders(self) -> ReminderRepository:
        """Scheduled reminders of this transaction."""

    @property
    def deliveries(self) -> DeliveryRepository:
        """Handled updates and their unsent replies of this transaction."""

    @property
    def audit(self) -> AccessAuditRepository:
        """The access audit of this transaction."""

    @property
    def retention(self) -> RetentionRepository:
        """The retention periods, applied in this transaction."""

    @property
    def personal_data(self) -> PersonalDataRepository:
        """One person's rows across every table of this transaction."""

    def lock_user(self, channel: str, external_id: str) -> None:
        """Serialise this user's transactions across processes (new users included)."""

    def try_lock_user(self, channel: str, external_id: str) -> bool:
        """Take the user's lock if nobody holds it; False (without waiting) otherwise."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None:
        """Make the changes of this unit of work durable."""


class Clock(Protocol):
    """The current time, replaceable in tests."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware (UTC)."""


class CardIndex(Protocol):
    """The knowledge base, searchable in French and English."""

    def search(
        self,
        query: str,
        language: Language,
        k: int = 3,
        tags: TagFilter | None = None,
        hints: tuple[str, ...] = (),
    ) -> list[CardHit]:
        """Return the best cards for a query, shown in the given language (QueryError if empty).

        `hints`: tags the reader found in the query, which raise the cards carrying them.
        """

    def get(self, card_id: str) -> Card | None:
        """Return a card by id, or None."""


class EmotionDetector(Protocol):
    """Reads emotions, intensity, situations and safety concerns in a message."""

    def analyze(self, text: str, default_language: Language = "en") -> EmotionReading:
        """Read one message (its language guessed, the default breaking ties)."""


class ChartRenderer(Protocol):
    """Draws the charts users and trainers see, as PNG images."""

    def radar(self, chart: RadarChart) -> bytes:
        """Draw the five registers of a result, an earlier one faded behind it."""

    def lines(self, chart: LineChart) -> bytes:
        """Draw each register's score over time."""

    def bars(self, chart: BarChart) -> bytes:
        """Draw grouped bars per register (a cohort at its start and now)."""
