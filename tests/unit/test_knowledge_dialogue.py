"""Knowledge cards in the conversation: answers to free text, cards after a result, saved cards.

Assertions are on stored state, option values and text keys, not on wording: where the language
of a reply matters, it is compared with the catalogue's text for its key in that language.
"""

from __future__ import annotations

import pytest

from bot.domain.content import Content
from bot.domain.dialogue import Choice, Layout, ReplyKind
from bot.services.conversation.options import (
    Answer,
    Clarify,
    FocusOn,
    MenuDoor,
    OpenCard,
    SaveCard,
)
from bot.services.conversation.protocol import Flow, decode
from bot.services.conversation.steps import CardsStep
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeStore


@pytest.fixture
def ready(chat: ChatDriver) -> ChatDriver:
    """A buyer who already chose English."""
    chat.start(language="en", role="buyer")
    return chat


def _shown_cards(chat: ChatDriver) -> list[str]:
    """The ids of the cards offered to open, in the order they are shown."""
    return [value.card for value in chat.offered(OpenCard)]


def test_a_free_question_is_answered_with_up_to_three_cards_each_with_more_and_save(
    ready: ChatDriver,
) -> None:
    ready.say("my supplier delivered late again, third late delivery this month")
    assert ready.keys[0] == "cards_intro"
    previews = [reply for reply in ready.last if reply.options]
    assert 1 <= len(previews) <= 3
    assert all(reply.key == "card_preview" for reply in previews)
    for number, reply in enumerate(previews, start=1):
        assert reply.layout is Layout.CARDS
        assert [o.key for o in reply.options] == [f"m{number}", f"s{number}"]
        assert {o.group for o in reply.options} == {number} and all(o.stays for o in reply.options)
        opened, saved = (decode(o.id) for o in reply.options)
        assert isinstance(opened, OpenCard) and saved == SaveCard(opened.card)
        assert len(reply.text) < 400  # title and gist only, readable on a phone
    assert ready.flow is Flow.CARDS
    assert ready.conversation.data == CardsStep(tuple(_shown_cards(ready)))


def test_typing_m1_opens_the_first_card_in_full_with_its_sources(
    ready: ChatDriver, card_index: FakeCardIndex
) -> None:
    ready.say("supplier announces a price increase because of energy costs")
    first_id = _shown_cards(ready)[0]
    card = card_index.get(first_id)
    assert card is not None
    text = ready.say("m1")
    assert ready.keys == ["card_full"]
    assert ready.offered(SaveCard) == [SaveCard(first_id)]  # the card opened is the first one
    assert card.plain_body("en") in text and "**" not in text
    assert all(source in text for source in card.sources)


def test_saving_a_card_keeps_it_once_and_lists_it(ready: ChatDriver, store: FakeStore) -> None:
    ready.say("how do I prepare a tender so that every bidder is treated fairly")
    second = _shown_cards(ready)[1]
    ready.say("s2")
    assert ready.keys == ["card_saved"]
    ready.send(Choice(SaveCard(second).id))
    assert ready.keys == ["card_already_saved"]
    assert [card for (_, card) in store.saved_cards] == [second]
    ready.say("/saved")
    assert ready.keys == ["saved_list"] and ready.flow is Flow.SAVED
    assert ready.offered(OpenCard) == [OpenCard(second)]
    assert ready.options[0].key == "m1"


def test_forged_card_ids_change_nothing(ready: ChatDriver, store: FakeStore) -> None:
    ready.send(Choice("save:no-such-card"))
    assert ready.last[0].kind is ReplyKind.STALE
    ready.send(Choice("card:../../etc/passwd"))
    assert ready.last[0].kind is ReplyKind.STALE
    assert store.saved_cards == {}


def test_a_question_with_nothing_to_match_gets_one_clarifying_question(ready: ChatDriver) -> None:
    ready.say("xyzzy plugh frobnicate")
    assert ready.keys == ["clarify_question"] and ready.flow is Flow.CLARIFY
    offered = ready.offered(Clarify)
    assert Clarify("late-delivery") in offered and offered[-1] == Clarify("other")
    ready.choose(Clarify("late-delivery"))
    assert ready.keys[0] == "cards_intro" and ready.flow is Flow.CARDS


