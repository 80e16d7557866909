"""Cohorts, assignments and reminders on the in-memory fakes, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from bot.adapters.db import database
from bot.adapters.db.models import Base
from bot.adapters.db.repositories import SqlAssignmentRepository, SqlReminderRepository
from bot.domain.cohorts import Assignment, Cohort, Completion, Membership, Reminder, ReminderKind
from bot.domain.content import Content
from bot.domain.dialogue import User
from bot.services.cohorts.nudges import Outgoing, ReminderService
from bot.services.ports import UnitOfWork
from tests.conftest import _postgres_engine, _sqlite_engine
from tests.fakes import FakeClock, FakeStore, FakeUnitOfWork

UowFactory = Callable[[], UnitOfWork]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OLD_CODE = "ABCDEFGHJKLM"
NEW_CODE = "NPQRSTUVWXYZ"
NEW_TABLES = {"trainers", "cohorts", "memberships", "assignments", "completions", "reminders"}


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UowFactory]:
    """Opens units of work on one backend, so each behaviour is checked on the fakes too."""
    if request.param == "fake":
        store = FakeStore()
        yield lambda: FakeUnitOfWork(store)
        return
    # The same migrated databases as `db_engine`; looping lets the generator clean up after.
    engines = _sqlite_engine(tmp_path) if request.param == "sqlite" else _postgres_engine()
    for engine in engines:
        yield database.unit_of_work_factory(engine)


def _id(value: int | None) -> int:
    assert value is not None
    return value


def _users(new_uow: UowFactory, count: int) -> list[int]:
    with new_uow() as uow:
        ids = [_id(uow.users.add(User("test", f"user{n}", "en")).id) for n in range(count)]
        uow.commit()
    return ids


def _cohort(new_uow: UowFactory, trainer: int, code: str | None = OLD_CODE) -> Cohort:
    with new_uow() as uow:
        cohort = uow.cohorts.add(Cohort(trainer, "Buyers 2026", code, T0))
        uow.commit()
    return cohort


def _reminder(
    user: int, minutes: int, kind: ReminderKind = ReminderKind.DUE, ref: str = ""
) -> Reminder:
    return Reminder(user, kind, T0 + timedelta(minutes=minutes), ref)


def test_a_cohort_and_its_trainer_name_round_trip(new_uow: UowFactory) -> None:
    trainer, other = _users(new_uow, 2)
    with new_uow() as uow:
        first = uow.cohorts.add(Cohort(trainer, "Buyers", OLD_CODE, T0))
        second = uow.cohorts.add(Cohort(trainer, "Suppliers", None, T0 + timedelta(hours=1)))
        uow.cohorts.set_trainer_name(trainer, "Ana")
        uow.cohorts.set_trainer_name(trainer, "Ana B.")
        uow.commit()
    with new_uow() as uow:
        assert uow.cohorts.get(_id(first.id)) == first
        assert uow.cohorts.of_trainer(trainer) == [first, second]
        assert uow.cohorts.of_trainer(other) == []
        assert uow.cohorts.get(_id(second.id) + 1000) is None
        assert uow.cohorts.trainer_name(trainer) == "Ana B."
        assert uow.cohorts.trainer_name(other) is None
        stored = uow.cohorts.get(_id(first.id))
        assert stored is not None and stored.created_at.tzinfo is not None


def test_only_the_current_code_finds_a_cohort(new_uow: UowFactory) -> None:
    (trainer,) = _users(new_uow, 1)
    cohort = _cohort(new_uow, trainer)
    with new_uow() as uow:
        cohort.code, cohort.name = NEW_CODE, "Renamed"
        uow.cohorts.save(cohort)
        assert uow.cohorts.by_code(OLD_CODE) is None  # already inside the rotating transaction
        uow.commit()
    with new_uow() as uow:
        assert uow.cohorts.by_code(OLD_CODE) is None
        assert uow.cohorts.by_code(NEW_CODE) == cohort
        assert uow.cohorts.by_code(NEW_CODE.lower()) is None  # codes match exactly
        cohort.code = None  # invitations revoked
        uow.cohorts.save(cohort)
        uow.commit()
    with new_uow() as uow:
        assert uow.cohorts.by_code(NEW_CODE) is None
        assert uow.cohorts.get(_id(cohort.id)) == cohort


def test_memberships_keep_those_who_left(new_uow: UowFactory) -> None:
    trainer, ana, bob = _users(new_uow, 3)
    cohort_id = _id(_cohort(new_uow, trainer).id)
    with new_uow() as uow:
        ana_in = uow.cohorts.add_member(Membership(cohort_id, ana, "Ana", T0))
        bob_in = uow.cohorts.add_member(Membership(cohort_id, bob, "Bob", T0 + timedelta(days=1)))
        uow.commit()
    with new_uow() as uow:
        ana_in.left_at, ana_in.display_name = T0 + timedelta(days=3), "Ana R."
        uow.cohorts.save_member(ana_in)
        uow.commit()
    with new_uow() as uow:
        assert uow.cohorts.members(cohort_id) == [ana_in, bob_in]
        (mine,) = uow.cohorts.memberships_of(ana)
        assert mine == ana_in and not mine.is_active
        assert mine.left_at is not None and mine.left_at.tzinfo is not None
        assert uow.cohorts.memberships_of(trainer) == []


def test_assignments_round_trip_and_personal_ones_stay_apart(new_uow: UowFactory) -> None:
    trainer, ana, bob = _users(new_uow, 3)
    cohort_id = _id(_cohort(new_uow, trainer).id)
    due = T0 + timedelta(days=7)
    with new_uow() as uow:
        to_all = uow.assignments.add(Assignment("card-a", trainer, T0, cohort_id, due_at=due))
        to_ana = uow.assignments.add(
            Assignment("card-b", trainer, T0 + timedelta(days=1), cohort_id, ana, note="For you")
        )
        own = uow.assignments.add(Assignment("card-c", ana, T0, trainee_id=ana))
        uow.commit()
    with new_uow() as uow:
        assert uow.assignments.for_cohort(cohort_id) == [to_all, to_ana]
        assert uow.assignments.personal(ana) == [own]
        assert uow.assignments.personal(bob) == []
        assert uow.assignments.get(_id(own.id)) == own
        stored = uow.assignments.get(_id(to_all.id))
        assert stored is not None and stored.due_at == due and stored.due_at.tzinfo is not None


def test_a_completion_is_recorded_once(new_uow: UowFactory) -> None:
    (ana,) = _users(new_uow, 1)
    with new_uow() as uow:
        assignment_id = _id(uow.assignments.add(Assignment("card-a", ana, T0, trainee_id=ana)).id)
        uow.commit()
    done = Completion(assignment_id, ana, T0 + timedelta(hours=2), "It helped", 4)
    with new_uow() as uow:
        assert uow.assignments.complete(done) is True
        assert uow.assignments.complete(Completion(assignment_id, ana, T0, "Again")) is False
        uow.commit()
    with new_uow() as uow:
        assert uow.assignments.complete(Completion(assignment_id, ana, T0)) is False
        assert uow.assignments.completions([assignment_id]) == [done]
        assert uow.assignments.completions([]) == []


def test_a_duplicate_reminder_is_refused_and_the_transaction_carries_on(
    new_uow: UowFactory,
) -> None:
    (ana,) = _users(new_uow, 1)
    first, other = _reminder(ana, 60, ref="7"), _reminder(ana, 30, ref="8")
    with new_uow() as uow:
        assert uow.reminders.add(first) is True
        assert uow.reminders.add(_reminder(ana, 60, ref="7")) is False
        assert uow.reminders.add(other) is True
        uow.commit()
    with new_uow() as uow:
        # The same moment written in another zone is the same reminder.
        paris = first.due_at.astimezone(timezone(timedelta(hours=1)))
        assert uow.reminders.add(Reminder(ana, first.kind, paris, "7")) is False
        assert uow.reminders.pending(ana) == [other, first]


def test_due_reminders_are_claimed_once_soonest_first(new_uow: UowFactory) -> None:
    (ana,) = _users(new_uow, 1)
    early, late, future = _reminder(ana, -120), _reminder(ana, -60), _reminder(ana, 60)
    with new_uow() as uow:
        for reminder in (future, late, early):
            uow.reminders.add(reminder)
        assert uow.reminders.claim_due(T0, 1) == [Reminder(**{**early.__dict__, "sent_at": T0})]
        uow.commit()
    with new_uow() as uow:
        (claimed,) = uow.reminders.claim_due(T0, 10)
        assert claimed.id == late.id and claimed.sent_at == T0
        assert uow.reminders.claim_due(T0, 10) == []
        assert uow.reminders.pending(ana) == [future]
        uow.commit()
    with new_uow() as uow:
        assert [r.id for r in uow.reminders.claim_due(T0 + timedelta(hours=2), 10)] == [future.id]


def test_claims_can_keep_to_one_channel_or_one_user(new_uow: UowFactory) -> None:
    ana, bob = _users(new_uow, 2)
    with new_uow() as uow:
        carl = _id(uow.users.add(User("telegram", "carl", "fr")).id)
        for user in (ana, bob, carl):
            uow.reminders.add(_reminder(user, -5))
        uow.commit()
    with new_uow() as uow:
        found = uow.users.get(carl)
        assert found is not None and found.channel == "telegram"
        assert uow.users.get(carl + 1000) is None
        assert [r.user_id for r in uow.reminders.claim_due(T0, 10, channel="telegram")] == [carl]
        assert [r.user_id for r in uow.reminders.claim_due(T0, 10, user_id=bob)] == [bob]
        assert uow.reminders.claim_due(T0, 10, channel="telegram", user_id=ana) == []
        assert [r.user_id for r in uow.reminders.claim_due(T0, 10)] == [ana]


def test_cancelled_reminders_are_never_claimed(new_uow: UowFactory) -> None:
    ana, bob = _users(new_uow, 2)
    sent = _reminder(ana, -60, ref="1")
    with new_uow() as uow:
        uow.reminders.add(sent)
        uow.reminders.claim_due(T0, 10)
        for reminder in (
            _reminder(ana, 0, ref="1"),
            _reminder(ana, 0, ref="2"),
            _reminder(bob, 0, ref="1"),
        ):
            uow.reminders.add(reminder)
        later = _reminder(ana, 0, ReminderKind.LATER, "1")
        uow.reminders.add(later)
        uow.commit()
    with new_uow() as uow:
        assert uow.reminders.cancel(ana, ReminderKind.DUE, "1") == 1  # the sent one stays sent
        assert uow.reminders.cancel(ana, ReminderKind.DUE) == 1
        assert uow.reminders.cancel(ana, ReminderKind.DUE) == 0
        uow.commit()
    with new_uow() as uow:
        claimed = uow.reminders.claim_due(T0 + timedelta(days=1), 10)
        assert sorted((r.user_id, r.kind, r.ref) for r in claimed) == [
            (ana, ReminderKind.LATER, "1"),
            (bob, ReminderKind.DUE, "1"),
        ]
        assert uow.reminders.pending(ana) == []


def test_nothing_uncommitted_is_kept(new_uow: UowFactory) -> None:
    (trainer,) = _users(new_uow, 1)
    with new_uow() as uow:
        cohort = uow.cohorts.add(Cohort(trainer, "Draft", OLD_CODE, T0))
        uow.reminders.add(_reminder(trainer, 0))
    with new_uow() as uow:
        assert uow.cohorts.get(_id(cohort.id)) is None
        assert uow.reminders.pending(trainer) == []


# The checks below need a real database: savepoints, concurrent processes and migrations.


def test_losing_an_insert_race_leaves_the_transaction_usable(
    db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_uow = database.unit_of_work_factory(db_engine)
    (ana,) = _users(new_uow, 1)
    with new_uow() as uow:
        assignment_id = _id(uow.assignments.add(Assignment("card-a", ana, T0, trainee_id=ana)).id)
        assert uow.assignments.complete(Completion(assignment_id, ana, T0)) is True
        assert uow.reminders.add(_reminder(ana, 0)) is True
        # As if another process inserted the same rows between our check and our insert.
        monkeypatch.setattr(SqlReminderRepository, "_exists", lambda *_: False)
        monkeypatch.setattr(SqlAssignmentRepository, "_completed", lambda *_: False)
        assert uow.reminders.add(_reminder(ana, 0)) is False
        assert uow.assignments.complete(Completion(assignment_id, ana, T0)) is False
        assert uow.reminders.add(_reminder(ana, 5)) is True
        uow.commit()
    monkeypatch.undo()
    with new_uow() as uow:
        assert [r.due_at for r in uow.reminders.pending(ana)] == [T0, T0 + timedelta(minutes=5)]
        assert len(uow.assignments.completions([assignment_id])) == 1


def test_two_processes_claim_each_due_reminder_exactly_once(db_engine: Engine) -> None:
    setup = database.unit_of_work_factory(db_engine)
    (ana,) = _users(setup, 1)
    reminders = [_reminder(ana, -n, ref=str(n)) for n in range(30)]
    with setup() as uow:
        for reminder in reminders:
            uow.reminders.add(reminder)
        uow.commit()
    barrier = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]
    errors: list[BaseException] = []

    def claim_all(slot: int) -> None:
        new_uow = database.unit_of_work_factory(db_engine)  # as a separate process would
        try:
            barrier.wait(timeout=30)
            # A fixed number of rounds, enough for either alone to take all thirty: a thread
            # that lost a whole batch to the other keeps competing instead of stopping.
            for _ in range(10):
                with new_uow() as uow:
                    batch = uow.reminders.claim_due(T0, 4)
                    uow.commit()
                claimed[slot] += [_id(r.id) for r in batch]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=claim_all, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    everything = claimed[0] + claimed[1]
    assert len(everything) == len(set(everything)) == 30
    assert set(everything) == {_id(r.id) for r in reminders}
    with setup() as uow:
        assert uow.reminders.claim_due(T0, 100) == []


def _alembic(engine: Engine, action: Callable[[Config, str], None], revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(database.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config, revision)


def test_the_migration_matches_the_models_and_reverts(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    _alembic(db_engine, command.downgrade, "0003")
    assert database.current_revision(db_engine) == "0003"
    assert NEW_TABLES.isdisjoint(inspect(db_engine).get_table_names())
    _alembic(db_engine, command.upgrade, "head")
    assert NEW_TABLES.issubset(inspect(db_engine).get_table_names())
    assert database.ensure_schema(db_engine) is False


def _telegram_people(new_uow: UowFactory, count: int, reminders_each: int) -> list[User]:
    """People of the Telegram channel, each with weekly-check reminders already due.

    Sending one weekly check replaces the person's others by the next week's.
    """
    people = []
    with new_uow() as uow:
        for n in range(count):
            person = uow.users.add(User("telegram", str(5000 + n), "fr"))
            for minutes in range(reminders_each):
                uow.reminders.add(
                    _reminder(_id(person.id), -minutes - 1, ReminderKind.WEEKLY_CHECK)
                )
            people.append(person)
        uow.commit()
    return people


def _sent_keys(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT update_key FROM deliveries").all()
    return [str(key) for (key,) in rows]


def test_three_workers_send_each_due_reminder_once(db_engine: Engine, content: Content) -> None:
    setup = database.unit_of_work_factory(db_engine)
    people = _telegram_people(setup, count=18, reminders_each=1)
    barrier = threading.Barrier(3)
    sent: list[Outgoing] = []
    errors: list[BaseException] = []

    def worker() -> None:
        # Each worker as a process of its own: its own service on the shared database.
        service = ReminderService(database.unit_of_work_factory(db_engine), content, FakeClock(T0))
        try:
            barrier.wait(timeout=30)
            for _ in range(4):
                sent.extend(service.claim_due("telegram", limit=5))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    keys = _sent_keys(db_engine)
    assert len(keys) == len(set(keys)) == 18  # one send record per reminder, never two
    assert len(sent) == 18
    assert sorted(o.external_id for o in sent) == sorted(p.external_id for p in people)
    with setup() as uow:
        assert uow.reminders.due(T0, 100, "telegram") == []


@pytest.mark.postgres
def test_a_person_in_a_turn_gets_the_reminder_at_the_next_look(
    content: Content, tmp_path: Path
) -> None:
    for engine in _postgres_engine():
        setup = database.unit_of_work_factory(engine)
        (busy, free) = _telegram_people(setup, count=2, reminders_each=1)
        service = ReminderService(setup, content, FakeClock(T0))
        with setup() as turn:  # the busy person's own turn holds their lock meanwhile
            turn.lock_user(busy.channel, busy.external_id)
            first_look = service.claim_due("telegram")
        assert [o.external_id for o in first_look] == [free.external_id]
        assert [o.external_id for o in service.claim_due("telegram")] == [busy.external_id]
