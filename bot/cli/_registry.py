"""What the command-line modules share: a level of sub-commands to register on, exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from bot.bootstrap import Services
    from bot.config import Settings

EXIT_FAILURE = 1
EXIT_USAGE = 2

Handler: TypeAlias = "Callable[[Settings, argparse.Namespace], int]"
SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


@contextmanager
def opened_services(settings: Settings) -> Iterator[Services]:
    """The services of a one-shot command, closed when it is done."""
    from bot.bootstrap import build_services  # noqa: PLC0415 - keep --help fast

    services = build_services(settings)
    try:
        yield services
    finally:
        services.close()


class Commands:
    """One level of sub-commands; each command-line module adds its own commands to it."""

    def __init__(self, action: SubParsers, owner: argparse.ArgumentParser | None = None) -> None:
        self._action = action
        # The parser of a group (`db`): its --help lists the examples of the group's commands.
        self._owner = owner
        self._owner_examples: list[str] = []
        self._groups: dict[str, Commands] = {}

    def add(
        self,
        name: str,
        handler: Handler,
        *,
        summary: str,
        examples: Sequence[str],
        description: str | None = None,
    ) -> argparse.ArgumentParser:
        """Add a command that runs `handler`; its --help ends with its examples."""
        parser = self._parser(name, summary, description)
        parser.epilog = _examples(examples)
        parser.set_defaults(handler=handler)
        if self._owner is not None:
            self._owner_examples.append(examples[0])
            self._owner.epilog = _examples(self._owner_examples)
        return parser

    def group(self, name: str, *, summary: str, metavar: str = "ACTION") -> Commands:
        """The sub-commands of `name` (`db upgrade`), created by the first module that asks."""
        if name not in self._groups:
            parser = self._parser(name, summary, None)
            action = parser.add_subparsers(dest=f"{name}_command", metavar=metavar, required=True)
            self._groups[name] = Commands(action, owner=parser)
        return self._groups[name]

    def _parser(self, name: str, summary: str, description: str | None) -> argparse.ArgumentParser:
        return self._action.add_parser(
            name,
            help=summary,
            description=description or f"{summary[0].upper()}{summary[1:]}.",
            # Keeps the examples' line breaks; argparse would otherwise join them into one.
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )


def evaluations(commands: Commands) -> Commands:
    """The `eval` group, which the knowledge and the emotion modules both add to."""
    return commands.group(
        "eval", summary="measure quality on labelled sets (retrieval, emotions)", metavar="WHAT"
    )


def _examples(examples: Sequence[str]) -> str:
    title = "example:" if len(examples) == 1 else "examples:"
    lines = [f"  {line}" for example in examples for line in example.splitlines()]
    return "\n".join([title, *lines])
