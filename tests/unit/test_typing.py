"""What people type instead of pressing: yes and no, menu names, keys that are not on screen."""

from __future__ import annotations

from bot.domain.dialogue import ReplyKind
from bot.services.conversation.options import MenuDoor, OpenCard
from bot.services.conversation.protocol import Flow
from tests.conftest import ChatDriver
from tests.fakes import FakeStore


def _finish_a_check(chat: ChatDriver) -> None:
    chat.start(language="fr", role="buyer")
    chat.say("/check")
    for value in (1, 3, 3, 3, 3, 3, 3, 3, 3, 3):  # one clear area to grow: a focus is offered
        chat.answer(value)
    assert chat.flow is Flow.FOCUS_OFFER


def test_oui_takes_the_offered_focus(chat: ChatDriver, store: FakeStore) -> None:
    _finish_a_check(chat)
    chat.say("Oui !")
    assert next(iter(store.users.values())).focus is not None and chat.flow is Flow.MENU


def test_non_merci_declines_the_offered_focus(chat: ChatDriver, store: FakeStore) -> None:
    _finish_a_check(chat)
    chat.say("non merci")
    assert next(iter(store.users.values())).focus is None and chat.flow is Flow.MENU


def test_yes_does_not_start_over_a_paused_check(chat: ChatDriver, store: FakeStore) -> None:
    chat.start(language="en", role="buyer")
    chat.say("/check")
    chat.answer(3)
    chat.say("/cancel")
    chat.say("/check")
    chat.say("no")  # a resume offer is not a yes-or-no question: nothing is thrown away
    assert [s.status.value for s in store.sessions.values()] != ["abandoned"]
    assert all(s.answers for s in store.sessions.values())


def test_a_key_that_is_not_on_screen_says_so_instead_of_searching(chat: ChatDriver) -> None:
    chat.start(language="en", role="buyer")
    for typed in ("o1", "m9", "d3", "p", "12"):
        chat.say(typed)
        assert "not_on_screen" in chat.keys and chat.offered(MenuDoor), typed


def test_a_menu_door_typed_by_name_opens_it_after_the_menu_has_gone(chat: ChatDriver) -> None:
    chat.start(language="en", role="buyer")
    chat.say("/saved")  # a screen without the menu
    chat.say("My progress")
    assert "progress_empty" in chat.keys


def test_a_notice_after_cards_shows_the_menu_and_the_cards_keep_their_keys(
    chat: ChatDriver,
) -> None:
    chat.start(language="en", role="buyer")
    chat.say("my supplier announces a price increase, we meet tomorrow")
    assert chat.offered(OpenCard)
    chat.say("")
    assert "empty_message" in chat.keys and chat.offered(MenuDoor)
    assert not chat.offered(OpenCard)  # not printed again
    chat.say("m1")
    assert "card_full" in chat.keys and chat.last[0].kind is ReplyKind.MESSAGE
