"""Telegram updates in, engine events through, Telegram messages out. No coaching logic here."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.domain.delivery import Delivery
from bot.domain.dialogue import Choice, Inbound, ReplyKind, Start, Text
from bot.domain.framework import Language, as_language
from bot.services.cohorts.nudges import ReminderService
from bot.services.engine import DialogueEngine, Outcome
from bot.services.ports import StorageUnavailableError

from .sending import CHANNEL, LiveReplies, context_for, deliver

__all__ = ["CHANNEL", "TelegramContext", "on_callback", "on_error", "on_message"]
log = logging.getLogger(__name__)
Answer = Callable[..., Coroutine[Any, Any, None]]  # answers a press, with an optional note


@dataclass
class FloodGuard:
    """Per-user limit on updates, so that one person cannot monopolise the bot."""

    # A person tapping through a self-check sends a dozen updates in as many seconds: allow that.
    limit: int = 30
    window: float = 10.0
    _seen: dict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _warned: dict[int, float] = field(default_factory=dict)

    def allow(self, user_id: int, now: float | None = None) -> bool:
        """Tell whether this user's update may be handled now."""
        moment = time.monotonic() if now is None else now
        seen = self._seen[user_id]
        while seen and moment - seen[0] > self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(moment)
        return True

    def should_warn(self, user_id: int, now: float | None = None) -> bool:
        """Warn a flooding user once per window, not at every message."""
        moment = time.monotonic() if now is None else now
        if moment - self._warned.get(user_id, -self.window) < self.window:
            return False
        self._warned[user_id] = moment
        return True


class Commits:
    """Tells the receiver (poller, webhook) when an update's effects are committed.

    Telegram forgets an update once it is confirmed (the next getUpdates offset, the webhook's
    200). Confirmed only after its commit, an update is never lost to a crash: until then it
    is redelivered, and its recorded key makes the redelivery change nothing.
    """

    def __init__(self) -> None:
        self._waiting: dict[int, asyncio.Future[None]] = {}

    def expect(self, update_id: int) -> asyncio.Future[None]:
        """A future resolved once the update is committed (or turned away)."""
        future = self._waiting.get(update_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[update_id] = future
        return future

    def settle(self, update: object) -> None:
        """The update needs nothing more stored: its receiver may confirm it."""
        update_id = update.update_id if isinstance(update, Update) else None
        future = self._waiting.pop(update_id, None) if update_id is not None else None
        if future is not None and not future.done():
            future.set_result(None)


@dataclass
class TelegramContext:
    """What the handlers need, kept in bot_data under one typed key."""

    engine: DialogueEngine
    reminders: ReminderService | None = None
    flood: FloodGuard = field(default_factory=FloodGuard)
    # Taps inside a check are queued, not dropped: only a tapping frenzy is turned away.
    taps: FloodGuard = field(default_factory=lambda: FloodGuard(limit=90))
    locks: dict[int, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))
    # Each user's language as last seen, so that an apology needs no database.
    languages: dict[int, Language] = field(default_factory=dict)
    live: LiveReplies = field(default_factory=LiveReplies)
    commits: Commits = field(default_factory=Commits)

    def language(self, user_id: int, language_code: str | None) -> Language:
        """The user's language without touching the database (for notices and apologies)."""
        known = self.languages.get(user_id)
        return known or as_language(language_code) or self.engine.default_language

    def text(self, user_id: int, language_code: str | None, key: str, **values: object) -> str:
        """A notice in the user's language, worded without the database."""
        return self.engine.text(self.language(user_id, language_code), key, **values)


def coach(context: ContextTypes.DEFAULT_TYPE) -> TelegramContext:
    """The channel's services stored at start-up."""
    services = context.bot_data["coach"]
    assert isinstance(services, TelegramContext)
    return services


