"""Tours of the conversation that reach every flow, for tests that check each screen on the way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from bot.adapters.emotion.detector import EmotionDetector
from bot.domain.cohorts import CODE_ALPHABET
from bot.domain.content import Content
from bot.services.conversation.options import (
    AcceptJoin,
    AssignCard,
    AssignDue,
    AssignExercise,
    AssignRegister,
    AssignTo,
    DebriefScore,
    ExerciseDone,
    FocusChange,
    FocusRegister,
    KeepEverything,
    LanguageChoice,
    NewCohort,
    OpenCard,
    PrepareBack,
    PrepareFeeling,
    PrepareSituation,
    Resume,
    RoleChoice,
    SaveCard,
)
from bot.services.conversation.protocol import Flow, OptionValue
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver
from tests.fakes import FakeCardIndex, FakeClock, FakeStore, FakeUnitOfWork

Action = Callable[[ChatDriver], object]


@dataclass
class StoreTour:
    """Drives users through flows on one in-memory store; subclasses check each screen."""

    content: Content
    cards: FakeCardIndex
    emotions: EmotionDetector
    store: FakeStore = field(default_factory=FakeStore)
    clock: FakeClock = field(default_factory=FakeClock)
    flows: set[Flow] = field(default_factory=set)
    codes: list[str] = field(default_factory=list)

    def predictable_codes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Invitation codes from a counter (cleared per trial), so that trials compare."""
        monkeypatch.setattr("bot.services.cohorts.trainer.new_code", self.new_code)

    def new_code(self) -> str:
        """A predictable invitation code, so that two trials can be compared."""
        self.codes.append("".join(CODE_ALPHABET[int(d)] for d in f"{len(self.codes) + 7:012d}"))
        return self.codes[-1]

    def engine(self, store: FakeStore) -> DialogueEngine:
        return DialogueEngine(
            lambda: FakeUnitOfWork(store),
            self.content,
            self.clock,
            cards=self.cards,
            emotions=self.emotions,
        )

    def user(self, name: str) -> ChatDriver:
        return ChatDriver(self.engine(self.store), name)

    def step(self, chat: ChatDriver, action: Action) -> None:
        """Do one thing as the user, then check the screen it leads to."""
        action(chat)
        self.flows.add(chat.flow)
        self.check_screen(chat)

    def check_screen(self, chat: ChatDriver) -> None:
        """What to check on each screen of the tour."""
        raise NotImplementedError


def _first(chat: ChatDriver, kind: type[OptionValue]) -> OptionValue:
    values = chat.offered(kind)
    assert values, f"no {kind.__name__} offered: {chat.keys}"
    return values[0]


def every_flow(walk: StoreTour) -> None:
    """Walk every flow of the protocol as users do (a trainer, two trainees), step by step."""
    ana = walk.user("ana")
    # Setup, then a quick check: paused, resumed, completed.
    walk.step(ana, lambda c: c.start())
    walk.step(ana, lambda c: c.choose(LanguageChoice("en")))
    walk.step(ana, lambda c: c.choose(RoleChoice("buyer")))
    walk.step(ana, lambda c: c.say("/check"))
    walk.step(ana, lambda c: c.answer(1))  # one clear area to grow: the focus is offered
    walk.step(ana, lambda c: c.say("/cancel"))
    walk.step(ana, lambda c: c.say("/check"))
    walk.step(ana, lambda c: c.choose(_first(c, Resume)))
    for _ in range(8):
        ana.answer(3)
    walk.step(ana, lambda c: c.answer(3))  # the result, its cards and the focus offer
    # Focus, questions and cards, saved cards, the clarifying question, the mood.
    walk.step(ana, lambda c: c.say("/focus"))
    walk.step(ana, lambda c: c.choose(FocusChange()))
    walk.step(ana, lambda c: c.choose(FocusRegister("courage")))
    walk.step(ana, lambda c: c.say("zzzz wibble"))  # before any situation is told: clarify
    walk.step(ana, lambda c: c.say("my supplier announces a price increase, we meet tomorrow"))
    walk.step(ana, lambda c: c.choose(_first(c, OpenCard)))
    walk.step(ana, lambda c: c.choose(_first(c, SaveCard)))
    walk.step(ana, lambda c: c.say("/saved"))
    walk.step(ana, lambda c: c.say("/mood"))
    walk.step(ana, lambda c: c.say("/timezone"))
    walk.step(ana, lambda c: c.say("Montreal"))
    # Her data: what is kept, a copy, and the erasure asked then declined.
    walk.step(ana, lambda c: c.say("/privacy"))
    walk.step(ana, lambda c: c.say("/mydata"))
    walk.step(ana, lambda c: c.say("/forget"))
    walk.step(ana, lambda c: c.choose(KeepEverything()))
    # A meeting prepared step by step, then debriefed.
    walk.step(ana, lambda c: c.say("/prepare"))
    # It starts from the price increase just told; back, to choose another situation.
    walk.step(ana, lambda c: c.choose(_first(c, PrepareBack)))
    walk.step(ana, lambda c: c.choose(PrepareSituation("late-delivery")))
    walk.step(ana, lambda c: c.say("Keep the contract, get a plan"))
    walk.step(ana, lambda c: c.choose(PrepareFeeling("stress")))
    walk.step(ana, lambda c: c.say("They need volume, they fear penalties"))
    walk.step(ana, lambda c: c.say("Second source in six weeks"))
    walk.step(ana, lambda c: c.say("I want a plan we both can keep"))
    walk.step(ana, lambda c: c.start())  # back later: the debrief is offered, one question
    walk.step(ana, lambda c: c.say("/debrief"))
    walk.step(ana, lambda c: c.choose(_first(c, DebriefScore)))
    # A trainer with a cohort gives an exercise; a trainee joins and does it.
    tom = walk.user("tom")
    walk.step(tom, lambda c: c.start(language="en", role="trainer"))
    walk.step(tom, lambda c: c.say("/trainer"))
    walk.step(tom, lambda c: c.say("Tom Martin"))
    walk.step(tom, lambda c: c.choose(NewCohort()))
    walk.step(tom, lambda c: c.say("Buyers spring"))
    code = next(iter(walk.store.cohorts.values())).code
    lea = walk.user("lea")
    walk.step(lea, lambda c: c.start(language="fr", role="supplier"))
    walk.step(lea, lambda c: c.say("/join"))
    walk.step(lea, lambda c: c.say(str(code)))
    walk.step(lea, lambda c: c.choose(_first(c, AcceptJoin)))
    walk.step(lea, lambda c: c.say("Léa"))
    walk.step(tom, lambda c: c.choose(_first(c, AssignExercise)))
    walk.step(tom, lambda c: c.choose(AssignRegister("prudence")))
    walk.step(tom, lambda c: c.choose(_first(c, AssignCard)))
    walk.step(tom, lambda c: c.choose(AssignTo(0)))
    walk.step(tom, lambda c: c.choose(AssignDue(7)))
    walk.step(tom, lambda c: c.say("Try it before Friday"))
    walk.step(lea, lambda c: c.say("/exercises"))
    walk.step(lea, lambda c: c.choose(_first(c, ExerciseDone)))
    walk.step(lea, lambda c: c.say("I asked before answering, it calmed the call"))
    walk.step(lea, lambda c: c.say("/leave"))
