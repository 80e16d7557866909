"""Safety runs on every text a person types, in every flow and step, before anything else.

The reader here is a fake: it flags a marked message, so that each test proves the path (the
hand-off comes first, the text is stored nowhere), not the reader's judgement, measured elsewhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from bot.adapters.emotion.detector import EmotionDetector
from bot.domain.content import Content
from bot.domain.emotions import EmotionReading, SafetyConcern, SafetyLevel, SafetyReading
from bot.domain.framework import Language
from bot.services.conversation.options import (
    AcceptJoin,
    CheckInFine,
    DebriefScore,
    ExerciseDone,
    NewCohort,
    PrepareFeeling,
    PrepareMeeting,
    PrepareSituation,
    SafetyHelp,
    ShowCohort,
)
from bot.services.conversation.protocol import Flow
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeClock, FakeStore, FakeUnitOfWork
from tests.unit.test_cohorts_dialogue import assign_to_all, join, new_cohort, person, tap

CLEAR = "honestly I keep thinking everyone would be better off without me"
WEAK = "so tired of everything lately"


class FlaggingReader:
    """The cues' reading, with a concern for the two marked messages (a fake reader)."""

    def __init__(self, cues: EmotionDetector) -> None:
        self._cues = cues
        self.read: list[str] = []

    def analyze(self, text: str, default_language: Language = "en") -> EmotionReading:
        """Read as the cues do; the marked messages carry a clear or a weak concern."""
        self.read.append(text)
        reading = self._cues.analyze(text, default_language)
        level = {CLEAR: SafetyLevel.CLEAR, WEAK: SafetyLevel.WEAK}.get(text)
        if level is None:
            return dataclasses.replace(reading, safety=None)
        concern = SafetyConcern.SELF_HARM if level is SafetyLevel.CLEAR else SafetyConcern.BURNOUT
        return dataclasses.replace(reading, safety=SafetyReading(concern, level))


@pytest.fixture
def reader(cue_detector: EmotionDetector) -> FlaggingReader:
    """The fake reader every engine of this module uses."""
    return FlaggingReader(cue_detector)


@pytest.fixture
def coach(
    content: Content,
    clock: FakeClock,
    store: FakeStore,
    card_index: FakeCardIndex,
    reader: FlaggingReader,
) -> DialogueEngine:
    """An engine reading with the fake reader, on the in-memory database."""
    return DialogueEngine(
        lambda: FakeUnitOfWork(store), content, clock, cards=card_index, emotions=reader
    )


def _handed_off(driver: ChatDriver, store: FakeStore, message: str = CLEAR) -> None:
    """The message got the hand-off alone, only the fact is stored, and the step waits."""
    expected = "safety_self_harm" if message == CLEAR else "safety_check_in"
    assert driver.keys == [expected]
    # No cards: the person first. A check-in only asks which it is: work, or who can help.
    check_in = {CheckInFine, PrepareMeeting, SafetyHelp}
    assert all(type(value) in check_in for value in driver.values)
    assert bool(driver.values) is (message == WEAK)
    assert message not in repr(store)  # neither an answer, a note nor the conversation state
    assert driver.flow in (Flow.MENU, Flow.LANGUAGE, Flow.ROLE)


def _at_prepare_step(driver: ChatDriver, step: int) -> None:
    """Walk a preparation up to the step that waits for typed text (2, 4, 5 or 6 of 6)."""
    driver.say("/prepare")
    driver.choose(PrepareSituation("price-increase"))
    if step == 2:
        return
    driver.say("Keep the 2027 prices")
    driver.choose(PrepareFeeling("anxiety"))
    for answer in ("They fear losing the volume", "A second source in March")[: step - 4]:
        driver.say(answer)


def test_the_first_message_of_a_new_person_gets_the_hand_off_before_any_setup(
    coach: DialogueEngine, store: FakeStore
) -> None:
    newcomer = ChatDriver(coach, user="new")
    newcomer.say(CLEAR)
    _handed_off(newcomer, store)


@pytest.mark.parametrize("typed", [f"/ask {CLEAR}", CLEAR, f"/debrief {CLEAR}"])
def test_a_question_from_the_menu_or_after_a_command_gets_the_hand_off(
    coach: DialogueEngine, store: FakeStore, typed: str
) -> None:
    ana = person(coach, "ana")
    ana.say(typed)
    _handed_off(ana, store)


@pytest.mark.parametrize("step", [2, 4, 5, 6])
def test_every_typed_step_of_a_preparation_hands_off_and_drops_the_answer(
    coach: DialogueEngine, store: FakeStore, step: int
) -> None:
    ana = person(coach, "ana")
    _at_prepare_step(ana, step)
    assert ana.flow is Flow.PREPARE
    ana.say(CLEAR)
    _handed_off(ana, store)
    (preparation,) = store.preparations.values()
    assert preparation.completed_at is None  # the preparation waits, without the message