def event_from_text(text: str, language_code: str | None) -> Inbound:
    """A /start (with its deep-link payload) or plain text."""
    word, _, payload = text.strip().partition(" ")
    if word.split("@")[0] == "/start":
        return Start(
            language=as_language(language_code),
            payload=payload.strip() or None,
            language_is_hint=True,
        )
    return Text(text)


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message: text (commands included) to the engine; anything else counts as empty text."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    text = message.text or message.caption or ""  # a photo's caption is what the person wrote
    if _for_another_bot(text, context.bot):
        return
    services = coach(context)
    if chat.type != ChatType.PRIVATE:
        await _private_only(services, context.bot, message, text)
        return
    if not await _admitted(services, user.id, message):
        return
    event = event_from_text(text, user.language_code)
    where = context_for(chat.id)
    outcome = await _serve(services, user.id, user.language_code, event, update, where, context)
    if outcome is None:
        await _apologise(services, context.bot, chat.id, user.id, user.language_code)
        return
    await _deliver(services, context.bot, user.id, outcome)


async def _private_only(services: TelegramContext, bot: Bot, message: Message, text: str) -> None:
    """In a group: a short note for a command meant for us; nobody's coaching is posted there."""
    if not text.strip().startswith("/") or message.from_user is None:
        return
    user = message.from_user
    link = f"https://t.me/{_username(bot)}" if _username(bot) else ""
    note = services.text(user.id, user.language_code, "private_only", link=link)
    try:
        await message.reply_text(note.rstrip(": "))
    except TelegramError as error:
        log.info("group note not sent: %s", type(error).__name__)


def _for_another_bot(text: str, bot: Bot) -> bool:
    """A command addressed to another bot (`/check@OtherBot`, in a group): not ours to answer."""
    word = text.strip().split(" ", 1)[0]
    if not word.startswith("/") or "@" not in word:
        return False
    username = _username(bot)
    if username is None:  # getMe not called yet: answer rather than drop
        return False
    return word.partition("@")[2].casefold() != username.casefold()


def _username(bot: Bot) -> str | None:
    try:
        return bot.username or None
    except RuntimeError:  # getMe not called yet
        return None


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: the option id goes to the engine, which refuses stale or forged ones.

    Every press is answered, whatever happens, so that Telegram's spinner always stops.
    """
    query = update.callback_query
    if query is None:
        return
    answered = False

    async def answer(text: str | None = None) -> None:
        nonlocal answered
        if answered:
            return
        answered = True
        try:
            await query.answer(text=text[:190] if text else None)
        except TelegramError as error:  # too late (Telegram gives a press a few seconds)
            log.debug("press not answered: %s", type(error).__name__)

    try:
        await _press(update, query, context, answer)
    finally:
        await answer()


async def _press(
    update: Update, query: CallbackQuery, context: ContextTypes.DEFAULT_TYPE, reply_with: Answer
) -> None:
    services, user = coach(context), query.from_user
    message = query.message if isinstance(query.message, Message) else None
    refusal = _refused_press(message, user.id)
    if refusal is not None:
        await reply_with(services.text(user.id, user.language_code, refusal))
        return
    if not services.taps.allow(user.id):
        await reply_with(services.text(user.id, user.language_code, "taps_too_fast"))
        return
    assert message is not None
    where = context_for(message.chat_id, message.message_id, message.text)
    event = Choice(query.data or "")
    outcome = await _serve(services, user.id, user.language_code, event, update, where, context)
    if outcome is None:
        await reply_with(services.text(user.id, user.language_code, "storage_unavailable"))
        return
    stale = [reply for reply in outcome.replies if reply.kind is ReplyKind.STALE]
    if stale and not outcome.duplicate:
        # An old or forged button: a note on the button only; the chat already shows where
        # the conversation stands, and a copy of it at each stray press would bury it.
        note = stale[0].text if stale[0].key != "stale_option" else None
        await reply_with(note or services.engine.text(outcome.language, "stale_toast"))
        await _deliver(services, context.bot, user.id, outcome)
        return
    # The spinner on the button and the answer on screen go out together.
    answering = asyncio.create_task(reply_with())
    await _deliver(services, context.bot, user.id, outcome)
    await answering


def _refused_press(message: Message | None, user_id: int) -> str | None:
    """A press we do not take: in a group, or on a message of someone else's chat."""
    if message is None:
        return "stale_toast"
    if message.chat.type != ChatType.PRIVATE:
        return "private_only_toast"
    if message.chat_id != user_id:
        return "not_your_message"
    return None


