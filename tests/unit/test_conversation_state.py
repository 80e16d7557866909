"""The stored conversation: typed per flow, readable from older shapes, never a crash."""

from __future__ import annotations

import pytest

from bot.domain.dialogue import Option, Reply
from bot.services.conversation.protocol import Flow
from bot.services.conversation.state import MAX_STAYING, Conversation, Shown
from bot.services.conversation.steps import AssignStep, CardsStep, RateStep, SessionStep


def _option(key: str, stays: bool = False, label: str = "") -> Option:
    return Option(id=f"card:c-{key}", label=label or f"label {key}", key=key, stays=stays)


def test_a_conversation_reads_back_what_it_stored() -> None:
    conversation = Conversation(
        Flow.ASSIGN,
        AssignStep(cohort=3, card="practice-listening", target=0, due=""),
        screen=(Shown("asgnote", "0", "No note"),),
        staying=(Shown("card:x", "m1", "Read more", True),),
        pending="/check",
    )
    assert Conversation.from_json(conversation.to_json()) == conversation


@pytest.mark.parametrize(
    ("stored", "flow", "data"),
    [
        ({"flow": "assessment", "session": 5}, Flow.ASSESSMENT, SessionStep(5)),
        ({"flow": "resume", "session": 5}, Flow.RESUME, SessionStep(5)),
        ({"flow": "cards", "cards": ["a", "b"], "offer": "x"}, Flow.CARDS, CardsStep(("a", "b"))),
        ({"flow": "rate", "assignment": 2, "reflection": "ok"}, Flow.RATE, RateStep(2, "ok")),
        ({"flow": "menu"}, Flow.MENU, None),
        ({}, Flow.MENU, None),
    ],
)
def test_states_stored_before_the_protocol_still_load(
    stored: dict[str, object], flow: Flow, data: object
) -> None:
    conversation = Conversation.from_json(stored)
    assert (conversation.flow, conversation.data) == (flow, data)


@pytest.mark.parametrize(
    "stored",
    [
        {"flow": "no-such-flow"},
        {"flow": "assessment"},
        {"flow": "assessment", "session": "5"},
        {"flow": "assessment", "session": True},
        {"flow": "assign", "cohort": 3, "target": "all"},
        {"flow": "cards", "cards": "a,b"},
        {"flow": 12},
        {"flow": "menu", "screen": "oops", "staying": [[1, 2, 3, 4]], "pending": 7},
    ],
)
def test_a_damaged_state_falls_back_to_the_menu(stored: dict[str, object]) -> None:
    conversation = Conversation.from_json(stored)
    assert conversation.flow in (Flow.MENU,) and conversation.data is None
    assert conversation.screen == () and conversation.pending is None


def test_the_last_screen_replaces_the_options_and_staying_ones_stay() -> None:
    conversation = Conversation()
    conversation.show([Reply("cards", (_option("m1", stays=True), _option("s1", stays=True)))])
    conversation.show([Reply("menu", (_option("1"), _option("2")))])
    assert [s.key for s in conversation.screen] == ["1", "2"]
    assert conversation.typed("m1", by_label=False) is not None  # the card is still in view
    assert conversation.typed("1", by_label=False) is not None
    conversation.show([Reply("a notice")])  # a screen without options
    assert conversation.typed("1", by_label=False) is None  # the menu is gone
    assert conversation.typed("s1", by_label=False) is not None


def test_a_newer_option_takes_the_key_of_an_older_staying_one() -> None:
    conversation = Conversation()
    conversation.show([Reply("card a", (Option("card:a", "More", "m1", stays=True),))])
    conversation.show([Reply("card b", (Option("card:b", "More", "m1", stays=True),))])
    typed = conversation.typed("m1", by_label=False)
    assert typed is not None and typed.id == "card:b"
    assert len([s for s in conversation.staying if s.key == "m1"]) == 1


def test_labels_are_typed_folded_on_the_current_screen_only() -> None:
    conversation = Conversation()
    conversation.show([Reply("q", (Option("lang:fr", "Français", "2"),))])
    assert conversation.typed("francais", by_label=True) is not None
    conversation.show([Reply("staying", (Option("card:x", "Read more", "m1", stays=True),))])
    assert conversation.typed("read more", by_label=True) is not None
    conversation.show([Reply("next")])
    assert conversation.typed("read more", by_label=True) is None  # older: by key only
    assert conversation.typed("m1", by_label=True) is not None


def test_staying_options_are_bounded() -> None:
    conversation = Conversation()
    for number in range(MAX_STAYING * 2):
        conversation.show([Reply("c", (Option(f"card:c{number}", "More", f"m{number}", True),))])
    assert len(conversation.staying) == MAX_STAYING
    assert conversation.typed(f"m{MAX_STAYING * 2 - 1}", by_label=False) is not None
    assert conversation.typed("m0", by_label=False) is None
