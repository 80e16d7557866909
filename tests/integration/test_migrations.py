"""Migrations bring any earlier database to the current schema, keeping what it holds.

Run on SQLite and on PostgreSQL: from an empty database, and from every earlier revision
holding a person's row written at that revision.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from bot.adapters.db import database
from bot.adapters.db.models import Base
from bot.domain.dialogue import User
from tests.conftest import POSTGRES_URL


def _revisions() -> list[str]:
    config = Config()
    config.set_main_option("script_location", str(database.MIGRATIONS))
    walked = ScriptDirectory.from_config(config).walk_revisions("base", "heads")
    return sorted(script.revision for script in walked)


REVISIONS = _revisions()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        engine = database.make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    probe = database.make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            pass
    except Exception as error:
        probe.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(error).__name__}")
    schema = f"migr_{uuid.uuid4().hex[:12]}"
    with probe.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = database.make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with probe.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    probe.dispose()


def _matches_models(engine: Engine) -> bool:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_there_is_one_line_of_revisions_ending_at_head() -> None:
    assert REVISIONS[-1] == database.head_revision()
    assert [f"{n:04d}" for n in range(1, len(REVISIONS) + 1)] == REVISIONS


def test_an_empty_database_is_migrated_to_the_models(empty_engine: Engine) -> None:
    database.upgrade(empty_engine)
    assert database.current_revision(empty_engine) == database.head_revision()
    assert _matches_models(empty_engine)
    assert database.ensure_schema(empty_engine) is False  # nothing left to do


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_every_earlier_revision_upgrades_keeping_its_people(
    empty_engine: Engine, revision: str
) -> None:
    database.upgrade(empty_engine, revision)
    with empty_engine.begin() as connection:  # a person as that revision wrote them
        connection.execute(
            text(
                "INSERT INTO users (channel, external_id, language, language_confirmed, "
                "dialogue_state, created_at, updated_at) VALUES ('telegram', '4242', 'fr', "
                ":yes, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"yes": True},
        )
    database.upgrade(empty_engine)
    assert database.current_revision(empty_engine) == database.head_revision()
    assert _matches_models(empty_engine)
    new_uow = database.unit_of_work_factory(empty_engine)
    with new_uow() as uow:
        kept = uow.users.find("telegram", "4242")
        assert kept is not None and kept.language == "fr"
        uow.users.add(User("telegram", "4343", "en"))
        uow.commit()
    with new_uow() as uow:
        assert uow.users.find("telegram", "4343") is not None
