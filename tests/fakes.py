"""In-memory twins of the ports, with the same transactional behaviour as the real ones."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from bot.domain.assessment import AssessmentSession, InstrumentId
from bot.domain.cards import Card
from bot.domain.charts import BarChart, LineChart, RadarChart
from bot.domain.cohorts import Assignment, Cohort, Completion, Membership, Reminder, ReminderKind
from bot.domain.delivery import LEASE, Delivery
from bot.domain.dialogue import User
from bot.domain.preparation import MoodCheckin, Preparation
from bot.domain.progress import AssessmentResult
from bot.domain.retrieval import CardHit, QueryError, TagFilter


@dataclass
class FakeStore:
    """What a fake database holds once committed."""

    users: dict[int, User] = field(default_factory=dict)
    sessions: dict[int, AssessmentSession] = field(default_factory=dict)
    results: dict[int, AssessmentResult] = field(default_factory=dict)
    saved_cards: dict[tuple[int, str], datetime] = field(default_factory=dict)
    moods: list[MoodCheckin] = field(default_factory=list)
    safety_events: list[tuple[int, str, datetime]] = field(default_factory=list)
    preparations: dict[int, Preparation] = field(default_factory=dict)
    cohorts: dict[int, Cohort] = field(default_factory=dict)
    memberships: dict[int, Membership] = field(default_factory=dict)
    trainer_names: dict[int, str] = field(default_factory=dict)
    assignments: dict[int, Assignment] = field(default_factory=dict)
    completions: dict[tuple[int, int], Completion] = field(default_factory=dict)
    reminders: dict[int, Reminder] = field(default_factory=dict)
    # (channel, update key) -> [delivery, sent, lease until]
    deliveries: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    accesses: list[Any] = field(default_factory=list)
    next_id: int = 1

    def records(self) -> tuple[object, ...]:
        """Everything stored besides the users, to compare two stores."""
        return (
            self.sessions,
            self.results,
            self.saved_cards,
            self.moods,
            self.safety_events,
            self.preparations,
            self.cohorts,
            self.memberships,
            self.trainer_names,
            self.assignments,
            self.completions,
            self.reminders,
        )

    def new_id(self) -> int:
        """Hand out ids like a sequence."""
        self.next_id += 1
        return self.next_id - 1


class FakeUserRepository:
    """Users in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def find(self, channel: str, external_id: str) -> User | None:
        for user in self._store.users.values():
            if (user.channel, user.external_id) == (channel, external_id):
                return copy.deepcopy(user)
        return None

    def get(self, user_id: int) -> User | None:
        return copy.deepcopy(self._store.users.get(user_id))

    def add(self, user: User) -> User:
        user.id = self._store.new_id()
        self._store.users[user.id] = copy.deepcopy(user)
        return user

    def save(self, user: User) -> None:
        assert user.id in self._store.users
        self._store.users[user.id] = copy.deepcopy(user)


class FakeSessionRepository:
    """Sessions in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def get(self, session_id: int) -> AssessmentSession | None:
        return copy.deepcopy(self._store.sessions.get(session_id))

    def open_session(self, user_id: int, instrument: InstrumentId) -> AssessmentSession | None:
        open_ones = [
            s
            for s in self._store.sessions.values()
            if s.user_id == user_id and s.instrument is instrument and s.is_open
        ]
        return copy.deepcopy(max(open_ones, key=lambda s: s.id or 0)) if open_ones else None

    def add(self, session: AssessmentSession) -> AssessmentSession:
        session.id = self._store.new_id()
        self._store.sessions[session.id] = copy.deepcopy(session)
        return session

    def save(self, session: AssessmentSession) -> None:
        assert session.id in self._store.sessions
        self._store.sessions[session.id] = copy.deepcopy(session)


class FakeResultRepository:
    """Results in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, result: AssessmentResult) -> AssessmentResult:
        stored = replace(result, id=self._store.new_id())
        assert stored.id is not None
        self._store.results[stored.id] = stored
        return stored

    def for_user(self, user_id: int) -> list[AssessmentResult]:
        mine = [r for r in self._store.results.values() if r.user_id == user_id]
        return sorted(mine, key=lambda r: (r.completed_at, r.id or 0))


