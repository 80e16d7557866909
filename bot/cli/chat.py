"""`trustcoach chat`: the terminal chat."""

from __future__ import annotations

import argparse
import getpass
from typing import TYPE_CHECKING

from bot.cli._registry import Commands

if TYPE_CHECKING:
    from bot.config import Settings


def add_commands(commands: Commands) -> None:
    """Register `chat`."""
    parser = commands.add(
        "chat",
        chat,
        summary="chat with the coach in the terminal (answers can be piped on standard input)",
        examples=[
            "trustcoach chat --user ana --lang fr --role buyer",
            "trustcoach chat --user ana < answers.txt",
        ],
    )
    parser.add_argument(
        "--user", default=None, help="whose conversation and progress (default: your login name)"
    )
    parser.add_argument(
        "--lang", choices=["en", "fr"], help="answer in this language (skips the question)"
    )
    parser.add_argument(
        "--role", choices=["buyer", "supplier", "trainer"], help="your role (skips the question)"
    )


def chat(settings: Settings, args: argparse.Namespace) -> int:
    """Talk with the coach in this terminal until the user leaves or the input ends."""
    from bot.bootstrap import build_services  # noqa: PLC0415 - keep --help fast
    from bot.channels.terminal import run_chat  # noqa: PLC0415

    services = build_services(settings)
    try:
        user = args.user or getpass.getuser()
        images = settings.data_dir / "images"
        return run_chat(services.engine, user, images, args.lang, args.role, services)
    finally:
        services.close()
