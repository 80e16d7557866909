"""`trustcoach db upgrade` and `trustcoach db current`: database maintenance."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli._registry import Commands

if TYPE_CHECKING:
    from bot.config import Settings


def add_commands(commands: Commands) -> None:
    """Register `db upgrade` and `db current`."""
    db = commands.group("db", summary="database maintenance")
    upgrade_parser = db.add(
        "upgrade",
        upgrade,
        summary="create or migrate the database to the newest schema",
        examples=["trustcoach db upgrade", "trustcoach db upgrade --quiet"],
    )
    upgrade_parser.add_argument(
        "--quiet", action="store_true", help="print nothing when all is well"
    )
    db.add(
        "current",
        current,
        summary="print the schema revision of the database",
        examples=["trustcoach db current"],
    )


def upgrade(settings: Settings, args: argparse.Namespace) -> int:
    """Create or migrate the database, then say which one and at what revision."""
    return _prepare_and_report(settings, quiet=args.quiet)


def current(settings: Settings, _args: argparse.Namespace) -> int:
    """Print the database's schema revision (migrating it first, as every command does)."""
    return _prepare_and_report(settings, quiet=False)


def _prepare_and_report(settings: Settings, quiet: bool) -> int:
    from bot.adapters.db import database  # noqa: PLC0415 - keep --help fast
    from bot.bootstrap import prepare_storage  # noqa: PLC0415

    engine = prepare_storage(settings)
    try:
        revision = database.current_revision(engine)
        if not quiet:
            print(
                f"database {engine.url.render_as_string(hide_password=True)} at revision {revision}"
            )
        return 0
    finally:
        engine.dispose()