class FakeSavedCardRepository:
    """Kept cards in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, user_id: int, card_id: str, saved_at: datetime) -> bool:
        if (user_id, card_id) in self._store.saved_cards:
            return False
        self._store.saved_cards[(user_id, card_id)] = saved_at
        return True

    def for_user(self, user_id: int) -> list[str]:
        mine = [
            (at, card) for (user, card), at in self._store.saved_cards.items() if user == user_id
        ]
        return [card for _, card in sorted(mine, key=lambda pair: (-pair[0].timestamp(), pair[1]))]


class FakeWellbeingRepository:
    """Moods and safety events in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add_mood(self, checkin: MoodCheckin) -> None:
        self._store.moods.append(checkin)

    def moods(self, user_id: int, since: datetime) -> list[MoodCheckin]:
        return sorted(
            (m for m in self._store.moods if m.user_id == user_id and m.at >= since),
            key=lambda m: m.at,
        )

    def record_safety_event(self, user_id: int, category: str, at: datetime) -> None:
        self._store.safety_events.append((user_id, category, at))

    def safety_events(self, user_id: int) -> list[str]:
        return [category for user, category, _ in self._store.safety_events if user == user_id]


class FakePreparationRepository:
    """Preparations in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, preparation: Preparation) -> Preparation:
        preparation.id = self._store.new_id()
        self._store.preparations[preparation.id] = copy.deepcopy(preparation)
        return preparation

    def get(self, preparation_id: int) -> Preparation | None:
        return copy.deepcopy(self._store.preparations.get(preparation_id))

    def save(self, preparation: Preparation) -> None:
        assert preparation.id in self._store.preparations
        self._store.preparations[preparation.id] = copy.deepcopy(preparation)

    def for_user(self, user_id: int) -> list[Preparation]:
        return [
            copy.deepcopy(p)
            for _, p in sorted(self._store.preparations.items())
            if p.user_id == user_id
        ]


class FakeCohortRepository:
    """Cohorts, memberships and trainers' names in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, cohort: Cohort) -> Cohort:
        self._assert_code_free(cohort)
        cohort.id = self._store.new_id()
        self._store.cohorts[cohort.id] = copy.deepcopy(cohort)
        return cohort

    def get(self, cohort_id: int) -> Cohort | None:
        return copy.deepcopy(self._store.cohorts.get(cohort_id))

    def save(self, cohort: Cohort) -> None:
        assert cohort.id in self._store.cohorts
        self._assert_code_free(cohort)
        # Like the SQL repository: only the name and the code are written back.
        stored = self._store.cohorts[cohort.id]
        self._store.cohorts[cohort.id] = replace(stored, name=cohort.name, code=cohort.code)

    def by_code(self, code: str) -> Cohort | None:
        found = (c for c in self._store.cohorts.values() if c.code is not None and c.code == code)
        return copy.deepcopy(next(found, None))

    def all(self) -> list[Cohort]:
        every = self._store.cohorts.values()
        return [copy.deepcopy(c) for c in sorted(every, key=lambda c: (c.created_at, c.id or 0))]

    def of_trainer(self, trainer_id: int) -> list[Cohort]:
        mine = [c for c in self._store.cohorts.values() if c.trainer_id == trainer_id]
        return [copy.deepcopy(c) for c in sorted(mine, key=lambda c: (c.created_at, c.id or 0))]

    def add_member(self, membership: Membership) -> Membership:
        membership.id = self._store.new_id()
        self._store.memberships[membership.id] = copy.deepcopy(membership)
        return membership

    def save_member(self, membership: Membership) -> None:
        assert membership.id in self._store.memberships
        stored = self._store.memberships[membership.id]
        self._store.memberships[membership.id] = replace(
            stored, display_name=membership.display_name, left_at=membership.left_at
        )

    def members(self, cohort_id: int) -> list[Membership]:
        return self._sorted(m for m in self._store.memberships.values() if m.cohort_id == cohort_id)

    def memberships_of(self, user_id: int) -> list[Membership]:
        return self._sorted(m for m in self._store.memberships.values() if m.user_id == user_id)

    def trainer_name(self, user_id: int) -> str | None:
        return self._store.trainer_names.get(user_id)

    def set_trainer_name(self, user_id: int, name: str) -> None:
        self._store.trainer_names[user_id] = name

    def _assert_code_free(self, cohort: Cohort) -> None:
        # The SQL table has a unique key on the code.
        assert cohort.code is None or all(
            other.code != cohort.code
            for other in self._store.cohorts.values()
            if other.id != cohort.id
        )

    @staticmethod
    def _sorted(memberships: Iterable[Membership]) -> list[Membership]:
        ordered = sorted(memberships, key=lambda m: (m.joined_at, m.id or 0))
        return [copy.deepcopy(m) for m in ordered]


