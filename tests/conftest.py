"""Shared fixtures: content, fake and real databases, and a chat driver for conversations."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, text

from bot.adapters.content.loader import load_content
from bot.adapters.db import database
from bot.adapters.emotion.detector import EmotionDetector
from bot.adapters.emotion.factory import open_detector
from bot.adapters.retrieval.cards import load_cards
from bot.domain.cards import Card
from bot.domain.content import Content
from bot.domain.dialogue import Choice, Inbound, Option, Reply, Start, Text
from bot.services.conversation.protocol import Flow, OptionValue, decode
from bot.services.conversation.state import Conversation
from bot.services.engine import DialogueEngine
from tests.fakes import FakeCardIndex, FakeClock, FakeStore, FakeUnitOfWork

V = TypeVar("V", bound=OptionValue)

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "TRUSTCOACH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def content() -> Content:
    """The project's real content, loaded once."""
    return load_content(ROOT / "knowledge", ROOT / "prompts")


@pytest.fixture(scope="session")
def all_cards() -> list[Card]:
    """The project's real knowledge cards."""
    return load_cards(ROOT / "knowledge" / "cards")


@pytest.fixture(scope="session")
def cue_detector(tmp_path_factory: pytest.TempPathFactory) -> EmotionDetector:
    """The real emotion detector on its cues alone (no model): fast and deterministic."""
    return open_detector(ROOT / "knowledge", tmp_path_factory.mktemp("cache"), None)


@pytest.fixture
def card_index(all_cards: list[Card]) -> FakeCardIndex:
    """A model-free index over the real cards."""
    return FakeCardIndex(all_cards)


@pytest.fixture
def clock() -> FakeClock:
    """A controllable clock."""
    return FakeClock()


@pytest.fixture
def store() -> FakeStore:
    """The committed state of an in-memory database."""
    return FakeStore()


@pytest.fixture
def engine(
    content: Content,
    clock: FakeClock,
    store: FakeStore,
    card_index: FakeCardIndex,
    cue_detector: EmotionDetector,
) -> DialogueEngine:
    """A dialogue engine on the in-memory database, with model-free cards and emotions."""
    return DialogueEngine(
        lambda: FakeUnitOfWork(store), content, clock, cards=card_index, emotions=cue_detector
    )


class ChatDriver:
    """Talks to an engine as one user would, remembering the last options offered."""

    def __init__(self, engine: DialogueEngine, user: str = "ana", channel: str = "test") -> None:
        self.engine = engine
        self.user = user
        self.channel = channel
        self.last: list[Reply] = []

    def send(self, event: Inbound) -> str:
        """Send an event and return the replies' text, joined."""
        self.last = self.engine.handle(self.channel, self.user, event)
        return self.text

    def start(self, **hints: str) -> str:
        """Open the conversation with channel hints."""
        return self.send(Start(**hints))  # type: ignore[arg-type]

    def say(self, text: str) -> str:
        """Type a message."""
        return self.send(Text(text))

    def press(self, label_or_id: str) -> str:
        """Press the offered option whose label contains the text (or whose id is it)."""
        return self.send(Choice(self.option(label_or_id).id))

    def option(self, label_or_id: str) -> Option:
        """Find an offered option by id or by part of its label."""
        for option in self.options:
            if option.id == label_or_id or label_or_id.casefold() in option.label.casefold():
                return option
        raise AssertionError(f"no option {label_or_id!r} among {[o.label for o in self.options]}")

    @property
    def options(self) -> list[Option]:
        """Options offered by the last replies."""
        return [option for reply in self.last for option in reply.options]

    @property
    def text(self) -> str:
        """Text of the last replies."""
        return "\n".join(reply.text for reply in self.last)

    @property
    def conversation(self) -> Conversation:
        """The stored conversation of this user, as the engine reads it."""
        conversation = self.engine.conversation(self.channel, self.user)
        assert conversation is not None, "the user has not written yet"
        return conversation

    @property
    def flow(self) -> Flow:
        """The step the stored conversation is in."""
        return self.conversation.flow

    @property
    def keys(self) -> list[str]:
        """The text keys the last replies were worded from (not their wording)."""
        return [reply.key for reply in self.last if reply.key]

    @property
    def values(self) -> list[OptionValue]:
        """The typed values of the options offered by the last replies."""
        decoded = [decode(option.id) for option in self.options]
        assert all(value is not None for value in decoded), "an offered id does not decode"
        return [value for value in decoded if value is not None]

    def offered(self, kind: type[V]) -> list[V]:
        """The offered options of one kind, as typed values."""
        return [value for value in self.values if isinstance(value, kind)]

    def choose(self, value: OptionValue) -> str:
        """Press the option of a typed value (it need not be offered: a forged press)."""
        return self.send(Choice(value.id))

    def answer(self, value: int) -> str:
        """Press the button of a 1-5 answer to the statement on screen."""
        button = next(
            (o for o in self.options if o.id.startswith("ans:") and o.key == str(value)), None
        )
        assert button is not None, f"no answer button {value} among {[o.id for o in self.options]}"
        return self.send(Choice(button.id))


@pytest.fixture
def chat(engine: DialogueEngine) -> ChatDriver:
    """A user ready to talk to the in-memory engine."""
    return ChatDriver(engine)


def _sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = database.make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    database.upgrade(engine)
    yield engine
    engine.dispose()


def _postgres_engine() -> Iterator[Engine]:
    probe = database.make_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with probe.connect():
            pass
    except Exception as error:
        probe.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(error).__name__}")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with probe.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # Each test gets its own schema, so tests never see each other's rows.
    engine = database.make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    database.upgrade(engine)
    yield engine
    engine.dispose()
    with probe.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    probe.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database: SQLite in a temporary folder, then PostgreSQL in its own schema."""
    if request.param == "sqlite":
        yield from _sqlite_engine(tmp_path)
    else:
        yield from _postgres_engine()


@pytest.fixture
def sql_engine_factory(
    db_engine: Engine,
    content: Content,
    clock: FakeClock,
    card_index: FakeCardIndex,
    cue_detector: EmotionDetector,
) -> Callable[[], DialogueEngine]:
    """Builds independent dialogue engines over the same database, like separate processes."""

    def build() -> DialogueEngine:
        return DialogueEngine(
            database.unit_of_work_factory(db_engine),
            content,
            clock,
            cards=card_index,
            emotions=cue_detector,
        )

    return build
