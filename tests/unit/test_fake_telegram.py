"""The fake Telegram Bot API answers plain HTTP clients and python-telegram-bot as Telegram does."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fake_telegram import FakeBotApi, FakeBotApiThread

TOKEN = "123456:TEST-token"


def run_with_fake(scenario: Callable[[FakeBotApi], Awaitable[None]]) -> FakeBotApi:
    """Run ``scenario`` against a started fake in a fresh event loop; return the fake."""
    fake = FakeBotApi(TOKEN)

    async def main() -> None:
        async with fake:
            await scenario(fake)

    asyncio.run(main())
    assert fake.server_errors == []
    return fake


def make_bot(fake: FakeBotApi, token: str = TOKEN) -> Bot:
    return Bot(token, base_url=fake.base_url, base_file_url=fake.base_file_url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------- plain HTTP (httpx)


def test_get_me_over_plain_http() -> None:
    with FakeBotApiThread(TOKEN) as fake, httpx.Client() as client:
        response = client.post(f"{fake.base_url}{TOKEN}/getMe")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "trustcoach_test_bot"
    assert body["result"]["id"] == 123456
    assert fake.calls == [("getMe", {})]


def test_form_and_multipart_parameters_are_parsed() -> None:
    keyboard = {"inline_keyboard": [[{"text": "Yes", "callback_data": "yes"}]]}
    with FakeBotApiThread(TOKEN) as fake, httpx.Client() as client:
        url = f"{fake.base_url}{TOKEN}"
        sent = client.post(
            f"{url}/sendMessage",
            data={"chat_id": "42", "text": "123", "reply_markup": json.dumps(keyboard)},
        )
        uploaded = client.post(
            f"{url}/sendDocument",
            data={"chat_id": "42", "caption": "Your report"},
            files={"document": ("report.txt", b"hello", "text/plain")},
        )

    assert sent.json()["result"]["reply_markup"] == keyboard
    assert uploaded.json()["result"]["document"]["file_name"] == "report.txt"
    message, document = fake.sent(42)
    assert message["text"] == "123"  # a text stays a string even when it looks like JSON
    assert message["reply_markup"] == keyboard
    assert message["message_id"] == 1
    assert document["method"] == "sendDocument"
    assert document["caption"] == "Your report"
    assert (document["filename"], document["file_bytes"]) == ("report.txt", b"hello")
    assert document["message_id"] == 2


def test_errors_look_like_telegram_errors() -> None:
    with FakeBotApiThread(TOKEN) as fake, httpx.Client() as client:
        wrong_token = client.post(f"{fake.base_url}999:wrong/getMe")
        too_long = client.post(
            f"{fake.base_url}{TOKEN}/sendMessage", data={"chat_id": "1", "text": "x" * 4097}
        )
        fake.fail_next("sendMessage", 429, retry_after=3)
        flooded = client.post(
            f"{fake.base_url}{TOKEN}/sendMessage", data={"chat_id": "1", "text": "hi"}
        )
        unknown = client.post(f"{fake.base_url}{TOKEN}/setChatMenuButton")

    assert wrong_token.status_code == 401
    assert wrong_token.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert too_long.status_code == 400
    assert too_long.json()["description"] == "Bad Request: message is too long"
    assert flooded.status_code == 429
    assert flooded.json()["parameters"] == {"retry_after": 3}
    assert unknown.json() == {"ok": True, "result": True}
    assert fake.sent() == []
    assert [name for name, _ in fake.calls] == ["sendMessage", "sendMessage", "setChatMenuButton"]


# --------------------------------------------------------------------- python-telegram-bot


def test_ptb_get_me() -> None:
    async def scenario(fake: FakeBotApi) -> None:
        async with make_bot(fake) as bot:
            me = await bot.get_me()
            assert me.username == "trustcoach_test_bot"
            assert bot.username == "trustcoach_test_bot"

    run_with_fake(scenario)


def test_ptb_send_message_is_recorded_with_its_inline_keyboard() -> None:
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Start", callback_data="start")],
            [InlineKeyboardButton("Help", callback_data="help")],
        ]
    )

    async def scenario(fake: FakeBotApi) -> None:
        async with make_bot(fake) as bot:
            first = await bot.send_message(42, "Welcome!", reply_markup=markup)
            second = await bot.send_message(42, "Still here")
            other = await bot.send_message(7, "Hello")
            assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
            assert first.reply_markup == markup
            assert first.from_user is not None and first.from_user.is_bot

    fake = run_with_fake(scenario)
    entry = fake.sent(42)[0]
    assert entry["text"] == "Welcome!"
    assert entry["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Start", "callback_data": "start"}],
            [{"text": "Help", "callback_data": "help"}],
        ]
    }
    assert fake.texts(42) == ["Welcome!", "Still here"]
    assert fake.sent(42)[1]["reply_markup"] is None


def test_ptb_get_updates_returns_a_queued_message_then_nothing_after_the_offset() -> None:
    async def scenario(fake: FakeBotApi) -> None:
        update_id = fake.user_says(42, "/start", language_code="pl")
        async with make_bot(fake) as bot:
            updates = await bot.get_updates(timeout=1)
            assert [update.update_id for update in updates] == [update_id]
            message = updates[0].message
            assert message is not None
            assert message.text == "/start"
            assert message.chat.id == 42
            assert message.from_user is not None
            assert message.from_user.language_code == "pl"
            assert message.entities[0].type == "bot_command"

            again = await bot.get_updates(timeout=0)  # not confirmed yet: served again
            assert [update.update_id for update in again] == [update_id]
            after = await bot.get_updates(offset=update_id + 1, timeout=1)
            assert after == ()
            assert fake.pending_updates == []

    run_with_fake(scenario)


def test_ptb_long_poll_wakes_up_when_a_user_speaks() -> None:
    async def scenario(fake: FakeBotApi) -> None:
        async with make_bot(fake) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=10))
            await asyncio.sleep(0.2)
            fake.user_says(42, "hello")
            updates = await asyncio.wait_for(poll, 1.5)
            assert [u.message.text for u in updates if u.message] == ["hello"]

    run_with_fake(scenario)


def test_ptb_wrong_token_is_invalid() -> None:
    async def scenario(fake: FakeBotApi) -> None:
        bot = make_bot(fake, "999:wrong")
        with pytest.raises(InvalidToken, match="rejected by the server"):
            async with bot:  # initialising calls getMe
                pass
        with pytest.raises(InvalidToken, match="Unauthorized"):
            async with bot.request:  # a plain call, on an initialised request
                await bot.get_me()

    fake = run_with_fake(scenario)
    assert fake.calls == []


def test_ptb_raises_retry_after_on_an_injected_429(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without it, PTB 22 warns (PTBDeprecationWarning) while building RetryAfter.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")

    async def scenario(fake: FakeBotApi) -> None:
        async with make_bot(fake) as bot:
            fake.fail_next("sendMessage", 429, retry_after=2)
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(42, "too fast")
            assert raised.value.retry_after.total_seconds() == 2  # type: ignore[union-attr]
            await bot.send_message(42, "later")  # only the next call fails

    fake = run_with_fake(scenario)
    assert fake.texts(42) == ["later"]


def test_ptb_edits_and_callback_answers_follow_telegram_rules() -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])

    async def scenario(fake: FakeBotApi) -> None:
        async with make_bot(fake) as bot:
            sent = await bot.send_message(42, "Ready?", reply_markup=markup)
            fake.user_presses(42, sent.message_id, "ok")
            (update,) = await bot.get_updates()
            query = update.callback_query
            assert query is not None
            assert query.data == "ok"
            assert query.message is not None
            assert query.message.message_id == sent.message_id
            assert await bot.answer_callback_query(query.id, text="Noted")
            with pytest.raises(BadRequest, match=r"(?i)query is too old"):
                await bot.answer_callback_query(query.id)
            with pytest.raises(BadRequest, match="not modified"):
                await bot.edit_message_text("Ready?", 42, sent.message_id, reply_markup=markup)
            edited = await bot.edit_message_text("Done", 42, sent.message_id)
            assert not isinstance(edited, bool)
            assert edited.text == "Done"
            assert edited.reply_markup is None
            with pytest.raises(ValueError, match="no button"):
                fake.user_presses(42, sent.message_id, "ok")  # the keyboard is gone

    fake = run_with_fake(scenario)
    assert fake.answered_callbacks[0]["text"] == "Noted"
    assert [edit["text"] for edit in fake.edits] == ["Done"]
    assert fake.message(42, 1)["text"] == "Done"
    assert "reply_markup" not in fake.message(42, 1)


def test_ptb_application_polling_round_trip() -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
        await update.effective_message.reply_text("Hi!", reply_markup=keyboard)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"You chose {query.data}")

    async def scenario(fake: FakeBotApi) -> None:
        app = (
            Application.builder()
            .token(fake.token)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            fake.user_says(42, "/start")
            entry = await fake.wait_for(lambda f: f.sent(42) and f.sent(42)[0])
            assert entry["text"] == "Hi!"
            fake.user_presses(42, entry["message_id"], "go")
            await fake.wait_for(lambda f: f.edits)
            await app.updater.stop()
            await app.stop()

    fake = run_with_fake(scenario)
    assert fake.edits[0]["text"] == "You chose go"
    assert len(fake.answered_callbacks) == 1


def test_thread_wrapper_serves_synchronous_tests() -> None:
    with FakeBotApiThread(TOKEN) as fake:
        fake.user_says(5, "hello", first_name="Bea")
        response = httpx.post(f"{fake.base_url}{TOKEN}/getUpdates", data={"timeout": "1"})
        (update,) = response.json()["result"]
        assert update["message"]["from"]["first_name"] == "Bea"
        assert update["message"]["chat"] == {"id": 5, "type": "private", "first_name": "Bea"}
        assert fake.wait_for(lambda api: api.calls_of("getUpdates"), timeout=1)
        with pytest.raises(TimeoutError, match="getUpdates"):
            fake.wait_for(lambda api: api.sent(), timeout=0.05)