async def _admitted(services: TelegramContext, user_id: int, message: Message) -> bool:
    if services.flood.allow(user_id):
        return True
    if services.flood.should_warn(user_id):
        language_code = message.from_user.language_code if message.from_user else None
        try:
            await message.reply_text(services.text(user_id, language_code, "flood_warning"))
        except TelegramError as error:
            log.info("flood notice not sent: %s", type(error).__name__)
    return False


async def _serve(
    services: TelegramContext,
    user_id: int,
    language_code: str | None,
    event: Inbound,
    update: Update,
    where: dict[str, object],
    context: ContextTypes.DEFAULT_TYPE,
) -> Outcome | None:
    """Hand the event to the engine under the update's id; None when storage is away."""
    hint: Language | None = as_language(language_code)
    # One user's updates are handled in order; different users run side by side.
    async with services.locks[user_id]:
        try:
            outcome = await asyncio.to_thread(
                services.engine.respond,
                CHANNEL,
                str(user_id),
                event,
                hint,
                _deep_link(context.bot),
                update_key=str(update.update_id),
                context=where,
            )
        except StorageUnavailableError as error:
            log.error("update %s: storage unavailable (%s)", update.update_id, error)
            return None
    services.commits.settle(update)  # stored: the receiver may confirm it before we send
    services.languages[user_id] = outcome.language
    if outcome.delivery is not None and not outcome.duplicate:
        services.live.keep(outcome.delivery.id, outcome.replies)
    return outcome


async def _deliver(services: TelegramContext, bot: Bot, user_id: int, outcome: Outcome) -> None:
    await deliver_held(services, bot, str(user_id), outcome.deliveries)


async def deliver_held(
    services: TelegramContext, bot: Bot, external_id: str, held: list[Delivery]
) -> None:
    """Send what this process holds for a user; what fails waits for the sweeper."""
    # Logs name people by their internal id, never by their Telegram id or name.
    who = held[0].user_id if held else "?"
    try:
        await deliver(bot, services.engine, external_id, held, services.live)
    except StorageUnavailableError as error:
        log.error("user #%s: replies wait, storage unavailable (%s)", who, error)
    except TelegramError as error:
        log.warning("user #%s: replies wait for a retry (%s)", who, type(error).__name__)


async def _apologise(
    services: TelegramContext, bot: Bot, chat_id: int, user_id: int, language_code: str | None
) -> None:
    try:
        await bot.send_message(
            chat_id, services.text(user_id, language_code, "storage_unavailable")
        )
    except TelegramError as error:
        log.warning("could not ask someone to retry: %s", type(error).__name__)


def _deep_link(bot: Bot) -> str | None:
    """The prefix of links that open this bot with a start parameter (cohort invitations)."""
    username = _username(bot)
    return f"https://t.me/{username}?start=" if username else None


async def send_due_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A job: claim the due reminders in the database and send them; each goes out once."""
    services = coach(context)
    if services.reminders is None:
        return
    try:
        outgoing = await asyncio.to_thread(services.reminders.claim_due, CHANNEL)
    except StorageUnavailableError as error:
        log.error("reminders wait: storage unavailable (%s)", error)
        return
    for item in outgoing:
        await deliver_held(services, context.bot, item.external_id, item.deliveries)


async def send_stranded(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A job: send the replies a process committed but did not send (it died, or lost the net)."""
    services = coach(context)
    try:
        stranded = await asyncio.to_thread(services.engine.stranded, CHANNEL)
    except StorageUnavailableError as error:
        log.error("stranded replies wait: storage unavailable (%s)", error)
        return
    for external_id, held in stranded:
        await deliver_held(services, context.bot, external_id, held)


async def settle_update(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Last handler of every update: whatever happened to it, it may now be confirmed."""
    coach(context).commits.settle(update)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error by update id, and tell the user without touching the database."""
    # The update id, not the update: its text is the user's and stays out of the logs.
    update_id = update.update_id if isinstance(update, Update) else type(update).__name__
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_user is None:
        return
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type != ChatType.PRIVATE:
        return
    services = coach(context)
    key = (
        "storage_unavailable"
        if isinstance(context.error, StorageUnavailableError)
        else "internal_error"
    )
    try:
        await context.bot.send_message(chat.id, services.text(user.id, user.language_code, key))
    except Exception:
        log.exception("could not tell the sender of update %s about the error", update_id)
