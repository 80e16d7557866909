"""Emotion-aware conversations: the person before the substance, safety, moods, preparing a meeting."""

from __future__ import annotations

import pytest

from bot.domain.dialogue import Choice
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeClock, FakeStore


@pytest.fixture
def buyer(chat: ChatDriver) -> ChatDriver:
    """A buyer who already chose English."""
    chat.start(language="en", role="buyer")
    return chat


def _card_ids(chat: ChatDriver) -> list[str]:
    return [o.id.removeprefix("card:") for o in chat.options if o.id.startswith("card:")]


def test_an_angry_message_is_acknowledged_before_the_substance(
    buyer: ChatDriver, card_index: FakeCardIndex
) -> None:
    buyer.say("Third late delivery this month, I'm furious!!!")
    texts = [reply.text for reply in buyer.last]
    assert texts[0].startswith("It sounds like you're angry")
    assert "give yourself a moment" in texts[0]  # high intensity
    assert texts[1] == "One thing to try now:"
    technique = card_index.get(_card_ids(buyer)[0])
    assert (
        technique is not None
        and technique.kind == "emotion-technique"
        and "anger" in technique.emotions
    )
    assert "Then, on the substance:" in texts
    substance = [card_index.get(card_id) for card_id in _card_ids(buyer)[1:]]
    assert substance and all(c is not None and "late-delivery" in c.situations for c in substance)


def test_the_acknowledgement_names_the_emotion_tentatively_without_diagnosing(
    buyer: ChatDriver,
) -> None:
    buyer.say("je stresse, trop de dossiers en même temps et la négo arrive")
    assert buyer.last[0].text.startswith(("It sounds", "On dirait", "Vous semblez"))
    buyer.say("/language fr")
    buyer.say("j'ai la boule au ventre avant la réunion")
    assert buyer.last[0].text.startswith("On dirait que cela vous inquiète")


def test_a_factual_question_goes_straight_to_the_substance(buyer: ChatDriver) -> None:
    text = buyer.say("how do I run a fair tender with three bidders?")
    assert text.startswith("Here is what may help:")
    assert "It sounds" not in text


def test_low_intensity_goes_straight_to_the_substance(buyer: ChatDriver) -> None:
    assert buyer.say("a bit annoyed about the late delivery, what should I check?").startswith(
        "Here is what may help:"
    )


@pytest.mark.parametrize(
    ("message", "category", "expected"),
    [
        ("honestly I want to end it all, nothing makes sense", "self_harm", "3114"),
        ("je suis en burn-out, je n'en peux plus", "burnout", "médecine du travail"),
        ("my manager humiliates me in front of suppliers, it's harassment", "harassment", "HR"),
    ],
)
def test_distress_gets_a_calm_hand_off_and_only_the_fact_is_recorded(
    buyer: ChatDriver, store: FakeStore, message: str, category: str, expected: str
) -> None:
    text = buyer.say(message)
    assert expected in text
    assert "not the right help" in text or "pas la bonne aide" in text
    assert [c for _, c, _ in store.safety_events] == [category]
    assert message not in repr(store)  # the text itself is stored nowhere
    assert buyer.options == []  # no cards, no buttons: the person first


def test_an_insult_gets_a_calm_brief_reply(buyer: ChatDriver) -> None:
    text = buyer.say("stupid bot")
    assert "I hear you're annoyed" in text and len(text) < 200


def test_a_message_about_an_upcoming_meeting_offers_to_prepare_it(
    buyer: ChatDriver, store: FakeStore
) -> None:
    buyer.say("the supplier wants a 12% price increase and I'm meeting them tomorrow")
    offer = buyer.option("Prepare this meeting")
    assert offer.id == "prepare:price-increase"
    text = buyer.send(Choice(offer.id))
    assert "Step 2/6" in text  # the situation is already known
    (preparation,) = store.preparations.values()
    assert preparation.situation == "price-increase"


def _prepare_all(chat: ChatDriver) -> str:
    chat.say("/prepare")
    chat.press("A price increase")
    chat.say("Keeping our margin on the 2027 range; for them, covering energy costs")
    text = chat.press("Anxious")
    assert "Tip:" in text and "Step 4/6" in text
    chat.say("They need volume visibility; they fear losing the contract")
    chat.say("Dual source with the second supplier qualified last year")
    return chat.press("Skip")


