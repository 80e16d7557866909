"""Telegram updates in, engine events through, Telegram messages out. No coaching logic here."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import timedelta

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.domain.dialogue import Choice, Inbound, Reply, ReplyKind, Start, Text
from bot.domain.framework import Language, as_language
from bot.services.cohorts.nudges import ReminderService
from bot.services.engine import DialogueEngine, Outcome, Pressed

from . import render

CHANNEL = "telegram"
log = logging.getLogger(__name__)
SEND_ATTEMPTS = 3
DRAWING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")


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


@dataclass
class TelegramContext:
    """What the handlers need, kept in bot_data under one typed key."""

    engine: DialogueEngine
    reminders: ReminderService | None = None
    flood: FloodGuard = field(default_factory=FloodGuard)
    locks: dict[int, asyncio.Lock] = field(default_factory=lambda: defaultdict(asyncio.Lock))


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
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    text = message.text or message.caption or ""  # a photo's caption is what the person wrote
    if _for_another_bot(text, context.bot):
        return
    services = coach(context)
    if not await _admitted(services, user.id, message, context):
        return
    event = event_from_text(text, user.language_code)
    outcome = await _handle(services, user.id, event, user.language_code, _deep_link(context.bot))
    await send_replies(context.bot, message.chat_id, [_with_echo(r) for r in outcome.replies])


def _for_another_bot(text: str, bot: Bot) -> bool:
    """A command addressed to another bot (`/check@OtherBot`, in a group): not ours to answer."""
    word = text.strip().split(" ", 1)[0]
    if not word.startswith("/") or "@" not in word:
        return False
    try:
        username = bot.username
    except RuntimeError:  # getMe not called yet: answer rather than drop
        return False
    return word.partition("@")[2].casefold() != (username or "").casefold()


def _with_echo(reply: Reply) -> Reply:
    """A typed answer stays in view above the next statement, as a tapped one does."""
    if not reply.echo:
        return reply
    return replace(reply, text=f"{reply.echo}\n{reply.text}", echo="")


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: the option id goes to the engine, which refuses stale or forged ones."""
    query = update.callback_query
    if query is None:
        return
    services = coach(context)
    if not services.flood.allow(query.from_user.id):
        await query.answer()
        return
    outcome = await _handle(
        services,
        query.from_user.id,
        Choice(query.data or ""),
        query.from_user.language_code,
        _deep_link(context.bot),
    )
    stale = [reply for reply in outcome.replies if reply.kind is ReplyKind.STALE]
    fresh = [reply for reply in outcome.replies if reply.kind is not ReplyKind.STALE]
    if stale:
        # An old or forged button: a note on the button only; the chat already shows where
        # the conversation stands, and a copy of it at each stray press would bury it.
        await query.answer(text=await _stale_note(services, query.from_user.id, stale[0]))
        return
    # The spinner on the button and the answer on screen go out together, not one after the other.
    answering = asyncio.create_task(query.answer())
    in_place = await _next_step_in_place(query, fresh)
    await answering
    if in_place:
        return
    if outcome.pressed is not None:
        await _show_choice(query, outcome.pressed)
    target = query.message if isinstance(query.message, Message) else None
    if target is not None:
        await send_replies(context.bot, target.chat_id, fresh)


async def _stale_note(services: TelegramContext, user_id: int, notice: Reply) -> str:
    """The short note shown on a stale button (Telegram keeps it under 200 characters)."""
    if notice.key != "stale_option":
        return notice.text[:190]
    language = await asyncio.to_thread(services.engine.language_of, CHANNEL, str(user_id))
    return services.engine.text(language, "stale_toast")[:190]


async def _next_step_in_place(query: CallbackQuery, replies: list[Reply]) -> bool:
    """Turn the pressed message into the next step when the reply says it follows it.

    During a self-check the message then reads "✓ 4/10 → 3" above the next statement: the
    chosen answer stays visible, the chat does not fill with forty messages, and each tap
    costs one API call.
    """
    message = query.message
    step = replies[0] if len(replies) == 1 else None
    if not isinstance(message, Message) or step is None or not step.replaces_pressed:
        return False
    text = f"{step.echo}\n{step.text}" if step.echo else step.text
    try:
        await message.edit_text(text, reply_markup=render.keyboard(step))
    except BadRequest as error:
        log.debug("could not turn the question in place: %s", error)
        return False
    return True


