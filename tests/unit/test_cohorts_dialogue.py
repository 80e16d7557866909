"""Trainers and trainees through the dialogue engine: cohorts, consent, exercises, reminders."""

from __future__ import annotations

import csv
import io
import re

import pytest

from bot.domain.cards import Card
from bot.domain.cohorts import CODE_LENGTH
from bot.domain.content import Content
from bot.domain.dialogue import Choice, Start, Text
from bot.services.cohorts.nudges import ReminderService
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeCharts, FakeClock, FakeStore, FakeUnitOfWork

CODE = re.compile(rf"\b[A-Z2-9]{{{CODE_LENGTH}}}\b")


@pytest.fixture
def charts() -> FakeCharts:
    """Records the charts the coach asks for."""
    return FakeCharts()


@pytest.fixture
def coach(
    content: Content,
    clock: FakeClock,
    store: FakeStore,
    card_index: FakeCardIndex,
    charts: FakeCharts,
) -> DialogueEngine:
    """An engine with charts, on the in-memory database."""
    return DialogueEngine(
        lambda: FakeUnitOfWork(store), content, clock, cards=card_index, charts=charts
    )


@pytest.fixture
def postman(
    content: Content, clock: FakeClock, store: FakeStore, card_index: FakeCardIndex
) -> ReminderService:
    """What a Telegram process runs every minute to send due reminders."""
    return ReminderService(lambda: FakeUnitOfWork(store), content, clock, card_index)


def person(coach: DialogueEngine, name: str, role: str = "buyer") -> ChatDriver:
    """A user who has already said hello in English."""
    driver = ChatDriver(coach, user=name)
    driver.start(language="en", role=role)
    return driver


def new_cohort(trainer: ChatDriver, name: str = "Buyers 2027") -> str:
    """Create a cohort from scratch and return its invitation code."""
    trainer.say("/trainer")
    if "what name should your trainees see" in trainer.text.casefold():
        trainer.say(f"{trainer.user.title()} Trainer")
    trainer.press("New cohort")
    trainer.say(name)
    found = CODE.search(trainer.text)
    assert found, trainer.text
    return found.group(0)


def join(driver: ChatDriver, code: str, name: str) -> None:
    """Join with a code, accept, and give a name."""
    driver.say(f"/join {code}")
    driver.press("I accept")
    driver.say(name)
    assert "Welcome to" in driver.text


def quick_check(driver: ChatDriver, value: int) -> None:
    """Answer the whole quick check with one value."""
    driver.say("/check")
    while any(o.id.startswith("ans:") for o in driver.options):
        driver.answer(value)


def cohort_id(driver: ChatDriver) -> int:
    """The id of the cohort shown on screen."""
    option = next(o for o in driver.options if o.id.startswith("corep:"))
    return int(option.id.split(":")[1])


def assign_to_all(trainer: ChatDriver, register: str = "Temperance", due: str = "In 7 days") -> str:
    """Give the first exercise of a register to the whole cohort; return its title."""
    trainer.press("Give an exercise")
    trainer.press(register)
    title = trainer.options[0].label
    trainer.press(trainer.options[0].id)
    trainer.press("The whole cohort")
    trainer.press(due)
    trainer.press("No note")
    return title


def one_trainee_with_an_exercise(coach: DialogueEngine) -> str:
    """Tom's cohort, Ana in it, and an exercise given to all; return the exercise's title."""
    tom = person(coach, "tom", "trainer")
    code = new_cohort(tom)
    join(person(coach, "ana"), code, "Ana")
    tom.say("/trainer")
    tom.press("Buyers 2027")
    return assign_to_all(tom)


def test_a_trainer_creates_a_cohort_and_gets_a_code_and_a_deep_link(coach: DialogueEngine) -> None:
    tom = person(coach, "tom", "trainer")
    tom.say("/trainer")
    assert "what name should your trainees see" in tom.text.casefold()
    tom.say("Tom Martin, Acme Academy")
    tom.press("New cohort")
    link = "https://t.me/coach_bot?start="
    replies = coach.handle("test", "tom", Text("Buyers 2027"), deep_link=link)
    text = "\n".join(reply.text for reply in replies)
    code = CODE.search(text)
    assert code is not None
    assert f"{link}join_{code.group(0)}" in text


