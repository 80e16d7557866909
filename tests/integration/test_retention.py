"""Retention: old free text and abandoned checks go, recent ones stay; a backup restores."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from bot.adapters.db import database
from bot.bootstrap import prepare_storage
from bot.config import load_settings
from bot.domain.assessment import AssessmentSession, InstrumentId
from bot.domain.cohorts import Assignment, Cohort, Completion, Membership
from bot.domain.dialogue import User
from bot.domain.preparation import Preparation
from bot.services.privacy.retention import RetentionService
from tests.fakes import FakeClock

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)
LATELY = NOW - timedelta(days=3)


def _seed(engine: Engine) -> int:
    uow = database.unit_of_work_factory(engine)
    with uow() as work:
        memory = {"at": (NOW - timedelta(days=5)).isoformat(), "situation": "price_increase"}
        ana = work.users.add(User("test", "ana", "fr", role="buyer", state={"memory": memory}))
        ben = work.users.add(User("test", "ben", "en", state={"memory": {"at": NOW.isoformat()}}))
        assert ana.id is not None and ben.id is not None
        for started in (LONG_AGO, LATELY):
            work.sessions.add(AssessmentSession(ana.id, InstrumentId.QUICK, "buyer", "fr", started))
        cohort = work.cohorts.add(Cohort(ben.id, "Buyers", "ABCDEFGHJKLM", LONG_AGO))
        assert cohort.id is not None
        work.cohorts.add_member(Membership(cohort.id, ana.id, "Ana Q", LONG_AGO, left_at=LATELY))
        for moment, words in ((LONG_AGO, "old words"), (LATELY, "new words")):
            given = work.assignments.add(
                Assignment("card-x", ben.id, moment, cohort.id, note=f"note {words}")
            )
            assert given.id is not None
            work.assignments.complete(Completion(given.id, ana.id, moment, words, 4))
            prep = Preparation(ana.id, "buyer", "fr", moment, answers={"goal": words})
            prep.debrief_notes = {"worked": words}
            work.preparations.add(prep)
        work.commit()
    return ana.id


def test_what_is_past_its_period_goes_and_the_rest_stays(db_engine: Engine) -> None:
    ana = _seed(db_engine)
    service = RetentionService(
        database.unit_of_work_factory(db_engine),
        FakeClock(NOW),
        free_text=timedelta(days=365),
        abandoned=timedelta(days=30),
    )
    cleared = service.run()
    assert cleared == {
        "reflections": 1,
        "exercise_notes": 1,
        "preparation_notes": 1,
        "abandoned_checks": 1,
        "left_memberships": 1,
        "conversation_memories": 1,
    }
    with database.unit_of_work_factory(db_engine)() as work:
        preparations = work.preparations.for_user(ana)
        assert sorted(p.answers.get("goal", "") for p in preparations) == ["", "new words"]
        assert work.cohorts.memberships_of(ana) == []
        user = work.users.get(ana)
        assert user is not None and "memory" not in user.state
        ben = work.users.find("test", "ben")
        assert ben is not None and "memory" in ben.state  # said just now: kept
        assert work.sessions.open_session(ana, InstrumentId.QUICK) is not None  # the recent one
    assert set((service.run() or {}).values()) == {0}  # nothing left to do the second time


def test_a_backup_restores_after_the_database_is_lost(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    engine = prepare_storage(settings)
    ana = _seed(engine)
    engine.dispose()
    copy = tmp_path / "copy.db"
    assert database.backup_sqlite(settings.sqlalchemy_url, copy) > 0
    live = tmp_path / "data" / "trustcoach.db"
    live.unlink()
    shutil.copyfile(copy, live)  # the restore step of deploy/README.md
    restored = prepare_storage(settings)
    with database.unit_of_work_factory(restored)() as work:
        assert len(work.preparations.for_user(ana)) == 2
    restored.dispose()
