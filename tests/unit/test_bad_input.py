"""Anything typed or pressed at any step gets a short answer and never an exception; a forged
or stale button changes nothing stored.

The tour of every flow (tests/tours.py) stops at each screen, and on copies of the store sends
junk: Unicode digits, 20-digit numbers, keys of old screens, forged and malformed ids, commands
in the middle of a step, control characters, very long text.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass

import pytest

from bot.adapters.emotion.detector import EmotionDetector
from bot.domain.content import Content
from bot.domain.dialogue import Choice, Inbound, Reply, ReplyKind, Text
from bot.services.conversation.protocol import Flow, Verb, decode
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeStore
from tests.tours import StoreTour, every_flow

TEXTS = [
    "⑤", "²", "٣", "４", "5²", "00000000000000000003", "99999999999999999999", "-1", "3.5",
    "", " ", "\x00\x1b[31m", "\u202e4", "😭", "🙂👍", "b", "r", "back", "o999", "d1", "m9",
    "s0", "p", "w", "1" * 400, "x" * 5000, "/", "/check@TrustCoachBot", "/CHECK", "/join",
    "/join ２⁷", "/focus ../../x", "/prepare ⑤", "/language de", "/role ceo", "/cancel",
    "/help", "/progress", "/menu", "/start join_ZZZZ", "8041-71-46932263472", "２⁷",
    "2026-02-30", "31/02", "0/0/0", "9" * 30 + "/12", "oui", "non", "Français", "acheteur",
]  # fmt: skip
IDS = [
    "", ":", "ans:1:0:⑤", "ans:1:0:²", "ans:99999999999999999999:0:3", "ans:0:0:3",
    "back:00", "coh:٣", "exrate:1:9", "exrate:99999999999999999999:1", "asgto:-1",
    "asgdue:9999", "card:" + "a" * 60, "lang:xx", "menu:../", "debrief:1:0", "mood:6",
    "weekly:Not-A-Card", "wkcheck:maybe", "joinok:1:2", "é" * 20, "\x00",
]  # fmt: skip
RANDOM = random.Random(1201)


def _domain(store: FakeStore) -> object:
    users = {uid: (u.language, u.role, u.focus) for uid, u in store.users.items()}
    return (users, *store.records())


@dataclass
class Junk(StoreTour):
    """At each screen, junk on copies of the store: nothing raises, stale ones change nothing."""

    events: int = 0

    def check_screen(self, chat: ChatDriver) -> None:
        old_keys = [s.key for s in chat.conversation.staying]
        for event in self._events(chat, old_keys):
            trial = copy.deepcopy(self.store)
            before = _domain(trial)
            replies = self.engine(trial).handle(chat.channel, chat.user, event)
            self.events += 1
            _check_replies(replies, event)
            if isinstance(event, Choice) and decode(event.option_id) is None:
                assert replies[0].kind is ReplyKind.STALE or chat.flow is Flow.LANGUAGE
                assert _domain(trial) == before, event

    def _events(self, chat: ChatDriver, old_keys: list[str]) -> list[Inbound]:
        texts = RANDOM.sample(TEXTS, 20) + old_keys[:4]
        forged = RANDOM.sample(IDS, 8)
        # Real verbs with random fields: well-formed ids for things that are not there.
        for verb in RANDOM.sample(list(Verb), 6):
            fields = ":".join(str(RANDOM.choice([1, 7, 99999, 2**31 - 1])) for _ in range(2))
            forged.append(f"{verb.value}:{fields}")
        return [*(Text(t) for t in texts), *(Choice(i) for i in forged)]


def _check_replies(replies: list[Reply], event: Inbound) -> None:
    assert replies, f"no answer to {event!r}"
    for reply in replies:
        assert "Traceback" not in reply.text
        assert len(reply.text) < 4000, event


@pytest.fixture
def junk(
    content: Content,
    card_index: FakeCardIndex,
    cue_detector: EmotionDetector,
    monkeypatch: pytest.MonkeyPatch,
) -> Junk:
    tour = Junk(content, card_index, cue_detector)
    tour.predictable_codes(monkeypatch)
    return tour


def test_junk_at_every_step_gets_an_answer_and_stale_ids_change_nothing(junk: Junk) -> None:
    every_flow(junk)
    assert junk.flows == set(Flow)
    assert junk.events > 1500
