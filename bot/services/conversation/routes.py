"""What a feature declares to the router: its commands, choices, steps and start hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.domain.dialogue import Reply

from .protocol import Flow, OptionValue
from .turn import Turn

V = TypeVar("V", bound=OptionValue)
Replies = list[Reply]


@dataclass(frozen=True)
class Command:
    """A slash command (`/check`), with its other names (`/test`) and how it treats the step.

    `pauses`: running it leaves the step on screen, which is paused first (an assessment keeps
    its answers and says how to resume). `before_setup`: it runs even before the side is known
    (and `before_language`, before the language too); any other command typed then is kept and
    carried out once they are.
    """

    name: str
    run: Callable[[Turn, str], Replies]
    aliases: tuple[str, ...] = ()
    pauses: bool | Callable[[Turn], bool] = True
    before_setup: bool = False
    # Runs even before the language is known (otherwise it waits for it, like any request).
    before_language: bool = False

    def leaves_step(self, turn: Turn) -> bool:
        """Whether running the command now leaves the step on screen (which is then paused)."""
        return self.pauses(turn) if callable(self.pauses) else self.pauses


@dataclass(frozen=True)
class Choose(Generic[V]):
    """What choosing an option of one kind does; `run` returns None when it is stale."""

    value: type[V]
    run: Callable[[Turn, V], Replies | None]
    pauses: bool = False


@dataclass(frozen=True)
class Step:
    """A flow: its prompt (shown again after a notice), what typed text does there, and pausing.

    `read` gets typed text that chose no option on screen (None back means the step is gone:
    stale). `pause` is called when a command leaves the step (and by /cancel) and says what was
    kept. `cancel_key` is what /cancel says when there is nothing to pause; `idle` flows are
    resting points (the menu, cards shown), where there is nothing to cancel.
    """

    flow: Flow
    prompt: Callable[[Turn], Replies]
    read: Callable[[Turn, str], Replies | None] | None = None
    pause: Callable[[Turn], Reply | None] | None = None
    cancel_key: str = "cancelled"
    idle: bool = False
    # Where a sequence stands ("4/10"), for help shown in the middle of it.
    position: Callable[[Turn], str | None] | None = None
    # Setup steps (language, side) keep commands and questions for after.
    setup: bool = False
    # A yes-or-no question: "oui", "ok", "no thanks" choose its first or second option.
    yes_no: bool = False


@dataclass(frozen=True)
class Payload:
    """A start parameter (a Telegram deep link such as `join_CODE`) and what it opens."""

    prefix: str
    run: Callable[[Turn, str], Replies]
    # The command that does the same, to keep the request while the language is not known yet.
    command: str = ""


@dataclass(frozen=True)
class Feature:
    """One feature's routes, merged by the router with the others'."""

    name: str
    commands: tuple[Command, ...] = ()
    choices: tuple[Choose[Any], ...] = ()
    steps: tuple[Step, ...] = ()
    # News for someone who comes back (due reminders, a meeting to debrief), after the welcome.
    on_return: tuple[Callable[[Turn], Replies], ...] = ()
    # A question asked on return instead of the menu (the day's mood), empty when not needed.
    return_prompt: Callable[[Turn], Replies] | None = None
    payloads: tuple[Payload, ...] = ()
    # What free text outside any step gets (one feature answers questions).
    free_text: Callable[[Turn, str], Replies] | None = None
    # The human hand-off for a message that shows distress (None back: no concern), checked on
    # every typed text before any step reads it.
    safety: Callable[[Turn, str], Replies | None] | None = None
