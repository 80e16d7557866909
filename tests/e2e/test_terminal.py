"""`trustcoach chat` and the command line, run as a user would, in a separate process.

Assertions are on exit statuses, the database the run leaves, files written and what is
protocol in the transcript (typed keys such as "[m1]", positions such as "4/10"), not on the
coach's wording; where a text must be shown (the welcome), it is the catalogue's text for its key.
The texts of the command line itself (configuration errors, --help) are tested as texts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.db import database
from bot.adapters.db.models import AnswerRow, ResultRow, SavedCardRow, SessionRow, UserRow
from bot.domain.cards import Card
from bot.domain.content import Content
from bot.services.conversation.protocol import Flow
from bot.services.conversation.state import Conversation
from tests.e2e.conftest import CliRunner, stored

ROOT = Path(__file__).resolve().parents[2]


def _user(session: Session, name: str) -> UserRow:
    return session.scalars(select(UserRow).where(UserRow.external_id == name)).one()


def _flow(user: UserRow) -> Flow:
    return Conversation.from_json(user.dialogue_state).flow


def _answers(session: Session, user: UserRow) -> list[int]:
    query = (
        select(AnswerRow.value)
        .join(SessionRow)
        .where(SessionRow.user_id == user.id)
        .order_by(AnswerRow.answered_at)
    )
    return list(session.scalars(query))


def test_piped_answers_run_a_whole_quick_check_and_stop_cleanly(
    cli: CliRunner, tmp_path: Path, content: Content
) -> None:
    answers = "/check\n" + "4\n" * 10 + "/progress\n"
    result = cli(["chat", "--user", "ana", "--lang", "en", "--role", "buyer"], answers)
    assert result.returncode == 0, result.stderr
    assert content.messages.text("en", "welcome") in result.stdout
    assert "10/10" in result.stdout
    # The result's radar is saved, and /progress shows the result with its radar again.
    radar = tmp_path / "images" / "ana-registers.png"  # each user's pictures carry their name
    assert radar.exists() and result.stdout.count(str(radar)) == 2
    assert result.stdout.rstrip().endswith(content.messages.text("en", "goodbye"))
    assert "Traceback" not in result.stdout + result.stderr
    with stored(tmp_path) as session:
        ana = _user(session, "ana")
        assert (ana.language, ana.language_confirmed, ana.role) == ("en", True, "buyer")
        assert _answers(session, ana) == [4] * 10
        (check,) = session.scalars(select(ResultRow).where(ResultRow.user_id == ana.id))
        assert check.instrument == "quick"


def test_a_restarted_chat_picks_up_the_same_users_check(
    cli: CliRunner, tmp_path: Path, content: Content
) -> None:
    cli(["chat", "--user", "léa", "--lang", "fr", "--role", "supplier"], "/check\n2\n3\n")
    result = cli(["chat", "--user", "léa"], "4\n")
    assert result.returncode == 0, result.stderr
    assert content.messages.text("fr", "welcome_back_paused") in result.stdout
    assert "3/10" in result.stdout and "4/10" in result.stdout
    with stored(tmp_path) as session:
        lea = _user(session, "léa")
        assert (lea.language, lea.role, _flow(lea)) == ("fr", "supplier", Flow.ASSESSMENT)
        assert _answers(session, lea) == [2, 3, 4]
        (check,) = session.scalars(select(SessionRow).where(SessionRow.user_id == lea.id))
        assert (check.status, check.position) == ("active", 3)
    other = cli(["chat", "--user", "someone-else"], "")
    assert other.returncode == 0, other.stderr
    with stored(tmp_path) as session:
        newcomer = _user(session, "someone-else")
        assert not newcomer.language_confirmed and _flow(newcomer) is Flow.LANGUAGE


def test_a_new_user_chooses_language_and_role_by_number(
    cli: CliRunner, tmp_path: Path, content: Content
) -> None:
    result = cli(["chat", "--user", "new"], "2\n1\n")
    assert result.returncode == 0, result.stderr
    assert "  1. " in result.stdout and "  2. " in result.stdout  # the keys to type
    with stored(tmp_path) as session:
        new = _user(session, "new")
        assert (new.language, new.language_confirmed, new.role) == ("fr", True, "buyer")
        assert _flow(new) is Flow.MENU
    assert content.messages.text("fr", "welcome") in result.stdout
    assert result.stdout.rstrip().endswith(content.messages.text("fr", "goodbye"))


def test_an_empty_input_reaches_the_welcome_and_exits(
    cli: CliRunner, tmp_path: Path, content: Content
) -> None:
    result = cli(["chat", "--lang", "en"], "")
    assert result.returncode == 0, result.stderr
    assert content.messages.text("en", "welcome") in result.stdout
    with stored(tmp_path) as session:
        (user,) = session.scalars(select(UserRow))
        assert (user.language, user.language_confirmed, user.role) == ("en", True, None)
        assert _flow(user) is Flow.ROLE  # the side is asked next time


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
    path = tmp_path / "trustcoach.db"
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout and database.head_revision() in result.stdout
    engine = database.make_engine(f"sqlite:///{path}")
    try:
        assert database.current_revision(engine) == database.head_revision()
    finally:
        engine.dispose()


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


def test_a_question_in_the_chat_gets_cards_and_one_can_be_saved(
    cli: CliRunner, tmp_path: Path, all_cards: list[Card]
) -> None:
    script = "my supplier wants a 9% price increase because of energy costs\nm1\ns1\n/saved\n"
    result = cli(["chat", "--user", "ana", "--lang", "en", "--role", "buyer"], script)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    asked, rest = result.stdout.split("› m1\n", 1)
    opened, rest = rest.split("› s1\n", 1)
    _, listed = rest.split("› /saved\n", 1)
    assert "[m1]" in asked and "[s1]" in asked  # each card's keys to type
    with stored(tmp_path) as session:
        (saved,) = session.scalars(select(SavedCardRow))
    card = next(card for card in all_cards if card.id == saved.card_id)
    assert card.en.title in opened and "  s. " in opened  # the first card, in full
    assert f"m1. {card.en.title}" in listed  # the one saved card, ready to open


def test_the_telegram_bot_refuses_to_start_without_a_proper_token(cli: CliRunner) -> None:
    missing = cli(["telegram"])
    assert missing.returncode == 2 and "TRUSTCOACH_TELEGRAM_TOKEN is not set" in missing.stderr
    malformed = cli(["telegram"], TRUSTCOACH_TELEGRAM_TOKEN="not-a-token-secret")
    assert malformed.returncode == 2
    assert malformed.stderr.startswith("trustcoach: configuration error: TRUSTCOACH_TELEGRAM_TOKEN")
    assert "not-a-token-secret" not in malformed.stderr  # a secret is never echoed
    no_secret = cli(["webhook"], TRUSTCOACH_TELEGRAM_TOKEN="123456:abcdefgh")
    assert no_secret.returncode == 2 and "TRUSTCOACH_WEBHOOK_SECRET" in no_secret.stderr
