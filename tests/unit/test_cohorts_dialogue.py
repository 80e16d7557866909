"""Trainers and trainees through the dialogue engine: cohorts, consent, exercises, reminders.

Assertions are on stored state, option values and text keys, not on wording: where the values
a reply shows matter (counts, names), it is compared with the catalogue's text for its key.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from bot.domain.cards import Card
from bot.domain.cohorts import CODE_LENGTH, Cohort
from bot.domain.content import Content
from bot.domain.dialogue import Choice, Reply, ReplyKind, Start, Text
from bot.domain.framework import Language
from bot.services.cohorts.nudges import ReminderService
from bot.services.conversation.options import (
    AcceptJoin,
    Answer,
    AssignCard,
    AssignDue,
    AssignExercise,
    AssignRegister,
    AssignTo,
    AssignWithoutNote,
    CohortExport,
    CohortReport,
    DeclineJoin,
    ExerciseDone,
    ExerciseLater,
    LeaveCohort,
    NewCohort,
    OpenExercise,
    PickWeekly,
    RateExercise,
    RevokeCode,
    RoleChoice,
    RotateCode,
    ShowCohort,
    StartWeekly,
    WeeklyCheck,
)
from bot.services.conversation.protocol import Flow, OptionValue, decode
from bot.services.conversation.steps import CohortStep
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeCharts, FakeClock, FakeStore, FakeUnitOfWork


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


def tap(driver: ChatDriver, value: OptionValue) -> None:
    """Press an option that is offered on screen."""
    assert value in driver.values, f"{value!r} is not offered: {[v.id for v in driver.values]}"
    driver.choose(value)


def said(content: Content, key: str, language: Language = "en", **values: object) -> str:
    """The catalogue's text for a key, with its values filled in."""
    return content.messages.text(language, key, **values)


def keyed(replies: list[Reply], key: str) -> Reply:
    """The reply worded from a key."""
    found = next((reply for reply in replies if reply.key == key), None)
    assert found is not None, f"no {key!r} among {[reply.key for reply in replies]}"
    return found


def options_of(reply: Reply) -> list[OptionValue | None]:
    """The typed values of one reply's options."""
    return [decode(option.id) for option in reply.options]


def user_id(store: FakeStore, name: str) -> int:
    """The stored id of a user of the test channel."""
    found = next(u.id for u in store.users.values() if u.external_id == name)
    assert found is not None
    return found


def new_cohort(trainer: ChatDriver, store: FakeStore, name: str = "Buyers 2027") -> Cohort:
    """Create a cohort from scratch (naming the trainer first if needed) and return it."""
    trainer.say("/trainer")
    if trainer.flow is Flow.TRAINER_NAME:
        trainer.say(f"{trainer.user.title()} Trainer")
    tap(trainer, NewCohort())
    trainer.say(name)
    assert "cohort_created" in trainer.keys and trainer.flow is Flow.COHORT
    step = trainer.conversation.data
    assert isinstance(step, CohortStep)
    cohort = store.cohorts[step.cohort]
    assert cohort.name == name and cohort.code is not None
    assert cohort.code in trainer.text  # the invitation shows the code to share
    return cohort


def join(driver: ChatDriver, store: FakeStore, cohort_id: int, name: str) -> None:
    """Join with the cohort's current code, accept, and give a name."""
    driver.say(f"/join {store.cohorts[cohort_id].code}")
    tap(driver, AcceptJoin(cohort_id))
    driver.say(name)
    assert "join_done" in driver.keys


def quick_check(driver: ChatDriver, value: int) -> None:
    """Answer the whole quick check with one value."""
    driver.say("/check")
    while driver.offered(Answer):
        driver.answer(value)


def assign_to_all(trainer: ChatDriver, cohort_id: int, register: str = "temperance") -> str:
    """Give a register's first exercise to the whole cohort on screen, due in 7 days; its card."""
    tap(trainer, AssignExercise(cohort_id))
    tap(trainer, AssignRegister(register))
    card = trainer.offered(AssignCard)[0]
    tap(trainer, card)
    tap(trainer, AssignTo(0))
    tap(trainer, AssignDue(7))
    tap(trainer, AssignWithoutNote())
    assert "assign_done" in trainer.keys
    return card.card


