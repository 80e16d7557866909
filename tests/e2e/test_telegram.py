"""The real PTB Application against a fake Bot API server on loopback: whole conversations."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Engine, func, select

from bot.adapters.db import database
from bot.adapters.db.models import AnswerRow, ResultRow
from bot.adapters.emotion.detector import EmotionDetector
from bot.channels.telegram.app import (
    ALLOWED_UPDATES,
    build_application,
    register_commands,
    serve_webhook,
)
from bot.domain.content import Content
from bot.services.engine import DialogueEngine
from tests.fake_telegram import FakeBotApi
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
    await register_commands(application)  # what run_polling's post_init does
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES
    )
    try:
        yield application
    finally:
        await application.updater.stop()
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


def test_first_contact_greets_in_the_users_telegram_language(engines: EngineFactory) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            french = await _exchange(fake, "/start", user=1, language="fr-FR")
            assert "Bonjour, je suis TrustCoach" in french and "De quel côté" in french
            english = await _exchange(fake, "/start", user=2, language="en")
            assert "Hello, I'm TrustCoach" in english and "Which side" in english
            assert "Which language" not in french + english  # Telegram told us

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
            await _press(fake, "ans:", label="4")
            in_place = fake.message(USER, question_id)
            assert in_place["text"].startswith(
                "✓ 1/10 → 4\n2/10"
            )  # the answer shown, the next asked
            await _answer_questions(fake, 9)
            result = "\n".join(fake.texts())
            assert (
                "Your quick self-check, register by register" in result and "Area to grow" in result
            )
            pressed = fake.message(USER, question_id)
            assert "→ 4" in pressed["text"] and not pressed.get(
                "reply_markup"
            )  # answered to the end
            progress = await _exchange(fake, "/progress")
            assert "Your first result" in progress

    _run(scenario)
    assert _count(db, ResultRow) == 1 and _count(db, AnswerRow) == 10


def test_a_restarted_bot_process_continues_the_check(engines: EngineFactory, db: Engine) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake:
            async with polling_bot(fake, engines()):
                await _exchange(fake, "/start")
                await _press(fake, "role:supplier")
                await _exchange(fake, "/check")
                await _answer_questions(fake, 4)
            async with polling_bot(fake, engines()):  # a new process, nothing in memory
                text = await _exchange(fake, "/start")
                assert "pick up where you left off" in text and "5/10" in text
                await _answer_questions(fake, 6)
                assert "Area to grow" in "\n".join(fake.texts())

    _run(scenario)
    assert _count(db, ResultRow) == 1


def test_two_bot_processes_share_one_database(engines: EngineFactory, db: Engine) -> None:
    async def scenario() -> None:
        async with (
            FakeBotApi() as first,
            FakeBotApi() as second,
            polling_bot(first, engines()),
            polling_bot(second, engines()),
        ):
            await _exchange(first, "/start")
            await _press(first, "role:buyer", user=USER)
            await _exchange(first, "/check")
            await _answer_questions(first, 3)
            # The same person, served by the other process: the conversation is where it was.
            assert "4/10" in await _exchange(second, "/check")
            for _ in range(7):
                await _press(second, "ans:", label="2")
            assert "Area to grow" in "\n".join(second.texts())

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
            answered = len(fake.answered_callbacks)
            fake.user_presses(USER, first_question, first_data, check_button=False)  # replayed
            await fake.wait_for(lambda f: len(f.answered_callbacks) > answered)
            assert "earlier step" in (fake.answered_callbacks[-1].get("text") or "")
            # Another user in a group presses the first user's button.
            await _exchange(fake, "/start", user=2002)
            answered = len(fake.answered_callbacks)
            _, current = _button(fake, "ans:")
            fake.user_presses(
                2002, _button(fake, "ans:")[0], current, chat_id=USER, check_button=False
            )
            await fake.wait_for(lambda f: len(f.answered_callbacks) > answered)
            assert "earlier step" in (fake.answered_callbacks[-1].get("text") or "")

    _run(scenario)
    assert _count(db, AnswerRow) == 1


def test_a_flood_of_messages_is_throttled_with_one_warning(engines: EngineFactory) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            before = len(fake.sent(USER))
            for index in range(60):
                fake.user_says(USER, f"/help {index}")
            await asyncio.sleep(4)
            replies = fake.texts(USER)[before:]
            warnings = [text for text in replies if "a lot of messages" in text]
            assert len(warnings) == 1
            helped = sum("/assess" in text for text in replies)
            assert 10 <= helped <= 30  # the limit, minus what /start and the role already used

    _run(scenario)


def test_a_prepared_meeting_sends_the_sheet_as_a_document(engines: EngineFactory) -> None:
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


def test_webhook_mode_checks_the_secret_and_serves_health(engines: EngineFactory) -> None:
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
            assert "Bonjour, je suis TrustCoach" in "\n".join(texts)
            stop.set()
            await server

    _run(scenario)
