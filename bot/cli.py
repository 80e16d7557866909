"""The `trustcoach` command line: a thin layer over the services."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys
from collections.abc import Callable, Sequence

from bot.cli_cohort import add_commands as add_cohort_commands
from bot.cli_cohort import run_cohort
from bot.cli_emotions import add_commands as add_emotion_commands
from bot.cli_emotions import analyze, eval_emotions
from bot.cli_knowledge import add_commands, build_index, eval_retrieval, kb_check, search
from bot.cli_telegram import add_commands as add_telegram_commands
from bot.cli_telegram import run_telegram, run_webhook
from bot.config import ConfigError, Settings, load_settings

EXIT_USAGE = 2
EXIT_FAILURE = 1

EPILOG = """examples:
  trustcoach chat                          talk with the coach in this terminal
  trustcoach chat --user ana --lang fr --role buyer < answers.txt
  trustcoach db upgrade                    create or migrate the database
  trustcoach kb check                      validate the knowledge cards, print coverage
  trustcoach index                         build the card index
  trustcoach search "late delivery again" --k 3 --json
  trustcoach eval retrieval                hit@1, hit@3, MRR per language
  trustcoach analyze "third late delivery, I'm furious" --json
  trustcoach eval emotions                 accuracy, macro-F1, confusion table
  trustcoach cohort list                   trainers' cohorts and how many trainees share
  trustcoach cohort export 3 --out g.csv   one cohort as CSV (by id or invitation code)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustcoach",
        description="TrustCoach: a coach for trust and emotions in buyer-supplier relationships.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    chat = commands.add_parser(
        "chat",
        help="chat with the coach in the terminal (answers can be piped on standard input)",
        description="Chat with the coach. Example: trustcoach chat --user ana --lang fr",
    )
    chat.add_argument(
        "--user", default=None, help="whose conversation and progress (default: your login name)"
    )
    chat.add_argument(
        "--lang", choices=["en", "fr"], help="answer in this language (skips the question)"
    )
    chat.add_argument(
        "--role", choices=["buyer", "supplier", "trainer"], help="your role (skips the question)"
    )
    db = commands.add_parser(
        "db",
        help="database maintenance",
        description="Database maintenance. Example: trustcoach db upgrade",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_commands.add_parser(
        "upgrade", help="create or migrate the database to the newest schema"
    )
    upgrade.add_argument("--quiet", action="store_true", help="print nothing when all is well")
    db_commands.add_parser("current", help="print the schema revision of the database")
    eval_commands = add_commands(commands)
    add_emotion_commands(commands, eval_commands)
    add_telegram_commands(commands)
    add_cohort_commands(commands)
    return parser


def _chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bootstrap import build_services  # noqa: PLC0415 - keep --help fast
    from bot.channels.terminal import run_chat  # noqa: PLC0415

    services = build_services(settings)
    try:
        user = args.user or getpass.getuser()
        images = settings.data_dir / "images"
        engine = services.engine
        return run_chat(lambda: engine, user, images, args.lang, args.role, services.warm_up)
    finally:
        services.close()


def _db(settings: Settings, args: argparse.Namespace) -> int:
    from bot.adapters.db import database  # noqa: PLC0415
    from bot.bootstrap import prepare_storage  # noqa: PLC0415

    engine = prepare_storage(settings)
    try:
        revision = database.current_revision(engine)
        if args.db_command == "current" or not getattr(args, "quiet", False):
            print(
                f"database {engine.url.render_as_string(hide_password=True)} at revision {revision}"
            )
        return 0
    finally:
        engine.dispose()


def _evaluation(args: argparse.Namespace) -> Callable[[Settings, argparse.Namespace], int]:
    return eval_emotions if args.eval_command == "emotions" else eval_retrieval


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "chat": _chat,
    "db": _db,
    "kb": kb_check,
    "index": build_index,
    "search": search,
    "eval": lambda settings, args: _evaluation(args)(settings, args),
    "analyze": analyze,
    "telegram": run_telegram,
    "webhook": run_webhook,
    "cohort": run_cohort,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
        return COMMANDS[args.command](settings, args)
    except ConfigError as error:
        print(f"trustcoach: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:
        return _report(error)


def _report(error: Exception) -> int:
    from bot.adapters.content.loader import ContentError  # noqa: PLC0415

    if isinstance(error, ContentError):
        print(f"trustcoach: broken content file: {error}", file=sys.stderr)
        return EXIT_USAGE
    logging.getLogger("trustcoach").debug("command failed", exc_info=error)
    print(
        f"trustcoach: {type(error).__name__}: {str(error).splitlines()[0][:300]}", file=sys.stderr
    )
    return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
