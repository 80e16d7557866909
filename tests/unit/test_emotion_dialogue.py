"""Emotion-aware conversations: the person before the substance, safety, moods, preparing a meeting.

Assertions are on stored state, option values and text keys, not on wording: where the language
or the values of a reply matter, it is compared with the catalogue's text for its key.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.content import Content
from bot.domain.dialogue import Layout, Reply, ReplyKind
from bot.domain.framework import Language
from bot.services.conversation.options import (
    DebriefScore,
    DebriefStart,
    Mood,
    OpenCard,
    PrepareFeeling,
    PrepareMeeting,
    PrepareSituation,
    PrepareSkip,
)
from bot.services.conversation.protocol import Flow
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeClock, FakeStore


@pytest.fixture
def buyer(chat: ChatDriver) -> ChatDriver:
    """A buyer who already chose English."""
    chat.start(language="en", role="buyer")
    return chat


def _card_ids(chat: ChatDriver) -> list[str]:
    return [value.card for value in chat.offered(OpenCard)]


def _step(chat: ChatDriver) -> tuple[int, int]:
    """The step of the preparation on screen: (number, total)."""
    question = next(reply for reply in chat.last if reply.progress is not None)
    assert question.progress is not None
    return question.progress.number, question.progress.total


def _reply(chat: ChatDriver, key: str) -> Reply:
    return next(reply for reply in chat.last if reply.key == key)


def _text(content: Content, language: Language, key: str, **values: object) -> str:
    return content.messages.text(language, key, **values)


def test_an_angry_message_is_acknowledged_before_the_substance(
    buyer: ChatDriver, card_index: FakeCardIndex, content: Content
) -> None:
    buyer.say("Third late delivery this month, I'm furious!!!")
    keys = buyer.keys
    assert keys[:3] == ["ack_anger", "technique_intro", "card_preview"]
    # High intensity: the acknowledgement adds a moment to breathe.
    high = f"{_text(content, 'en', 'ack_anger')} {_text(content, 'en', 'ack_high')}"
    assert buyer.last[0].text == high
    technique = card_index.get(_card_ids(buyer)[0])
    assert (
        technique is not None
        and technique.kind == "emotion-technique"
        and "anger" in technique.emotions
    )
    assert keys[3] == "substance_intro"
    substance = [card_index.get(card_id) for card_id in _card_ids(buyer)[1:]]
    assert substance and all(c is not None and "late-delivery" in c.situations for c in substance)
    assert buyer.flow is Flow.CARDS


def test_the_acknowledgement_names_the_emotion_tentatively_without_diagnosing(
    buyer: ChatDriver, content: Content
) -> None:
    buyer.say("je stresse, trop de dossiers en même temps et la négo arrive")
    assert buyer.keys[0].startswith("ack_")
    buyer.say("/language fr")
    buyer.say("j'ai la boule au ventre avant la réunion")
    assert buyer.keys[0] == "ack_anxiety"
    assert buyer.last[0].text.startswith(_text(content, "fr", "ack_anxiety"))


def test_a_factual_question_goes_straight_to_the_substance(buyer: ChatDriver) -> None:
    buyer.say("how do I run a fair tender with three bidders?")
    assert buyer.keys[0] == "cards_intro"
    assert not any(key.startswith("ack_") for key in buyer.keys)


def test_low_intensity_goes_straight_to_the_substance(buyer: ChatDriver) -> None:
    buyer.say("a bit annoyed about the late delivery, what should I check?")
    assert buyer.keys[0] == "cards_intro"


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("honestly I want to end it all, nothing makes sense", "self_harm"),
        ("je suis en burn-out, je n'en peux plus", "burnout"),
        ("my manager humiliates me in front of suppliers, it's harassment", "harassment"),
    ],
)
def test_distress_gets_a_calm_hand_off_and_only_the_fact_is_recorded(
    buyer: ChatDriver, store: FakeStore, message: str, category: str
) -> None:
    buyer.say(message)
    assert buyer.keys == [f"safety_{category}"]
    assert [c for _, c, _ in store.safety_events] == [category]
    assert message not in repr(store)  # the text itself is stored nowhere
    assert buyer.options == []  # no cards, no buttons: the person first


def test_an_insult_gets_a_calm_brief_reply(buyer: ChatDriver) -> None:
    text = buyer.say("stupid bot")
    assert buyer.keys == ["safety_insult_to_coach"] and len(text) < 200


def test_a_message_about_an_upcoming_meeting_offers_to_prepare_it(
    buyer: ChatDriver, store: FakeStore, clock: FakeClock
) -> None:
    buyer.say("the supplier wants a 12% price increase and I'm meeting them tomorrow")
    assert buyer.keys[-1] == "prepare_offer"
    assert buyer.offered(PrepareMeeting) == [PrepareMeeting("price-increase")]
    buyer.choose(PrepareMeeting("price-increase"))
    assert buyer.keys[0] == "prep_intro_known" and buyer.flow is Flow.PREPARE
    # The situation, the figure and the day are known: only the rest is asked.
    assert _step(buyer)[0] == 1 and _step(buyer)[1] <= 5
    (preparation,) = store.preparations.values()
    assert preparation.situation == "price-increase"
    assert preparation.answers["figures"] == "12%"
    assert (
        preparation.answers["meeting_day"] == (clock.now() + timedelta(days=1)).date().isoformat()
    )


def _prepare_all(chat: ChatDriver) -> None:
    chat.say("/prepare")
    chat.choose(PrepareSituation("price-increase"))
    chat.say("Keeping our margin on the 2027 range; for them, covering energy costs")
    chat.choose(PrepareFeeling("anxiety"))
    assert "prep_tip" in chat.keys and _step(chat) == (4, 6)
    chat.say("They need volume visibility; they fear losing the contract")
    chat.say("Dual source with the second supplier qualified last year")
    chat.choose(PrepareSkip())


def test_a_whole_preparation_ends_with_a_sheet_to_keep(
    buyer: ChatDriver, store: FakeStore, content: Content
) -> None:
    _prepare_all(buyer)
    # Skipping the first minute: the coach proposes one, for the buyer's side.
    assert buyer.keys == ["prep_opening_proposed", "prep_done", "prep_debrief_offer"]
    sheet_reply = next(reply for reply in buyer.last if reply.attachment is not None)
    assert sheet_reply.attachment is not None
    sheet = sheet_reply.attachment.data.decode()
    assert sheet_reply.attachment.filename.endswith(".md")
    situation = _text(content, "en", "situation_price-increase")
    assert f"# {_text(content, 'en', 'sheet_title', situation=situation)}" in sheet
    for heading in ("sheet_stakes", "sheet_walkaway", "sheet_rules", "sheet_sentences",
                    "sheet_traps", "sheet_needs_buyer"):  # fmt: skip
        assert f"## {_text(content, 'en', heading)}" in sheet
    assert "Dual source with the second supplier" in sheet  # what the user typed
    assert _text(content, "en", "feeling_anxiety") in sheet
    (preparation,) = store.preparations.values()
    assert preparation.completed_at is not None and preparation.feeling == "anxiety"
    assert buyer.flow is Flow.CARDS


def test_the_debrief_is_stored_and_shown_with_progress(
    buyer: ChatDriver, store: FakeStore, clock: FakeClock, content: Content
) -> None:
    _prepare_all(buyer)
    clock.advance(hours=26)
    buyer.start()
    assert "debrief_reminder" in buyer.keys
    assert buyer.offered(DebriefStart) == [DebriefStart()]
    buyer.choose(DebriefStart())
    (preparation,) = store.preparations.values()
    assert preparation.id is not None
    assert buyer.keys == ["debrief_question"] and buyer.flow is Flow.DEBRIEF
    buyer.choose(DebriefScore(preparation.id, 1))
    assert buyer.keys == ["debrief_ack_low", "debrief_worked"]  # a hard meeting, acknowledged
    buyer.say("Opening with the shared goal calmed things down")
    assert buyer.keys == ["debrief_change"]
    buyer.say("Ask for their cost breakdown earlier")
    assert buyer.keys[0] == "debrief_lesson" and buyer.flow is Flow.MENU
    (preparation,) = store.preparations.values()
    assert preparation.debrief_score == 1 and preparation.debriefed_at is not None
    assert set(preparation.debrief_notes) == {"worked", "change"}
    progress = buyer.say("/progress")
    assert _text(content, "en", "prep_summary", prepared=1, debriefed=1, average="1.0") in progress


def test_a_supplier_prepares_with_the_customer_wording(chat: ChatDriver) -> None:
    chat.start(language="fr", role="supplier")
    chat.say("/prepare")
    assert chat.keys[-1] == "prep_situation_supplier"
    chat.choose(PrepareSituation("payment-delay"))
    chat.say("Être payé à 60 jours comme prévu")
    chat.choose(PrepareFeeling("anger"))
    assert chat.keys[-1] == "prep_needs_supplier"


def test_free_text_at_the_situation_step_is_read_for_its_situation(
    buyer: ChatDriver, store: FakeStore
) -> None:
    buyer.say("/prepare")
    buyer.say("they keep delivering late and we have a review on Monday")
    (preparation,) = store.preparations.values()
    assert preparation.situation == "late-delivery"
    assert buyer.keys == ["prep_stakes"] and _step(buyer) == (2, 6)


def test_cancel_pauses_a_preparation_and_stale_buttons_change_nothing(
    buyer: ChatDriver, store: FakeStore
) -> None:
    buyer.say("/prepare")
    situation_button = PrepareSituation("price-increase")
    assert situation_button in buyer.offered(PrepareSituation)
    buyer.say("/cancel")
    assert "prep_paused" in buyer.keys and buyer.flow is Flow.MENU
    buyer.choose(situation_button)
    assert buyer.last[0].kind is ReplyKind.STALE
    (preparation,) = store.preparations.values()
    assert preparation.situation is None


def test_the_mood_check_in_is_stored_and_shown_over_time(
    buyer: ChatDriver, store: FakeStore, clock: FakeClock, content: Content
) -> None:
    for score in (2, 4):
        buyer.say("/mood")
        assert buyer.keys == ["mood_question"] and buyer.last[0].layout is Layout.SCALE
        assert buyer.offered(Mood) == [Mood(n) for n in range(1, 6)]
        buyer.choose(Mood(score))
        clock.advance(days=1)
    assert [m.score for m in store.moods] == [2, 4]
    summary = _text(content, "en", "mood_summary", count=2, days=30, faces="😟 🙂", average="3.0")
    assert summary in buyer.say("/progress")


def test_a_low_mood_invites_the_person_to_say_more(buyer: ChatDriver) -> None:
    buyer.say("/mood")
    buyer.choose(Mood(1))
    assert buyer.keys == ["mood_thanks_low"] and not buyer.options  # an open door, not a menu


def test_typing_p_takes_the_offer_to_prepare(buyer: ChatDriver, store: FakeStore) -> None:
    buyer.say("réunion demain avec le fournisseur pour la hausse de prix")
    buyer.say("p")
    assert buyer.keys[0] == "prep_intro_known" and _step(buyer) == (1, 5)
    (preparation,) = store.preparations.values()
    assert preparation.situation == "price-increase"


def test_a_returning_user_gets_the_daily_check_in_once_a_day(
    buyer: ChatDriver, clock: FakeClock
) -> None:
    clock.advance(days=1)
    buyer.start()
    assert buyer.keys == ["welcome_back", "mood_question"]
    buyer.say("4")  # one tap, then the menu
    assert buyer.keys[-1] == "menu_next" and buyer.flow is Flow.MENU
    buyer.start()
    assert "mood_question" not in buyer.keys  # not twice the same day
    clock.advance(days=1)
    buyer.start()
    assert "mood_question" in buyer.keys
    buyer.say("how do I run a fair tender with three bidders?")
    assert buyer.keys[0] == "cards_intro"  # text skips it