def test_a_message_typed_instead_of_an_answer_during_a_check_hands_off(
    coach: DialogueEngine, store: FakeStore
) -> None:
    ana = person(coach, "ana")
    ana.say("/check")
    ana.answer(4)
    ana.say(CLEAR)
    _handed_off(ana, store)
    (session,) = store.sessions.values()
    assert len(session.answers) == 1  # the answer given before stays, nothing was added


@pytest.mark.parametrize("note", [1, 2])
def test_each_debrief_note_hands_off(coach: DialogueEngine, store: FakeStore, note: int) -> None:
    ana = person(coach, "ana")
    _at_prepare_step(ana, 6)
    ana.say("We open with the shared goal")
    ana.say("/debrief")
    (preparation,) = store.preparations.values()
    assert preparation.id is not None
    ana.choose(DebriefScore(preparation.id, 1))
    if note == 2:
        ana.say("Opening with the shared goal helped")
    assert ana.flow is Flow.DEBRIEF
    ana.say(CLEAR)
    _handed_off(ana, store)


def test_a_weak_signal_gets_a_calm_check_in_question_not_the_cards(
    coach: DialogueEngine, store: FakeStore
) -> None:
    ana = person(coach, "ana")
    ana.say(WEAK)
    _handed_off(ana, store, WEAK)
    assert [category for _, category, _ in store.safety_events] == ["burnout"]
    assert ana.offered(SafetyHelp) == [SafetyHelp("burnout")]
    ana.choose(SafetyHelp("burnout"))
    assert ana.keys == ["safety_burnout"]  # who can help, when the person asks


def test_after_a_check_in_it_was_only_work_and_the_coaching_goes_on(
    coach: DialogueEngine, store: FakeStore
) -> None:
    ana = person(coach, "ana")
    ana.say(WEAK)
    ana.choose(CheckInFine())
    assert ana.keys[0] == "check_in_ok" and ana.flow is Flow.MENU
    ana.choose(SafetyHelp("not-a-category"))  # a forged press changes nothing
    assert ana.keys[0] == "stale_option"


def _trainer_naming(coach: DialogueEngine, store: FakeStore) -> ChatDriver:
    tom = person(coach, "tom", "trainer")
    tom.say("/trainer")
    assert tom.flow is Flow.TRAINER_NAME
    return tom


def _cohort_naming(coach: DialogueEngine, store: FakeStore) -> ChatDriver:
    tom = person(coach, "tom", "trainer")
    tom.say("/trainer")
    tom.say("Tom Trainer")
    tap(tom, NewCohort())
    assert tom.flow is Flow.COHORT_NAME
    return tom


def _trainee_naming(coach: DialogueEngine, store: FakeStore) -> ChatDriver:
    cohort = new_cohort(person(coach, "tom", "trainer"), store)
    assert cohort.id is not None
    ana = person(coach, "ana")
    ana.say(f"/join {cohort.code}")
    tap(ana, AcceptJoin(cohort.id))
    assert ana.flow is Flow.JOIN_NAME
    return ana


def _reflecting(coach: DialogueEngine, store: FakeStore) -> ChatDriver:
    tom = person(coach, "tom", "trainer")
    cohort = new_cohort(tom, store)
    assert cohort.id is not None
    ana = person(coach, "ana")
    join(ana, store, cohort.id, "Ana")
    tom.say("/trainer")
    tap(tom, ShowCohort(cohort.id))
    assign_to_all(tom, cohort.id)
    (assignment,) = store.assignments.values()
    assert assignment.id is not None
    ana.choose(ExerciseDone(assignment.id))
    assert ana.flow is Flow.REFLECT
    return ana


@pytest.mark.parametrize("arrive", [_trainer_naming, _cohort_naming, _trainee_naming, _reflecting])
def test_every_typed_step_of_the_cohorts_hands_off(
    coach: DialogueEngine,
    store: FakeStore,
    arrive: Callable[[DialogueEngine, FakeStore], ChatDriver],
) -> None:
    driver = arrive(coach, store)
    driver.say(CLEAR)
    _handed_off(driver, store)


def test_the_reader_sees_every_typed_text_before_the_step_does(
    coach: DialogueEngine, store: FakeStore, reader: FlaggingReader
) -> None:
    ana = person(coach, "ana")
    _at_prepare_step(ana, 5)
    assert "They fear losing the volume" in reader.read  # a step's answer was read first
