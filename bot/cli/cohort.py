"""Command-line entry points for cohorts: list them, export one as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli._registry import Commands, opened_services

if TYPE_CHECKING:
    from bot.config import Settings

EXIT_NOT_FOUND = 1


def add_commands(commands: Commands) -> None:
    """Register `cohort list`, `cohort export` and `cohort audit`."""
    cohort = commands.group("cohort", summary="trainers' cohorts: list them, export one as CSV")
    cohort.add(
        "list",
        list_cohorts,
        summary="every cohort: id, name, trainer, trainees sharing, invitations",
        examples=["trustcoach cohort list"],
    )
    export = cohort.add(
        "export",
        export_cohort,
        summary="one row per consenting trainee: latest scores and exercises (CSV)",
        examples=[
            "trustcoach cohort export 3 --out buyers.csv",
            "trustcoach cohort export K7QW2M9XHC4T --lang fr",
        ],
    )
    export.add_argument("cohort", help="the cohort's id (see `cohort list`) or its current code")
    export.add_argument("--out", type=Path, help="write to this file (default: standard output)")
    export.add_argument(
        "--lang", choices=["en", "fr"], default="en", help="language of exercise titles"
    )
    cohort.add(
        "audit",
        audit_cohorts,
        summary="who opened which cohort's report or export, and when (newest first)",
        examples=["trustcoach cohort audit"],
    )


def list_cohorts(settings: Settings, _args: argparse.Namespace) -> int:
    """Print every cohort, one line each: id, name, trainer, trainees sharing, open or closed."""
    with opened_services(settings) as services:
        lines = services.cohorts.cohorts()
    if not lines:
        print("no cohort yet")
    for line in lines:
        state = "open" if line.open else "closed"
        print(f"{line.id}\t{line.name}\t{line.trainer}\t{line.trainees} trainees\t{state}")
    return 0


def export_cohort(settings: Settings, args: argparse.Namespace) -> int:
    """Write one cohort as CSV to standard output or to --out."""
    with opened_services(settings) as services:
        attachment = services.cohorts.export(args.cohort, args.lang)
    if attachment is None:
        print(
            f"trustcoach: no cohort {args.cohort!r} (see `trustcoach cohort list`)", file=sys.stderr
        )
        return EXIT_NOT_FOUND
    if args.out is None:
        sys.stdout.write(attachment.data.decode("utf-8"))
    else:
        args.out.write_bytes(attachment.data)
        print(f"wrote {args.out}")
    return 0


def audit_cohorts(settings: Settings, _args: argparse.Namespace) -> int:
    """Print the access audit: time, cohort id and name, who, report or export."""
    with opened_services(settings) as services:
        lines = services.cohorts.audit()
    if not lines:
        print("no report or export opened yet")
    for line in lines:
        print(f"{line.at.isoformat()}\t{line.cohort_id}\t{line.cohort}\t{line.who}\t{line.action}")
    return 0
