"""Real `trustcoach webhook` workers sharing one PostgreSQL database, behind a Telegram that
posts each update to the next worker, sometimes twice, and again after a failure.

100 people each finish a quick check with their taps spread over the workers; then the same
while one worker is SIGKILLed in the middle. `benchmarks/scale_bench.py` is the load version.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_telegram import FakeBotApi
from tests.webhook_harness import (
    CHECK_VALUES,
    Crowd,
    Workers,
    compare_chats,
    migrate,
    postgres_database,
    run_crowd,
    stored_checks,
    value_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
SERVER = os.environ.get(
    "TRUSTCOACH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PEOPLE = 100
PLANNED = [value_for(n) for n in range(1, CHECK_VALUES + 1)]


@pytest.fixture
def database_url() -> Iterator[str]:
    """A new PostgreSQL database, migrated by the one-shot step."""
    try:
        context = postgres_database(SERVER)
        url = context.__enter__()
    except Exception as error:
        pytest.skip(f"PostgreSQL not reachable at {SERVER}: {type(error).__name__}")
    try:
        migrate(url)
        yield url
    finally:
        context.__exit__(None, None, None)


def _crowd(
    database_url: str,
    cache: Path,
    logs: Path,
    *,
    twice: float,
    kill_after_taps: int | None = None,
) -> tuple[Crowd, str]:
    """Start three workers, run the crowd (killing the second worker once `kill_after_taps`
    taps were answered), stop the workers; the crowd and the workers' error output."""

    async def scenario() -> tuple[Crowd, str]:
        async with FakeBotApi() as fake:
            pool = Workers(fake, database_url, cache, logs, count=3)
            kill = None if kill_after_taps is None else (lambda: pool.kill(1))
            try:
                await pool.start_all()
                crowd = await run_crowd(
                    fake,
                    PEOPLE,
                    urls=pool.urls,
                    twice=twice,
                    kill=kill,
                    kill_after_taps=kill_after_taps or 0,
                )
            finally:
                await asyncio.to_thread(pool.stop_all)
            return crowd, pool.errors()

    return asyncio.run(scenario())


def _assert_everyone_served_once(
    crowd: Crowd, database_url: str, errors: str, parts_sent_twice: int = 0
) -> None:
    assert crowd.unanswered == []
    assert all(person.finished for person in crowd.people)
    # Every result stored once, each answer where it was pressed, in order.
    stored = stored_checks(database_url)
    assert {str(p.user) for p in crowd.people} == set(stored)
    assert all(checks == [PLANNED] for checks in stored.values()), stored
    # Every person saw the same conversation: no reply lost, none sent twice (but a part a
    # killed worker had sent without recording it yet: Telegram cannot tell us it arrived).
    chats = compare_chats(crowd.screens, crowd.people)
    assert chats.lost == 0, "\n".join(chats.odd[:3])
    assert chats.doubled <= parts_sent_twice, "\n".join(chats.odd[:3])
    assert "Traceback" not in errors, errors[-3000:]


@pytest.mark.timeout(900)
def test_three_workers_serve_a_hundred_people_once_and_in_order(
    database_url: str, index_cache: Path, tmp_path: Path
) -> None:
    crowd, errors = _crowd(database_url, index_cache, tmp_path, twice=0.1)
    _assert_everyone_served_once(crowd, database_url, errors)
    assert crowd.seen.doubled > 20  # some updates really were posted twice
    assert len(crowd.seen.acknowledged_by) == 3
    assert min(crowd.seen.acknowledged_by.values()) > PEOPLE  # each worker took its share


@pytest.mark.timeout(900)
def test_a_worker_killed_mid_run_loses_and_doubles_nothing(
    database_url: str, index_cache: Path, tmp_path: Path
) -> None:
    halfway = PEOPLE * CHECK_VALUES // 2
    crowd, errors = _crowd(database_url, index_cache, tmp_path, twice=0.05, kill_after_taps=halfway)
    assert crowd.killed
    # One kill: at most the parts the dead worker was sending at that instant come twice.
    _assert_everyone_served_once(crowd, database_url, errors, parts_sent_twice=3)
    assert crowd.seen.retried > 0  # the dead worker's updates were posted again elsewhere
