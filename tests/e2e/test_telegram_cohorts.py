"""Trainers and trainees on the real PTB Application, against the fake Bot API server."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image as PilImage
from sqlalchemy import Engine

from bot.adapters.charts.renderer import MatplotlibCharts
from bot.adapters.db import database
from bot.domain.content import Content
from bot.services.cohorts.nudges import ReminderService
from bot.services.engine import DialogueEngine
from tests.e2e.test_telegram import _button, _exchange, _press, _run, _settle, polling_bot
from tests.fake_telegram import FakeBotApi
from tests.fakes import FakeCardIndex, FakeClock

TRAINER = 500
TRAINEES = (501, 502, 503)
LINK = re.compile(r"https://t\.me/trustcoach_test_bot\?start=join_([A-Z2-9]{12})")


@pytest.fixture
def clock() -> FakeClock:
    """One clock for every bot process of a test."""
    return FakeClock()


@pytest.fixture
def make_bot(
    db: Engine, content: Content, card_index: FakeCardIndex, clock: FakeClock
) -> Callable[[FakeBotApi], Any]:
    """Starts a bot process (engine, real charts, reminder job) on the shared database."""
    charts = MatplotlibCharts()

    def bot(fake: FakeBotApi) -> Any:
        uow = database.unit_of_work_factory(db)
        engine = DialogueEngine(uow, content, clock, cards=card_index, charts=charts)
        reminders = ReminderService(uow, content, clock, card_index)
        return polling_bot(fake, engine, reminders=reminders, reminder_interval=0.2)

    return bot


async def _cohort_with_trainees(fake: FakeBotApi, checks: bool = False) -> str:
    """A trainer makes a cohort; three trainees open its link, consent (and take the check)."""
    await _exchange(fake, "/start", TRAINER)
    await _press(fake, "role:trainer", TRAINER)
    await _exchange(fake, "/trainer", TRAINER)
    await _exchange(fake, "Tom Martin", TRAINER)
    await _press(fake, "cohnew", TRAINER)
    created = await _exchange(fake, "Buyers 2027", TRAINER)
    found = LINK.search(created)
    assert found, created
    for number, trainee in enumerate(TRAINEES):
        consent = await _exchange(fake, f"/start join_{found.group(1)}", trainee)
        assert "Tom Martin invites you" in consent and "will not see" in consent
        await _press(fake, "joinok:", trainee)
        await _exchange(fake, f"Trainee {number}", trainee)
        await _press(fake, "role:buyer", trainee)
        if not checks:
            continue
        await _exchange(fake, "/check", trainee)
        for _ in range(10):
            await _press(fake, "ans:", trainee, label=str(2 + number))
    return found.group(1)


async def _assign(fake: FakeBotApi) -> None:
    await _exchange(fake, "/trainer", TRAINER)
    await _press(fake, "coh:", TRAINER)
    await _press(fake, "coasg:", TRAINER)
    await _press(fake, "asgreg:temperance", TRAINER)
    await _press(fake, "asgcard:", TRAINER)
    await _press(fake, "asgto:0", TRAINER)
    await _press(fake, "asgdue:7", TRAINER)
    done = await _press(fake, "asgnote", TRAINER)
    assert "given to 3 trainee(s)" in done


def _told(fake: FakeBotApi, user: int, words: str) -> int:
    return sum(words in text for text in fake.texts(user))


async def _until_told(fake: FakeBotApi, words: str, users: tuple[int, ...]) -> None:
    await fake.wait_for(lambda f: all(_told(f, user, words) for user in users), timeout=10)


def _png_checks(png: bytes) -> None:
    with PilImage.open(io.BytesIO(png)) as picture:
        assert picture.format == "PNG"
        assert picture.width >= 600 and picture.height >= 400
        colours = picture.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 20  # drawn, not blank


def test_the_trainer_journey_on_telegram(make_bot: Callable[[FakeBotApi], Any]) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, make_bot(fake):
            await _cohort_with_trainees(fake, checks=True)
            radar = [e for e in fake.sent(TRAINEES[0]) if e["method"] == "sendPhoto"]
            assert radar, "the quick check result comes with its radar chart"
            _png_checks(radar[-1]["file_bytes"])

            await _assign(fake)
            await _until_told(fake, "New exercise from Tom Martin", TRAINEES)

            first = TRAINEES[0]
            await _press(fake, "exdone:", first)
            await _exchange(fake, "Paused before replying; calmer call.", first)
            assert "Marked as done" in await _press(fake, "exrate:", first, label="4")

            report = await _press(fake, "corep:", TRAINER)
            assert "3 have a self-check result" in report and "1 of 3 done" in report
            photos = [e for e in fake.sent(TRAINER) if e["method"] == "sendPhoto"]
            assert len(photos) == 1
            _png_checks(photos[0]["file_bytes"])

            await _press(fake, "coh:", TRAINER)
            await _press(fake, "coexp:", TRAINER)
            [document] = [e for e in fake.sent(TRAINER) if e["method"] == "sendDocument"]
            rows = list(csv.DictReader(io.StringIO(document["file_bytes"].decode("utf-8"))))
            assert [row["trainee"] for row in rows] == ["Trainee 0", "Trainee 1", "Trainee 2"]

            await _exchange(fake, "/leave", TRAINEES[1])
            assert "You've left" in await _press(fake, "leave:", TRAINEES[1])
            await _exchange(fake, "/export", TRAINER)
            documents = [e for e in fake.sent(TRAINER) if e["method"] == "sendDocument"]
            assert b"Trainee 1" not in documents[-1]["file_bytes"]

    _run(scenario)


def test_a_wrong_code_and_another_trainers_buttons_are_refused(
    make_bot: Callable[[FakeBotApi], Any],
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, make_bot(fake):
            code = await _cohort_with_trainees(fake)
            refused = await _exchange(fake, "/join ZZZZZZZZZZZZ", 600)
            assert "doesn't open a cohort" in refused
            _, data = _button(fake, "corep:", TRAINER)
            await _exchange(fake, "/start", 601)
            own_message, _ = _button(fake, "role:", 601)
            answered = len(fake.answered_callbacks)
            # Someone else forges the trainer's report button on a message of their own.
            fake.user_presses(601, own_message, data, check_button=False)
            await fake.wait_for(lambda f: len(f.answered_callbacks) > answered, timeout=5)
            await _settle(fake, 601)
            assert fake.answered_callbacks[-1].get("text")  # a short refusal
            assert all(code not in text and "Trainee" not in text for text in fake.texts(601))

    _run(scenario)


def test_reminders_go_out_once_with_two_processes_and_survive_a_restart(
    make_bot: Callable[[FakeBotApi], Any], clock: FakeClock
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake:
            async with make_bot(fake), make_bot(fake):  # two processes, one database
                await _cohort_with_trainees(fake)
                await _assign(fake)
                await _until_told(fake, "New exercise", TRAINEES)
                await asyncio.sleep(1.0)  # both jobs ran several times meanwhile
            assert all(_told(fake, user, "New exercise") == 1 for user in TRAINEES)
            clock.advance(days=6, hours=1)  # the day before the due date, while no bot runs
            async with make_bot(fake):  # a restarted process finds them in the database
                await _until_told(fake, "is due soon", TRAINEES)
                await asyncio.sleep(1.0)
            assert all(_told(fake, user, "is due soon") == 1 for user in TRAINEES)

    _run(scenario)