async def _admitted(
    services: TelegramContext, user_id: int, message: Message, context: ContextTypes.DEFAULT_TYPE
) -> bool:
    if services.flood.allow(user_id):
        return True
    if services.flood.should_warn(user_id):
        language = await asyncio.to_thread(services.engine.language_of, CHANNEL, str(user_id))
        await message.reply_text(services.engine.text(language, "flood_warning"))
    return False


async def _handle(
    services: TelegramContext,
    user_id: int,
    event: Inbound,
    language_code: str | None,
    deep_link: str | None,
) -> Outcome:
    # One user's updates are handled in order; different users run side by side.
    hint: Language | None = as_language(language_code)
    async with services.locks[user_id]:
        return await asyncio.to_thread(
            services.engine.respond, CHANNEL, str(user_id), event, hint, deep_link
        )


def _deep_link(bot: Bot) -> str | None:
    """The prefix of links that open this bot with a start parameter (cohort invitations)."""
    try:
        username = bot.username
    except RuntimeError:  # getMe not called yet: links can wait, the code still works
        return None
    return f"https://t.me/{username}?start=" if username else None


async def _show_choice(query: CallbackQuery, pressed: Pressed) -> None:
    """Show the pressed option under its message and remove the buttons (unless they stay)."""
    message = query.message
    if not isinstance(message, Message) or message.text is None or pressed.stays:
        return
    try:
        await message.edit_text(f"{message.text}\n→ {pressed.label}", reply_markup=None)
    except BadRequest as error:  # already edited, or too old to edit: nothing to show
        log.debug("could not edit the pressed message: %s", error)


async def send_replies(bot: Bot, chat_id: int, replies: list[Reply]) -> None:
    """Send replies in order to a chat: texts (split), photos, files, keyboards."""
    for reply in render.merge_texts(render.merge_cards(replies)):
        markup = render.keyboard(reply)
        text = reply.text
        if reply.image is not None:
            # Off the loop, on a thread of its own, so that answers never queue behind a chart.
            png = await asyncio.get_running_loop().run_in_executor(DRAWING, reply.image.draw)
            as_caption = bool(png) and 0 < len(text) <= render.MAX_CAPTION
            if png:
                caption = text if as_caption else reply.image.caption[: render.MAX_CAPTION]
                keys = markup if as_caption else None
                await _retry(bot.send_photo, chat_id, photo=png, caption=caption, reply_markup=keys)
            text = "" if as_caption else text
            markup = None if as_caption else markup
        await _send_text(bot, chat_id, text, markup)
        file = render.document(reply)
        if file is not None:
            await _retry(bot.send_document, chat_id, document=file)


async def _send_text(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    chunks = render.split_text(text) if text else []
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await _retry(bot.send_message, chat_id, chunk, reply_markup=markup if last else None)
    if not chunks and markup is not None:
        await _retry(bot.send_message, chat_id, "…", reply_markup=markup)


async def send_due_reminders(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A job: claim the due reminders in the database and send them; each goes out once."""
    services = coach(context)
    if services.reminders is None:
        return
    outgoing = await asyncio.to_thread(services.reminders.claim_due, CHANNEL)
    for item in outgoing:
        try:
            await send_replies(context.bot, int(item.external_id), item.replies)
        except (Forbidden, BadRequest) as error:  # the user blocked the bot or deleted the chat
            log.info("reminder not delivered to %s: %s", item.external_id, error)
        except TelegramError:
            log.exception("reminder not delivered to %s", item.external_id)


async def _retry(send: object, *args: object, **kwargs: object) -> None:
    # The rate limiter already waits on flood control; this also rides out brief network errors.
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            await send(*args, **kwargs)  # type: ignore[operator]
            return
        except RetryAfter as error:
            wait = error.retry_after
            await asyncio.sleep(
                wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            )
        except NetworkError:
            if attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(0.5 * attempt)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error with its update, and tell the user without losing anything stored."""
    # The update id, not the update: its text is the user's and stays out of the logs.
    update_id = update.update_id if isinstance(update, Update) else type(update).__name__
    log.error("error while handling update %s", update_id, exc_info=context.error)
    if (
        not isinstance(update, Update)
        or update.effective_chat is None
        or update.effective_user is None
    ):
        return
    services = coach(context)
    language = await asyncio.to_thread(
        services.engine.language_of, CHANNEL, str(update.effective_user.id)
    )
    try:
        await context.bot.send_message(
            update.effective_chat.id, services.engine.text(language, "internal_error")
        )
    except Exception:
        log.exception("could not tell the user about the error")