def test_clarifying_with_a_situation_only_returns_cards_of_that_situation(
    ready: ChatDriver, card_index: FakeCardIndex
) -> None:
    ready.say("xyzzy plugh frobnicate")
    ready.choose(Clarify("quality-incident"))
    ids = _shown_cards(ready)
    assert ids
    for card_id in ids:
        card = card_index.get(card_id)
        assert card is not None and "quality-incident" in card.situations


def test_something_else_asks_for_more_detail(ready: ChatDriver) -> None:
    ready.say("xyzzy plugh frobnicate")
    ready.choose(Clarify("other"))
    assert ready.keys == ["clarify_tell_more"] and ready.flow is Flow.MENU


def test_a_result_shows_cards_for_the_weakest_competency_written_for_the_users_role(
    chat: ChatDriver, store: FakeStore, card_index: FakeCardIndex, content: Content
) -> None:
    chat.start(language="fr", role="supplier")
    chat.say("/check")
    for value in (1, 3, 3, 3, 3, 3, 3, 3, 3, 3):  # the first statement (empathy) is the weak one
        chat.answer(value)
    intro = next(reply for reply in chat.last if reply.key == "result_cards_intro")
    assert intro.text == content.messages.text("fr", "result_cards_intro")  # worded in French
    shown = _shown_cards(chat)
    assert 2 <= len(shown) <= 3
    first = card_index.get(shown[0])
    assert first is not None
    assert "altruism.empathy" in first.competencies and "supplier" in first.audiences
    # The focus offer is still the last question and answers to "1".
    assert chat.keys[-1] == "focus_offer" and chat.flow is Flow.FOCUS_OFFER
    offer = chat.last[-1]
    assert [o.key for o in offer.options] == ["1", "2"]
    assert chat.offered(FocusOn) == [FocusOn("altruism.empathy")]
    assert chat.offered(MenuDoor) == [MenuDoor("menu")]
    chat.say("1")
    assert next(iter(store.users.values())).focus == "altruism.empathy"


def test_a_french_question_is_answered_in_french(
    chat: ChatDriver, card_index: FakeCardIndex, content: Content
) -> None:
    chat.start(language="fr", role="buyer")
    chat.say("comment gérer un retard de livraison de mon fournisseur ?")
    assert chat.keys[0] == "cards_intro"
    assert chat.last[0].text == content.messages.text("fr", "cards_intro")
    first = card_index.get(_shown_cards(chat)[0])
    assert first is not None and first.fr.title in chat.last[1].text
    assert chat.options[0].label == content.messages.text("fr", "card_more")


def test_an_unavailable_knowledge_base_is_said_plainly(
    ready: ChatDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.domain.retrieval import SearchUnavailableError

    def unavailable(*_args: object, **_kwargs: object) -> None:
        raise SearchUnavailableError("model missing")

    monkeypatch.setattr(FakeCardIndex, "search", unavailable)
    ready.say("late deliveries again")
    assert ready.keys == ["search_unavailable"] and not ready.options
    ready.say("/check")  # the rest of the coach carries on
    assert "quick_intro" in ready.keys and ready.flow is Flow.ASSESSMENT
    question = next(reply for reply in ready.last if reply.key == "question")
    assert question.progress is not None
    assert (question.progress.number, question.progress.total) == (1, 10)
    assert ready.offered(Answer)[0].position == 0


def test_the_situations_read_in_a_question_help_the_search(
    chat: ChatDriver, card_index: FakeCardIndex
) -> None:
    chat.start(language="en", role="buyer")
    chat.say("our supplier announced a price increase on castings, how do I answer?")
    assert any("situation:price-increase" in hints for hints in card_index.hints)


@pytest.mark.parametrize("role", ["buyer", "supplier"])
def test_free_text_answers_show_the_cards_of_the_users_side(
    chat: ChatDriver, card_index: FakeCardIndex, role: str
) -> None:
    chat.start(language="en", role=role)
    chat.say("the price increase talks are next week and I'm worried about the numbers")
    shown = [card_index.get(value.card) for value in chat.offered(OpenCard)]
    assert shown and all(card is not None and role in card.audiences for card in shown)
