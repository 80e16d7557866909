"""Every option shown with a key (or a label) can be typed while it is on screen, in every flow.

The walk goes through every flow of the protocol as users do; at each screen, for each option it
shows, typing its key (and its label, where that label is unique) leads to exactly what pressing
it leads to: the same stored state and the same replies. Options that stay (a card's "m1") are
also typed on the later screens where they are still in view.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest

from bot.adapters.emotion.detector import EmotionDetector
from bot.domain.content import Content
from bot.domain.dialogue import Choice, Reply, ReplyKind, Text
from bot.domain.text import fold
from bot.services.conversation.protocol import Flow
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeStore
from tests.tours import StoreTour, every_flow


@dataclass
class Walk(StoreTour):
    """Checks every screen of the tour: typing each key does what pressing it does."""

    checked: int = 0

    def check_screen(self, chat: ChatDriver) -> None:
        conversation = chat.conversation
        labels = [fold(s.label) for s in conversation.screen]
        for shown in (*conversation.screen, *conversation.staying):
            typed_keys = [shown.key]
            if shown in conversation.screen and labels.count(fold(shown.label)) == 1:
                typed_keys.append(shown.label)
            for typed in typed_keys:
                pressed = self._try(chat, Choice(shown.id))
                by_text = self._try(chat, Text(typed))
                assert by_text == pressed, f"typing {typed!r} differs from pressing {shown.id}"
                self.checked += 1

    def _try(self, chat: ChatDriver, event: Choice | Text) -> tuple[object, ...]:
        trial = copy.deepcopy(self.store)
        self.codes.clear()  # both trials draw the same "random" invitation codes
        replies = self.engine(trial).handle(chat.channel, chat.user, event)
        assert not any(r.kind is ReplyKind.STALE for r in replies), (event, _texts(replies))
        return _texts(replies), _stored(trial)


def _texts(replies: list[Reply]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((r.text, tuple(o.id for o in r.options)) for r in replies)


def _stored(store: FakeStore) -> object:
    return (store.users, *store.records())


@pytest.fixture
def walk(
    content: Content,
    card_index: FakeCardIndex,
    cue_detector: EmotionDetector,
    monkeypatch: pytest.MonkeyPatch,
) -> Walk:
    walk = Walk(content, card_index, cue_detector)
    walk.predictable_codes(monkeypatch)
    return walk


def test_every_key_shown_in_every_flow_can_be_typed(walk: Walk) -> None:
    every_flow(walk)
    assert walk.flows == set(Flow), f"flows never walked: {set(Flow) - walk.flows}"
    assert walk.checked > 150, walk.checked
