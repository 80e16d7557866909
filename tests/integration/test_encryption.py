"""Free text encrypted at rest when a key is set; the wrong key or none refuses to start."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.adapters.db import crypto, database
from bot.domain.cohorts import Assignment, Cohort, Completion
from bot.domain.dialogue import User
from bot.domain.preparation import Preparation

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WORDS = "my supplier Quintessa lied about the steel price"


@pytest.fixture
def keys() -> Iterator[tuple[str, str]]:
    """Two fresh keys; the process goes back to no encryption afterwards."""
    yield crypto.new_key(), crypto.new_key()
    crypto.use_keys(None)


def _store(engine: Engine) -> int:
    with database.unit_of_work_factory(engine)() as work:
        memory = {"at": NOW.isoformat(), "note": WORDS}
        ana = work.users.add(User("test", "ana", "en", state={"memory": memory}))
        tom = work.users.add(User("test", "tom", "en"))
        assert ana.id is not None and tom.id is not None
        work.preparations.add(Preparation(ana.id, "buyer", "en", NOW, answers={"goal": WORDS}))
        cohort = work.cohorts.add(Cohort(tom.id, "Buyers", "ABCDEFGHJKLM", NOW))
        given = work.assignments.add(Assignment("card-x", tom.id, NOW, cohort.id, note=WORDS))
        assert given.id is not None
        work.assignments.complete(Completion(given.id, ana.id, NOW, WORDS, 4))
        work.commit()
    return ana.id


def _raw(engine: Engine) -> str:
    """What the database file holds, read around the decryption."""
    queries = (
        "SELECT dialogue_state FROM users",
        "SELECT answers FROM preparations",
        "SELECT reflection FROM completions",
        "SELECT note FROM assignments",
    )
    with engine.connect() as connection:
        return "\n".join(str(r[0]) for q in queries for r in connection.exec_driver_sql(q))


def test_free_text_is_stored_encrypted_and_read_back_plain(
    db_engine: Engine, keys: tuple[str, str]
) -> None:
    crypto.use_keys(keys[0])
    database.check_encryption(db_engine)
    ana = _store(db_engine)
    raw = _raw(db_engine)
    assert "Quintessa" not in raw and raw.count("fernet") >= 4
    with database.unit_of_work_factory(db_engine)() as work:
        (preparation,) = work.preparations.for_user(ana)
        user = work.users.get(ana)
    assert preparation.answers == {"goal": WORDS}
    assert user is not None and user.state["memory"]["note"] == WORDS


def test_without_the_key_or_with_another_the_coach_refuses_to_start(
    db_engine: Engine, keys: tuple[str, str]
) -> None:
    crypto.use_keys(keys[0])
    database.check_encryption(db_engine)
    _store(db_engine)
    crypto.use_keys(None)
    with pytest.raises(crypto.EncryptionError, match="encrypted"):
        database.check_encryption(db_engine)
    crypto.use_keys(keys[1])
    with pytest.raises(crypto.EncryptionError, match="does not open"):
        database.check_encryption(db_engine)


def test_a_key_rotation_re_encrypts_everything_with_the_new_key(
    db_engine: Engine, keys: tuple[str, str]
) -> None:
    old, new = keys
    crypto.use_keys(old)
    database.check_encryption(db_engine)
    ana = _store(db_engine)
    crypto.use_keys(f"{new},{old}")
    database.check_encryption(db_engine)  # the old key still opens it
    assert database.rotate_key(db_engine) >= 4
    crypto.use_keys(new)  # the old key dropped
    database.check_encryption(db_engine)
    with database.unit_of_work_factory(db_engine)() as work:
        (preparation,) = work.preparations.for_user(ana)
    assert preparation.answers == {"goal": WORDS}


def test_turning_encryption_on_encrypts_what_was_stored_plain(
    db_engine: Engine, keys: tuple[str, str]
) -> None:
    _store(db_engine)
    assert "Quintessa" in _raw(db_engine)
    crypto.use_keys(keys[0])
    database.check_encryption(db_engine)
    database.rotate_key(db_engine)
    assert "Quintessa" not in _raw(db_engine)