def one_trainee_with_an_exercise(coach: DialogueEngine, store: FakeStore) -> tuple[int, str]:
    """Tom's cohort, Ana in it, and an exercise given to all; return the cohort and the card."""
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    assert cohort.id is not None
    join(person(coach, "ana"), store, cohort.id, "Ana")
    tom.say("/trainer")
    tap(tom, ShowCohort(cohort.id))
    return cohort.id, assign_to_all(tom, cohort.id)


def title_of(card_index: FakeCardIndex, card_id: str) -> str:
    """A card's English title (content, not a text of the coach)."""
    card = card_index.get(card_id)
    assert card is not None
    return card.en.title


def test_a_trainer_creates_a_cohort_and_gets_a_code_and_a_deep_link(
    coach: DialogueEngine, store: FakeStore
) -> None:
    tom = person(coach, "tom", "trainer")
    tom.say("/trainer")
    assert tom.keys == ["trainer_intro", "trainer_ask_name"] and tom.flow is Flow.TRAINER_NAME
    tom.say("Tom Martin, Acme Academy")
    assert "trainer_name_set" in tom.keys
    assert store.trainer_names == {user_id(store, "tom"): "Tom Martin, Acme Academy"}
    tap(tom, NewCohort())
    assert tom.flow is Flow.COHORT_NAME
    link = "https://t.me/coach_bot?start="
    replies = coach.handle("test", "tom", Text("Buyers 2027"), deep_link=link)
    assert [reply.key for reply in replies] == ["cohort_created", "cohort_title"]
    (cohort,) = store.cohorts.values()
    assert cohort.name == "Buyers 2027" and cohort.trainer_id == user_id(store, "tom")
    assert cohort.code is not None and len(cohort.code) == CODE_LENGTH
    assert f"{link}join_{cohort.code}" in "\n".join(reply.text for reply in replies)


def test_joining_asks_consent_naming_the_trainer_and_what_is_shared(
    coach: DialogueEngine, store: FakeStore, content: Content
) -> None:
    cohort = new_cohort(person(coach, "tom", "trainer"), store)
    assert cohort.id is not None
    ana = person(coach, "ana")
    ana.say(f"/join {cohort.code}")
    assert ana.keys == ["join_consent"] and ana.flow is Flow.JOIN_CONSENT
    consent = said(content, "join_consent", trainer="Tom Trainer", name="Buyers 2027")
    assert ana.last[0].text == consent
    assert ana.values == [AcceptJoin(cohort.id), DeclineJoin(cohort.id)]
    assert not store.memberships  # nothing is shared before the consent
    tap(ana, AcceptJoin(cohort.id))
    assert ana.keys == ["join_ask_name"] and ana.flow is Flow.JOIN_NAME
    ana.say("Ana")
    assert ana.keys[0] == "join_done"
    (membership,) = store.memberships.values()
    assert (membership.cohort_id, membership.user_id) == (cohort.id, user_id(store, "ana"))
    assert membership.display_name == "Ana" and membership.is_active


def test_a_deep_link_opens_the_consent_question_for_a_new_user(
    coach: DialogueEngine, store: FakeStore, content: Content
) -> None:
    cohort = new_cohort(person(coach, "tom", "trainer"), store)
    assert cohort.id is not None
    zoe = ChatDriver(coach, user="zoe")
    zoe.send(Start(language="fr", payload=f"join_{cohort.code}", language_is_hint=True))
    assert zoe.keys == ["welcome", "join_consent"]
    consent = said(content, "join_consent", "fr", trainer="Tom Trainer", name="Buyers 2027")
    assert zoe.last[-1].text == consent  # in the language of the link's user
    tap(zoe, AcceptJoin(cohort.id))
    zoe.say("Zoé")
    assert zoe.keys[0] == "join_done"
    assert keyed(zoe.last, "join_done").text == said(
        content, "join_done", "fr", name="Buyers 2027", trainer="Tom Trainer"
    )
    (membership,) = store.memberships.values()
    assert membership.display_name == "Zoé" and membership.cohort_id == cohort.id
    assert zoe.offered(RoleChoice) and zoe.flow is Flow.ROLE  # setup follows the joining