def test_joining_asks_consent_naming_the_trainer_and_what_is_shared(coach: DialogueEngine) -> None:
    code = new_cohort(person(coach, "tom", "trainer"))
    ana = person(coach, "ana")
    ana.say(f"/join {code}")
    assert "Tom Trainer invites you" in ana.text
    assert "will see" in ana.text and "will not see" in ana.text
    ana.press("I accept")
    ana.say("Ana")
    assert "Welcome to «Buyers 2027»" in ana.text


def test_a_deep_link_opens_the_consent_question_for_a_new_user(coach: DialogueEngine) -> None:
    code = new_cohort(person(coach, "tom", "trainer"))
    zoe = ChatDriver(coach, user="zoe")
    zoe.send(Start(language="fr", payload=f"join_{code}", language_is_hint=True))
    assert "vous invite dans le groupe" in zoe.text
    zoe.press("J'accepte")
    zoe.say("Zoé")
    assert "Bienvenue dans « Buyers 2027 »" in zoe.text
    assert any(o.id.startswith("role:") for o in zoe.options)  # setup follows the joining


def test_declining_consent_stores_no_membership(coach: DialogueEngine, store: FakeStore) -> None:
    code = new_cohort(person(coach, "tom", "trainer"))
    ana = person(coach, "ana")
    ana.say(f"/join {code}")
    ana.press("No thanks")
    assert "nothing is shared" in ana.text
    assert not store.memberships


def test_a_wrong_a_rotated_and_a_revoked_code_get_the_same_refusal(coach: DialogueEngine) -> None:
    tom = person(coach, "tom", "trainer")
    old = new_cohort(tom)
    tom.press("New code")
    new = CODE.search(tom.text)
    assert new and new.group(0) != old
    ana = person(coach, "ana")
    ana.say("/join ABCDEFGHJKLM")
    unknown = ana.text
    ana.say(f"/join {old}")
    assert ana.text == unknown
    tom.press("Close invitations")
    assert "Invitations closed" in tom.text
    ana.say(f"/join {new.group(0)}")
    assert ana.text == unknown
    ana.say("/join not-a-code")
    assert ana.text == unknown


def test_a_code_revoked_while_someone_reads_the_consent_lets_nobody_in(
    coach: DialogueEngine, store: FakeStore
) -> None:
    tom = person(coach, "tom", "trainer")
    code = new_cohort(tom)
    ana = person(coach, "ana")
    ana.say(f"/join {code}")
    tom.press("Close invitations")
    ana.press("I accept")
    assert "isn't" in ana.text or "doesn't" in ana.text or "earlier step" in ana.text
    assert not store.memberships


