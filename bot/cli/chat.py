"""`trustcoach chat`: the terminal chat."""

from __future__ import annotations

import argparse
import getpass
import logging
import logging.handlers
import threading
from collections.abc import Callable
from pathlib import Path
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

    _log_to_file(settings.data_dir / "logs" / "chat.log")
    services = build_services(settings)
    # What is past its retention period goes, without keeping the person waiting.
    threading.Thread(target=_quiet(services.retention.run), daemon=True).start()
    try:
        user = args.user or getpass.getuser()
        images = settings.data_dir / "images"
        return run_chat(services.engine, user, images, args.lang, args.role, services)
    finally:
        services.close()


LOG_BYTES = 1_000_000


def _quiet(run: Callable[[], object]) -> Callable[[], None]:
    def quietly() -> None:
        try:
            run()
        except Exception as error:  # storage busy or away: the next start tries again
            logging.getLogger(__name__).warning("retention run failed: %s", type(error).__name__)

    return quietly


def _log_to_file(path: Path) -> None:
    """Send the chat's log to a file: warnings and their details never land in the conversation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=2, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in root.handlers:  # the redacting filter (secrets, people's words) comes along
        for kept in old.filters:
            handler.addFilter(kept)
    root.handlers[:] = [handler]
