"""`trustcoach chat` and the command line, run as a user would, in a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def _shared_index_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    # One card index for the module: each test has its own data folder, not its own index build.
    global CACHE_DIR  # noqa: PLW0603
    CACHE_DIR = tmp_path_factory.mktemp("index-cache")


CACHE_DIR: Path | None = None


def _run(
    args: list[str], data_dir: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTCOACH_")}
    environment = {**inherited, "TRUSTCOACH_DATA_DIR": str(data_dir), "COLUMNS": "200", **env}
    if CACHE_DIR is not None:
        environment["TRUSTCOACH_CACHE_DIR"] = str(CACHE_DIR)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        cwd=data_dir,
        check=False,
    )


def test_piped_answers_run_a_whole_quick_check_and_stop_cleanly(tmp_path: Path) -> None:
    answers = "/check\n" + "4\n" * 10 + "/progress\n"
    result = _run(["chat", "--user", "ana", "--lang", "en", "--role", "buyer"], tmp_path, answers)
    assert result.returncode == 0, result.stderr
    assert "Hello, I'm TrustCoach" in result.stdout
    assert "10/10" in result.stdout and "Area to grow:" in result.stdout
    assert "Your first result" in result.stdout
    assert result.stdout.rstrip().endswith("See you soon. Your progress is saved.")
    assert "Traceback" not in result.stdout + result.stderr


def test_a_restarted_chat_picks_up_the_same_users_check(tmp_path: Path) -> None:
    _run(
        ["chat", "--user", "léa", "--lang", "fr", "--role", "supplier"], tmp_path, "/check\n2\n3\n"
    )
    result = _run(["chat", "--user", "léa"], tmp_path, "4\n")
    assert "On reprend là où vous vous étiez arrêté" in result.stdout
    assert "3/10" in result.stdout and "4/10" in result.stdout
    other = _run(["chat", "--user", "someone-else"], tmp_path, "")
    assert "Which language" in other.stdout


def test_a_new_user_chooses_language_and_role_by_number(tmp_path: Path) -> None:
    result = _run(["chat", "--user", "new"], tmp_path, "2\n1\n")
    assert "Bonjour, je suis TrustCoach" in result.stdout and "vous êtes acheteur" in result.stdout
    assert "À bientôt" in result.stdout


def test_an_empty_input_reaches_the_welcome_and_exits(tmp_path: Path) -> None:
    result = _run(["chat", "--lang", "en"], tmp_path, "")
    assert result.returncode == 0 and "Hello, I'm TrustCoach" in result.stdout


def test_a_bad_setting_is_one_clear_line_naming_the_variable(tmp_path: Path) -> None:
    result = _run(["chat"], tmp_path, "", TRUSTCOACH_DEFAULT_LANGUAGE="klingon")
    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "trustcoach: configuration error: TRUSTCOACH_DEFAULT_LANGUAGE"
    )
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_database_is_one_clear_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    result = _run(["chat"], tmp_path, "", TRUSTCOACH_DATABASE_URL=url)
    assert result.returncode == 1
    assert "OperationalError" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_creates_the_database_and_says_where(tmp_path: Path) -> None:
    result = _run(["db", "upgrade"], tmp_path)
    from bot.adapters.db.database import head_revision

    assert result.returncode == 0 and f"at revision {head_revision()}" in result.stdout
    assert (tmp_path / "trustcoach.db").exists()


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    from bot.cli import _parser

    subcommands = next(a for a in _parser()._actions if a.dest == "command").choices
    assert subcommands
    for name in subcommands:
        assert f"trustcoach {name}" in readme, name
    for command in ("/check", "/assess", "/progress", "/focus", "/language", "/help", "/cancel"):
        assert command in readme, command
    assert "make chat" in readme and "make test" in readme


@pytest.mark.parametrize("flag", ["--help", "chat --help", "db --help"])
def test_help_texts_are_printed(tmp_path: Path, flag: str) -> None:
    result = _run(flag.split(), tmp_path)
    assert result.returncode == 0 and "usage: trustcoach" in result.stdout