def test_the_whole_journey_assign_remind_complete_report_export_leave(
    coach: DialogueEngine, postman: ReminderService, clock: FakeClock, charts: FakeCharts
) -> None:
    tom = person(coach, "tom", "trainer")
    code = new_cohort(tom)
    trainees = {name: person(coach, name) for name in ("ana", "ben", "cyd")}
    for name, driver in trainees.items():
        join(driver, code, name.title())
    joined = postman.claim_due("test")  # the trainer hears of each arrival, once
    assert [item.external_id for item in joined] == ["tom"] * 3
    assert (
        "Cyd joined «Buyers 2027» and shares with you (3 trainees now)" in joined[2].replies[0].text
    )
    tom.say("/trainer")
    tom.press("Buyers 2027")
    assert "3 trainees" in tom.text and "Ana, Ben, Cyd" in tom.text
    title = assign_to_all(tom)
    assert f"«{title}» given to 3 trainee(s)" in tom.text

    # Each trainee is told once, by whichever process claims the reminders.
    sent = postman.claim_due("test")
    assert sorted(item.external_id for item in sent) == ["ana", "ben", "cyd"]
    assert all(f"New exercise from Tom Trainer: «{title}»" in item.replies[0].text for item in sent)
    assert postman.claim_due("test") == []

    ana = trainees["ana"]
    ana.say("/exercises")
    assert title in ana.text
    ana.press("Done")
    assert "not what you write here" in ana.text
    ana.say("I paused before answering the angry email; it went better.")
    ana.press("4")
    assert "Marked as done" in ana.text
    ana.say("/exercises")
    assert "No exercise waiting" in ana.text

    # A day before the due date, only those who have not done it are nudged.
    clock.advance(days=6, hours=1)
    nudged = postman.claim_due("test")
    assert sorted(item.external_id for item in nudged) == ["ben", "cyd"]
    assert "is due soon" in nudged[0].replies[0].text

    # Report: fewer than three results shows no averages and no chart.
    clock.advance(days=1)  # past the due date
    for driver, value in ((ana, 4), (trainees["ben"], 2)):
        quick_check(driver, value)
    charts.drawn.clear()
    tom.say("/trainer")
    tom.press("Buyers 2027")
    tom.press("Report")
    assert "2 have a self-check result" in tom.text and "from 3 trainees" in tom.text
    assert all(reply.image is None for reply in tom.last)
    quick_check(trainees["cyd"], 3)
    tom.say("/trainer")
    tom.press("Buyers 2027")
    tom.press("Report")
    assert "Average per register" in tom.text
    assert "Exercises: 1 of 3 done (33 %)" in tom.text
    assert "Overdue: Ben" in tom.text and "Cyd" in tom.text
    image = next(reply.image for reply in tom.last if reply.image is not None)
    assert image.png == b"bars"

    # Export: one row per consenting trainee.
    tom.press("Back to the cohort")
    tom.press("Export")
    attachment = next(reply.attachment for reply in tom.last if reply.attachment is not None)
    rows = list(csv.DictReader(io.StringIO(attachment.data.decode("utf-8"))))
    assert [row["trainee"] for row in rows] == ["Ana", "Ben", "Cyd"]
    assert rows[0]["exercises_done"] == "1" and rows[1]["exercises_done"] == "0"
    assert rows[0]["temperance"].isdigit()

    # Leaving ends the sharing and the reminders.
    ben = trainees["ben"]
    ben.say("/leave")
    ben.press("Buyers 2027")
    assert "You've left" in ben.text
    tom.say("/export")
    attachment = next(reply.attachment for reply in tom.last if reply.attachment is not None)
    assert b"Ben" not in attachment.data
    clock.advance(days=2)
    assert all(item.external_id != "ben" for item in postman.claim_due("test"))


def test_nobody_sees_or_changes_another_trainers_cohort(
    coach: DialogueEngine, store: FakeStore
) -> None:
    tom = person(coach, "tom", "trainer")
    code = new_cohort(tom)
    toms = cohort_id(tom)
    for name in ("ana", "ben", "cyd"):
        join(person(coach, name), code, name.title())
    eve = person(coach, "eve", "trainer")
    new_cohort(eve, "Eve's group")
    intruders = [eve, ChatDriver(coach, user="ana")]
    for intruder in intruders:
        for verb in ("coh", "corep", "coexp", "corot", "corev", "coasg"):
            replies = coach.handle("test", intruder.user, Choice(f"{verb}:{toms}"))
            text = "\n".join(reply.text for reply in replies)
            assert "Ana" not in text and code not in text
            assert all(reply.attachment is None and reply.image is None for reply in replies)
    assert store.cohorts[toms].code == code  # not rotated nor revoked
    assert not store.assignments


def test_a_trainee_who_left_cannot_use_the_cohorts_exercise_buttons(
    coach: DialogueEngine, store: FakeStore
) -> None:
    one_trainee_with_an_exercise(coach)
    ana = ChatDriver(coach, user="ana")
    assignment_id = next(iter(store.assignments))
    ana.say("/leave")
    ana.press("Buyers 2027")
    for verb in ("exo", "exdone", "exlater"):
        replies = coach.handle("test", "ana", Choice(f"{verb}:{assignment_id}"))
        assert replies[0].kind == "stale"
    assert not store.completions


