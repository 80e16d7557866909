"""Database engines, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.services.ports import StorageUnavailableError

from . import crypto
from .repositories import SqlUnitOfWork

MIGRATIONS = Path(__file__).parent / "migrations"
MARKER_SUFFIX = ".created"
MARKER_TEXT = (
    "TrustCoach created the database beside this file. While this marker exists, a missing\n"
    "database is an error (restore it from a backup), never silently a new empty one.\n"
)


@dataclass(frozen=True)
class Timeouts:
    """How long the database may make a user wait, in seconds, before we say so."""

    connect: float = 5.0
    statement: float = 15.0
    lock: float = 10.0


@dataclass(frozen=True)
class Pool:
    """The PostgreSQL connection pool of one process (SQLite keeps its own defaults)."""

    size: int = 5  # connections kept open: one per engine thread is enough
    overflow: int = 5  # opened beyond `size` in a burst, closed after
    wait: float = 10.0  # seconds a thread waits for a free connection before giving up
    recycle: float = 1800.0  # seconds before a connection is replaced (proxies drop idle ones)


class DatabaseMissingError(RuntimeError):
    """The SQLite file is gone where one was created before: never replaced by an empty one."""


def make_engine(
    url: str, timeouts: Timeouts | None = None, pool: Pool | None = None, **options: Any
) -> Engine:
    """Create an engine with time-outs; SQLite gets foreign keys, WAL and write-locking begins.

    Statement parameters stay out of error messages: they hold what people wrote.
    """
    limits = timeouts or Timeouts()
    options.setdefault("hide_parameters", True)
    if not url.startswith("sqlite"):
        connect_args = {**_postgres_limits(limits), **options.pop("connect_args", {})}
        return create_engine(
            url, pool_pre_ping=True, connect_args=connect_args, **_pool(pool), **options
        )
    engine = create_engine(url, **options)
    guard = _FileGuard(engine.url.database)
    event.listen(engine, "connect", partial(_sqlite_on_connect, busy_ms=int(limits.lock * 1000)))
    event.listen(engine, "begin", partial(_sqlite_on_begin, guard=guard))
    event.listen(engine, "do_connect", partial(_sqlite_before_connect, guard=guard))
    return engine


def _pool(pool: Pool | None) -> dict[str, Any]:
    chosen = pool or Pool()
    return {
        "pool_size": chosen.size,
        "max_overflow": chosen.overflow,
        "pool_timeout": chosen.wait,
        "pool_recycle": chosen.recycle,
    }


def _postgres_limits(limits: Timeouts) -> dict[str, Any]:
    # A partitioned network must not hold a user (or `db upgrade`) for minutes: the server
    # cancels a statement or a lock wait past its limit, the driver gives up connecting.
    options = (
        f"-c statement_timeout={int(limits.statement * 1000)} "
        f"-c lock_timeout={int(limits.lock * 1000)}"
    )
    return {"connect_timeout": max(1, round(limits.connect)), "options": options}


class _FileGuard:
    """Notices that the SQLite file was deleted or replaced under a running program.

    SQLite would go on writing to the deleted file, and every answer after that is lost.
    """

    def __init__(self, database: str | None) -> None:
        memory = not database or database == ":memory:" or database.startswith("file:")
        self._path = None if memory else Path(database or "")
        self._identity: tuple[int, int] | None = None

    def check_still_there(self) -> None:
        """Raise StorageUnavailableError when the file seen before is gone."""
        if self._path is not None and self._identity is not None and not self._path.exists():
            raise StorageUnavailableError(f"database file {self._path} is missing")

    def check(self) -> None:
        """Raise StorageUnavailableError when the file is not the one opened first."""
        if self._path is None:
            return
        try:
            found = self._path.stat()
        except FileNotFoundError:
            raise StorageUnavailableError(f"database file {self._path} is missing") from None
        identity = (found.st_dev, found.st_ino)
        if self._identity is None:
            self._identity = identity
        elif identity != self._identity:
            raise StorageUnavailableError(f"database file {self._path} was replaced")


def _sqlite_before_connect(*_args: Any, guard: _FileGuard) -> None:
    # Connecting to a missing file would create an empty one: refuse once a file was seen.
    guard.check_still_there()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any, busy_ms: int) -> None:
    # Let SQLAlchemy's "begin" event open transactions itself (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL still never corrupts the file and keeps every commit across a crash of
    # the program; only a power cut can lose the last commits. FULL would wait for the disk on
    # every answer, and every other answer queues behind that wait.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.close()


def _sqlite_on_begin(connection: Any, guard: _FileGuard) -> None:
    guard.check()
    # BEGIN IMMEDIATE takes the write lock up front, so two processes serving the same user
    # queue up instead of both reading the old state and one write being lost.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def check_sqlite_file(url: str) -> None:
    """Refuse to start on a missing SQLite file where one was created before.

    A marker beside the file records that it was created; a restart after the file was
    deleted (or a disk mounted late) would otherwise start from an empty database.
    """
    path = _sqlite_path(url)
    if path is None:
        return
    marker = path.with_name(path.name + MARKER_SUFFIX)
    # An empty file where the database was is what a connection to a deleted one leaves.
    there = path.exists() and path.stat().st_size > 0
    if there:
        if not marker.exists():
            _write_private(marker, MARKER_TEXT)
        return
    if marker.exists():
        raise DatabaseMissingError(
            f"the database file {path} is missing, though one was created here before. "
            f"Restore it from a backup; or, to start with an empty database, delete {marker}."
        )


def mark_sqlite_file(url: str) -> None:
    """Record that the SQLite file now exists (see check_sqlite_file)."""
    path = _sqlite_path(url)
    if path is not None and path.exists():
        marker = path.with_name(path.name + MARKER_SUFFIX)
        if not marker.exists():
            _write_private(marker, MARKER_TEXT)
        _private(path)


def check_encryption(engine: Engine) -> None:
    """Refuse a database encrypted with another key, or encrypted while no key is set."""
    with session_factory(engine)() as session, session.begin():
        crypto.check_keys(session)


def rotate_key(engine: Engine) -> int:
    """Re-encrypt every free-text value with the first key; return the rows rewritten."""
    with session_factory(engine)() as session, session.begin():
        return crypto.rotate(session)


def backup_sqlite(url: str, target: Path) -> int:
    """Copy a live SQLite database with SQLite's online backup; return the pages copied.

    Consistent even while the coach writes (it copies a snapshot), and the copy is 0600.
    """
    import sqlite3  # noqa: PLC0415 - only for backups

    source_path = _sqlite_path(url)
    if source_path is None or not source_path.exists():
        raise DatabaseMissingError(f"no SQLite database at {source_path}")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    finally:
        copy.close()
        source.close()
    target.chmod(0o600)
    return pages


def _sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _private(path: Path) -> None:
    """Only the owner reads the data (assessments, moods, notes): 0600."""
    for candidate in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        if candidate.exists():
            candidate.chmod(0o600)


def _write_private(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


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
    # Alembic's config interpolates %: a password such as "p%40ss" must reach it doubled.
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
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
