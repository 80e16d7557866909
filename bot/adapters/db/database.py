"""Database engines, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from .repositories import SqlUnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and write-locking transactions."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **options)
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event open transactions itself (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL still never corrupts the file and keeps every commit across a crash of
    # the program; only a power cut can lose the last commits. FULL would wait for the disk on
    # every answer, and every other answer queues behind that wait.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two processes serving the same user
    # queue up instead of both reading the old state and one write being lost.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def unit_of_work_factory(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    """Return a callable that opens a new unit of work on the engine.

    On SQLite, the threads of one process take turns on a lock before they begin: SQLite lets
    one writer in and makes the others retry with growing sleeps (up to 100 ms each), which a
    busy bot would feel on every answer. Other processes still queue on SQLite's own lock.
    """
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    writers = threading.Lock() if engine.dialect.name == "sqlite" else None
    return lambda: SqlUnitOfWork(factory, writers)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a plain session factory (for tools and tests)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config  # noqa: PLC0415 - alembic is only needed to migrate

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to a revision (head by default)."""
    from alembic import command  # noqa: PLC0415

    config = _alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, or None when it was never migrated."""
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if row is None else str(row[0])


def head_revision() -> str:
    """Return the newest migration's revision id."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    config = _alembic_config(make_engine("sqlite://"))
    head = ScriptDirectory.from_config(config).get_current_head()
    if head is None:
        raise RuntimeError("no migration found")
    return head


def ensure_schema(engine: Engine) -> bool:
    """Bring the database to the newest schema; True when a migration ran."""
    if current_revision(engine) == head_revision():
        return False
    upgrade(engine)
    return True