class FakeAssignmentRepository:
    """Assignments and completions in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, assignment: Assignment) -> Assignment:
        assignment.id = self._store.new_id()
        self._store.assignments[assignment.id] = copy.deepcopy(assignment)
        return assignment

    def get(self, assignment_id: int) -> Assignment | None:
        return copy.deepcopy(self._store.assignments.get(assignment_id))

    def for_cohort(self, cohort_id: int) -> list[Assignment]:
        return self._sorted(a for a in self._store.assignments.values() if a.cohort_id == cohort_id)

    def personal(self, user_id: int) -> list[Assignment]:
        return self._sorted(
            a
            for a in self._store.assignments.values()
            if a.cohort_id is None and a.trainee_id == user_id
        )

    def complete(self, completion: Completion) -> bool:
        key = (completion.assignment_id, completion.user_id)
        if key in self._store.completions:
            return False
        self._store.completions[key] = completion
        return True

    def completions(self, assignment_ids: list[int]) -> list[Completion]:
        wanted = set(assignment_ids)
        # sorted() is stable, so equal times keep insertion order, like the SQL id tiebreak.
        return sorted(
            (c for c in self._store.completions.values() if c.assignment_id in wanted),
            key=lambda c: c.done_at,
        )

    @staticmethod
    def _sorted(assignments: Iterable[Assignment]) -> list[Assignment]:
        ordered = sorted(assignments, key=lambda a: (a.created_at, a.id or 0))
        return [copy.deepcopy(a) for a in ordered]


class FakeReminderRepository:
    """Reminders in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, reminder: Reminder) -> bool:
        key = (reminder.user_id, reminder.kind, reminder.ref, reminder.due_at)
        if any((r.user_id, r.kind, r.ref, r.due_at) == key for r in self._store.reminders.values()):
            return False
        reminder.id = self._store.new_id()
        self._store.reminders[reminder.id] = copy.deepcopy(reminder)
        return True

    def claim_due(
        self, now: datetime, limit: int, channel: str | None = None, user_id: int | None = None
    ) -> list[Reminder]:
        due = [
            r
            for r in self._pending()
            if r.due_at <= now
            and (channel is None or self._store.users[r.user_id].channel == channel)
            and (user_id is None or r.user_id == user_id)
        ][:limit]
        for reminder in due:
            reminder.sent_at = now
        return [copy.deepcopy(r) for r in due]

    def due(self, now: datetime, limit: int, channel: str) -> list[Reminder]:
        on_channel = [
            r
            for r in self._pending()
            if r.due_at <= now and self._store.users[r.user_id].channel == channel
        ]
        return [copy.deepcopy(r) for r in on_channel[:limit]]

    def claim(self, reminder_id: int, now: datetime) -> Reminder | None:
        reminder = self._store.reminders.get(reminder_id)
        if reminder is None or reminder.sent_at is not None or reminder.cancelled:
            return None
        reminder.sent_at = now
        return copy.deepcopy(reminder)

    def pending(self, user_id: int) -> list[Reminder]:
        return [copy.deepcopy(r) for r in self._pending() if r.user_id == user_id]

    def cancel(self, user_id: int, kind: ReminderKind, ref: str | None = None) -> int:
        chosen = [
            r
            for r in self._pending()
            if r.user_id == user_id and r.kind == kind and (ref is None or r.ref == ref)
        ]
        for reminder in chosen:
            reminder.cancelled = True
        return len(chosen)

    def _pending(self) -> list[Reminder]:
        # The stored objects themselves: callers mutate them to claim or cancel.
        waiting = [
            r for r in self._store.reminders.values() if r.sent_at is None and not r.cancelled
        ]
        return sorted(waiting, key=lambda r: (r.due_at, r.id or 0))


