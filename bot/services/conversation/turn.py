"""The context of one inbound event: who, their conversation, and how to word replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Protocol, TypeVar

from bot.domain.clock import local, zone_of
from bot.domain.content import Content
from bot.domain.dialogue import Attachment, Layout, Option, Reply, ReplyKind, User
from bot.domain.emotions import EmotionReading
from bot.domain.memory import Memory, remember
from bot.services.ports import CardIndex, ChartRenderer, EmotionDetector, UnitOfWork

from .protocol import Flow, OptionValue
from .state import Conversation, StepData, data_type

D = TypeVar("D", bound=StepData)


class Navigator(Protocol):
    """What steps may ask of the router without importing it (it imports every feature)."""

    def prompt(self, turn: Turn) -> list[Reply]:
        """The question of the step on screen, shown again."""

    def dispatch(self, turn: Turn, text: str) -> list[Reply]:
        """Handle text as if the user had just typed it (a request kept during the setup)."""

    def position(self, turn: Turn) -> str | None:
        """Where the step on screen stands ("4/10"), if it is a sequence."""


class _Detached:
    """The navigator of a turn handled outside the router (reminders): steps are not shown."""

    def prompt(self, turn: Turn) -> list[Reply]:
        return []

    def dispatch(self, turn: Turn, text: str) -> list[Reply]:
        return []

    def position(self, turn: Turn) -> str | None:
        return None


@dataclass
class Turn:
    """One event being handled inside one unit of work."""

    user: User
    uow: UnitOfWork
    content: Content
    now: datetime
    cards: CardIndex | None = None
    emotions: EmotionDetector | None = None
    charts: ChartRenderer | None = None
    # Who may become a trainer ("channel:id"); None lets anyone.
    trainer_allowlist: frozenset[str] | None = None
    # The channel's link prefix that opens the coach with a start parameter (Telegram deep links).
    deep_link: str | None = None
    navigator: Navigator = field(default_factory=_Detached)
    # Messages already read during this turn (the safety check and the answer read them both).
    readings: dict[str, EmotionReading] = field(default_factory=dict)
    # Set when the person had everything erased during this turn: nothing of them is saved.
    forgotten: bool = False
    conversation: Conversation = field(init=False)

    def __post_init__(self) -> None:
        self.conversation = Conversation.from_json(self.user.state)

    def t(self, key: str, **values: object) -> str:
        """Return a user-facing text in the user's language."""
        return self.content.messages.text(self.user.language, key, **values)

    def reply(
        self,
        key: str,
        options: tuple[Option, ...] = (),
        *,
        layout: Layout = Layout.LIST,
        kind: ReplyKind = ReplyKind.MESSAGE,
        attachment: Attachment | None = None,
        **values: object,
    ) -> Reply:
        """Build a reply from a text key (its placeholders filled from `values`)."""
        text = self.t(key, **values)
        return Reply(text, options, layout=layout, kind=kind, attachment=attachment, key=key)

    @property
    def flow(self) -> Flow:
        """The step the conversation is in (the menu when idle)."""
        return self.conversation.flow

    def data(self, kind: type[D]) -> D | None:
        """The current flow's data, if it is of this kind."""
        data = self.conversation.data
        return data if isinstance(data, kind) else None

    def go(self, flow: Flow, data: StepData | None = None) -> None:
        """Move the conversation to a step, with the data that step keeps."""
        expected = data_type(flow)
        if (expected is None) != (data is None) or (
            data is not None and type(data) is not expected
        ):
            raise TypeError(f"flow {flow} keeps {expected}, not {type(data).__name__}")
        self.conversation.flow = flow
        self.conversation.data = data

    @property
    def zone(self) -> tzinfo:
        """The user's time zone (guessed from their language until they set one)."""
        return zone_of(self.user.time_zone, self.user.language)

    @property
    def local_now(self) -> datetime:
        """Now, on the user's wall clock: their "today" and "tomorrow"."""
        return local(self.now, self.zone)

    @property
    def memory(self) -> Memory | None:
        """What the person recently said about the meeting ahead; None once it is too old."""
        memory = self.conversation.memory
        return memory if memory is not None and memory.is_fresh(self.now) else None

    def remember(self, text: str, reading: EmotionReading | None) -> Memory:
        """Keep what a message says about the meeting ahead (never called on flagged text)."""
        situations = reading.situations if reading is not None else ()
        emotion = reading.primary if reading is not None else None
        memory = remember(self.memory, text, self.local_now, situations, emotion)
        self.conversation.memory = memory
        return memory

    def save_state(self) -> None:
        """Write the conversation back into the user, to be stored with the unit of work."""
        if self.memory is None:
            self.conversation.memory = None  # past its retention: forgotten, not stored again
        self.user.state = self.conversation.to_json()

    @property
    def user_id(self) -> int:
        """The stored user's id (every handled event has a stored user)."""
        assert self.user.id is not None
        return self.user.id

    def option(
        self, value: OptionValue, label: str, key: str, *, stays: bool = False, group: int = 0
    ) -> Option:
        """An option for a typed value, with the label shown and the key that can be typed."""
        return Option(id=value.id, label=label, key=key, stays=stays, group=group)
