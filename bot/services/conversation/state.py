"""The typed state of a conversation: its flow, that flow's data, what is on screen, what waits.

Stored as a JSON object in the user's row (`dialogue_state`): `{"flow": "assessment",
"session": 12, "screen": [...], "staying": [...], "pending": "...", "memory": {...}}`. The
flow's data fields sit at the top level, as they always have, so that states stored before
this module still load.
Whatever does not read back cleanly (a flow that no longer exists, a field of the wrong type)
falls back to the menu rather than failing the user's next message.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.domain.dialogue import Option, Reply
from bot.domain.memory import Memory
from bot.domain.text import fold

from .protocol import Flow

MAX_STAYING = 24  # options kept usable by key from earlier screens
MAX_PENDING_CHARS = 1000
RESERVED = frozenset({"flow", "screen", "staying", "pending", "memory"})


class StepData:
    """Base of the data a flow keeps between two messages; subclasses are frozen dataclasses."""


D = TypeVar("D", bound=StepData)
_DATA: dict[Flow, type[StepData]] = {}
# Each data class's fields: name, type and default, read once when the class is declared.
_FIELDS: dict[type[StepData], tuple[tuple[str, Any, object], ...]] = {}


@typing.dataclass_transform(frozen_default=True)
def step_data(*flows: Flow) -> Callable[[type[D]], type[D]]:
    """Declare the data of one or more flows (a frozen dataclass of ints, strs and tuples)."""

    def register(cls: type[D]) -> type[D]:
        declared = dataclass(frozen=True)(cls)
        fields = dataclasses.fields(declared)  # type: ignore[arg-type]
        names = {f.name for f in fields}
        if names & RESERVED:
            raise ValueError(f"{cls.__name__} uses a reserved state key: {names & RESERVED}")
        hints = typing.get_type_hints(declared)
        _FIELDS[declared] = tuple((f.name, hints[f.name], f.default) for f in fields)
        for flow in flows:
            if flow in _DATA:
                raise ValueError(f"flow {flow} has data declared twice")
            _DATA[flow] = declared
        return declared

    return register


def data_type(flow: Flow) -> type[StepData] | None:
    """The data class a flow keeps, or None for flows that keep nothing."""
    return _DATA.get(flow)


@dataclass(frozen=True)
class Shown:
    """An option that was shown: typing its key (or its label) chooses its id."""

    id: str
    key: str
    label: str
    stays: bool = False

    @classmethod
    def of(cls, option: Option) -> Shown:
        """Remember an offered option."""
        return cls(option.id, option.key, option.label, option.stays)


@dataclass
class Conversation:
    """Where one user's conversation stands."""

    flow: Flow = Flow.MENU
    data: StepData | None = None
    # Options of the last reply: typable by key or label.
    screen: tuple[Shown, ...] = ()
    # Options that stay usable by key while in view (cards, exercises), newest first.
    staying: tuple[Shown, ...] = ()
    # A command or question typed before the language and side were known, carried out after.
    pending: str | None = None
    # What the person said about the meeting ahead, kept for a limited time (domain.memory).
    memory: Memory | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Conversation:
        """Read a stored state; anything unreadable becomes the menu, never an error."""
        try:
            flow = Flow(str(raw.get("flow", Flow.MENU.value)))
        except ValueError:
            flow = Flow.MENU
        data = _read_data(flow, raw)
        if data_type(flow) is not None and data is None:
            flow = Flow.MENU  # the step's data is gone or damaged: start from the menu
        pending = raw.get("pending")
        return cls(
            flow=flow,
            data=data,
            screen=_read_shown(raw.get("screen")),
            staying=_read_shown(raw.get("staying")),
            pending=pending[:MAX_PENDING_CHARS] if isinstance(pending, str) else None,
            memory=Memory.from_json(raw.get("memory")),
        )

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored with the user."""
        stored: dict[str, Any] = {"flow": self.flow.value}
        if self.data is not None:
            for name, _, _ in _FIELDS[type(self.data)]:
                value = getattr(self.data, name)
                stored[name] = list(value) if isinstance(value, tuple) else value
        if self.screen:
            stored["screen"] = [_shown_json(shown) for shown in self.screen]
        if self.staying:
            stored["staying"] = [_shown_json(shown) for shown in self.staying]
        if self.pending:
            stored["pending"] = self.pending
        if self.memory is not None:
            stored["memory"] = self.memory.to_json()
        return stored

    def show(self, replies: list[Reply]) -> None:
        """Record what a turn put on screen: its options replace the screen, staying ones stay."""
        offered = [Shown.of(option) for reply in replies for option in reply.options]
        self.screen = tuple(offered)
        fresh = [shown for shown in reversed(offered) if shown.stays]
        keys = {shown.key for shown in offered}
        # An older staying option gives way to any newer option with the same key.
        older = [shown for shown in self.staying if shown.key not in keys]
        self.staying = tuple(_unique([*fresh, *older]))[:MAX_STAYING]

    def typed(self, folded: str, by_label: bool) -> Shown | None:
        """The option on screen whose key (or label) is the folded text, newest first."""
        for shown in self.screen:
            if folded == fold_key(shown.key) or (by_label and folded == fold_key(shown.label)):
                return shown
        return next((s for s in self.staying if folded == fold_key(s.key)), None)

    def shown_option(self, option_id: str) -> Shown | None:
        """The option with this id, if it is on screen or staying."""
        return next((s for s in (*self.screen, *self.staying) if s.id == option_id), None)


def fold_key(text: str) -> str:
    """A key or label as it is compared with typed text."""
    return " ".join(fold(text).split())


def _unique(options: list[Shown]) -> list[Shown]:
    seen: set[str] = set()
    kept = []
    for shown in options:
        if shown.key not in seen:
            seen.add(shown.key)
            kept.append(shown)
    return kept


def _shown_json(shown: Shown) -> list[object]:
    return [shown.id, shown.key, shown.label, shown.stays]


def _read_shown(raw: object) -> tuple[Shown, ...]:
    if not isinstance(raw, list):
        return ()
    shown = []
    for item in raw:
        if (
            isinstance(item, list)
            and len(item) == 4
            and all(isinstance(part, str) for part in item[:3])
            and isinstance(item[3], bool)
        ):
            shown.append(Shown(item[0], item[1], item[2], item[3]))
    return tuple(shown)


def _read_data(flow: Flow, raw: Mapping[str, Any]) -> StepData | None:
    cls = data_type(flow)
    if cls is None:
        return None
    values: dict[str, object] = {}
    for name, hint, default in _FIELDS[cls]:
        present = name in raw
        if not present and default is dataclasses.MISSING:
            return None
        value = _typed(raw.get(name), hint) if present else default
        if value is _INVALID:
            return None
        values[name] = value
    return cls(**values)


_INVALID = object()


def _typed(value: object, hint: Any) -> object:
    """A stored JSON value checked against its field type (int, str, bool, str tuples, or None)."""
    args = typing.get_args(hint)
    if type(None) in args:
        if value is None:
            return None
        hint = next(arg for arg in args if arg is not type(None))
    if typing.get_origin(hint) is tuple:
        strings = isinstance(value, list) and all(isinstance(item, str) for item in value)
        return tuple(value) if strings else _INVALID  # type: ignore[arg-type]
    accepts = _ACCEPTS.get(hint)
    return value if accepts is not None and accepts(value) else _INVALID


_ACCEPTS: dict[Any, Callable[[object], bool]] = {
    bool: lambda value: isinstance(value, bool),
    int: lambda value: isinstance(value, int) and not isinstance(value, bool),
    str: lambda value: isinstance(value, str),
}