class FakeDeliveryRepository:
    """Handled updates and their replies, with the SQL repository's claim rules."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def find(self, channel: str, update_key: str) -> Delivery | None:
        row = self._store.deliveries.get((channel, update_key))
        return copy.deepcopy(row[0]) if row else None

    def add(self, channel: str, update_key: str, delivery: Delivery, now: datetime) -> Delivery:
        stored = replace(delivery, id=self._store.next_id)
        self._store.next_id += 1
        self._store.deliveries[(channel, update_key)] = [stored, not delivery.replies, None]
        return copy.deepcopy(stored)

    def claim(self, user_id: int, now: datetime) -> list[Delivery]:
        unsent = sorted(
            (
                row
                for row in self._store.deliveries.values()
                if row[0].user_id == user_id and not row[1]
            ),
            key=lambda row: row[0].id,
        )
        if any(row[2] is not None and row[2] > now for row in unsent):
            return []
        for row in unsent:
            row[2] = now + LEASE
        return [copy.deepcopy(row[0]) for row in unsent]

    def progress(self, delivery_id: int, sent_parts: int) -> None:
        for row in self._store.deliveries.values():
            if row[0].id == delivery_id:
                row[0].sent_parts = sent_parts

    def renew(self, delivery_ids: list[int], now: datetime) -> None:
        for row in self._store.deliveries.values():
            if row[0].id in delivery_ids and not row[1]:
                row[2] = now + LEASE

    def done(self, delivery_id: int, now: datetime) -> None:
        rows = self._store.deliveries.values()
        owner = next((row[0].user_id for row in rows if row[0].id == delivery_id), None)
        for row in rows:
            if row[0].id == delivery_id:
                row[1] = True
            if row[0].user_id == owner:
                row[2] = None

    def stranded(self, channel: str, now: datetime, limit: int) -> list[str]:
        found: list[str] = []
        for (on, _), row in sorted(self._store.deliveries.items(), key=lambda i: i[1][0].id):
            external = self._store.users[row[0].user_id].external_id
            free = row[2] is None or row[2] < now
            if on == channel and not row[1] and free and external not in found:
                found.append(external)
        return found[:limit]

    def purge(self, before: datetime) -> int:
        return 0


class FakePersonalDataRepository:
    """One person's records in the fake store, for /mydata and /forget."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def export(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        user = self._store.users.get(user_id)
        mine = {
            "users": [vars(user)] if user else [],
            "assessment_sessions": [
                vars(s) for s in self._store.sessions.values() if s.user_id == user_id
            ],
            "assessment_results": [
                vars(r) for r in self._store.results.values() if r.user_id == user_id
            ],
            "mood_checkins": [vars(m) for m in self._store.moods if m.user_id == user_id],
            "preparations": [
                vars(p) for p in self._store.preparations.values() if p.user_id == user_id
            ],
            "memberships": [
                vars(m) for m in self._store.memberships.values() if m.user_id == user_id
            ],
        }
        return {
            name: [{k: str(v) for k, v in row.items()} for row in rows]
            for name, rows in mine.items()
        }

    def erase(self, user_id: int) -> dict[str, int]:
        store = self._store
        store.users.pop(user_id, None)
        for table in (
            store.sessions,
            store.results,
            store.preparations,
            store.memberships,
            store.reminders,
        ):
            for key in [k for k, v in table.items() if getattr(v, "user_id", None) == user_id]:
                del table[key]
        store.moods[:] = [m for m in store.moods if m.user_id != user_id]
        return {}


