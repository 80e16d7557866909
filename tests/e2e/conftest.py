"""Runs the `trustcoach` command in a separate process, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.adapters.db import database

CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def index_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One card index cache for every command run: each test has its own data, not its own build."""
    return tmp_path_factory.mktemp("index-cache")


@pytest.fixture
def cli(tmp_path: Path, index_cache: Path) -> CliRunner:
    """Run `python -m bot ARGS` with its own data folder; returns the finished process."""

    def run(args: list[str], stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTCOACH_")}
        environment = {
            **inherited,
            "TRUSTCOACH_DATA_DIR": str(tmp_path),
            "TRUSTCOACH_CACHE_DIR": str(index_cache),
            "COLUMNS": "200",
            **env,
        }
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            env=environment,
            cwd=tmp_path,
            check=False,
        )

    return run


@pytest.fixture
def db(tmp_path: Path) -> Engine:
    """A migrated SQLite database shared by every bot process of a test."""
    engine = database.make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    database.upgrade(engine)
    return engine


@contextmanager
def stored(data_dir: Path) -> Iterator[Session]:
    """The database the command runs left in their data folder."""
    engine = database.make_engine(f"sqlite:///{data_dir / 'trustcoach.db'}")
    try:
        with database.session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
