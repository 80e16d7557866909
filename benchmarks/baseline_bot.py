"""The smallest bot that does what a quick check does on Telegram: the yardstick of scale_bench.

python-telegram-bot by long polling, concurrent updates, one SQLite row stored per tap, each tap
answered by editing the statement into the next one, a last message at the end. No coach, no
reader, no outbox: what is left is the cost of Telegram handling and one write per tap. Its
buttons carry the coach's own answer ids, so that the same simulated people can drive both.

Run by scale_bench.py: `python benchmarks/baseline_bot.py` with BASELINE_TOKEN, BASELINE_API_URL
and BASELINE_DB in the environment.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import threading
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.services.conversation.options import Answer
from bot.services.conversation.protocol import decode, encode

STATEMENTS = 10
SESSION = 1


class Store:
    """One SQLite file, one row per tap; a lock, as sqlite3 connections are not shared freely."""

    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS taps (chat INTEGER, position INTEGER, value INTEGER)"
        )
        self._lock = threading.Lock()

    def add(self, chat: int, position: int, value: int) -> None:
        """Store one tap and commit it."""
        with self._lock:
            self._connection.execute("INSERT INTO taps VALUES (?, ?, ?)", (chat, position, value))
            self._connection.commit()


def _statement(position: int) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        InlineKeyboardButton(str(value), callback_data=encode(Answer(SESSION, position, value)))
        for value in range(1, 6)
    ]
    return f"{position + 1}/{STATEMENTS} · statement", InlineKeyboardMarkup([buttons])


async def on_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """/check shows the first statement; anything else gets a one-line answer."""
    message = update.effective_message
    if message is None:
        return
    if (message.text or "").startswith("/check"):
        text, keys = _statement(0)
        await message.reply_text(text, reply_markup=keys)
    else:
        await message.reply_text("noted")


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Store the tap, then turn the statement into the next one (or end with a message)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    answer = decode(query.data or "")
    if not isinstance(answer, Answer):
        await query.answer()
        return
    store: Store = context.bot_data["store"]
    await asyncio.to_thread(store.add, query.message.chat.id, answer.position, answer.value)
    await query.answer()
    if answer.position + 1 < STATEMENTS:
        text, keys = _statement(answer.position + 1)
        await query.edit_message_text(text, reply_markup=keys)
        return
    await query.edit_message_text("done")
    await context.bot.send_message(query.message.chat.id, "result")


def main() -> None:
    """Poll the Bot API at BASELINE_API_URL until interrupted."""
    application = (
        Application.builder()
        .token(os.environ["BASELINE_TOKEN"])
        .base_url(os.environ["BASELINE_API_URL"])
        .concurrent_updates(True)
        .build()
    )
    application.bot_data["store"] = Store(os.environ["BASELINE_DB"])
    application.add_handler(CallbackQueryHandler(on_tap))
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.run_polling(poll_interval=0.0, timeout=10, drop_pending_updates=False)


if __name__ == "__main__":
    main()
