"""`trustcoach chat` and the command line, run as a user would, in a separate process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import CliRunner

ROOT = Path(__file__).resolve().parents[2]


def test_piped_answers_run_a_whole_quick_check_and_stop_cleanly(
    cli: CliRunner, tmp_path: Path
) -> None:
    answers = "/check\n" + "4\n" * 10 + "/progress\n"
    result = cli(["chat", "--user", "ana", "--lang", "en", "--role", "buyer"], answers)
    assert result.returncode == 0, result.stderr
    assert "Hello, I'm TrustCoach" in result.stdout
    assert "10/10" in result.stdout and "Area to grow:" in result.stdout
    assert "Your first result" in result.stdout
    assert result.stdout.rstrip().endswith("See you soon. Your progress is saved.")
    assert "Traceback" not in result.stdout + result.stderr


def test_a_restarted_chat_picks_up_the_same_users_check(cli: CliRunner, tmp_path: Path) -> None:
    cli(["chat", "--user", "léa", "--lang", "fr", "--role", "supplier"], "/check\n2\n3\n")
    result = cli(["chat", "--user", "léa"], "4\n")
    assert "On reprend là où vous vous étiez arrêté" in result.stdout
    assert "3/10" in result.stdout and "4/10" in result.stdout
    other = cli(["chat", "--user", "someone-else"], "")
    assert "Which language" in other.stdout


def test_a_new_user_chooses_language_and_role_by_number(cli: CliRunner, tmp_path: Path) -> None:
    result = cli(["chat", "--user", "new"], "2\n1\n")
    assert "Bonjour, je suis TrustCoach" in result.stdout and "vous êtes acheteur" in result.stdout
    assert "À bientôt" in result.stdout


def test_an_empty_input_reaches_the_welcome_and_exits(cli: CliRunner, tmp_path: Path) -> None:
    result = cli(["chat", "--lang", "en"], "")
    assert result.returncode == 0 and "Hello, I'm TrustCoach" in result.stdout


def test_a_bad_setting_is_one_clear_line_naming_the_variable(
    cli: CliRunner, tmp_path: Path
) -> None:
    result = cli(["chat"], "", TRUSTCOACH_DEFAULT_LANGUAGE="klingon")
    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "trustcoach: configuration error: TRUSTCOACH_DEFAULT_LANGUAGE"
    )
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_an_unreachable_database_is_one_clear_line(cli: CliRunner, tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    result = cli(["chat"], "", TRUSTCOACH_DATABASE_URL=url)
    assert result.returncode == 1
    assert "OperationalError" in result.stderr and "Traceback" not in result.stderr


def test_db_upgrade_creates_the_database_and_says_where(cli: CliRunner, tmp_path: Path) -> None:
    result = cli(["db", "upgrade"])
    from bot.adapters.db.database import head_revision

    assert result.returncode == 0 and f"at revision {head_revision()}" in result.stdout
    assert (tmp_path / "trustcoach.db").exists()


def _section(readme: str, title: str) -> str:
    start = readme.index(f"\n## {title}\n")
    return readme[start : readme.index("\n## ", start + 1)]


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    from bot.config import ENV_PREFIX, Settings
    from tests.e2e.cli_tree import command_paths

    command_line = _section(readme, "Command line")
    paths = command_paths()[1:]
    assert ("db", "upgrade") in paths and ("eval", "emotions") in paths
    for path in paths:  # every depth: `trustcoach db` is documented by `trustcoach db upgrade`
        assert f"`trustcoach {' '.join(path)}" in command_line, path
    settings = _section(readme, "Settings")
    for field in Settings.model_fields:
        assert f"`{ENV_PREFIX}{field.upper()}`" in settings, field
    from bot.services.router import ROUTER

    for command in ROUTER.table.commands:
        assert f"`/{command}" in readme or command == "start", command
    assert "make chat" in readme and "make test" in readme


@pytest.mark.parametrize("flag", ["--help", "chat --help", "db --help"])
def test_help_texts_are_printed(cli: CliRunner, flag: str) -> None:
    result = cli(flag.split())
    assert result.returncode == 0 and "usage: trustcoach" in result.stdout


def test_a_question_in_the_chat_gets_cards_and_one_can_be_saved(cli: CliRunner) -> None:
    script = "my supplier wants a 9% price increase because of energy costs\nm1\ns1\n/saved\n"
    result = cli(["chat", "--user", "ana", "--lang", "en", "--role", "buyer"], script)
    assert result.returncode == 0, result.stderr
    assert "Here is what may help:" in result.stdout and "[m1] Read more" in result.stdout
    assert "Saved:" in result.stdout and "Your saved cards (1)" in result.stdout


def test_the_telegram_bot_refuses_to_start_without_a_proper_token(cli: CliRunner) -> None:
    missing = cli(["telegram"])
    assert missing.returncode == 2 and "TRUSTCOACH_TELEGRAM_TOKEN is not set" in missing.stderr
    malformed = cli(["telegram"], TRUSTCOACH_TELEGRAM_TOKEN="not-a-token-secret")
    assert malformed.returncode == 2
    assert malformed.stderr.startswith("trustcoach: configuration error: TRUSTCOACH_TELEGRAM_TOKEN")
    assert "not-a-token-secret" not in malformed.stderr  # a secret is never echoed
    no_secret = cli(["webhook"], TRUSTCOACH_TELEGRAM_TOKEN="123456:abcdefgh")
    assert no_secret.returncode == 2 and "TRUSTCOACH_WEBHOOK_SECRET" in no_secret.stderr
