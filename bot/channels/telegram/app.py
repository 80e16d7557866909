"""Builds the PTB Application and runs it by long polling or behind a webhook."""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
import sys
from collections.abc import Callable

from aiohttp import web
from telegram import BotCommand, Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.domain.health import ResourceState, ResourceStatus
from bot.services.cohorts.nudges import ReminderService
from bot.services.engine import DialogueEngine

from .handlers import (
    TelegramContext,
    on_callback,
    on_error,
    on_message,
    send_due_reminders,
    send_stranded,
)
from .ratelimit import PriorityRateLimiter

log = logging.getLogger(__name__)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
# The commands shown in Telegram's menu, in the order people need them.
COMMANDS = (
    "start", "check", "prepare", "ask", "progress", "assess", "focus",
    "mood", "debrief", "saved", "exercises", "join", "leave", "trainer", "export",
    "menu", "language", "role", "timezone", "help", "cancel",
)  # fmt: skip
HealthProbe = Callable[[], list[ResourceStatus]]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Engine threads hand the interpreter back to the event loop every millisecond instead of every
# five, so that a long transaction does not hold up everyone's taps.
SWITCH_INTERVAL = 0.001
# How often each process looks for replies whose sender died (their lease ran out).
STRANDED_INTERVAL = 10.0
MAX_BODY = 1 << 20  # an update is a few kilobytes; Telegram never sends a megabyte


def build_application(
    engine: DialogueEngine,
    token: str,
    api_url: str,
    file_url: str,
    max_rate: float = 30.0,
    *,
    reminders: ReminderService | None = None,
    reminder_interval: float = 60.0,
    health: HealthProbe | None = None,
) -> Application:  # type: ignore[type-arg]
    """A PTB application whose handlers only translate between Telegram and the engine.

    `max_rate` caps requests per second to chats (Telegram's broadcast limit; 0 lifts the cap,
    e.g. for a self-hosted Bot API server or a load test against a fake one).
    """
    application = (
        Application.builder()
        .token(token)
        .base_url(api_url)
        .base_file_url(file_url)
        .rate_limiter(PriorityRateLimiter(overall_max_rate=max_rate, max_retries=3))
        .concurrent_updates(True)  # different users in parallel; one user's updates stay in order
        .post_init(register_commands)
        .build()
    )
    application.bot_data["coach"] = TelegramContext(engine, reminders)
    application.bot_data["health"] = health
    if application.job_queue is not None:
        # Replies a process committed but never sent (it died): another one sends them.
        application.job_queue.run_repeating(
            send_stranded, interval=STRANDED_INTERVAL, first=1.0, name="stranded"
        )
    if reminders is not None and application.job_queue is not None:
        # Every process looks; the database hands each due reminder to one of them only.
        application.job_queue.run_repeating(
            send_due_reminders,
            interval=reminder_interval,
            first=min(reminder_interval, 5.0),
            name="reminders",
        )
    # Order: button presses, then every message (commands included: the engine routes them).
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, on_message))
    application.add_error_handler(on_error)
    return application


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Show the commands in Telegram's menu, in English and (for French users) in French."""
    engine = application.bot_data["coach"].engine
    for language in ("en", "fr"):
        commands = [BotCommand(name, engine.text(language, f"cmd_{name}")) for name in COMMANDS]
        await application.bot.set_my_commands(
            commands, language_code=None if language == "en" else language
        )


def run_polling(application: Application) -> None:  # type: ignore[type-arg]
    """Run by long polling until interrupted."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    application.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)


def webhook_app(application: Application, path: str, secret: str | None) -> web.Application:  # type: ignore[type-arg]
    """The HTTP side of webhook mode: the update endpoint (secret checked) and /health."""

    async def receive(request: web.Request) -> web.Response:
        if secret is not None and not _same_secret(request.headers.get(SECRET_HEADER), secret):
            return web.Response(status=403, text="forbidden")
        try:
            body = await request.json()
            update = Update.de_json(body, application.bot) if isinstance(body, dict) else None
        except (ValueError, KeyError, TypeError, AttributeError):
            update = None
        if update is None:
            return web.Response(status=400, text="not an update")
        await application.update_queue.put(update)
        return web.Response(text="ok")

    async def health(_request: web.Request) -> web.Response:
        probe: HealthProbe | None = application.bot_data.get("health")
        statuses = await asyncio.to_thread(probe) if probe is not None else []
        body, ok = health_report(statuses, application.running)
        return web.json_response(body, status=200 if ok else 503)

    server = web.Application(client_max_size=MAX_BODY)
    server.router.add_post(f"/{path.strip('/')}", receive)
    server.router.add_get("/health", health)
    return server


def _same_secret(given: str | None, secret: str) -> bool:
    """Compare in constant time, so that response times do not reveal the secret."""
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


def health_report(statuses: list[ResourceStatus], running: bool) -> tuple[dict[str, object], bool]:
    """The /health body: each part (database, card index, emotion reader...) on its own.

    Not ready (503) while the bot is not running or a part is loading or failed; a part that
    serves a fallback (emotions read from cues only) is "degraded" but answers.
    """
    parts = {s.name: {"state": s.state.value, "detail": s.detail} for s in statuses}
    ok = running and all(status.usable for status in statuses)
    degraded = any(status.state is not ResourceState.READY for status in statuses)
    state = "unavailable" if not ok else "degraded" if degraded else "ok"
    return {"status": state, "running": running, "parts": parts}, ok


async def serve_webhook(
    application: Application,  # type: ignore[type-arg]
    listen: str,
    port: int,
    path: str,
    secret: str | None,
    public_url: str | None,
    stop: asyncio.Event | None = None,
    on_listening: Callable[[], None] | None = None,
) -> None:
    """Run the webhook server until `stop` is set (or a signal arrives).

    It listens before it tells Telegram where to post, and says it is up (`on_listening`)
    only then: updates never arrive at a closed port.
    """
    stop = stop or _stop_on_signals()
    await application.initialize()
    await register_commands(application)  # post_init runs only under run_polling/run_webhook
    await application.start()
    runner = web.AppRunner(webhook_app(application, path, secret))
    await runner.setup()
    await web.TCPSite(runner, listen, port).start()
    if public_url:
        await application.bot.set_webhook(
            public_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
        )
    log.info("webhook listening on %s:%s/%s", listen, port, path)
    if on_listening is not None:
        on_listening()
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await application.stop()
        await application.shutdown()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
