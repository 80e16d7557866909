"""Storage that fails honestly: a vanished SQLite file, private files, time-outs, odd URLs."""

from __future__ import annotations

import logging
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.adapters.db import database
from bot.bootstrap import prepare_storage
from bot.cli._logs import REDACTED, RedactingFilter
from bot.config import load_settings
from bot.domain.content import Content
from bot.domain.dialogue import Text
from bot.services.cohorts.reports import spreadsheet_safe
from bot.services.engine import DialogueEngine
from bot.services.ports import StorageUnavailableError
from tests.fakes import FakeCardIndex, FakeClock

TOKEN = "123456789:AAE-abcdefghijklmnopqrstuvwxyz012345"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _storage(tmp_path: Path) -> Engine:
    return prepare_storage(load_settings(data_dir=tmp_path / "data"))


def test_the_data_folder_and_database_are_private(tmp_path: Path) -> None:
    engine = _storage(tmp_path)
    engine.dispose()
    data = tmp_path / "data"
    assert _mode(data) == 0o700
    assert _mode(data / "trustcoach.db") == 0o600


def test_a_deleted_database_is_never_replaced_by_an_empty_one(
    tmp_path: Path, content: Content, card_index: FakeCardIndex
) -> None:
    engine = _storage(tmp_path)
    coach = DialogueEngine(database.unit_of_work_factory(engine), content, FakeClock())
    coach.handle("terminal", "ana", Text("/help"))
    file = tmp_path / "data" / "trustcoach.db"
    file.unlink()
    # While running: the next answer fails instead of going to the deleted file.
    with pytest.raises(StorageUnavailableError):
        coach.handle("terminal", "ana", Text("/help"))
    engine.dispose()
    # At the next start: an error naming the file, not a fresh empty database.
    with pytest.raises(database.DatabaseMissingError, match=r"trustcoach\.db"):
        _storage(tmp_path)
    assert not file.exists() or file.stat().st_size == 0


def test_a_busy_database_is_said_to_be_unavailable_after_the_lock_timeout(
    tmp_path: Path, content: Content
) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = database.make_engine(url, database.Timeouts(lock=0.2))
    database.upgrade(engine)
    other = database.make_engine(url)
    coach = DialogueEngine(database.unit_of_work_factory(engine), content, FakeClock())
    with other.begin() as holding:  # another program holds the write lock
        holding.exec_driver_sql("UPDATE users SET language = language")
        with pytest.raises(StorageUnavailableError):
            coach.handle("terminal", "ana", Text("/help"))
    assert coach.handle("terminal", "ana", Text("/help"))  # and works once it is free
    engine.dispose()
    other.dispose()


def test_a_percent_in_the_database_url_reaches_alembic_intact() -> None:
    engine = database.make_engine("postgresql+psycopg://coach:p%40ss%25@127.0.0.1:9/db")
    config = database._alembic_config(engine)
    assert "p%40ss%25" in config.get_main_option("sqlalchemy.url")
    engine.dispose()


def test_the_token_and_secret_never_reach_a_log_line() -> None:
    redacting = RedactingFilter([TOKEN, "hook-secret-123"])
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "POST %s",
        (f"https://api/bot{TOKEN}/sendMessage",),
        None,
    )
    assert redacting.filter(record)
    assert TOKEN not in record.getMessage() and REDACTED in record.getMessage()
    secret = logging.LogRecord("x", logging.ERROR, __file__, 1, "bad hook-secret-123", (), None)
    redacting.filter(secret)
    assert "hook-secret-123" not in secret.getMessage()
    # Any other token-shaped string too (a second bot's, a rotated one).
    other = logging.LogRecord("x", logging.WARNING, __file__, 1, "987654:" + "Z" * 35, (), None)
    redacting.filter(other)
    assert "ZZZZ" not in other.getMessage()


def test_library_debug_lines_with_whole_updates_are_dropped_unless_asked() -> None:
    line = ("telegram.ext.Application", logging.DEBUG, __file__, 1, "Update: Ana said hi", (), None)
    assert not RedactingFilter([]).filter(logging.LogRecord(*line))
    assert RedactingFilter([], personal_data=True).filter(logging.LogRecord(*line))
    own = logging.LogRecord("bot.channels", logging.DEBUG, __file__, 1, "edit failed", (), None)
    assert RedactingFilter([]).filter(own)


def test_exception_text_is_redacted_too() -> None:
    try:
        raise RuntimeError(f"https://api/bot{TOKEN}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    RedactingFilter([TOKEN]).filter(record)
    assert record.exc_text is not None and TOKEN not in record.exc_text


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+33 6 12", "'+33 6 12"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Ana", "Ana"),
        ("", ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(cell: str, shown: str) -> None:
    assert spreadsheet_safe(cell) == shown


def test_models_load_before_the_transaction_not_inside_it(tmp_path: Path, content: Content) -> None:
    """While a message waits for the model, another program can still write the database."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engine = database.make_engine(url)
    database.upgrade(engine)
    other = database.make_engine(url, database.Timeouts(lock=0.05))
    writes_while_loading: list[bool] = []

    def loading() -> None:
        with other.begin() as connection:  # fails at once if the coach held the write lock
            connection.exec_driver_sql("UPDATE users SET language = language")
        writes_while_loading.append(True)

    coach = DialogueEngine(
        database.unit_of_work_factory(engine), content, FakeClock(), ready=loading
    )
    coach.handle("terminal", "ana", Text("third late delivery, I'm furious"))
    assert writes_while_loading == [True]
    engine.dispose()
    other.dispose()


def test_a_sender_still_at_it_keeps_its_lease(
    sql_engine_factory: Callable[[], DialogueEngine], clock: FakeClock
) -> None:
    """A chart queued behind others: the sender renews, so nobody else sends it meanwhile."""
    sender, other = sql_engine_factory(), sql_engine_factory()
    outcome = sender.respond("telegram", "77", Text("/help"), "en", update_key="1", context={})
    held = outcome.deliveries
    assert held
    clock.advance(seconds=10)
    sender.renew(held)
    clock.advance(seconds=10)  # past the first lease, within the renewed one
    assert other.stranded("telegram") == []
    clock.advance(seconds=6)  # the sender died after all: its renewed lease runs out too
    (taken,) = other.stranded("telegram")
    assert taken[0] == "77" and [d.id for d in taken[1]] == [d.id for d in held]
