"""Command-line entry points for cohorts: list them, export one as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from bot.services.cohort_admin import CohortLine

EXIT_NOT_FOUND = 1


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `cohort list` and `cohort export`."""
    cohort = commands.add_parser(
        "cohort",
        help="trainers' cohorts: list them, export one as CSV",
        description="Example: trustcoach cohort export 3 --out buyers.csv",
    )
    actions = cohort.add_subparsers(dest="cohort_command", metavar="ACTION", required=True)
    actions.add_parser(
        "list", help="every cohort: id, name, trainer, trainees sharing, invitations"
    )
    export = actions.add_parser(
        "export", help="one row per consenting trainee: latest scores and exercises (CSV)"
    )
    export.add_argument("cohort", help="the cohort's id (see `cohort list`) or its current code")
    export.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    export.add_argument(
        "--lang", choices=["en", "fr"], default="en", help="language of exercise titles"
    )


def run_cohort(settings: Settings, args: argparse.Namespace) -> int:
    """List cohorts or export one."""
    from bot.bootstrap import build_services  # noqa: PLC0415 - keep --help fast

    services = build_services(settings)
    try:
        if args.cohort_command == "list":
            return _list(services.cohorts.cohorts())
        attachment = services.cohorts.export(args.cohort, args.lang)
        if attachment is None:
            print(
                f"trustcoach: no cohort {args.cohort!r} (see `trustcoach cohort list`)",
                file=sys.stderr,
            )
            return EXIT_NOT_FOUND
        if args.out is None:
            sys.stdout.write(attachment.data.decode("utf-8"))
        else:
            args.out.write_bytes(attachment.data)
            print(f"wrote {args.out}")
        return 0
    finally:
        services.close()


def _list(lines: list[CohortLine]) -> int:
    if not lines:
        print("no cohort yet")
        return 0
    for line in lines:
        state = "open" if line.open else "closed"
        print(f"{line.id}\t{line.name}\t{line.trainer}\t{line.trainees} trainees\t{state}")
    return 0
