"""Command-line entry points of the Telegram bot: long polling and webhook."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from typing import TYPE_CHECKING

from bot.bootstrap import Services, build_services
from bot.config import Settings

if TYPE_CHECKING:
    from telegram.ext import Application

EXIT_USAGE = 2


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `telegram` and `webhook`."""
    commands.add_parser(
        "telegram",
        help="run the Telegram bot by long polling (needs TRUSTCOACH_TELEGRAM_TOKEN)",
        description="Example: TRUSTCOACH_TELEGRAM_TOKEN=123:abc trustcoach telegram",
    )
    commands.add_parser(
        "webhook",
        help="run the Telegram bot behind a webhook (URL, port, path and secret from settings)",
        description="Example: TRUSTCOACH_WEBHOOK_URL=https://bot.example.org/tg trustcoach webhook",
    )


def _token(settings: Settings) -> str | None:
    if settings.telegram_token is None:
        print(
            "trustcoach: TRUSTCOACH_TELEGRAM_TOKEN is not set; ask @BotFather for a token",
            file=sys.stderr,
        )
        return None
    return settings.telegram_token.get_secret_value()


def _bot(settings: Settings, token: str) -> tuple[Services, Application]:  # type: ignore[type-arg]
    """The services, loaded before serving, and the PTB application over them."""
    from bot.channels.telegram.app import build_application  # noqa: PLC0415 - PTB is slow to import

    services = build_services(settings, server=True)
    print("Loading the knowledge base and the emotion model…", flush=True)
    services.warm_up(wait=True)
    # The model and libraries leave millions of long-lived objects; frozen, the garbage
    # collector stops walking them, which would otherwise pause every chat now and then.
    gc.collect()
    gc.freeze()
    application = build_application(
        services.engine,
        token,
        settings.telegram_api_url,
        settings.telegram_file_url,
        max_rate=settings.telegram_max_rate,
        reminders=services.reminders,
        reminder_interval=settings.reminder_interval,
    )
    return services, application


def run_telegram(settings: Settings, _args: argparse.Namespace) -> int:
    """Run the bot by long polling."""
    token = _token(settings)
    if token is None:
        return EXIT_USAGE
    from bot.channels.telegram.app import run_polling  # noqa: PLC0415

    services, application = _bot(settings, token)
    print("TrustCoach is running on Telegram (long polling). Ctrl-C stops it.", flush=True)
    try:
        run_polling(application)
    finally:
        services.close()
    return 0


def run_webhook(settings: Settings, _args: argparse.Namespace) -> int:
    """Run the bot behind a webhook, with a /health endpoint."""
    token = _token(settings)
    if token is None:
        return EXIT_USAGE
    if settings.webhook_secret is None:
        print(
            "trustcoach: TRUSTCOACH_WEBHOOK_SECRET is not set; webhook mode needs it",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from bot.channels.telegram.app import serve_webhook  # noqa: PLC0415

    services, application = _bot(settings, token)
    secret = settings.webhook_secret.get_secret_value()
    print(
        f"TrustCoach webhook on {settings.webhook_listen}:{settings.webhook_port}"
        f"/{settings.webhook_path}",
        flush=True,
    )
    try:
        asyncio.run(
            serve_webhook(
                application,
                settings.webhook_listen,
                settings.webhook_port,
                settings.webhook_path,
                secret,
                settings.webhook_url,
            )
        )
    finally:
        services.close()
    return 0