def test_a_whole_preparation_ends_with_a_sheet_to_keep(buyer: ChatDriver, store: FakeStore) -> None:
    text = _prepare_all(buyer)
    assert text.startswith("Your preparation is ready.")
    sheet_reply = next(reply for reply in buyer.last if reply.attachment is not None)
    assert sheet_reply.attachment is not None
    sheet = sheet_reply.attachment.data.decode()
    assert sheet_reply.attachment.filename.endswith(".md")
    for heading in ("# Preparation sheet: A price increase", "## What is at stake", "## My walk-away alternative",
                    "## Golden rules for this meeting", "## Sentences to try", "## Traps to avoid"):  # fmt: skip
        assert heading in sheet
    assert "Dual source with the second supplier" in sheet and "Anxious" in sheet
    assert "What my supplier probably needs and fears" in sheet
    (preparation,) = store.preparations.values()
    assert preparation.completed_at is not None and preparation.feeling == "anxiety"
    assert "/debrief" in buyer.text


def test_the_debrief_is_stored_and_shown_with_progress(
    buyer: ChatDriver, store: FakeStore, clock: FakeClock
) -> None:
    _prepare_all(buyer)
    clock.advance(hours=26)
    assert "How did your meeting go" in buyer.start()
    buyer.press("Debrief now")
    buyer.press("1 badly")
    buyer.say("Opening with the shared goal calmed things down")
    assert "Thanks, it's noted" in buyer.say("Ask for their cost breakdown earlier")
    (preparation,) = store.preparations.values()
    assert preparation.debrief_score == 1 and preparation.debriefed_at is not None
    assert set(preparation.debrief_notes) == {"worked", "change"}
    assert "Meetings prepared: 1, debriefed: 1, average rating 1.0/5" in buyer.say("/progress")


def test_a_supplier_prepares_with_the_customer_wording(chat: ChatDriver) -> None:
    chat.start(language="fr", role="supplier")
    assert "avec votre client" in chat.say("/prepare")
    chat.press("Un retard de paiement")
    chat.say("Être payé à 60 jours comme prévu")
    chat.press("En colère")
    assert "De quoi votre client a-t-il probablement besoin" in chat.text


def test_free_text_at_the_situation_step_is_read_for_its_situation(
    buyer: ChatDriver, store: FakeStore
) -> None:
    buyer.say("/prepare")
    buyer.say("they keep delivering late and we have a review on Monday")
    (preparation,) = store.preparations.values()
    assert preparation.situation == "late-delivery"
    assert "Step 2/6" in buyer.text


def test_cancel_pauses_a_preparation_and_stale_buttons_change_nothing(
    buyer: ChatDriver, store: FakeStore
) -> None:
    buyer.say("/prepare")
    situation_button = buyer.option("A price increase").id
    buyer.say("/cancel")
    assert "Preparation paused" in buyer.text
    assert "earlier step" in buyer.send(Choice(situation_button))
    (preparation,) = store.preparations.values()
    assert preparation.situation is None


def test_the_mood_check_in_is_stored_and_shown_over_time(
    buyer: ChatDriver, store: FakeStore, clock: FakeClock
) -> None:
    for score in (2, 4):
        buyer.say("/mood")
        assert "How do you feel" in buyer.text
        buyer.press(f"mood:{score}")
        clock.advance(days=1)
    assert [m.score for m in store.moods] == [2, 4]
    assert "Mood, last 30 days (2 check-ins): 😟 🙂, average 3.0/5" in buyer.say("/progress")


def test_a_low_mood_invites_the_person_to_say_more(buyer: ChatDriver) -> None:
    buyer.say("/mood")
    assert "tell me what's weighing on you" in buyer.press("mood:1")


def test_typing_p_takes_the_offer_to_prepare(buyer: ChatDriver) -> None:
    buyer.say("réunion demain avec le fournisseur pour la hausse de prix")
    assert "Step 2/6" in buyer.say("p")


def test_a_returning_user_gets_the_daily_check_in_once_a_day(
    buyer: ChatDriver, clock: FakeClock
) -> None:
    clock.advance(days=1)
    text = buyer.start()
    assert "Welcome back!" in text and "How do you feel" in text
    assert "What next?" in buyer.say("4")  # one tap, then the menu
    assert "How do you feel" not in buyer.start()  # not twice the same day
    clock.advance(days=1)
    buyer.start()
    assert buyer.say("how do I run a fair tender with three bidders?").startswith(
        "Here is what may help:"
    )  # text skips it
