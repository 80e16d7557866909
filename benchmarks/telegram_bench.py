"""Drives N simulated users through a quick check over the fake Bot API server, and prints the
time from update to reply (button answers), updates per second, errors and lost answers.

Run with `.venv/bin/python benchmarks/telegram_bench.py --users 200` (a few minutes).
The bot is the real `trustcoach telegram` process, with the real services on a fresh SQLite
database; this process plays the Bot API server and the users, so measuring does not slow the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
    """Wakes whoever waits for a chat as soon as the bot sends or edits something in it."""

    def __init__(self) -> None:
        self._waiting: dict[str, asyncio.Future[float]] = {}
        self.methods: collections.Counter[str] = collections.Counter()

    def on_call(self, method: str, params: dict[str, Any]) -> None:
        """The fake server's listener: called in the loop after each successful API call."""
        self.methods[method] += 1
        if method not in REPLY_METHODS:
            return
        waiter = self._waiting.pop(str(params.get("chat_id")), None)
        if waiter is not None and not waiter.done():
            waiter.set_result(time.perf_counter())

    def expect(self, user: int) -> asyncio.Future[float]:
        """A future resolved with the time of the next reply in the user's chat."""
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[str(user)] = waiter
        return waiter


async def _reply_after(waiter: asyncio.Future[float], started: float, user: int) -> float:
    """Seconds from `started` until the bot has sent or edited something more in the chat."""
    try:
        return await asyncio.wait_for(waiter, timeout=30) - started
    except TimeoutError:
        raise TimeoutError(f"user {user}: no reply after 30 s") from None


def _answer_button(fake: Any, user: int) -> tuple[int, str]:
    for entry in reversed(fake.sent(user)):
        current = fake.message(user, int(entry["message_id"]))
        for row in (current.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith("ans:") and button["text"].startswith(
                    "4"
                ):
                    return int(entry["message_id"]), button["callback_data"]
    raise LookupError(f"user {user}: no answer button")


async def _wait_for_button(fake: Any, user: int, timeout: float = 30) -> tuple[int, str]:
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
    fake: Any,
    monitor: ChatMonitor,
    user: int,
    latencies: list[float],
    last_answers: list[float],
    errors: list[str],
) -> None:
    await asyncio.sleep(random.uniform(0, STAGGER))  # people do not all start at the same second
    try:
        for text in ("/start", "/role buyer", "/check"):
            waiter = monitor.expect(user)
            fake.user_says(user, text)
            await _reply_after(waiter, time.perf_counter(), user)
            await asyncio.sleep(0.05)
        for number in range(1, ANSWERS + 1):
            message_id, data = await _wait_for_button(fake, user)
            waiter = monitor.expect(user)
            started = time.perf_counter()
            fake.user_presses(user, message_id, data)
            latency = await _reply_after(waiter, started, user)
            latencies.append(latency)
            if number == ANSWERS:
                last_answers.append(latency)
            await asyncio.sleep(random.uniform(*THINK))  # a person reads the next statement
    except (TimeoutError, LookupError) as error:
        errors.append(str(error))


def _start_bot(fake: Any, data_dir: str, max_rate: float) -> subprocess.Popen[bytes]:
    environment = dict(
        os.environ,
        TRUSTCOACH_DATA_DIR=data_dir,
        TRUSTCOACH_TELEGRAM_TOKEN=fake.token,
        TRUSTCOACH_TELEGRAM_API_URL=fake.base_url,
        TRUSTCOACH_TELEGRAM_MAX_RATE=str(max_rate),
    )
    command = [sys.executable, "-m", "bot.cli", "telegram"]
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL)


async def _until_polling(fake: Any, bot: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """The bot polls once its model is loaded and its commands are registered."""
    started = time.perf_counter()
    while not fake.calls_of("getUpdates"):
        if bot.poll() is not None or time.perf_counter() - started > timeout:
            raise SystemExit("the bot did not start polling")
        await asyncio.sleep(0.2)


def _stored_answers(data_dir: str) -> int:
    from sqlalchemy import create_engine, func, select

    from bot.adapters.db.models import AnswerRow

    engine = create_engine(f"sqlite:///{Path(data_dir) / 'trustcoach.db'}")
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(AnswerRow.__table__))
        stored = int(count.scalar_one())
    engine.dispose()
    return stored


async def run(users: int, max_rate: float) -> None:
    """Start the fake server and the bot process, run the users side by side, print figures."""
    from tests.fake_telegram import FakeBotApi

    with tempfile.TemporaryDirectory() as data_dir:
        async with FakeBotApi() as fake:
            monitor = ChatMonitor()
            fake.listeners.append(monitor.on_call)
            bot = _start_bot(fake, data_dir, max_rate)
            try:
                await _until_polling(fake, bot)
                latencies: list[float] = []
                last_answers: list[float] = []
                errors: list[str] = []
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        _one_user(fake, monitor, 10_000 + n, latencies, last_answers, errors)
                        for n in range(users)
                    )
                )
                elapsed = time.perf_counter() - started
                memory = _resident(bot.pid)
            finally:
                bot.send_signal(signal.SIGINT)
                await asyncio.to_thread(bot.wait, 60)  # the fake keeps serving its shutdown calls
        stored = _stored_answers(data_dir)
    _report(users, elapsed, latencies, last_answers, errors, stored, monitor.methods)
    own, children = memory
    print(
        f"resident memory of the warm bot: {own:.0f} MiB "
        f"(+ {children:.0f} MiB for its chart process; goal 300 MB)"
    )


def _resident(pid: int) -> tuple[float, float]:
    """Resident MiB of a process and of its children, from /proc."""

    def rss(process: int) -> float:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    children = [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return rss(pid), sum(rss(child) for child in children)


def _milliseconds(seconds: list[float]) -> list[float]:
    return sorted(value * 1000 for value in seconds) or [float("nan")]


def _report(
    users: int,
    elapsed: float,
    latencies: list[float],
    last_answers: list[float],
    errors: list[str],
    stored: int,
    methods: collections.Counter[str],
) -> None:
    ordered = _milliseconds(latencies)
    results = _milliseconds(last_answers)
    total_updates = users * (3 + ANSWERS)
    print(
        f"{users} users, {total_updates} updates in {elapsed:.1f} s: "
        f"{total_updates / elapsed:.1f} updates/s"
    )
    print(
        f"button answer → reply: median {statistics.median(ordered):.1f} ms, "
        f"p99 {ordered[int(0.99 * (len(ordered) - 1))]:.1f} ms, max {ordered[-1]:.1f} ms"
    )
    print(
        f"  of which the last answer (result, cards): median {statistics.median(results):.1f} ms, "
        f"p99 {results[int(0.99 * (len(results) - 1))]:.1f} ms"
    )
    print(
        f"errors: {len(errors)}; answers stored {stored} of {users * ANSWERS} "
        f"(lost: {users * ANSWERS - stored})"
    )
    calls = ", ".join(f"{name} {count}" for name, count in methods.most_common() if count)
    print(f"Bot API calls: {calls}")
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
