"""Drives N simulated users through a quick check over the fake Bot API server, and prints the
time from update to reply (button answers), updates per second, errors and lost answers.

Run with `.venv/bin/python benchmarks/telegram_bench.py --users 200` (a couple of minutes).
The bot is the real PTB Application with the real services, on a fresh SQLite database.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ANSWERS = 10
THINK = (6.0, 12.0)  # seconds a person takes to read a statement and tap on a phone
STAGGER = 60.0  # seconds over which the users arrive (a class or a team, not a broadcast)


REPLY_METHODS = {
    "sendmessage",
    "editmessagetext",
    "editmessagereplymarkup",
    "sendphoto",
    "senddocument",
}


class ChatMonitor:
    """Counts what the bot sends or edits in each chat, scanning the fake's call log once."""

    def __init__(self, fake: object) -> None:
        self._fake = fake
        self._seen = 0
        self.activity: dict[str, int] = {}

    async def run(self) -> None:
        """Keep the counts up to date until cancelled."""
        while True:
            calls = self._fake.calls  # type: ignore[attr-defined]
            for name, params in calls[self._seen :]:
                if name.lower() in REPLY_METHODS:
                    chat = str(params.get("chat_id"))
                    self.activity[chat] = self.activity.get(chat, 0) + 1
            self._seen = len(calls)
            await asyncio.sleep(0.001)

    def of(self, user: int) -> int:
        """Replies and edits in a user's chat so far."""
        return self.activity.get(str(user), 0)


async def _reply_after(
    monitor: ChatMonitor, user: int, count: int, started: float, timeout: float = 30
) -> float:
    """Seconds from `started` until the bot has sent or edited something more in the chat."""
    while monitor.of(user) <= count:
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"user {user}: no reply after {timeout} s")
        await asyncio.sleep(0.001)
    return time.perf_counter() - started


def _answer_button(fake: object, user: int) -> tuple[int, str]:
    for entry in reversed(fake.sent(user)):  # type: ignore[attr-defined]
        current = fake.message(user, int(entry["message_id"]))  # type: ignore[attr-defined]
        for row in (current.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith("ans:") and button["text"].startswith(
                    "4"
                ):
                    return int(entry["message_id"]), button["callback_data"]
    raise LookupError(f"user {user}: no answer button")


async def _wait_for_button(fake: object, user: int, timeout: float = 30) -> tuple[int, str]:
    """The question on screen may arrive a moment after the reply that introduces it."""
    started = time.perf_counter()
    while True:
        try:
            return _answer_button(fake, user)
        except LookupError:
            if time.perf_counter() - started > timeout:
                raise
            await asyncio.sleep(0.005)


async def _one_user(
    fake: object, monitor: ChatMonitor, user: int, latencies: list[float], errors: list[str]
) -> None:
    await asyncio.sleep(random.uniform(0, STAGGER))  # people do not all start at the same second
    try:
        for text in ("/start", "/role buyer", "/check"):
            count = monitor.of(user)
            fake.user_says(user, text)  # type: ignore[attr-defined]
            await _reply_after(monitor, user, count, time.perf_counter())
            await asyncio.sleep(0.05)
        for _ in range(ANSWERS):
            message_id, data = await _wait_for_button(fake, user)
            count = monitor.of(user)
            started = time.perf_counter()
            fake.user_presses(user, message_id, data)  # type: ignore[attr-defined]
            latencies.append(await _reply_after(monitor, user, count, started))
            await asyncio.sleep(random.uniform(*THINK))  # a person reads the next statement
    except (TimeoutError, LookupError) as error:
        errors.append(str(error))


async def run(users: int, max_rate: float) -> None:
    """Start the fake server and the bot, run the users side by side, print the figures."""
    from sqlalchemy import func, select

    from bot.adapters.db.models import AnswerRow
    from bot.bootstrap import build_services
    from bot.channels.telegram.app import ALLOWED_UPDATES, build_application
    from bot.config import load_settings
    from tests.fake_telegram import FakeBotApi

    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(data_dir=Path(data_dir))
        services = build_services(settings)
        services.cards.index()  # load the model before timing
        async with FakeBotApi() as fake:
            application = build_application(
                services.engine, fake.token, fake.base_url, fake.base_file_url, max_rate=max_rate
            )
            await application.initialize()
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES
            )
            latencies: list[float] = []
            errors: list[str] = []
            monitor = ChatMonitor(fake)
            watching = asyncio.create_task(monitor.run())
            started = time.perf_counter()
            await asyncio.gather(
                *(_one_user(fake, monitor, 10_000 + n, latencies, errors) for n in range(users))
            )
            elapsed = time.perf_counter() - started
            watching.cancel()
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
        with services.database.connect() as connection:
            stored = connection.execute(
                select(func.count()).select_from(AnswerRow.__table__)
            ).scalar_one()
        services.close()
    ordered = sorted(ms * 1000 for ms in latencies) or [float("nan")]
    total_updates = users * (3 + ANSWERS)
    print(
        f"{users} users, {total_updates} updates in {elapsed:.1f} s: "
        f"{total_updates / elapsed:.1f} updates/s"
    )
    print(
        f"button answer → next question: median {statistics.median(ordered):.1f} ms, "
        f"p99 {ordered[int(0.99 * (len(ordered) - 1))]:.1f} ms, max {ordered[-1]:.1f} ms"
    )
    print(
        f"errors: {len(errors)}; answers stored {stored} of {users * ANSWERS} "
        f"(lost: {users * ANSWERS - stored})"
    )
    for error in errors[:5]:
        print(f"  {error}")


def main() -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200, help="simulated users (default 200)")
    parser.add_argument("--max-rate", type=float, default=30.0, help="rate limiter cap, 0 = none")
    args = parser.parse_args()
    asyncio.run(run(args.users, args.max_rate))


if __name__ == "__main__":
    main()
