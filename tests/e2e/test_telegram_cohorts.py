"""Trainers and trainees on the real PTB Application, against the fake Bot API server.

Assertions are on what the fake Bot API recorded (buttons' callback data, photos, documents)
and on the database rows, not on wording.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image as PilImage
from sqlalchemy import Engine, select

from bot.adapters.charts.renderer import MatplotlibCharts
from bot.adapters.db import database
from bot.adapters.db.models import (
    AssignmentRow,
    CohortRow,
    CompletionRow,
    MembershipRow,
    ReminderRow,
    UserRow,
)
from bot.domain.content import Content
from bot.services.cohorts.nudges import ReminderService
from bot.services.conversation.options import (
    AcceptJoin,
    CohortReport,
    DeclineJoin,
    ExerciseDone,
    ShowCohort,
)
from bot.services.conversation.protocol import decode
from bot.services.engine import DialogueEngine
from tests.e2e.test_telegram import (
    _button,
    _exchange,
    _offered,
    _press,
    _run,
    _settle,
    _until_offered,
    polling_bot,
)
from tests.fake_telegram import FakeBotApi, callback_data_of
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


def _rows(db: Engine, model: type) -> list[Any]:
    with database.session_factory(db)() as session:
        rows = list(session.scalars(select(model)))
        session.expunge_all()
        return rows


def _user_id(db: Engine, user: int) -> int:
    return next(row.id for row in _rows(db, UserRow) if row.external_id == str(user))


async def _cohort_with_trainees(fake: FakeBotApi, db: Engine, checks: bool = False) -> str:
    """A trainer makes a cohort; three trainees open its link, consent (and take the check)."""
    await _exchange(fake, "/start", TRAINER)
    await _press(fake, "role:trainer", TRAINER)
    await _exchange(fake, "/trainer", TRAINER)
    await _exchange(fake, "Tom Martin", TRAINER)
    await _press(fake, "cohnew", TRAINER)
    created = await _exchange(fake, "Buyers 2027", TRAINER)
    found = LINK.search(created)
    assert found, created
    (cohort,) = _rows(db, CohortRow)
    assert (cohort.name, cohort.code) == ("Buyers 2027", found.group(1))
    accept = AcceptJoin(cohort.id)
    for number, trainee in enumerate(TRAINEES):
        before = len(fake.sent(trainee))
        await _exchange(fake, f"/start join_{found.group(1)}", trainee)
        await _until_offered(fake, lambda value: value == accept, trainee, since=before)
        consent = "\n".join(fake.texts(trainee)[before:])
        assert "Tom Martin" in consent  # the trainer is named before anything is shared
        # (Two bot processes polling one fake may both answer: compare what was offered.)
        asked = set(_offered(fake, trainee, since=before))
        assert asked == {AcceptJoin(cohort.id), DeclineJoin(cohort.id)}
        members = {m.user_id for m in _rows(db, MembershipRow)}
        assert members == {_user_id(db, user) for user in TRAINEES[:number]}  # not yet in
        await _press(fake, "joinok:", trainee)
        await _exchange(fake, f"Trainee {number}", trainee)
        await _press(fake, "role:buyer", trainee)
        joined = {
            (m.cohort_id, m.display_name)
            for m in _rows(db, MembershipRow)
            if m.user_id == _user_id(db, trainee)
        }
        assert joined == {(cohort.id, f"Trainee {number}")}
        if not checks:
            continue
        await _exchange(fake, "/check", trainee)
        for _ in range(10):
            await _press(fake, "ans:", trainee, label=str(2 + number))
    return found.group(1)


async def _assign(fake: FakeBotApi, db: Engine) -> int:
    """The trainer gives a temperance exercise to the whole cohort, due in 7 days; its id."""
    await _exchange(fake, "/trainer", TRAINER)
    await _press(fake, "coh:", TRAINER)
    await _press(fake, "coasg:", TRAINER)
    await _press(fake, "asgreg:temperance", TRAINER)
    await _press(fake, "asgcard:", TRAINER)
    await _press(fake, "asgto:0", TRAINER)
    await _press(fake, "asgdue:7", TRAINER)
    before = len(fake.sent(TRAINER))
    await _press(fake, "asgnote", TRAINER)
    (cohort,) = _rows(db, CohortRow)
    report = CohortReport(cohort.id)  # the cohort is shown again, with its buttons
    await _until_offered(fake, lambda value: value == report, TRAINER, since=before)
    (assignment,) = _rows(db, AssignmentRow)
    assert (assignment.cohort_id, assignment.trainee_id) == (cohort.id, None)
    assigned = [r.user_id for r in _rows(db, ReminderRow) if r.kind == "assigned"]
    assert sorted(assigned) == sorted(_user_id(db, user) for user in TRAINEES)
    return int(assignment.id)


def _told(fake: FakeBotApi, user: int) -> int:
    """How many messages brought this user an exercise (with its button to mark it done)."""
    return sum(
        any(isinstance(decode(data), ExerciseDone) for data in callback_data_of(entry))
        for entry in fake.sent(user)
    )


async def _until_told(fake: FakeBotApi, times: int, users: tuple[int, ...]) -> None:
    await fake.wait_for(lambda f: all(_told(f, user) >= times for user in users), timeout=10)


def _png_checks(png: bytes) -> None:
    with PilImage.open(io.BytesIO(png)) as picture:
        assert picture.format == "PNG"
        assert picture.width >= 600 and picture.height >= 400
        colours = picture.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 20  # drawn, not blank


def test_the_trainer_journey_on_telegram(
    make_bot: Callable[[FakeBotApi], Any], db: Engine, content: Content
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, make_bot(fake):
            await _cohort_with_trainees(fake, db, checks=True)
            radar = [e for e in fake.sent(TRAINEES[0]) if e["method"] == "sendPhoto"]
            assert radar, "the quick check result comes with its radar chart"
            _png_checks(radar[-1]["file_bytes"])

            aid = await _assign(fake, db)
            await _until_told(fake, 1, TRAINEES)
            for trainee in TRAINEES:
                (told,) = [
                    entry
                    for entry in fake.sent(trainee)
                    if ExerciseDone(aid).id in callback_data_of(entry)
                ]
                assert "Tom Martin" in told["text"]  # from whom

            first = TRAINEES[0]
            await _press(fake, "exdone:", first)
            await _exchange(fake, "Paused before replying; calmer call.", first)
            await _press(fake, f"exrate:{aid}:4", first)
            (completion,) = _rows(db, CompletionRow)
            assert (completion.assignment_id, completion.user_id) == (aid, _user_id(db, first))
            assert completion.rating == 4 and completion.reflection.startswith("Paused before")

            (cohort,) = _rows(db, CohortRow)
            before = len(fake.sent(TRAINER))
            await _press(fake, "corep:", TRAINER)
            # The chart is drawn before it goes out: wait for the way back, which comes last.
            back = ShowCohort(cohort.id)
            await _until_offered(fake, lambda value: value == back, TRAINER, since=before)
            report = "\n".join(fake.texts(TRAINER)[before:])
            said = content.messages.text
            assert said("en", "report_counts", count=3, checked=3) in report
            assert said("en", "report_completion", done=1, given=3, rate=33) in report
            photos = [e for e in fake.sent(TRAINER) if e["method"] == "sendPhoto"]
            assert len(photos) == 1  # the chart: three trainees with a result, averages shown
            _png_checks(photos[0]["file_bytes"])

            await _press(fake, "coh:", TRAINER)
            await _press(fake, "coexp:", TRAINER)
            [document] = [e for e in fake.sent(TRAINER) if e["method"] == "sendDocument"]
            rows = list(csv.DictReader(io.StringIO(document["file_bytes"].decode("utf-8"))))
            assert [row["trainee"] for row in rows] == ["Trainee 0", "Trainee 1", "Trainee 2"]

            await _exchange(fake, "/leave", TRAINEES[1])
            await _press(fake, "leave:", TRAINEES[1])
            left = [m for m in _rows(db, MembershipRow) if m.left_at is not None]
            assert [m.user_id for m in left] == [_user_id(db, TRAINEES[1])]
            await _exchange(fake, "/export", TRAINER)
            documents = [e for e in fake.sent(TRAINER) if e["method"] == "sendDocument"]
            assert len(documents) == 2 and b"Trainee 1" not in documents[-1]["file_bytes"]

    _run(scenario)


def test_a_wrong_code_and_another_trainers_buttons_are_refused(
    make_bot: Callable[[FakeBotApi], Any], db: Engine
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake, make_bot(fake):
            code = await _cohort_with_trainees(fake, db)
            refused = await _exchange(fake, "/join ZZZZZZZZZZZZ", 600)
            assert refused  # answered, and the setup carries on
            asked = _offered(fake, 600)
            assert asked and not any(isinstance(v, AcceptJoin | DeclineJoin) for v in asked)
            assert len(_rows(db, MembershipRow)) == 3
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
            assert not any(e["method"] in ("sendPhoto", "sendDocument") for e in fake.sent(601))

    _run(scenario)


def test_reminders_go_out_once_with_two_processes_and_survive_a_restart(
    make_bot: Callable[[FakeBotApi], Any], clock: FakeClock, db: Engine
) -> None:
    async def scenario() -> None:
        async with FakeBotApi() as fake:
            async with make_bot(fake), make_bot(fake):  # two processes, one database
                await _cohort_with_trainees(fake, db)
                await _assign(fake, db)
                await _until_told(fake, 1, TRAINEES)
                await asyncio.sleep(1.0)  # both jobs ran several times meanwhile
            assert all(_told(fake, user) == 1 for user in TRAINEES)
            sent = {r.kind for r in _rows(db, ReminderRow) if r.sent_at is not None}
            assert "due" not in sent
            clock.advance(days=6, hours=1)  # the day before the due date, while no bot runs
            async with make_bot(fake):  # a restarted process finds them in the database
                await _until_told(fake, 2, TRAINEES)
                await asyncio.sleep(1.0)
            assert all(_told(fake, user) == 2 for user in TRAINEES)  # the nudge, once each
            due = [r for r in _rows(db, ReminderRow) if r.kind == "due"]
            assert len(due) == 3 and all(r.sent_at is not None for r in due)

    _run(scenario)
