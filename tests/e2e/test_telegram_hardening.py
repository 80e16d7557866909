"""The bot under duplicates, lost replies, floods, groups, outages and bad bodies (issue 13).

Through the real PTB application and the local fake Bot API: polling, and the webhook server.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from sqlalchemy import Engine, select

from bot.adapters.db import database
from bot.adapters.db.models import AnswerRow, DeliveryRow, ResultRow, UserRow
from bot.adapters.emotion.detector import EmotionDetector
from bot.channels.telegram.app import build_application, serve_webhook
from bot.domain.content import Content
from bot.domain.dialogue import Text
from bot.services.engine import DialogueEngine
from tests.e2e.test_telegram import (
    _button,
    _count,
    _exchange,
    _press,
    _run,
    _settle,
    polling_bot,
)
from tests.fake_telegram import FakeBotApi
from tests.fakes import FakeCardIndex, FakeClock

USER = 1001
SECRET = "s3cret"


@pytest.fixture
def clock() -> FakeClock:
    """One clock for every bot process of a test."""
    return FakeClock()


@pytest.fixture
def engines(
    db: Engine,
    content: Content,
    card_index: FakeCardIndex,
    cue_detector: EmotionDetector,
    clock: FakeClock,
) -> Callable[[], DialogueEngine]:
    """Builds a dialogue engine over the shared database, as a new process would."""
    return lambda: DialogueEngine(
        database.unit_of_work_factory(db), content, clock, cards=card_index, emotions=cue_detector
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def webhook_bot(fake: FakeBotApi, engine: DialogueEngine) -> AsyncIterator[str]:
    """The real webhook server on a free port; yields the URL to post updates to."""
    port, stop = _free_port(), asyncio.Event()
    application = build_application(engine, fake.token, fake.base_url, fake.base_file_url)
    listening = asyncio.Event()
    server = asyncio.create_task(
        serve_webhook(
            application, "127.0.0.1", port, "hook", SECRET, None, stop, on_listening=listening.set
        )
    )
    await asyncio.wait_for(listening.wait(), 30)
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        stop.set()
        await server


async def _post(fake: FakeBotApi, url: str, update: dict[str, Any]) -> int:
    return await fake.post_update(url, update, SECRET)


def _answers(db: Engine) -> int:
    return _count(db, AnswerRow)


def test_an_update_delivered_twice_is_handled_once(engines: Any, db: Engine) -> None:
    """Telegram delivers at least once: the same answer twice stores one answer, one reply."""

    async def scenario() -> None:
        async with FakeBotApi() as fake, webhook_bot(fake, engines()) as url:
            for text in ("/start", "/role buyer", "/check"):
                update = fake.make_message_update(USER, text)
                assert await _post(fake, url, update) == 200
                assert await _post(fake, url, update) == 200  # redelivered
            await _settle(fake, USER)
            sent = len(fake.sent(USER))
            question, data = _button(fake, "ans:", label="4")
            press = fake.make_callback_update(USER, question, data)
            edits = len(fake.edits)
            # Twice in a row, then twice at once (two deliveries racing).
            assert await _post(fake, url, press) == 200
            assert await _post(fake, url, press) == 200
            statuses = await asyncio.gather(_post(fake, url, press), _post(fake, url, press))
            assert statuses == [200, 200]
            await _settle(fake, USER)
            assert _answers(db) == 1  # the next statement was not answered by the repeats
            assert len(fake.edits) - edits == 1 and len(fake.sent(USER)) == sent
            # Each /start, /role and /check answered once, not twice.
            assert _count(db, DeliveryRow) == 4

    _run(scenario)


def test_the_webhook_refuses_what_is_not_an_update(engines: Any) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, webhook_bot(fake, engines()) as url:
            async with aiohttp.ClientSession() as session:
                for body in ("[1, 2]", "{oops", '"text"', "null", "{}"):
                    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
                    async with session.post(url, data=body, headers=headers) as response:
                        assert response.status == 400, body
                update = fake.make_message_update(USER, "/start")
                assert await fake.post_update(url, update, "s3cre") == 403
                assert await fake.post_update(url, update, None) == 403
            assert fake.sent(USER) == []

    _run(scenario)


def test_replies_that_were_committed_but_not_sent_are_sent_once(
    engines: Any, db: Engine, clock: FakeClock
) -> None:
    """A process that died after its commit: another one sends the reply, and only once."""
    dead = engines()
    outcome = dead.respond("telegram", str(USER), Text("/help"), "en", update_key="7", context={})
    assert outcome.deliveries  # held by the process that then died

    async def scenario() -> None:
        async with FakeBotApi() as fake:
            clock.advance(seconds=61)  # its lease ran out
            async with polling_bot(fake, engines(), stranded_interval=0.2):
                await fake.wait_for(lambda f: len(f.sent(USER)) >= 1)
                await asyncio.sleep(1.0)  # several sweeps
            assert len(fake.sent(USER)) == 1
            assert outcome.replies[-1].text.split("\n")[0] in fake.texts(USER)[0]

    _run(scenario)


def test_a_refused_message_is_not_retried_and_a_flood_control_one_comes_later(
    engines: Any, db: Engine, clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines(), stranded_interval=0.2):
            await _exchange(fake, "/start")
            calls = len(fake.calls_of("sendMessage"))
            fake.fail_next("sendMessage", 400, description="Bad Request: message is too long")
            fake.user_says(USER, "/help")
            await fake.wait_for(lambda f: len(f.calls_of("sendMessage")) > calls)
            await asyncio.sleep(0.5)
            assert len(fake.calls_of("sendMessage")) == calls + 1  # never sent again
            # Flood control beyond the rate limiter's retries: the reply waits, then comes.
            sent = len(fake.sent(USER))
            for _ in range(4):
                fake.fail_next("sendMessage", 429, retry_after=0)
            fake.user_says(USER, "/help")
            await asyncio.sleep(1.0)
            clock.advance(seconds=61)
            await fake.wait_for(lambda f: len(f.sent(USER)) > sent, timeout=15)
            await _settle(fake, USER)
            assert len(fake.sent(USER)) == sent + 1

    _run(scenario)


def test_a_burst_of_messages_is_answered_in_order(engines: Any) -> None:
    zones = [f"UTC+{hour}" for hour in range(1, 13)]

    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines(), max_rate=0):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            before = len(fake.sent(USER))
            for zone in zones:  # each time the chooser, then the zone typed
                fake.user_says(USER, "/timezone")
                fake.user_says(USER, zone)
            await fake.wait_for(lambda f: len(f.sent(USER)) >= before + 2 * len(zones), timeout=30)
            said = fake.texts(USER)[before:]
            done = [text for text in said if text.startswith("Done")]
            shown = [next(h for h in range(12, 0, -1) if f"+{h}" in t) for t in done]
            assert shown == list(range(1, 13)), said

    _run(scenario)


def test_fast_taps_through_the_full_assessment_are_all_taken(engines: Any, db: Engine) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines(), max_rate=0):
            await _exchange(fake, "/start")
            await _press(fake, "role:supplier")
            await _exchange(fake, "/assess")
            for _ in range(60):  # as fast as the buttons come back
                if _count(db, ResultRow):
                    break
                message, data = _button(fake, "ans:", label="4")
                answered = len(fake.answered_callbacks)
                fake.user_presses(USER, message, data)
                await fake.wait_for(lambda f, n=answered: len(f.answered_callbacks) > n)
                await fake.wait_for(
                    lambda f, d=data: _count(db, ResultRow) or _button(f, "ans:")[1] != d
                )
            assert not [a for a in fake.answered_callbacks if a.get("text")]  # no "too fast"

    _run(scenario)
    assert _count(db, ResultRow) == 1 and _answers(db) >= 30


def test_groups_get_a_note_and_nothing_personal(engines: Any, db: Engine, content: Content) -> None:
    group = -100123

    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            fake.user_says(USER, "/progress", chat_id=group, chat_type="supergroup")
            fake.user_says(USER, "just chatting", chat_id=group, chat_type="supergroup")
            await fake.wait_for(lambda f: len(f.sent(group)) >= 1)
            await _settle(fake, group)
            (note,) = fake.texts(group)
            assert note.startswith(content.messages.text("en", "private_only", link="")[:30])
            assert "https://t.me/trustcoach_test_bot" in note
            assert not fake.calls_of("sendPhoto")

    _run(scenario)


def test_a_command_addressed_to_the_bot_by_name_is_understood(engines: Any) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start")
            await _press(fake, "role:buyer")
            assert "1/10" in await _exchange(fake, "/check@trustcoach_test_bot")
            before = len(fake.sent(USER))
            fake.user_says(USER, "/check@SomeOtherBot")
            await asyncio.sleep(0.5)
            assert len(fake.sent(USER)) == before

    _run(scenario)


def test_when_the_database_is_away_people_are_asked_to_retry(
    content: Content, card_index: FakeCardIndex, cue_detector: EmotionDetector, clock: FakeClock
) -> None:
    # Nothing listens on port 9: every connection fails at once.
    unreachable = database.make_engine(
        "postgresql+psycopg://nobody@127.0.0.1:9/none", database.Timeouts(connect=1)
    )
    engine = DialogueEngine(
        database.unit_of_work_factory(unreachable), content, clock, cards=card_index
    )

    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engine):
            fake.user_says(USER, "/start", language_code="fr")
            await fake.wait_for(lambda f: len(f.sent(USER)) >= 1)
            assert fake.texts(USER) == [content.messages.text("fr", "storage_unavailable")]

    _run(scenario)
    unreachable.dispose()


def test_only_the_new_users_row_is_written_for_simultaneous_first_messages(
    db_engine: Engine, sql_engine_factory: Callable[[], DialogueEngine]
) -> None:
    """Two workers get a new person's first messages at once: no unique violation."""
    engines = [sql_engine_factory() for _ in range(4)]

    async def first_messages(user: str) -> None:
        await asyncio.gather(
            *(
                asyncio.to_thread(
                    engine.respond, "telegram", user, Text("/start"), "fr", update_key=f"{user}-{n}"
                )
                for n, engine in enumerate(engines)
            )
        )

    async def everyone() -> None:
        await asyncio.gather(*(first_messages(str(9000 + n)) for n in range(10)))

    asyncio.run(everyone())
    with database.session_factory(db_engine)() as session:
        users = session.scalars(select(UserRow.external_id)).all()
    assert sorted(users) == sorted(str(9000 + n) for n in range(10))