def test_the_trainer_list_in_settings_limits_who_may_train(
    content: Content, clock: FakeClock, store: FakeStore, card_index: FakeCardIndex
) -> None:
    coach = DialogueEngine(
        lambda: FakeUnitOfWork(store),
        content,
        clock,
        cards=card_index,
        trainer_allowlist=frozenset({"test:tom"}),
    )
    ana = person(coach, "ana")
    ana.say("/trainer")
    assert "limited to the trainers" in ana.text
    assert not store.trainer_names
    tom = person(coach, "tom", "trainer")
    tom.say("/trainer")
    assert "what name should your trainees see" in tom.text.casefold()


def test_a_personal_weekly_exercise_comes_back_after_a_week(
    coach: DialogueEngine, postman: ReminderService, clock: FakeClock
) -> None:
    ana = person(coach, "ana")
    ana.say("/exercises")
    ana.press("Choose this week's exercise")
    assert "quick check first" in ana.text
    quick_check(ana, 2)
    ana.say("/exercises")
    ana.press("Choose this week's exercise")
    assert "Exercises for your focus" in ana.text
    ana.press(ana.options[0].id)
    assert "This week's exercise" in ana.text
    assert postman.claim_due("test") == []
    clock.advance(days=7, minutes=1)
    [review] = postman.claim_due("test")
    assert "A week with" in review.replies[0].text


def test_the_weekly_check_reminder_repeats_once_a_week_until_turned_off(
    coach: DialogueEngine, postman: ReminderService, clock: FakeClock
) -> None:
    ana = person(coach, "ana")
    ana.say("/exercises")
    ana.press("Weekly check reminder: turn on")
    for _ in range(2):
        clock.advance(days=7, minutes=1)
        [nudge] = postman.claim_due("test")
        assert "A week has gone by" in nudge.replies[0].text
        assert postman.claim_due("test") == []
    ana.say("/exercises")
    ana.press("Weekly check reminder: turn off")
    clock.advance(days=8)
    assert postman.claim_due("test") == []


def test_a_terminal_user_sees_due_reminders_when_coming_back(
    coach: DialogueEngine, clock: FakeClock
) -> None:
    title = one_trainee_with_an_exercise(coach)
    ana = ChatDriver(coach, user="ana")
    clock.advance(hours=2)
    ana.start()
    assert f"New exercise from Tom Trainer: «{title}»" in ana.text
    ana.start()
    assert "New exercise" not in ana.text  # shown once


def test_results_and_progress_come_with_charts(coach: DialogueEngine, charts: FakeCharts) -> None:
    ana = person(coach, "ana")
    quick_check(ana, 4)
    radar = [reply.image for reply in ana.last if reply.image is not None]
    assert [image.filename for image in radar] == ["registers.png"]
    assert radar[0].png == b"radar"
    quick_check(ana, 2)
    ana.say("/progress")
    images = [reply.image for reply in ana.last if reply.image is not None]
    assert [image.filename for image in images] == ["registers.png", "progress.png"]
    charts.drawn.clear()
    assert [image.png for image in images] == [b"radar", b"lines"]  # drawn when sent
    drawn_radar = charts.drawn[0]
    assert drawn_radar.previous is not None  # the earlier result, faded behind
    assert drawn_radar.labels[0] == "Altruism"


def test_exercise_cards_offered_to_a_trainer_are_exercises(
    coach: DialogueEngine, all_cards: list[Card]
) -> None:
    tom = person(coach, "tom", "trainer")
    new_cohort(tom)
    tom.press("Give an exercise")
    tom.say("difficult phone call with an angry supplier")
    kinds = {card.id: card.kind for card in all_cards}
    offered = [o.id.split(":", 1)[1] for o in tom.options if o.id.startswith("asgcard:")]
    assert offered and all(kinds[card_id] == "exercise" for card_id in offered)
