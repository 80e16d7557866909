"""Sends the replies a user is owed, in order, part by part, from the engine's deliveries.

A delivery is planned into parts the same way wherever it is sent from (the handler that made
it, or another process after a crash): the parts already counted are skipped, so a reply that
was committed is sent, and sent once, unless the process dies in the middle of one part.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.domain.delivery import LEASE, Delivery
from bot.domain.dialogue import Reply, ReplyKind
from bot.services.engine import DialogueEngine
from bot.services.ports import StorageUnavailableError

from . import render

CHANNEL = "telegram"
log = logging.getLogger(__name__)
SEND_ATTEMPTS = 3
DRAWING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
# Replies still in memory (with their pictures), by delivery id, for whoever sends them here.
LIVE_LIMIT = 2000
RENEW_EVERY = LEASE.total_seconds() / 3  # a sender still at it renews well before expiry

Step = Callable[[Bot], Awaitable[None]]


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the chat and, after a button press, the pressed message."""

    chat_id: int
    message_id: int | None = None
    message_text: str | None = None
    pressed_label: str | None = None
    pressed_stays: bool = True


def context_for(
    chat_id: int, message_id: int | None = None, message_text: str | None = None
) -> dict[str, Any]:
    """The channel's part of a delivery, stored with it (plain JSON; the engine adds "pressed")."""
    context: dict[str, Any] = {"chat": chat_id}
    if message_id is not None:
        context.update(message=message_id, text=message_text or "")
    return context


def target_of(context: dict[str, Any], fallback_chat: int) -> Target:
    """Read back a stored context (a reminder's chat is its user's id)."""
    chat = _int_or(context.get("chat"), fallback_chat)
    message = context.get("message")
    pressed = context.get("pressed")
    return Target(
        chat_id=chat,
        message_id=message if isinstance(message, int) else None,
        message_text=str(context.get("text") or "") or None,
        pressed_label=str(pressed[0]) if pressed else None,
        pressed_stays=bool(pressed[1]) if pressed else True,
    )


def _int_or(value: object, fallback: int) -> int:
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.lstrip("-").isascii() and text.lstrip("-").isdigit() else fallback


class LiveReplies:
    """Replies made in this process, kept until sent: a picture cannot be stored, only drawn."""

    def __init__(self, limit: int = LIVE_LIMIT) -> None:
        self._limit = limit
        self._replies: OrderedDict[int, list[Reply]] = OrderedDict()

    def keep(self, delivery_id: int, replies: list[Reply]) -> None:
        """Remember a delivery's replies as made."""
        self._replies[delivery_id] = replies
        while len(self._replies) > self._limit:
            self._replies.popitem(last=False)

    def take(self, delivery: Delivery) -> list[Reply]:
        """The replies as made here, else as stored (pictures then send their captions)."""
        return self._replies.pop(delivery.id, None) or delivery.replies


def plan(replies: list[Reply], target: Target) -> list[Step]:
    """The parts of a delivery, in order: each is counted once it went out."""
    fresh = [reply for reply in replies if reply.kind is not ReplyKind.STALE]
    if target.message_id is None:
        return [_send_step(reply, target.chat_id) for reply in _rendered(map(_with_echo, fresh))]
    if len(fresh) == 1 and fresh[0].replaces_pressed:
        return [_in_place_step(fresh[0], target)]
    return [_choice_step(target), *(_send_step(r, target.chat_id) for r in _rendered(fresh))]


def _rendered(replies: Any) -> list[Reply]:
    return render.merge_texts(render.merge_cards(list(replies)))


def _with_echo(reply: Reply) -> Reply:
    """A typed answer stays in view above the next statement, as a tapped one does."""
    if not reply.echo:
        return reply
    return replace(reply, text=f"{reply.echo}\n{reply.text}", echo="")


async def deliver(
    bot: Bot,
    engine: DialogueEngine,
    external_id: str,
    held: list[Delivery],
    live: LiveReplies | None = None,
) -> None:
    """Send the deliveries this caller holds, oldest first, taking any that arrive meanwhile.

    A failure that may pass (network, flood control) stops here: the lease runs out and the
    sweeper sends the rest later. The person's other messages wait behind it, in order.
    """
    fallback_chat = _int_or(external_id, 0)
    while held:
        async with _lease_kept(engine, held):
            delivery = held[0]
            replies = live.take(delivery) if live is not None else delivery.replies
            steps = plan(replies, target_of(delivery.context, fallback_chat))
            for index in range(delivery.sent_parts, len(steps)):
                await steps[index](bot)
                if index < len(steps) - 1:
                    await asyncio.to_thread(engine.sent_parts, delivery.id, index + 1)
        held = await asyncio.to_thread(engine.delivered, CHANNEL, external_id, delivery)