class BrokenEngine(DialogueEngine):
    """An engine with a bug on button presses."""

    def respond(self, *args: Any, **kwargs: Any) -> Any:
        if args and type(args[2]).__name__ == "Choice":
            raise RuntimeError("a bug")
        return super().respond(*args, **kwargs)


def test_a_press_that_crashes_the_engine_is_still_answered(
    db: Engine, content: Content, card_index: FakeCardIndex, clock: FakeClock
) -> None:
    engine = BrokenEngine(database.unit_of_work_factory(db), content, clock, cards=card_index)

    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engine):
            await _exchange(fake, "/start")
            message, data = _button(fake, "role:")
            before = len(fake.sent(USER))
            fake.user_presses(USER, message, data)
            await fake.wait_for(lambda f: len(f.answered_callbacks) == 1)  # the spinner stops
            await fake.wait_for(lambda f: len(f.sent(USER)) > before)
            assert fake.texts(USER)[-1] == content.messages.text("en", "internal_error")

    _run(scenario)


def test_two_workers_receiving_the_same_taps_store_each_once_in_order(
    db_engine: Engine, content: Content, card_index: FakeCardIndex, clock: FakeClock
) -> None:
    """Each tap reaches both workers at once (SQLite, then PostgreSQL): one answer per tap."""
    people = [3001, 3002, 3003, 3004]

    def worker() -> DialogueEngine:
        return DialogueEngine(
            database.unit_of_work_factory(db_engine), content, clock, cards=card_index
        )

    async def both(fake: FakeBotApi, urls: list[str], update: dict[str, Any]) -> None:
        statuses = await asyncio.gather(*(_post(fake, url, update) for url in urls))
        assert statuses == [200, 200]

    async def one_person(fake: FakeBotApi, urls: list[str], user: int) -> None:
        for words in ("/start", "/role buyer", "/check"):
            await both(fake, urls, fake.make_message_update(user, words))
        for _ in range(10):
            await _settle(fake, user, quiet=0.2)
            message, data = _button(fake, "ans:", chat=user, label="2")
            await both(fake, urls, fake.make_callback_update(user, message, data))
        await _settle(fake, user)

    async def scenario() -> None:
        async with (
            FakeBotApi() as fake,
            webhook_bot(fake, worker()) as first,
            webhook_bot(fake, worker()) as second,
        ):
            await asyncio.gather(*(one_person(fake, [first, second], u) for u in people))
            apologies = {
                content.messages.text("en", k) for k in ("internal_error", "storage_unavailable")
            }
            for user in people:
                assert not apologies & set(fake.texts(user))
                assert len([t for t in fake.texts(user) if "1/10" in t]) == 1  # one /check reply

    _run(scenario)
    with database.session_factory(db_engine)() as session:
        answers = session.scalars(select(AnswerRow.value)).all()
        results = session.scalars(select(ResultRow.id)).all()
    assert len(answers) == 10 * len(people) and set(answers) == {2}
    assert len(results) == len(people)


def test_a_person_gets_their_data_then_erases_it_on_telegram(
    engines: Any, db: Engine, content: Content
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, polling_bot(fake, engines()):
            await _exchange(fake, "/start", language="fr")
            await _press(fake, "role:buyer")
            await _exchange(fake, "/mydata", language="fr")
            assert len(fake.calls_of("sendDocument")) == 2  # the report and the JSON file
            await _exchange(fake, "/forget", language="fr")
            await _press(fake, "forgetyes")
            assert fake.texts(USER)[-1] == content.messages.text("fr", "forget_done")

    _run(scenario)
    assert _count(db, UserRow) == 0 and _count(db, DeliveryRow) == 0