class FakeRetentionRepository:
    """Retention runs on the SQL store only (tests/integration/test_retention.py)."""

    def apply(self, now: datetime, free_text: timedelta, abandoned: timedelta) -> dict[str, int]:
        return {}


class FakeAccessAuditRepository:
    """The access audit, in memory."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, record: Any) -> None:
        self._store.accesses.append(record)

    def of_cohorts(self, cohort_ids: list[int]) -> list[Any]:
        return [r for r in self._store.accesses if r.cohort_id in cohort_ids]

    def recent(self, limit: int) -> list[Any]:
        return list(reversed(self._store.accesses))[:limit]


class FakeUnitOfWork:
    """Works on a copy of the committed store; commit publishes it, anything else discards it."""

    def __init__(self, committed: FakeStore) -> None:
        self.committed = committed
        self.commits = 0

    def __enter__(self) -> Self:
        self._working = copy.deepcopy(self.committed)
        self.users = FakeUserRepository(self._working)
        self.sessions = FakeSessionRepository(self._working)
        self.results = FakeResultRepository(self._working)
        self.saved_cards = FakeSavedCardRepository(self._working)
        self.wellbeing = FakeWellbeingRepository(self._working)
        self.preparations = FakePreparationRepository(self._working)
        self.cohorts = FakeCohortRepository(self._working)
        self.assignments = FakeAssignmentRepository(self._working)
        self.reminders = FakeReminderRepository(self._working)
        self.deliveries = FakeDeliveryRepository(self._working)
        self.personal_data = FakePersonalDataRepository(self._working)
        self.retention = FakeRetentionRepository()
        self.audit = FakeAccessAuditRepository(self._working)
        return self

    def lock_user(self, channel: str, external_id: str) -> None:
        """One process, one fake store: nothing to serialise."""

    def try_lock_user(self, channel: str, external_id: str) -> bool:
        """One process, one fake store: always free."""
        return True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._working = FakeStore()

    def commit(self) -> None:
        self.committed.__dict__.update(copy.deepcopy(self._working).__dict__)
        self.commits += 1


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.current += timedelta(**delta)


class FakeCardIndex:
    """Searches real cards by shared words, without any model: enough to drive conversations."""

    def __init__(self, cards: list[Card]) -> None:
        self.cards = cards
        self.searches: list[tuple[str, str, tuple[str, ...]]] = []
        self.hints: list[tuple[str, ...]] = []  # what the reader added to each search

    def search(
        self,
        query: str,
        language: str,
        k: int = 3,
        tags: TagFilter | None = None,
        hints: tuple[str, ...] = (),
    ) -> list[CardHit]:
        query_words = {w for w in re.findall(r"\w+", query.casefold()) if len(w) > 3}
        if not query_words:
            raise QueryError("no words")
        self.searches.append((query, language, tuple(sorted(tags.facets)) if tags else ()))
        self.hints.append(hints)
        scored = []
        for card in self.cards:
            if tags is not None and not tags.accepts(card):
                continue
            text = card.text("fr" if language == "fr" else "en")
            overlap = len(
                query_words & set(re.findall(r"\w+", f"{text.title} {text.body}".casefold()))
            )
            scored.append((overlap, card))
        scored.sort(key=lambda pair: -pair[0])
        best = scored[0][0] if scored else 0
        lang = "fr" if language == "fr" else "en"
        return [
            CardHit(card, float(s), lang, confident=best >= 2)
            for s, card in scored[:k]
            if s > 0 or tags
        ]

    def get(self, card_id: str) -> Card | None:
        return next((card for card in self.cards if card.id == card_id), None)


class FakeCharts:
    """A ChartRenderer that records what it was asked to draw and returns a marker, not a PNG."""

    def __init__(self) -> None:
        self.drawn: list[object] = []

    def radar(self, chart: RadarChart) -> bytes:
        self.drawn.append(chart)
        return b"radar"

    def lines(self, chart: LineChart) -> bytes:
        self.drawn.append(chart)
        return b"lines"

    def bars(self, chart: BarChart) -> bytes:
        self.drawn.append(chart)
        return b"bars"