@contextlib.asynccontextmanager
async def _lease_kept(engine: DialogueEngine, held: list[Delivery]) -> AsyncIterator[None]:
    """Renew the lease on what this sender holds while it sends: under load a chart can wait
    behind others longer than the lease, and another worker would send its caption meanwhile."""

    async def keep() -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await asyncio.to_thread(engine.renew, held)
            except StorageUnavailableError:
                log.warning("could not renew a lease: the database is away")

    keeper = asyncio.create_task(keep())
    try:
        yield
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper


def _send_step(reply: Reply, chat_id: int) -> Step:
    async def step(bot: Bot) -> None:
        await send_reply(bot, chat_id, reply)

    return step


def _in_place_step(reply: Reply, target: Target) -> Step:
    """Turn the pressed message into the next step: "✓ 4/10 → 3" above the next statement.

    During a self-check the chosen answer stays visible, the chat does not fill with forty
    messages, and each tap costs one API call. Sent again, the edit changes nothing.
    """

    async def step(bot: Bot) -> None:
        text = f"{reply.echo}\n{reply.text}" if reply.echo else reply.text
        try:
            await call(
                bot.edit_message_text,
                text,
                chat_id=target.chat_id,
                message_id=target.message_id,
                reply_markup=render.keyboard(reply),
            )
            return
        except BadRequest as error:
            if "not modified" in str(error).casefold():
                return  # the same edit again (a redelivery): already on screen
            log.debug("could not turn the question in place: %s", error)
        await _choice_step(target)(bot)
        await send_reply(bot, target.chat_id, reply)

    return step


def _choice_step(target: Target) -> Step:
    """Show the pressed option under its message and remove the buttons (unless they stay)."""

    async def step(bot: Bot) -> None:
        if target.message_id is None or target.pressed_label is None or target.pressed_stays:
            return
        if target.message_text is None:
            return
        try:
            await call(
                bot.edit_message_text,
                f"{target.message_text}\n→ {target.pressed_label}",
                chat_id=target.chat_id,
                message_id=target.message_id,
                reply_markup=None,
            )
        except BadRequest as error:  # already edited, or too old to edit: nothing to show
            log.debug("could not edit the pressed message: %s", error)

    return step


async def send_reply(bot: Bot, chat_id: int, reply: Reply) -> None:
    """Send one rendered reply: its picture, text (split) and file; a refused part is skipped.

    Telegram refusing a message (BadRequest) would refuse it again; a time-out may have
    delivered it. Either way the part counts as done rather than being sent twice.
    """
    try:
        await _send_reply(bot, chat_id, reply)
    except (BadRequest, TimedOut) as error:
        log.warning("a reply part was not confirmed: %s", type(error).__name__)
    except Forbidden:
        log.info("a chat blocked the bot or is gone: reply dropped")


async def _send_reply(bot: Bot, chat_id: int, reply: Reply) -> None:
    markup = render.keyboard(reply)
    text = reply.text
    if reply.image is not None:
        # Off the loop, on a thread of its own, so that answers never queue behind a chart.
        png = await asyncio.get_running_loop().run_in_executor(DRAWING, reply.image.draw)
        as_caption = bool(png) and 0 < len(text) <= render.MAX_CAPTION
        if png:
            caption = text if as_caption else reply.image.caption[: render.MAX_CAPTION]
            keys = markup if as_caption else None
            await call(bot.send_photo, chat_id, photo=png, caption=caption, reply_markup=keys)
        elif not text:
            text = reply.image.caption  # a picture that could not be redrawn: what it showed
        text = "" if as_caption else text
        markup = None if as_caption else markup
    await _send_text(bot, chat_id, text, markup)
    file = render.document(reply)
    if file is not None:
        await call(bot.send_document, chat_id, document=file)


async def _send_text(
    bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    chunks = render.split_text(text) if text else []
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await call(bot.send_message, chat_id, chunk, reply_markup=markup if last else None)
    if not chunks and markup is not None:
        await call(bot.send_message, chat_id, "…", reply_markup=markup)


async def call(send: Callable[..., Awaitable[object]], *args: object, **kwargs: object) -> None:
    """One Bot API call, retried only when a retry can succeed and cannot send twice.

    The rate limiter already waits out flood control (RetryAfter) and raises after its own
    retries; a refused request (BadRequest, Forbidden) would be refused again; a time-out may
    have been delivered. Only a failure to reach the server (a network error) is retried here.
    """
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            await send(*args, **kwargs)
            return
        except (BadRequest, TimedOut, RetryAfter):
            raise
        except NetworkError:
            if attempt == SEND_ATTEMPTS:
                raise
            await asyncio.sleep(0.5 * attempt)
