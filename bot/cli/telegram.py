"""Command-line entry points of the Telegram bot: long polling and webhook."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from typing import TYPE_CHECKING

from bot.cli._registry import EXIT_USAGE, Commands

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.bootstrap import Services
    from bot.config import Settings

# Shaped like real values, so that the examples pass the settings' checks as they stand.
EXAMPLE_TOKEN = "TRUSTCOACH_TELEGRAM_TOKEN=123456789:AAE-your-token-from-BotFather"
WEBHOOK_EXAMPLE = f"""{EXAMPLE_TOKEN} \\
TRUSTCOACH_WEBHOOK_SECRET=a-long-random-secret \\
TRUSTCOACH_WEBHOOK_URL=https://bot.example.org/telegram \\
trustcoach webhook"""


def add_commands(commands: Commands) -> None:
    """Register `telegram` and `webhook`."""
    commands.add(
        "telegram",
        run_telegram,
        summary="run the Telegram bot by long polling (needs TRUSTCOACH_TELEGRAM_TOKEN)",
        examples=[f"{EXAMPLE_TOKEN} trustcoach telegram"],
    )
    commands.add(
        "webhook",
        run_webhook,
        summary="run the Telegram bot behind a webhook (URL, port, path and secret from settings)",
        description=(
            "Run the Telegram bot behind a reverse proxy: serve POST /TRUSTCOACH_WEBHOOK_PATH on\n"
            "TRUSTCOACH_WEBHOOK_LISTEN:TRUSTCOACH_WEBHOOK_PORT (default 127.0.0.1:8443/telegram)\n"
            "and GET /health, and register TRUSTCOACH_WEBHOOK_URL with Telegram. Needs\n"
            "TRUSTCOACH_TELEGRAM_TOKEN and TRUSTCOACH_WEBHOOK_SECRET (1-256 characters among\n"
            "A-Z, a-z, 0-9, _ and -), which Telegram sends back with every update."
        ),
        examples=[WEBHOOK_EXAMPLE],
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
    from bot.bootstrap import build_services  # noqa: PLC0415 - keep --help fast
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
        health=lambda: [services.database_status(), *services.statuses()],
        retention=services.retention.run,
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

    def listening() -> None:
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
                on_listening=listening,
            )
        )
    finally:
        services.close()
    return 0
