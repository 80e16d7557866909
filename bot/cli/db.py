"""`trustcoach db upgrade` and `trustcoach db current`: database maintenance."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli._registry import EXIT_USAGE, Commands, opened_services

if TYPE_CHECKING:
    from bot.config import Settings


def add_commands(commands: Commands) -> None:
    """Register `db upgrade`, `db current`, `db retention` and `db backup`."""
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
    db.add(
        "retention",
        retention,
        summary="clear what is past its retention period now (the bot also does it every 6 h)",
        examples=["trustcoach db retention"],
    )
    backup_parser = db.add(
        "backup",
        backup,
        summary="copy the SQLite database to a file, safely while the coach runs",
        examples=["trustcoach db backup /var/backups/trustcoach-2026-12-01.db"],
    )
    backup_parser.add_argument("target", type=Path, help="the copy to write (must not exist)")
    db.add(
        "new-key",
        new_key,
        summary="print a new encryption key for TRUSTCOACH_ENCRYPTION_KEY",
        examples=["trustcoach db new-key"],
    )
    db.add(
        "rotate-key",
        rotate_key,
        summary="re-encrypt all free text with the first key of TRUSTCOACH_ENCRYPTION_KEY",
        examples=["TRUSTCOACH_ENCRYPTION_KEY=NEW,OLD trustcoach db rotate-key"],
    )


def new_key(_settings: Settings, _args: argparse.Namespace) -> int:
    """Print a fresh Fernet key."""
    from bot.adapters.db import crypto  # noqa: PLC0415

    print(crypto.new_key())
    return 0


def rotate_key(settings: Settings, _args: argparse.Namespace) -> int:
    """Re-encrypt everything with the first key; the old ones can then be dropped."""
    from bot.adapters.db import database  # noqa: PLC0415
    from bot.bootstrap import prepare_storage  # noqa: PLC0415

    engine = prepare_storage(settings)
    try:
        rows = database.rotate_key(engine)
    finally:
        engine.dispose()
    print(f"re-encrypted {rows} rows with the first key; the others may now be removed")
    return 0


def retention(settings: Settings, _args: argparse.Namespace) -> int:
    """Apply the retention periods once and print what was cleared."""
    with opened_services(settings) as services:
        cleared = services.retention.run()
    if cleared is None:
        print("another process is applying the retention periods right now")
        return 0
    print(", ".join(f"{kind} {count}" for kind, count in cleared.items()))
    return 0


def backup(settings: Settings, args: argparse.Namespace) -> int:
    """SQLite's online backup into a new file (for PostgreSQL, pg_dump: deploy/README.md)."""
    from bot.adapters.db import database  # noqa: PLC0415

    if settings.database_url and not settings.database_url.startswith("sqlite"):
        print("trustcoach: on PostgreSQL use pg_dump (see deploy/README.md)", file=sys.stderr)
        return EXIT_USAGE
    if args.target.exists():
        print(f"trustcoach: {args.target} exists; choose a new file", file=sys.stderr)
        return EXIT_USAGE
    pages = database.backup_sqlite(settings.sqlalchemy_url, args.target)
    print(f"backed up to {args.target} ({pages} pages)")
    return 0


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
