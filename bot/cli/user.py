"""Command-line entry points for one person's data: export it, or erase it (their GDPR rights)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli._registry import EXIT_USAGE, Commands, opened_services

if TYPE_CHECKING:
    from bot.config import Settings

EXIT_NOT_FOUND = 1


def add_commands(commands: Commands) -> None:
    """Register `user export` and `user delete`."""
    user = commands.group("user", summary="one person's data: a copy of it all, or its erasure")
    export = user.add(
        "export",
        export_user,
        summary="everything stored about a person: a Markdown report and a JSON file",
        examples=["trustcoach user export telegram:123456789 --out ./exports"],
    )
    export.add_argument("who", help="CHANNEL:ID, e.g. telegram:123456789 or terminal:ana")
    export.add_argument("--out", type=Path, default=Path(), help="folder for the two files")
    delete = user.add(
        "delete",
        delete_user,
        summary="erase everything stored about a person (asks for --yes)",
        examples=["trustcoach user delete telegram:123456789 --yes"],
    )
    delete.add_argument("who", help="CHANNEL:ID, e.g. telegram:123456789 or terminal:ana")
    delete.add_argument("--yes", action="store_true", help="really erase: it cannot be undone")


def _who(text: str) -> tuple[str, str] | None:
    channel, _, external_id = text.partition(":")
    return (channel, external_id) if channel and external_id else None


def export_user(settings: Settings, args: argparse.Namespace) -> int:
    """Write the person's report and JSON file into the folder given."""
    who = _who(args.who)
    if who is None:
        print("trustcoach: give the person as CHANNEL:ID (telegram:123456789)", file=sys.stderr)
        return EXIT_USAGE
    with opened_services(settings) as services:
        files = services.privacy.export(*who)
    if files is None:
        print(f"trustcoach: nobody is stored as {args.who}", file=sys.stderr)
        return EXIT_NOT_FOUND
    args.out.mkdir(parents=True, exist_ok=True)
    for file in files:
        target = args.out / file.filename
        target.write_bytes(file.data)
        print(target)
    return 0


def delete_user(settings: Settings, args: argparse.Namespace) -> int:
    """Erase the person, after --yes; print what was erased, table by table."""
    who = _who(args.who)
    if who is None or not args.yes:
        print(
            "trustcoach: give the person as CHANNEL:ID and confirm with --yes"
            " (export first with `trustcoach user export` if they asked for a copy)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    with opened_services(settings) as services:
        erased = services.privacy.delete(*who)
    if erased is None:
        print(f"trustcoach: nobody is stored as {args.who}", file=sys.stderr)
        return EXIT_NOT_FOUND
    rows = ", ".join(f"{table} {count}" for table, count in sorted(erased.items()))
    print(f"erased {args.who}: {rows or 'nothing stored'}")
    return 0
