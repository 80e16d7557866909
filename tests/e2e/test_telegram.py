"""The real PTB Application against a fake Bot API server on loopback: whole conversations.

Assertions are on what the fake Bot API recorded (buttons' callback data, messages, edits,
files) and on the database, not on wording; where the language of a message matters, it is
compared with the catalogue's text for its key.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Engine, func, select

from bot.adapters.db import database
from bot.adapters.db.models import AnswerRow, PreparationRow, ResultRow, UserRow
from bot.adapters.emotion.detector import EmotionDetector
from bot.channels.telegram.app import (
    build_application,
    poll,
    register_commands,
    serve_webhook,
)
from bot.domain.content import Content
from bot.domain.framework import ROLES
from bot.services.conversation.options import Answer, FocusChange, FocusOn, RoleChoice
from bot.services.conversation.protocol import Flow, OptionValue, decode
from bot.services.engine import DialogueEngine
from tests.fake_telegram import FakeBotApi, callback_data_of
from tests.fakes import FakeCardIndex, FakeClock

USER = 1001
EngineFactory = Callable[[], DialogueEngine]


@pytest.fixture
def engines(
    db: Engine, content: Content, card_index: FakeCardIndex, cue_detector: EmotionDetector
) -> EngineFactory:
    """Builds a new dialogue engine over the shared database, as a new process would."""
    return lambda: DialogueEngine(
        database.unit_of_work_factory(db),
        content,
        FakeClock(),
        cards=card_index,
        emotions=cue_detector,
    )


@asynccontextmanager
async def polling_bot(
    fake: FakeBotApi, engine: DialogueEngine, **options: Any
) -> AsyncIterator[Any]:
    """A bot process: the real Application, long polling the fake server."""
    application = build_application(
        engine, fake.token, fake.base_url, fake.base_file_url, **options
    )
    await application.initialize()
    await register_commands(application)  # what run_polling does first
    await application.start()
    stop = asyncio.Event()
    poller = asyncio.create_task(poll(application, stop, timeout=1))
    try:
        yield application
    finally:
        stop.set()
        await poller
        await application.stop()
        await application.shutdown()


def _run(scenario: Callable[[], Any]) -> None:
    asyncio.run(scenario())


async def _said(fake: FakeBotApi, count: int, chat: int = USER) -> list[str]:
    await fake.wait_for(lambda f: len(f.sent(chat)) >= count)
    return fake.texts(chat)


async def _exchange(fake: FakeBotApi, text: str, user: int = USER, language: str = "en") -> str:
    """The user types; returns everything the bot answered to it."""
    before = len(fake.sent(user))
    fake.user_says(user, text, language_code=language)
    await fake.wait_for(lambda f: len(f.sent(user)) > before)
    await _settle(fake, user)
    return "\n".join(fake.texts(user)[before:])


async def _settle(fake: FakeBotApi, user: int, quiet: float = 0.3) -> None:
    """Wait until the bot has stopped sending to this chat for a moment (all replies are in)."""
    while True:
        count = len(fake.sent(user)) + len(fake.edits)
        await asyncio.sleep(quiet)
        if len(fake.sent(user)) + len(fake.edits) == count:
            return


def _button(
    fake: FakeBotApi, prefix: str, chat: int = USER, label: str | None = None
) -> tuple[int, str]:
    """The latest bot message with a button whose data starts with prefix (and label, if given)."""
    for entry in reversed(fake.sent(chat)):
        try:
            current = fake.message(chat, int(entry["message_id"]))  # as it is now, edits applied
        except KeyError:
            continue
        for row in (current.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data", "")
                if data.startswith(prefix) and (label is None or label in button["text"]):
                    return int(entry["message_id"]), data
    raise AssertionError(f"no button {prefix!r} in {fake.texts(chat)[-3:]}")


async def _press(fake: FakeBotApi, prefix: str, user: int = USER, label: str | None = None) -> str:
    message_id, data = _button(fake, prefix, user, label)
    before = len(fake.sent(user))
    answered = len(fake.answered_callbacks)
    fake.user_presses(user, message_id, data)
    await fake.wait_for(lambda f: len(f.answered_callbacks) > answered)
    await _settle(fake, user)
    return "\n".join(fake.texts(user)[before:])


async def _answer_questions(fake: FakeBotApi, count: int, value: str = "4") -> None:
    for _ in range(count):
        await _press(fake, "ans:", label=value)


def _count(db: Engine, model: type) -> int:
    with database.session_factory(db)() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _offered(fake: FakeBotApi, chat: int = USER, since: int = 0) -> list[OptionValue]:
    """The typed values of the buttons the bot sent to a chat (from its n-th message on)."""
    data = [d for entry in fake.sent(chat)[since:] for d in callback_data_of(entry)]
    values = [decode(d) for d in data]
    assert all(value is not None for value in values), data
    return [value for value in values if value is not None]


async def _until_offered(
    fake: FakeBotApi, wanted: Callable[[OptionValue], bool], chat: int = USER, since: int = 0
) -> None:
    """Wait until the bot has sent a chat a button for a wanted value (replies come in turn)."""
    await fake.wait_for(lambda f: any(wanted(value) for value in _offered(f, chat, since)))


def _answers_on(message: dict[str, Any]) -> set[int]:
    """The positions of the statements whose answer buttons a message carries."""
    values = [decode(d) for d in callback_data_of(message)]
    return {value.position for value in values if isinstance(value, Answer)}


def _user(db: Engine, user: int) -> UserRow:
    with database.session_factory(db)() as session:
        row = session.scalars(select(UserRow).where(UserRow.external_id == str(user))).one()
        session.expunge(row)
        return row


def _flow(engines: EngineFactory, user: int = USER) -> Flow:
    conversation = engines().conversation("telegram", str(user))
    assert conversation is not None
    return conversation.flow


def test_first_contact_greets_in_the_users_telegram_language(
    engines: EngineFactory, db: Engine, content: Content
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            said = {
                1: await _exchange(fake, "/start", user=1, language="fr-FR"),
                2: await _exchange(fake, "/start", user=2, language="en"),
            }
            for user, language in ((1, "fr"), (2, "en")):
                assert content.messages.text(language, "welcome") in said[user]
                # The side is asked at once, not the language: Telegram told us.
                assert _offered(fake, user) == [RoleChoice(role) for role in ROLES]
                row = _user(db, user)
                assert (row.language, row.language_confirmed, row.role) == (language, True, None)
                assert _flow(engines, user) is Flow.ROLE

    _run(scenario)


def test_commands_are_registered_in_english_and_french(engines: EngineFactory) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            english = {c["command"]: c["description"] for c in fake.commands()}
            french = {c["command"]: c["description"] for c in fake.commands(language_code="fr")}
            for name in (
                "start",
                "check",
                "assess",
                "progress",
                "prepare",
                "focus",
                "language",
                "help",
                "cancel",
            ):
                assert name in english and name in french
            assert english["check"] != french["check"]

    _run(scenario)


def test_a_whole_quick_check_by_button_presses_with_each_answer_shown(
    engines: EngineFactory, db: Engine
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            assert "1/10" in await _exchange(fake, "/check")
            question_id, _ = _button(fake, "ans:")
            assert _answers_on(fake.message(USER, question_id)) == {0}
            sent, edits = len(fake.sent(USER)), len(fake.edits)
            await _press(fake, "ans:", label="1")  # one clear area to grow: a focus is offered
            # The answered question turns into the next one: no new message, one edit.
            assert len(fake.sent(USER)) == sent
            assert [edit["message_id"] for edit in fake.edits[edits:]] == [question_id]
            in_place = fake.message(USER, question_id)
            assert _answers_on(in_place) == {1}
            assert 0 <= in_place["text"].index("1/10") < in_place["text"].index("2/10")
            await _answer_questions(fake, 9, "3")
            # Each answer is shown in place, the last one too.
            assert [edit["message_id"] for edit in fake.edits[edits:]] == [question_id] * 10
            pressed = fake.message(USER, question_id)
            assert "10/10" in pressed["text"] and pressed["text"].endswith("\n→ 3")
            assert not pressed.get("reply_markup")  # answered to the end
            # The result comes in new messages, with the offer to focus on the weakest area.
            await _until_offered(fake, lambda value: isinstance(value, FocusOn), since=sent)
            result = _offered(fake, since=sent)
            assert len([value for value in result if isinstance(value, FocusOn)]) == 1
            assert _flow(engines) is Flow.FOCUS_OFFER
            before = len(fake.sent(USER))
            await _exchange(fake, "/progress")
            # A result to show, and the focus with a way to change it.
            await _until_offered(fake, lambda value: value == FocusChange(), since=before)

    _run(scenario)
    assert _count(db, ResultRow) == 1 and _count(db, AnswerRow) == 10


def test_a_restarted_bot_process_continues_the_check(engines: EngineFactory, db: Engine) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake:
            async with polling_bot(fake, engines()):
                await _exchange(fake, "/start")
                await _press(fake, "role:supplier")
                await _exchange(fake, "/check")
                await _press(fake, "ans:", label="1")
                await _answer_questions(fake, 3, "3")
            async with polling_bot(fake, engines()):  # a new process, nothing in memory
                text = await _exchange(fake, "/start")
                assert "5/10" in text and _answers_on(fake.last_sent(USER)) == {4}
                assert _flow(engines) is Flow.ASSESSMENT
                await _answer_questions(fake, 6, "3")
                await _until_offered(fake, lambda value: isinstance(value, FocusOn))
                assert _flow(engines) is Flow.FOCUS_OFFER

    _run(scenario)
    assert _count(db, ResultRow) == 1 and _count(db, AnswerRow) == 10


def test_two_bot_processes_share_one_database(engines: EngineFactory, db: Engine) -> None:
    async def scenario() -> None:
        async with (
            FakeBotApi() as first,
            # One bot, one sequence of update ids, whichever process receives them.
            FakeBotApi(first_update_id=10_000) as second,
            polling_bot(first, engines()),
            polling_bot(second, engines()),
        ):
            await _exchange(first, "/start")
            await _press(first, "role:buyer", user=USER)
            await _exchange(first, "/check")
            await _press(first, "ans:", label="1")
            await _answer_questions(first, 2, "3")
            # The same person, served by the other process: the conversation is where it was.
            assert "4/10" in await _exchange(second, "/check")
            assert _answers_on(second.last_sent(USER)) == {3}
            for _ in range(7):
                await _press(second, "ans:", label="3")
            await _until_offered(second, lambda value: isinstance(value, FocusOn))  # the result

    _run(scenario)
    assert _count(db, AnswerRow) == 10 and _count(db, ResultRow) == 1


def test_a_stale_or_foreign_button_changes_nothing(engines: EngineFactory, db: Engine) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            await _exchange(fake, "/check")
            first_question, first_data = _button(fake, "ans:", label="4")
            await _press(fake, "ans:", label="4")
            assert not fake.answered_callbacks[-1].get("text")  # a press that counts: no notice
            answered = len(fake.answered_callbacks)
            fake.user_presses(USER, first_question, first_data, check_button=False)  # replayed
            await fake.wait_for(lambda f: len(f.answered_callbacks) > answered)
            assert fake.answered_callbacks[-1].get("text")  # the stale notice, on the button
            await _settle(fake, USER)
            assert _answers_on(fake.message(USER, first_question)) == {1}  # still statement 2
            # Another user in a group presses the first user's button.
            await _exchange(fake, "/start", user=2002)
            answered = len(fake.answered_callbacks)
            _, current = _button(fake, "ans:")
            fake.user_presses(
                2002, _button(fake, "ans:")[0], current, chat_id=USER, check_button=False
            )
            await fake.wait_for(lambda f: len(f.answered_callbacks) > answered)
            assert fake.answered_callbacks[-1].get("text")

    _run(scenario)
    assert _count(db, AnswerRow) == 1


def test_a_flood_of_messages_is_throttled_with_one_warning(engines: EngineFactory) -> None:
    async def scenario() -> None:
        engine = engines()
        async with FakeBotApi() as fake, polling_bot(fake, engine):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            before = len(fake.sent(USER))
            for index in range(60):
                fake.user_says(USER, f"/help {index}")
            await asyncio.sleep(4)
            replies = Counter(fake.texts(USER)[before:])
            warning = engine.text("en", "flood_warning")
            assert replies.pop(warning) == 1
            # Every other message is the same answer to /help.
            ((_, helped),) = replies.items()
            assert 10 <= helped <= 30  # the limit, minus what /start and the role already used

    _run(scenario)


def test_a_prepared_meeting_sends_the_sheet_as_a_document(
    engines: EngineFactory, db: Engine
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            await _exchange(fake, "/prepare")
            await _press(fake, "prepsit:price-increase")
            await _exchange(fake, "Keep our 2027 prices")
            await _press(fake, "prepfeel:anxiety")
            await _exchange(fake, "They need volume visibility")
            await _exchange(fake, "Second source ready")
            await _press(fake, "prepskip")
            documents = fake.calls_of("sendDocument")
            assert len(documents) == 1
            (sheet,) = [e for e in fake.sent(USER) if e["method"].lower() == "senddocument"]
            assert (
                sheet["filename"].endswith(".md") and b"Second source ready" in sheet["file_bytes"]
            )

    _run(scenario)
    with database.session_factory(db)() as session:
        (preparation,) = session.scalars(select(PreparationRow))
        assert (preparation.situation, preparation.feeling) == ("price-increase", "anxiety")
        assert preparation.completed_at is not None


def test_long_texts_are_split_at_telegrams_limit() -> None:
    from bot.channels.telegram.render import MAX_TEXT, split_text

    text = "\n\n".join(f"Paragraph {i}. " + "word " * 300 for i in range(12))
    parts = split_text(text)
    assert len(parts) > 1 and all(len(part) <= MAX_TEXT for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_webhook_mode_checks_the_secret_and_serves_health(
    engines: EngineFactory, db: Engine, content: Content
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake:
            port = _free_port()
            stop = asyncio.Event()
            application = build_application(
                engines(), fake.token, fake.base_url, fake.base_file_url
            )
            server = asyncio.create_task(
                serve_webhook(
                    application,
                    "127.0.0.1",
                    port,
                    "hook",
                    "s3cret",
                    "https://bot.example.org/hook",
                    stop,
                )
            )
            url = f"http://127.0.0.1:{port}/hook"
            await fake.wait_for(lambda f: f.webhook is not None)
            assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cret"
            async with aiohttp.ClientSession() as session:
                for _ in range(50):  # the server may need a moment to bind
                    try:
                        async with session.get(f"http://127.0.0.1:{port}/health") as health:
                            assert health.status == 200 and (await health.json())["status"] == "ok"
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
            update = fake.make_message_update(USER, "/start", language_code="fr")
            assert await fake.post_update(url, update, "wrong") == 403
            assert fake.sent(USER) == []
            assert await fake.post_update(url, update, "s3cret") == 200
            texts = await _said(fake, 1)
            await _settle(fake, USER)
            assert content.messages.text("fr", "welcome") in "\n".join(texts)
            assert _user(db, USER).language == "fr"
            stop.set()
            await server

    _run(scenario)
