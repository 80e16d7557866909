"""Builds the PTB Application and runs it by long polling or behind a webhook."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web
from telegram import Bot, BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

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
    settle_update,
)
from .ratelimit import PriorityRateLimiter

log = logging.getLogger(__name__)
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
# The commands shown in Telegram's menu, in the order people need them.
COMMANDS = (
    "start", "check", "prepare", "ask", "progress", "assess", "focus",
    "mood", "debrief", "saved", "exercises", "join", "leave", "trainer", "export",
    "menu", "language", "role", "timezone", "privacy", "mydata", "forget", "help", "cancel",
)  # fmt: skip
HealthProbe = Callable[[], list[ResourceStatus]]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Engine threads hand the interpreter back to the event loop every millisecond instead of every
# five, so that a long transaction does not hold up everyone's taps.
SWITCH_INTERVAL = 0.001
# How often each process looks for replies whose sender died (their lease ran out).
STRANDED_INTERVAL = 3.0
RETENTION_INTERVAL = 6 * 3600.0  # seconds between two retention runs (any process may run it)
POLL_TIMEOUT = 10  # seconds a getUpdates call waits for news
# Longest wait for a batch's commits before confirming it anyway (a stuck database).
COMMIT_WAIT = 30.0
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
    stranded_interval: float = STRANDED_INTERVAL,
    retention: Callable[[], object] | None = None,
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
        .updater(None)  # our own poller confirms an update only once it is committed
        .build()
    )
    application.bot_data["coach"] = TelegramContext(engine, reminders)
    application.bot_data["health"] = health
    if application.job_queue is not None:
        # Replies a process committed but never sent (it died): another one sends them.
        application.job_queue.run_repeating(
            send_stranded, interval=stranded_interval, first=1.0, name="stranded"
        )
    if retention is not None and application.job_queue is not None:
        application.job_queue.run_repeating(
            _retention_job(retention), interval=RETENTION_INTERVAL, first=30.0, name="retention"
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
    # After any handler (or none): the update may be confirmed to Telegram.
    application.add_handler(TypeHandler(object, settle_update), group=1)
    application.add_error_handler(on_error)
    return application


def _retention_job(run: Callable[[], object]) -> Callable[[object], Coroutine[Any, Any, None]]:
    """The retention run as a job, off the event loop; a failure waits for the next run."""

    async def job(_context: object) -> None:
        try:
            await asyncio.to_thread(run)
        except Exception as error:  # the storage may be away: the next run catches up
            log.warning("retention run failed: %s", type(error).__name__)

    return job


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Show the commands in Telegram's menu, in English and (for French users) in French."""
    engine = application.bot_data["coach"].engine
    for language in ("en", "fr"):
        commands = [BotCommand(name, engine.text(language, f"cmd_{name}")) for name in COMMANDS]
        await application.bot.set_my_commands(
            commands, language_code=None if language == "en" else language
        )


def run_polling(application: Application) -> None:  # type: ignore[type-arg]
    """Run by long polling until interrupted (SIGINT, SIGTERM)."""
    sys.setswitchinterval(SWITCH_INTERVAL)

    async def main() -> None:
        stop = _stop_on_signals()
        await application.initialize()
        await register_commands(application)
        await application.start()
        try:
            await poll(application, stop)
        finally:
            await application.stop()
            await application.shutdown()

    asyncio.run(main())


async def poll(
    application: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    timeout: int = POLL_TIMEOUT,
) -> None:
    """Fetch updates and confirm each batch only once every update of it is committed.

    PTB's own poller confirms a batch as soon as it has fetched it: a crash then loses the
    updates being handled. Here a crash before the commit gets them redelivered, and the
    update keys make the redelivery change nothing.
    """
    bot, commits = application.bot, application.bot_data["coach"].commits
    offset: int | None = None
    failures = 0
    while not stop.is_set():
        try:
            updates = await _fetch(bot, offset, timeout, stop)
        except TelegramError as error:
            failures += 1
            log.warning("getUpdates failed (%s); retrying", type(error).__name__)
            await _pause(stop, min(30.0, 0.5 * 2**failures))
            continue
        failures = 0
        if not updates:
            continue
        committed = [commits.expect(update.update_id) for update in updates]
        for update in updates:
            await application.update_queue.put(update)
        await asyncio.wait(committed, timeout=COMMIT_WAIT)
        offset = updates[-1].update_id + 1
    if offset is not None:  # confirm the last batch before leaving
        with contextlib.suppress(TelegramError):
            await bot.get_updates(offset=offset, timeout=0, limit=1)


async def _fetch(
    bot: Bot, offset: int | None, timeout: int, stop: asyncio.Event
) -> tuple[Update, ...]:
    """One getUpdates call, given up at once when the bot stops (nothing fetched is lost)."""
    fetching = asyncio.ensure_future(
        bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
    )
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not fetching.done():
        fetching.cancel()
        return ()
    return fetching.result()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


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
        committed = application.bot_data["coach"].commits.expect(update.update_id)
        await application.update_queue.put(update)
        # Telegram forgets the update at our 200: answer once it is stored (a crash before
        # gets it redelivered); past the wait, 503 asks for it again, which changes nothing.
        try:
            await asyncio.wait_for(asyncio.shield(committed), COMMIT_WAIT)
        except TimeoutError:
            return web.Response(status=503, text="busy")
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
    sys.setswitchinterval(SWITCH_INTERVAL)
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
