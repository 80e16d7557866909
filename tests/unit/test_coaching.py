"""Coaching that fits the person: the memory of the conversation, a preparation that starts from
it and reacts to weak answers, back and resume, a debrief whose lesson comes back next time.

Each test asserts stored state and card ids, not wording.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from bot.adapters.emotion.detector import EmotionDetector
from bot.domain.cards import Card
from bot.domain.charts import LineChart, RadarChart
from bot.domain.content import Content
from bot.domain.dialogue import User
from bot.domain.emotions import EmotionReading, SafetyConcern, SafetyLevel, SafetyReading
from bot.domain.framework import Language
from bot.domain.memory import MEMORY_HOURS
from bot.domain.preparation import SAY_MARKERS, SPOKEN_BY, TRAPS_OF, Preparation, card_lines
from bot.services.conversation.options import (
    DebriefLater,
    DebriefScore,
    DebriefStart,
    FocusChange,
    FocusOn,
    Mood,
    OpenCard,
    PrepareBack,
    PrepareFeeling,
    PrepareMeeting,
    PrepareSituation,
    PrepareSkip,
    WeeklyCheck,
)
from bot.services.conversation.protocol import Flow
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeCharts, FakeClock, FakeStore, FakeUnitOfWork

# The cue reader of the tests needs the words; the trained reader also reads "+12 %" alone.
FR_BUYER = (
    "mon fournisseur m'annonce une hausse de prix de +12 % sur la fonte, je le vois demain 10h"
)


def _person(engine: DialogueEngine, language: str, role: str, name: str = "ana") -> ChatDriver:
    chat = ChatDriver(engine, user=name)
    chat.start(language=language, role=role)
    return chat


def _preparation(store: FakeStore) -> Preparation:
    return max(store.preparations.values(), key=lambda p: p.id or 0)


def _shown_cards(chat: ChatDriver, store_cards: FakeCardIndex) -> list[Card]:
    found = [store_cards.get(value.card) for value in chat.offered(OpenCard)]
    return [card for card in found if card is not None]


# --- the memory of the conversation --------------------------------------------------------


def test_what_a_buyer_says_is_remembered_and_the_preparation_starts_from_it(
    engine: DialogueEngine, store: FakeStore, clock: FakeClock
) -> None:
    buyer = _person(engine, "fr", "buyer")
    buyer.say(FR_BUYER)
    memory = buyer.conversation.memory
    assert memory is not None
    assert memory.situation == "price-increase" and memory.figures == ("+12 %",)
    assert memory.counterpart == "supplier"
    assert memory.meeting_day == (clock.now() + timedelta(days=1)).date()
    assert memory.meeting_time == "10:00"
    buyer.say("/prepare")
    assert buyer.keys[0] == "prep_intro_known"
    preparation = _preparation(store)
    assert preparation.situation == "price-increase"
    assert preparation.answers["figures"] == "+12 %"
    assert preparation.answers["meeting_time"] == "10:00"
    assert FR_BUYER in preparation.answers["situation_note"]  # the first step's detail is kept
    assert preparation.next_step == "stakes"  # only what is not known is asked


def test_a_follow_up_question_is_searched_within_the_situation_told_before(
    engine: DialogueEngine, card_index: FakeCardIndex
) -> None:
    buyer = _person(engine, "fr", "buyer")
    buyer.say(FR_BUYER)
    card_index.hints.clear()
    buyer.say("et s'il me dit c'est à prendre ou à laisser ?")
    assert card_index.hints and all(
        "situation:price-increase" in hints for hints in card_index.hints
    )
    # The situation's cards come first, not whatever shares the most words.
    first = card_index.get(buyer.offered(OpenCard)[0].card)
    assert first is not None and "price-increase" in first.situations


def test_a_question_hours_later_is_not_held_to_the_old_situation(
    engine: DialogueEngine, card_index: FakeCardIndex, clock: FakeClock
) -> None:
    buyer = _person(engine, "fr", "buyer")
    buyer.say(FR_BUYER)
    question = "et s'il me dit c'est à prendre ou à laisser ?"
    buyer.say(question)
    assert any("situation" in facets for _, _, facets in card_index.searches[-2:])
    clock.advance(hours=3)
    card_index.searches.clear()
    buyer.say(question)
    assert card_index.searches and not any(
        "situation" in facets for _, _, facets in card_index.searches
    )


def test_the_memory_is_forgotten_after_its_retention(
    engine: DialogueEngine, store: FakeStore, clock: FakeClock
) -> None:
    buyer = _person(engine, "fr", "buyer")
    buyer.say(FR_BUYER)
    clock.advance(hours=MEMORY_HOURS + 1)
    buyer.say("merci")
    assert buyer.conversation.memory is None
    (user,) = [u for u in store.users.values() if u.state]
    assert "memory" not in user.state  # not stored any more either
    buyer.say("/prepare")
    assert _preparation(store).situation is None  # asked again, not guessed from old words


def test_flagged_text_is_never_remembered(engine: DialogueEngine, store: FakeStore) -> None:
    buyer = _person(engine, "fr", "buyer")
    buyer.say("je suis en burn-out, je n'en peux plus, la hausse de +12 % demain 10h")
    assert buyer.keys == ["safety_burnout"]
    assert all("12" not in repr(u.state) for u in store.users.values())


# --- the preparation coaches ---------------------------------------------------------------


def _say_lines(cards: list[Card], language: Language) -> set[str]:
    return {line for card in cards for line in card_lines(card, language, SAY_MARKERS)}


@pytest.mark.parametrize(("role", "other"), [("buyer", "supplier"), ("supplier", "buyer")])
def test_a_price_increase_preparation_holds_only_the_users_side(
    engine: DialogueEngine,
    store: FakeStore,
    all_cards: list[Card],
    card_index: FakeCardIndex,
    role: str,
    other: str,
) -> None:
    person = _person(engine, "en", role)
    person.say("/prepare")
    person.choose(PrepareSituation("price-increase"))
    person.say("Our margin on the 2027 range, and keeping a good partner")
    person.choose(PrepareFeeling("anxiety"))
    person.say("Visibility on volumes; they fear losing the contract")
    person.say("A second source qualified last year can take 30 % within two months")
    person.say("Thank them for the cost breakdown, then ask what changed")
    (reply,) = [r for r in person.last if r.attachment is not None]
    assert reply.attachment is not None
    sheet = reply.attachment.data.decode()
    others_only = [c for c in all_cards if other in c.audiences and role not in c.audiences]
    # ...and the lines of cards for both sides that only the other side would say.
    marked = {s for c in all_cards for s in card_lines(c, "en", SPOKEN_BY[other])}
    assert marked, "the cards mark the sentences only one side would say"
    marked |= {s for c in all_cards for s in card_lines(c, "en", TRAPS_OF[other])}
    for line in _say_lines(others_only, "en") | marked:
        assert line not in sheet, f"a {other}'s sentence in a {role}'s sheet: {line}"
    shown = {value.card for value in person.offered(OpenCard)}
    assert shown and all(role in c.audiences for c in all_cards if c.id in shown)
    assert _preparation(store).completed_at is not None
    # Every card the preparation looked for was looked for on the user's side only.
    assert card_index.searches and all("audience" in facets for *_, facets in card_index.searches)


def test_no_alternative_is_worked_on_first_and_no_opening_gets_one_for_the_side(
    engine: DialogueEngine, store: FakeStore, card_index: FakeCardIndex
) -> None:
    buyer = _person(engine, "en", "buyer")
    buyer.say("/prepare")
    buyer.choose(PrepareSituation("price-increase"))
    buyer.say("Keeping the supplier and our margin")
    buyer.choose(PrepareFeeling("stress"))
    buyer.say("They need cash for energy costs")
    buyer.say("I don't really have one")  # the walk-away alternative
    preparation = _preparation(store)
    card = card_index.get(preparation.answers["walkaway_card"])
    assert card is not None and "buyer" in card.audiences
    assert "prudence.anticipation" in card.competencies
    assert card.id in {value.card for value in buyer.offered(OpenCard)}
    assert preparation.next_step == "opening"  # then it moves on
    buyer.say("je sais pas trop")
    preparation = _preparation(store)
    assert preparation.answers["opening_proposed"]
    assert "prep_opening_proposed" in buyer.keys and preparation.completed_at is not None


def test_back_asks_the_previous_step_again_and_a_paused_preparation_resumes(
    engine: DialogueEngine, store: FakeStore
) -> None:
    buyer = _person(engine, "en", "buyer")
    buyer.say("/prepare")
    buyer.choose(PrepareSituation("late-delivery"))
    buyer.say("Keep the line running")
    (back,) = buyer.offered(PrepareBack)
    buyer.choose(back)
    assert _preparation(store).next_step == "stakes" and "stakes" not in _preparation(store).answers
    buyer.say("Keep the line running and the contract")
    buyer.say("/cancel")
    assert buyer.keys == ["prep_paused"] and buyer.flow is Flow.MENU
    buyer.say("/prepare")
    assert buyer.keys[0] == "prep_resumed" and len(store.preparations) == 1
    assert _preparation(store).answers["stakes"] == "Keep the line running and the contract"
    assert buyer.flow is Flow.PREPARE and _preparation(store).next_step == "feeling"


def test_a_vague_answer_in_a_step_is_an_answer_but_a_plain_distress_phrase_is_not(
    content: Content, clock: FakeClock, store: FakeStore, card_index: FakeCardIndex,
    cue_detector: EmotionDetector,
) -> None:  # fmt: skip
    flagged = _Flagging(cue_detector, {"I don't really have one", "I don't know anymore"})
    engine = DialogueEngine(
        lambda: FakeUnitOfWork(store), content, clock, cards=card_index, emotions=flagged
    )
    buyer = _person(engine, "en", "buyer")
    buyer.say("/prepare")
    buyer.choose(PrepareSituation("price-increase"))
    buyer.say("Keeping the supplier")
    buyer.choose(PrepareFeeling("stress"))
    buyer.say("They need cash")
    buyer.say("I don't really have one")  # flagged by the model alone: an answer here
    assert not store.safety_events and "walkaway" in _preparation(store).answers
    buyer.say("I don't know anymore")  # not only "I don't know": the check-in comes first
    assert store.safety_events and "opening" not in _preparation(store).answers
    buyer.say("/prepare")
    buyer.say("je n'en peux plus")  # a safety phrase: the hand-off, whatever the step
    assert buyer.keys == ["safety_burnout"]


class _Flagging:
    """The cue reader, with chosen texts flagged by "the model" (not a safety phrase)."""

    def __init__(
        self, inner: EmotionDetector, texts: set[str], level: SafetyLevel = SafetyLevel.CLEAR
    ) -> None:
        self._inner = inner
        self._texts = texts
        self._level = level

    def analyze(self, text: str, language: Language) -> EmotionReading:
        reading = self._inner.analyze(text, language)
        if text in self._texts:
            concern = SafetyReading(SafetyConcern.SELF_HARM, self._level, plain=False)
            return dataclasses.replace(reading, safety=concern)
        return reading

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def test_a_follow_up_question_with_a_faint_model_signal_is_answered_not_checked_in(
    content: Content, clock: FakeClock, store: FakeStore, card_index: FakeCardIndex,
    cue_detector: EmotionDetector,
) -> None:  # fmt: skip
    follow_up = "et s'il me dit c'est à prendre ou à laisser ?"
    flagged = _Flagging(cue_detector, {follow_up}, SafetyLevel.WEAK)
    engine = DialogueEngine(
        lambda: FakeUnitOfWork(store), content, clock, cards=card_index, emotions=flagged
    )
    buyer = _person(engine, "fr", "buyer")
    buyer.say(FR_BUYER)
    buyer.say(follow_up)  # right after describing the price increase: a question about it
    assert not store.safety_events and buyer.offered(OpenCard)
    stranger = _person(engine, "fr", "buyer", name="bea")
    stranger.say(follow_up)  # out of the blue, the faint signal gets the calm check-in
    assert "safety_check_in" in stranger.keys and len(store.safety_events) == 1


# --- the debrief -----------------------------------------------------------------------------


def _prepare_with(chat: ChatDriver, message: str) -> None:
    chat.say(message)
    chat.choose(PrepareMeeting("price-increase"))
    while chat.flow is Flow.PREPARE:
        if chat.offered(PrepareFeeling):
            chat.choose(PrepareFeeling("stress"))
        elif (
            chat.offered(PrepareSkip)
            and len(chat.offered(PrepareSkip)) == 1
            and "opening" in (chat.last[-1].key or "")
        ):
            chat.choose(PrepareSkip())
        else:
            chat.say("A clear answer for this step")


def test_the_debrief_is_one_question_on_return_and_words_typed_there_are_its_story(
    engine: DialogueEngine, store: FakeStore, clock: FakeClock
) -> None:
    buyer = _person(engine, "en", "buyer")
    _prepare_with(buyer, "My supplier Acme wants +9% from January, we meet on Thursday at 3pm")
    clock.advance(days=3)
    buyer.start()
    assert buyer.keys == ["welcome_back", "debrief_reminder"]  # no mood question with it
    assert buyer.flow is Flow.DEBRIEF_OFFER and not buyer.offered(Mood)
    buyer.say("they accepted 5% if we sign for two years")
    preparation = _preparation(store)
    assert preparation.debrief_notes["story"] == "they accepted 5% if we sign for two years"
    assert buyer.flow is Flow.DEBRIEF and buyer.keys[-1] == "debrief_question"
    assert preparation.id is not None
    buyer.choose(DebriefScore(preparation.id, 4))
    buyer.say("Asking about their energy costs first")
    buyer.say("Bring our own index data to the table")
    assert buyer.keys[0] == "debrief_lesson" and _preparation(store).debriefed_at is not None
    # The next preparation with Acme starts with that lesson.
    _prepare_with(buyer, "Acme again: my supplier Acme wants another +4%, meeting tomorrow")
    latest = _preparation(store)
    assert latest.id != preparation.id
    assert latest.answers["lesson"] == "Bring our own index data to the table"


def test_not_now_at_the_debrief_offer_leaves_it_for_later(
    engine: DialogueEngine, store: FakeStore, clock: FakeClock
) -> None:
    buyer = _person(engine, "en", "buyer")
    _prepare_with(buyer, "My supplier wants +9% from January, we meet tomorrow")
    clock.advance(days=2)
    buyer.start()
    buyer.choose(DebriefLater())
    assert buyer.flow is Flow.MENU and _preparation(store).debriefed_at is None
    buyer.say("/debrief")
    assert buyer.offered(DebriefScore) and not buyer.offered(DebriefStart)


# --- results and progress --------------------------------------------------------------------


def test_even_answers_name_no_strength_nor_area_and_let_the_user_choose(
    engine: DialogueEngine, store: FakeStore
) -> None:
    buyer = _person(engine, "en", "buyer")
    buyer.say("/check")
    for _ in range(10):
        buyer.answer(3)  # every competency scores the same
    assert "focus_tied" in buyer.keys and not buyer.offered(FocusOn)
    assert buyer.offered(FocusChange) and _user(store).focus is None


def test_a_focus_chosen_on_purpose_is_kept_after_a_new_result(
    engine: DialogueEngine, store: FakeStore, clock: FakeClock
) -> None:
    buyer = _person(engine, "en", "buyer")
    buyer.say("/check")
    for value in (1, 3, 3, 3, 3, 3, 3, 3, 3, 3):
        buyer.answer(value)
    (offered,) = buyer.offered(FocusOn)
    chosen = offered.competency  # taken on purpose
    buyer.choose(FocusOn(chosen))
    clock.advance(days=1)
    buyer.say("/check")
    for value in (3, 3, 3, 3, 3, 3, 3, 3, 3, 1):
        buyer.answer(value)
    assert "focus_kept" in buyer.keys and not buyer.offered(FocusOn)
    assert _user(store).focus == chosen


def test_progress_compares_quick_with_quick_and_calls_small_changes_stable(
    engine: DialogueEngine, clock: FakeClock, content: Content
) -> None:
    buyer = _person(engine, "en", "buyer")
    buyer.say("/check")
    for value in (1, 3, 3, 3, 3, 3, 3, 3, 3, 3):
        buyer.answer(value)
    clock.advance(days=1)
    buyer.say("/assess")
    while buyer.flow is Flow.ASSESSMENT:
        buyer.answer(5)
    clock.advance(days=1)
    buyer.say("/check")
    for value in (1, 3, 3, 3, 3, 3, 3, 3, 3, 3):
        buyer.answer(value)  # the same as the first quick check
    text = buyer.say("/progress")
    stable = content.messages.text("en", "change_stable")
    # Against the quick check two days ago (not the full assessment in between): no change.
    assert text.count(stable) >= 5 and "↑" not in text and "↓" not in text


def _user(store: FakeStore) -> User:
    (user,) = [u for u in store.users.values() if u.state]
    return user


# --- reminders at the user's local time ------------------------------------------------------


def test_a_time_zone_is_guessed_said_once_and_changeable(
    engine: DialogueEngine, store: FakeStore
) -> None:
    buyer = _person(engine, "fr", "buyer")
    buyer.say("/timezone")
    assert buyer.keys == ["time_zone_guessed"] and buyer.flow is Flow.TIME_ZONE
    buyer.say("Montréal")
    assert _user(store).time_zone == "America/Montreal"
    buyer.say("/fuseau")
    buyer.say("UTC+2")
    assert _user(store).time_zone == "Etc/GMT-2"
    buyer.say("/timezone")
    buyer.say("Atlantis")
    assert "time_zone_unknown" in buyer.keys and _user(store).time_zone == "Etc/GMT-2"


def test_tomorrow_and_reminders_follow_the_users_time_zone(
    engine: DialogueEngine, store: FakeStore, clock: FakeClock
) -> None:
    clock.current = clock.current.replace(hour=23, minute=30)  # 23:30 UTC, Monday 2 November
    buyer = _person(engine, "en", "buyer")
    buyer.say("/timezone")
    buyer.say("Singapore")  # already Tuesday 07:30 there
    buyer.say("my supplier announces a price increase, we meet tomorrow at 10")
    memory = buyer.conversation.memory
    assert memory is not None and memory.meeting_day is not None
    assert memory.meeting_day.isoformat() == "2026-11-04"  # Singapore's tomorrow
    buyer.say("/exercises")
    buyer.choose(WeeklyCheck("on"))
    (reminder,) = store.reminders.values()
    # A week later, 9:00 in Singapore is 01:00 UTC.
    assert reminder.due_at.isoformat() == "2026-11-10T01:00:00+00:00"


def test_charts_compare_like_with_like_and_label_each_result_distinctly(
    content: Content, clock: FakeClock, store: FakeStore, card_index: FakeCardIndex
) -> None:
    charts = FakeCharts()
    engine = DialogueEngine(
        lambda: FakeUnitOfWork(store), content, clock, cards=card_index, charts=charts
    )
    buyer = _person(engine, "en", "buyer")
    for answers in ((1, 3, 3, 3, 3, 3, 3, 3, 3, 3), (3, 1, 3, 3, 3, 3, 3, 3, 3, 3)):
        buyer.say("/check")
        for value in answers:
            buyer.answer(value)
        clock.advance(minutes=20)  # three results on one day
    buyer.say("/assess")
    while buyer.flow is Flow.ASSESSMENT:
        buyer.answer(4)
    buyer.say("/check")
    for value in (3, 3, 1, 3, 3, 3, 3, 3, 3, 3):
        buyer.answer(value)
    charts.drawn.clear()
    buyer.say("/progress")
    assert all(reply.image.png for reply in buyer.last if reply.image is not None)  # drawn
    (lines,) = [c for c in charts.drawn if isinstance(c, LineChart)]
    assert len(lines.x_labels) == 3  # the three quick checks, not the full assessment
    assert len(set(lines.x_labels)) == 3  # same day: told apart by their time
    (radar,) = [c for c in charts.drawn if isinstance(c, RadarChart)]
    assert radar.previous is not None and radar.previous.name != radar.current.name


def test_words_typed_at_the_mood_question_answer_it_and_a_story_is_answered(
    engine: DialogueEngine, store: FakeStore, clock: FakeClock
) -> None:
    buyer = _person(engine, "fr", "buyer")
    clock.advance(days=1)
    buyer.start()
    assert buyer.flow is Flow.MOOD
    buyer.say("bof")  # a word, not a number: still the answer to what was asked
    assert [m.score for m in store.moods] == [3]
    clock.advance(days=1)
    buyer.start()
    buyer.say("mon fournisseur m'annonce une hausse de prix et je le vois demain")
    assert len(store.moods) == 1 and buyer.flow is not Flow.MOOD  # a story: answered as one
    assert buyer.conversation.memory is not None


def test_distress_typed_at_the_new_questions_gets_the_hand_off_and_is_stored_nowhere(
    engine: DialogueEngine, store: FakeStore, clock: FakeClock
) -> None:
    distress = "je suis en burn-out, je n'en peux plus"
    buyer = _person(engine, "fr", "buyer")
    buyer.say("/timezone")
    buyer.say(distress)
    assert buyer.keys == ["safety_burnout"] and _user(store).time_zone is None
    clock.advance(days=1)
    buyer.start()
    assert buyer.flow is Flow.MOOD
    buyer.say(distress)
    assert buyer.keys == ["safety_burnout"] and not store.moods
    _prepare_with(buyer, "mon fournisseur veut une hausse de prix, je le vois demain")
    clock.advance(days=2)
    buyer.start()
    assert buyer.flow is Flow.DEBRIEF_OFFER
    buyer.say(distress)
    assert buyer.keys == ["safety_burnout"]
    assert "story" not in _preparation(store).debrief_notes
    assert distress not in repr(store)
