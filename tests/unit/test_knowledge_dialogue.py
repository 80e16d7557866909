"""Knowledge cards in the conversation: answers to free text, cards after a result, saved cards."""

from __future__ import annotations

import pytest

from bot.domain.dialogue import Choice
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeStore


@pytest.fixture
def ready(chat: ChatDriver) -> ChatDriver:
    """A buyer who already chose English."""
    chat.start(language="en", role="buyer")
    return chat


def test_a_free_question_is_answered_with_up_to_three_cards_each_with_more_and_save(
    ready: ChatDriver,
) -> None:
    text = ready.say("my supplier delivered late again, third late delivery this month")
    assert text.startswith("Here is what may help:")
    previews = [reply for reply in ready.last if reply.options]
    assert 1 <= len(previews) <= 3
    for number, reply in enumerate(previews, start=1):
        assert reply.text.startswith(f"{number}. ")
        assert [o.key for o in reply.options] == [f"m{number}", f"s{number}"]
        assert len(reply.text) < 400  # title and gist only, readable on a phone


def test_typing_m1_opens_the_first_card_in_full_with_its_sources(
    ready: ChatDriver, card_index: FakeCardIndex
) -> None:
    ready.say("supplier announces a price increase because of energy costs")
    first_id = ready.last[1].options[0].id.removeprefix("card:")
    card = card_index.get(first_id)
    assert card is not None
    text = ready.say("m1")
    assert card.en.title in text and "**" not in text
    if card.sources:
        assert "Sources:" in text


def test_saving_a_card_keeps_it_once_and_lists_it(ready: ChatDriver, store: FakeStore) -> None:
    ready.say("how do I prepare a tender so that every bidder is treated fairly")
    second = ready.last[2].options[1].id.removeprefix("save:")
    assert "Saved:" in ready.say("s2")
    assert "already in your saved cards" in ready.send(Choice(f"save:{second}"))
    assert [card for (_, card) in store.saved_cards] == [second]
    text = ready.say("/saved")
    assert "Your saved cards (1)" in text
    assert ready.options[0].id == f"card:{second}"


def test_forged_card_ids_change_nothing(ready: ChatDriver, store: FakeStore) -> None:
    assert "earlier step" in ready.send(Choice("save:no-such-card"))
    assert "earlier step" in ready.send(Choice("card:../../etc/passwd"))
    assert store.saved_cards == {}


def test_a_question_with_nothing_to_match_gets_one_clarifying_question(ready: ChatDriver) -> None:
    text = ready.say("xyzzy plugh frobnicate")
    assert "Which situation is closest?" in text
    labels = [o.label for o in ready.options]
    assert "Late deliveries" in labels and "Something else" in labels
    text = ready.press("Late deliveries")
    assert text.startswith("Here is what may help:")


def test_clarifying_with_a_situation_only_returns_cards_of_that_situation(
    ready: ChatDriver, card_index: FakeCardIndex
) -> None:
    ready.say("xyzzy plugh frobnicate")
    ready.press("A quality problem")
    ids = [o.id.removeprefix("card:") for o in ready.options if o.id.startswith("card:")]
    assert ids
    for card_id in ids:
        card = card_index.get(card_id)
        assert card is not None and "quality-incident" in card.situations


def test_something_else_asks_for_more_detail(ready: ChatDriver) -> None:
    ready.say("xyzzy plugh frobnicate")
    assert "Tell me in a sentence or two" in ready.press("Something else")


def test_a_result_shows_cards_for_the_weakest_competency_written_for_the_users_role(
    chat: ChatDriver, store: FakeStore, card_index: FakeCardIndex
) -> None:
    chat.start(language="fr", role="supplier")
    chat.say("/check")
    for value in (1, 5, 5, 5, 5, 5, 5, 5, 5, 5):  # the first statement (empathy) is the weak one
        chat.answer(value)
    assert "Pour progresser, commencez par :" in chat.text
    shown = [o.id.removeprefix("card:") for o in chat.options if o.id.startswith("card:")]
    assert 2 <= len(shown) <= 3
    first = card_index.get(shown[0])
    assert first is not None
    assert "altruism.empathy" in first.competencies and "supplier" in first.audiences
    # The focus offer is still the last question and answers to "1".
    assert "Oui, c'est mon axe de travail" in [o.label for o in chat.options]
    chat.say("1")
    assert next(iter(store.users.values())).focus == "altruism.empathy"


def test_a_french_question_is_answered_in_french(chat: ChatDriver) -> None:
    chat.start(language="fr", role="buyer")
    text = chat.say("comment gérer un retard de livraison de mon fournisseur ?")
    assert text.startswith("Voici ce qui peut vous aider :")
    assert chat.options[0].label == "Lire la suite"


def test_an_unavailable_knowledge_base_is_said_plainly(
    ready: ChatDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain.retrieval import SearchUnavailableError

    def unavailable(*_args: object, **_kwargs: object) -> None:
        raise SearchUnavailableError("model missing")

    monkeypatch.setattr(FakeCardIndex, "search", unavailable)
    assert "knowledge base isn't available" in ready.say("late deliveries again")
    assert "1/10" in ready.say("/check")  # the rest of the coach carries on