def test_declining_consent_stores_no_membership(coach: DialogueEngine, store: FakeStore) -> None:
    cohort = new_cohort(person(coach, "tom", "trainer"), store)
    assert cohort.id is not None
    ana = person(coach, "ana")
    ana.say(f"/join {cohort.code}")
    tap(ana, DeclineJoin(cohort.id))
    assert ana.keys[0] == "join_declined" and ana.flow is Flow.MENU
    assert not store.memberships


def test_a_wrong_a_rotated_and_a_revoked_code_get_the_same_refusal(
    coach: DialogueEngine, store: FakeStore
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    assert cohort.id is not None
    old = cohort.code
    tap(tom, RotateCode(cohort.id))
    assert tom.keys[0] == "cohort_rotated"
    new = store.cohorts[cohort.id].code
    assert new is not None and new != old and new in tom.text
    ana = person(coach, "ana")
    ana.say("/join ABCDEFGHJKLM")
    assert ana.keys == ["join_refused"]
    unknown = ana.text
    ana.say(f"/join {old}")
    assert ana.keys == ["join_refused"] and ana.text == unknown
    tap(tom, RevokeCode(cohort.id))
    assert tom.keys[0] == "cohort_revoked" and store.cohorts[cohort.id].code is None
    ana.say(f"/join {new}")
    assert ana.keys == ["join_refused"] and ana.text == unknown
    ana.say("/join not-a-code")
    assert ana.keys == ["join_refused"] and ana.text == unknown
    assert not store.memberships


def test_a_code_revoked_while_someone_reads_the_consent_lets_nobody_in(
    coach: DialogueEngine, store: FakeStore
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    assert cohort.id is not None
    ana = person(coach, "ana")
    ana.say(f"/join {cohort.code}")
    tap(tom, RevokeCode(cohort.id))
    tap(ana, AcceptJoin(cohort.id))
    assert ana.last[0].kind is ReplyKind.STALE or "join_refused" in ana.keys
    assert ana.flow is not Flow.JOIN_NAME
    assert not store.memberships


def test_the_whole_journey_assign_remind_complete_report_export_leave(
    coach: DialogueEngine,
    store: FakeStore,
    postman: ReminderService,
    clock: FakeClock,
    charts: FakeCharts,
    card_index: FakeCardIndex,
    content: Content,
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    cid = cohort.id
    assert cid is not None
    trainees = {name: person(coach, name) for name in ("ana", "ben", "cyd")}
    for name, driver in trainees.items():
        join(driver, store, cid, name.title())
    joined = postman.claim_due("test")  # the trainer hears of each arrival, once
    assert [item.external_id for item in joined] == ["tom"] * 3
    assert [item.replies[0].key for item in joined] == ["remind_joined"] * 3
    news = joined[2].replies[0]
    assert news.text == said(content, "remind_joined", name="Cyd", cohort="Buyers 2027", count=3)
    assert options_of(news) == [ShowCohort(cid)]
    tom.say("/trainer")
    tap(tom, ShowCohort(cid))
    glance = keyed(tom.last, "cohort_title")
    assert said(content, "cohort_title", name="Buyers 2027", count=3) in glance.text
    assert said(content, "cohort_trainees", names="Ana, Ben, Cyd") in glance.text
    card = assign_to_all(tom, cid)
    title = title_of(card_index, card)
    (assignment,) = store.assignments.values()
    assert assignment.id is not None and assignment.card_id == card
    assert (assignment.cohort_id, assignment.trainee_id, assignment.note) == (cid, None, "")
    assert assignment.due_at == clock.now() + timedelta(days=7)
    aid = assignment.id
    due = assignment.due_at.strftime("%Y-%m-%d")
    given = said(content, "assign_due_on", date=due)
    assert keyed(tom.last, "assign_done").text == said(
        content, "assign_done", title=title, count=3, due=given
    )

    # Each trainee is told once, by whichever process claims the reminders.
    sent = postman.claim_due("test")
    assert sorted(item.external_id for item in sent) == ["ana", "ben", "cyd"]
    for item in sent:
        told = item.replies[0]
        assert told.key == "remind_assigned" and "Tom Trainer" in told.text and title in told.text
        assert options_of(told) == [OpenExercise(aid), ExerciseDone(aid), ExerciseLater(aid)]
    assert postman.claim_due("test") == []

    ana = trainees["ana"]
    ana.say("/exercises")
    assert ana.keys == ["exercises_intro", "exercise_line", "weekly_intro"]
    assert title in keyed(ana.last, "exercise_line").text
    tap(ana, ExerciseDone(aid))
    assert ana.keys == ["reflect_ask", "reflect_private_trainer"] and ana.flow is Flow.REFLECT
    ana.say("I paused before answering the angry email; it went better.")
    assert ana.keys == ["rate_ask"] and ana.flow is Flow.RATE
    tap(ana, RateExercise(aid, 4))
    assert ana.keys[0] == "exercise_completed"
    completion = store.completions[(aid, user_id(store, "ana"))]
    assert completion.rating == 4 and completion.reflection.startswith("I paused before")
    ana.say("/exercises")
    assert ana.keys[0] == "exercises_none"

    # A day before the due date, only those who have not done it are nudged.
    clock.advance(days=6, hours=1)
    nudged = postman.claim_due("test")
    assert sorted(item.external_id for item in nudged) == ["ben", "cyd"]
    assert all(item.replies[0].key == "remind_due" for item in nudged)

    # Report: fewer than three results shows no averages and no chart.
    clock.advance(days=1)  # past the due date
    for driver, value in ((ana, 4), (trainees["ben"], 2)):
        quick_check(driver, value)
    charts.drawn.clear()
    tom.say("/trainer")
    tap(tom, ShowCohort(cid))
    tap(tom, CohortReport(cid))
    report = tom.last[0].text
    assert said(content, "report_counts", count=3, checked=2) in report
    assert said(content, "report_too_few", count=2) in report
    assert said(content, "report_averages_now") not in report
    assert all(reply.image is None for reply in tom.last)
    quick_check(trainees["cyd"], 3)
    tom.say("/trainer")
    tap(tom, ShowCohort(cid))
    tap(tom, CohortReport(cid))
    report = tom.last[0].text
    assert said(content, "report_averages_now") in report  # each has one result: no change yet
    assert said(content, "report_completion", done=1, given=3, rate=33) in report
    late = f"Ben ({title}, {due}); Cyd ({title}, {due})"
    assert said(content, "report_overdue", names=late) in report
    image = next(reply.image for reply in tom.last if reply.image is not None)
    assert image.png == b"bars"

    # Export: one row per consenting trainee.
    tap(tom, ShowCohort(cid))  # back to the cohort
    tap(tom, CohortExport(cid))
    exported = keyed(tom.last, "export_ready")
    assert exported.attachment is not None
    rows = list(csv.DictReader(io.StringIO(exported.attachment.data.decode("utf-8"))))
    assert [row["trainee"] for row in rows] == ["Ana", "Ben", "Cyd"]
    assert rows[0]["exercises_done"] == "1" and rows[1]["exercises_done"] == "0"
    # No one's scores alone: the consent promises averages only (from three people).
    assert not {"temperance", "altruism"} & set(rows[0])

    # Leaving ends the sharing and the reminders.
    ben = trainees["ben"]
    ben.say("/leave")
    assert ben.keys == ["leave_which"]
    tap(ben, LeaveCohort(cid))
    assert ben.keys == ["leave_done"]
    left = next(m for m in store.memberships.values() if m.user_id == user_id(store, "ben"))
    assert left.left_at is not None and not left.is_active
    tom.say("/export")
    attachment = next(reply.attachment for reply in tom.last if reply.attachment is not None)
    assert b"Ben" not in attachment.data
    clock.advance(days=2)
    assert all(item.external_id != "ben" for item in postman.claim_due("test"))


def test_nobody_sees_or_changes_another_trainers_cohort(
    coach: DialogueEngine, store: FakeStore
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    toms, code = cohort.id, cohort.code
    assert toms is not None and code is not None
    for name in ("ana", "ben", "cyd"):
        join(person(coach, name), store, toms, name.title())
    eve = person(coach, "eve", "trainer")
    new_cohort(eve, store, "Eve's group")
    forged = (ShowCohort, CohortReport, CohortExport, RotateCode, RevokeCode, AssignExercise)
    for intruder in ("eve", "ana"):
        for verb in forged:
            replies = coach.handle("test", intruder, Choice(verb(toms).id))
            text = "\n".join(reply.text for reply in replies)
            assert replies[0].kind is ReplyKind.STALE
            assert "Ana" not in text and code not in text
            assert all(reply.attachment is None and reply.image is None for reply in replies)
    assert store.cohorts[toms].code == code  # not rotated nor revoked
    assert not store.assignments


def test_a_trainee_who_left_cannot_use_the_cohorts_exercise_buttons(
    coach: DialogueEngine, store: FakeStore
) -> None:
    cohort_id, _ = one_trainee_with_an_exercise(coach, store)
    ana = ChatDriver(coach, user="ana")
    assignment_id = next(iter(store.assignments))
    ana.say("/leave")
    tap(ana, LeaveCohort(cohort_id))
    for value in (
        OpenExercise(assignment_id),
        ExerciseDone(assignment_id),
        ExerciseLater(assignment_id),
    ):
        replies = coach.handle("test", "ana", Choice(value.id))
        assert replies[0].kind is ReplyKind.STALE
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
    assert ana.keys == ["trainer_not_allowed"]
    assert not store.trainer_names
    tom = person(coach, "tom", "trainer")
    tom.say("/trainer")
    assert "trainer_ask_name" in tom.keys and tom.flow is Flow.TRAINER_NAME


def test_a_personal_weekly_exercise_comes_back_after_a_week(
    coach: DialogueEngine, store: FakeStore, postman: ReminderService, clock: FakeClock
) -> None:
    ana = person(coach, "ana")
    ana.say("/exercises")
    tap(ana, PickWeekly())
    assert ana.keys == ["weekly_needs_focus"]
    quick_check(ana, 2)
    ana.say("/exercises")
    tap(ana, PickWeekly())
    assert ana.keys == ["weekly_offer"]
    picked = ana.offered(StartWeekly)[0]
    tap(ana, picked)
    assert ana.keys[0] == "weekly_started"
    (assignment,) = store.assignments.values()
    assert assignment.card_id == picked.card and assignment.cohort_id is None
    assert assignment.trainee_id == user_id(store, "ana")
    assert assignment.due_at == clock.now() + timedelta(days=7)
    assert postman.claim_due("test") == []
    clock.advance(days=7, minutes=1)
    [review] = postman.claim_due("test")
    assert review.replies[0].key == "remind_weekly_exercise"
    assert assignment.id is not None
    assert options_of(review.replies[0]) == [ExerciseDone(assignment.id), PickWeekly()]


def test_the_weekly_check_reminder_repeats_once_a_week_until_turned_off(
    coach: DialogueEngine, postman: ReminderService, clock: FakeClock
) -> None:
    ana = person(coach, "ana")
    ana.say("/exercises")
    tap(ana, WeeklyCheck("on"))
    # The first reminder set says at what local time they come (once).
    assert ana.keys == ["weekly_check_set_on", "time_zone_notice"]
    for _ in range(2):
        clock.advance(days=7, minutes=1)
        [nudge] = postman.claim_due("test")
        assert nudge.replies[0].key == "remind_weekly_check"
        assert postman.claim_due("test") == []
    ana.say("/exercises")
    tap(ana, WeeklyCheck("off"))
    assert ana.keys == ["weekly_check_set_off"]
    clock.advance(days=8)
    assert postman.claim_due("test") == []


def test_a_terminal_user_sees_due_reminders_when_coming_back(
    coach: DialogueEngine, store: FakeStore, clock: FakeClock, card_index: FakeCardIndex
) -> None:
    _, card = one_trainee_with_an_exercise(coach, store)
    ana = ChatDriver(coach, user="ana")
    clock.advance(hours=2)
    ana.start()
    told = keyed(ana.last, "remind_assigned")
    assert "Tom Trainer" in told.text and title_of(card_index, card) in told.text
    ana.start()
    assert "remind_assigned" not in ana.keys  # shown once


def test_results_and_progress_come_with_charts(
    coach: DialogueEngine, charts: FakeCharts, content: Content
) -> None:
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
    assert drawn_radar.labels[0] == content.framework.registers[0].name.in_("en")


def test_exercise_cards_offered_to_a_trainer_are_exercises(
    coach: DialogueEngine, store: FakeStore, all_cards: list[Card]
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    assert cohort.id is not None
    tap(tom, AssignExercise(cohort.id))
    tom.say("difficult phone call with an angry supplier")
    kinds = {card.id: card.kind for card in all_cards}
    offered = [value.card for value in tom.offered(AssignCard)]
    assert offered and all(kinds[card_id] == "exercise" for card_id in offered)


# --- the trainer's promises kept (issue: coaching that fits the person) ------------------------


def test_each_join_notice_counts_the_trainees_at_that_join(
    coach: DialogueEngine, store: FakeStore, postman: ReminderService, content: Content
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    assert cohort.id is not None
    for name in ("ana", "ben", "cyd"):
        join(person(coach, name), store, cohort.id, name.title())
    notices = [item.replies[0].text for item in postman.claim_due("test")]
    assert notices == [
        said(content, "remind_joined", name="Ana", cohort="Buyers 2027", count=1),
        said(content, "remind_joined", name="Ben", cohort="Buyers 2027", count=2),
        said(content, "remind_joined", name="Cyd", cohort="Buyers 2027", count=3),
    ]
    assert notices[0] == said(content, "remind_joined__one", name="Ana", cohort="Buyers 2027")


def test_the_report_shows_ratings_and_says_when_nothing_changed_yet(
    coach: DialogueEngine, store: FakeStore, content: Content, clock: FakeClock
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    cid = cohort.id
    assert cid is not None
    trainees = [person(coach, name) for name in ("ana", "ben", "cyd")]
    for driver in trainees:
        join(driver, store, cid, driver.user.title())
        quick_check(driver, 3)
    tom.say("/trainer")
    tap(tom, ShowCohort(cid))
    assign_to_all(tom, cid)
    (assignment,) = store.assignments.values()
    assert assignment.id is not None
    for driver, rating in zip(trainees[:2], (4, 5), strict=True):
        driver.say("/exercises")
        tap(driver, ExerciseDone(assignment.id))
        driver.say("Tried it on a call")
        tap(driver, RateExercise(assignment.id, rating))
    tap(tom, CohortReport(cid))
    report = keyed(tom.last, "report_title").text
    assert said(content, "report_no_new_result") in report  # not "+0" on every line
    assert said(content, "report_rating", rating="4.5", count=2) in report
    clock.advance(days=7)
    quick_check(trainees[0], 5)
    tap(tom, ShowCohort(cid))
    tap(tom, CohortReport(cid))
    assert said(content, "report_no_new_result") not in keyed(tom.last, "report_title").text


def test_a_buyer_only_exercise_given_to_a_supplier_gets_a_warning(
    coach: DialogueEngine, store: FakeStore, card_index: FakeCardIndex
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    cid = cohort.id
    assert cid is not None
    join(person(coach, "sam", "supplier"), store, cid, "Sam")
    join(person(coach, "ana"), store, cid, "Ana")
    tom.say("/trainer")
    tap(tom, ShowCohort(cid))
    tap(tom, AssignExercise(cid))
    tap(tom, AssignRegister("prudence"))
    offered = [card_index.get(value.card) for value in tom.offered(AssignCard)]
    buyer_only = next(c for c in offered if c is not None and "supplier" not in c.audiences)
    tap(tom, AssignCard(buyer_only.id))
    tap(tom, AssignTo(user_id(store, "sam")))
    assert "assign_side_warning" in tom.keys and "assign_pick_due" in tom.keys
    # A supplier-side cohort is offered supplier exercises too.
    assert any(c is not None and "supplier" in c.audiences for c in offered)


def test_an_assignment_being_set_up_survives_a_restart(
    coach: DialogueEngine, store: FakeStore
) -> None:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    cid = cohort.id
    assert cid is not None
    tap(tom, AssignExercise(cid))
    tap(tom, AssignRegister("courage"))
    before = tom.offered(AssignCard)
    tom.start()  # the bot restarts and the trainer comes back
    assert tom.flow is Flow.ASSIGN and tom.offered(AssignCard) == before
