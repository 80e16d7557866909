"""On Telegram: a stray press is a note on the button, a typed answer stays in view, a command
addressed to another bot is left alone, and a photo's caption is read."""

from __future__ import annotations

from sqlalchemy import Engine

from bot.adapters.db.models import AnswerRow
from tests.e2e.test_telegram import (
    USER,
    EngineFactory,
    _button,
    _count,
    _exchange,
    _press,
    _run,
    _settle,
    engines,
    polling_bot,
)
from tests.fake_telegram import FakeBotApi

__all__ = ["engines"]  # the fixture, shared with the other Telegram tests


async def _at_the_check(fake: FakeBotApi) -> None:
    await _exchange(fake, "/start")
    await _press(fake, "role:buyer")
    await _exchange(fake, "/check")


def test_a_stale_press_gets_a_note_on_the_button_and_no_new_message(
    engines: EngineFactory, db: Engine
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _at_the_check(fake)
            question, data = _button(fake, "ans:", label="3")
            await _press(fake, "ans:", label="3")
            sent = len(fake.sent(USER))
            answered = len(fake.answered_callbacks)
            fake.user_presses(USER, question, data, check_button=False)  # the same press again
            await fake.wait_for(lambda f: len(f.answered_callbacks) > answered)
            await _settle(fake, USER)
            assert fake.answered_callbacks[-1].get("text")
            assert len(fake.sent(USER)) == sent  # nothing new in the chat

    _run(scenario)
    assert _count(db, AnswerRow) == 1


def test_a_typed_answer_stays_in_view_above_the_next_statement(
    engines: EngineFactory, db: Engine
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _at_the_check(fake)
            said = await _exchange(fake, "4")
            assert said.startswith("✓ 1/10 → 4")  # the echo, then statement 2/10

    _run(scenario)
    assert _count(db, AnswerRow) == 1


def test_a_command_for_another_bot_is_left_alone(engines: EngineFactory) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            sent = len(fake.sent(USER))
            fake.user_says(USER, "/check@SomeOtherBot")
            await _settle(fake, USER, quiet=1.0)
            assert len(fake.sent(USER)) == sent
            username = fake.bot_username
            said = await _exchange(fake, f"/check@{username}")
            assert "1/10" in said

    _run(scenario)


def test_a_photo_caption_is_read_as_the_message(engines: EngineFactory) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            update = fake.make_message_update(USER, "")
            message = update["message"]
            del message["text"]
            message["caption"] = "/check"
            message["photo"] = [{"file_id": "x", "file_unique_id": "x", "width": 1, "height": 1}]
            sent = len(fake.sent(USER))
            fake.queue_update(update)
            await fake.wait_for(lambda f: len(f.sent(USER)) > sent)
            await _settle(fake, USER)
            assert any("1/10" in text for text in fake.texts(USER)[sent:])

    _run(scenario)
