"""The `trustcoach` command line: each module of this package registers its own commands."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli import _logs, chat, coaching, cohort, db, emotions, knowledge, reader, telegram, user
from bot.cli._registry import EXIT_FAILURE, EXIT_USAGE, Commands, Handler, evaluations

if TYPE_CHECKING:
    from bot.config import Settings

# In the order `trustcoach --help` lists their commands.
MODULES = (chat, db, knowledge, emotions, reader, coaching, telegram, cohort, user)

EPILOG = """examples:
  trustcoach chat                          talk with the coach in this terminal
  trustcoach chat --user ana --lang fr --role buyer < answers.txt
  trustcoach db upgrade                    create or migrate the database
  trustcoach kb check                      validate the knowledge cards, print coverage
  trustcoach index                         build the card index
  trustcoach search "late delivery again" --k 3 --json
  trustcoach eval all                      every figure: the reader's, then retrieval's
  trustcoach eval retrieval                hit@1, hit@3, MRR per language
  trustcoach eval reader                   emotions, situations, safety, intent per language
  trustcoach reader train                  train the message reader on its corpus
  trustcoach analyze "third late delivery, I'm furious" --json
  trustcoach eval emotions                 accuracy, macro-F1, confusion table
  trustcoach telegram                      the Telegram bot (needs TRUSTCOACH_TELEGRAM_TOKEN)
  trustcoach cohort list                   trainers' cohorts and how many trainees share
  trustcoach cohort export 3 --out g.csv   one cohort as CSV (by id or invitation code)
  trustcoach user export telegram:123      everything stored about a person (report and JSON)
  trustcoach user delete telegram:123 --yes   erase everything stored about a person

`trustcoach COMMAND --help` describes a command, with an example.
"""


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: every module's commands under one `trustcoach` parser."""
    parser = argparse.ArgumentParser(
        prog="trustcoach",
        description="TrustCoach: a coach for trust and emotions in buyer-supplier relationships.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=None)
    commands = Commands(parser.add_subparsers(dest="command", metavar="COMMAND"))
    for module in MODULES:
        module.add_commands(commands)
    evaluations(commands).add(
        "all",
        evaluate_everything,
        summary="every figure: the reader's on each labelled set, then retrieval's",
        examples=["trustcoach eval all"],
    )
    return parser


def evaluate_everything(settings: Settings, _args: argparse.Namespace) -> int:
    """Run each evaluation on its default sets, one after the other."""
    every_set = argparse.Namespace(set=None, errors=False, misses=False)
    return (
        reader.eval_reader(settings, every_set)
        or knowledge.eval_retrieval(settings, every_set)
        or coaching.eval_coaching(settings, every_set)
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.handler is None:
        parser.print_help()
        return EXIT_USAGE
    # Imported only now: pydantic takes a fifth of a second, which --help does not need.
    from bot.config import ConfigError, load_settings  # noqa: PLC0415

    # Everything the coach writes (database, sheets, charts, caches) is its owner's only.
    os.umask(0o077)
    try:
        settings = load_settings()
        _logs.configure(settings.log_level, _secrets(settings), settings.log_personal_data)
        handler: Handler = args.handler
        return handler(settings, args)
    except ConfigError as error:
        print(f"trustcoach: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:
        return _report(error)


def _secrets(settings: Settings) -> list[str]:
    """The values no log line may show."""
    secrets = [settings.telegram_token, settings.webhook_secret, settings.encryption_key]
    found = [secret.get_secret_value() for secret in secrets if secret is not None]
    password = _database_password(settings.database_url)
    return [*found, password] if password else found


def _database_password(url: str | None) -> str | None:
    if not url or "@" not in url:
        return None
    from sqlalchemy import make_url  # noqa: PLC0415 - only with a database URL

    try:
        return make_url(url).password
    except Exception:  # a malformed URL fails later, with its own message
        return None


def _report(error: Exception) -> int:
    from bot.adapters.content.loader import ContentError  # noqa: PLC0415
    from bot.adapters.emotion.data import EmotionDataError  # noqa: PLC0415

    if isinstance(error, ContentError | EmotionDataError):
        # One line naming the file, however many lines the YAML parser's message had.
        print(f"trustcoach: broken content file: {' '.join(str(error).split())}", file=sys.stderr)
        return EXIT_USAGE
    logging.getLogger("trustcoach").debug("command failed", exc_info=error)
    print(
        f"trustcoach: {type(error).__name__}: {str(error).splitlines()[0][:300]}", file=sys.stderr
    )
    return EXIT_FAILURE
