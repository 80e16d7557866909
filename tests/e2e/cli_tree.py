"""Walks the `trustcoach` argparse tree, for tests that must cover every command at every depth."""

from __future__ import annotations

import argparse
import re

from bot.cli import build_parser


def command_paths(parser: argparse.ArgumentParser | None = None) -> list[tuple[str, ...]]:
    """Every command path, the root `()` first: `("db",)`, `("db", "upgrade")`, ..."""
    return [path for path, _ in command_parsers(parser or build_parser())]


def command_parsers(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command path with its parser, depth first."""
    found = [(prefix, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += command_parsers(child, (*prefix, name))
    return found


def examples(parser: argparse.ArgumentParser) -> list[str]:
    """The example command lines at the end of a parser's --help, continuation lines joined."""
    lines = (parser.epilog or "").split("\n\n")[0].splitlines()[1:]
    found: list[str] = []
    continued = False
    for line in lines:
        # The top-level list puts a comment after an example, two or more spaces away.
        text = re.split(r"\s{2,}", line.strip())[0]
        part = text.removesuffix("\\").strip()
        if continued:
            found[-1] = f"{found[-1]} {part}"
        else:
            found.append(part)
        continued = text.endswith("\\")
    return found
