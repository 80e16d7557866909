"""The SIGKILL experiment: people tap through self-checks while the bot is killed at random.

The real `trustcoach telegram` process polls the local fake Bot API. Simulated users answer
quick checks by button, each statement with a value they can be checked against afterwards
(statement k of check n gets `_value(n, k)`); a killer SIGKILLs the bot at random moments and
starts it again at once. At the end, from the bot's own database and from what the users saw:
answers lost, answers doubled (an answer that landed on a statement nobody pressed for), taps
left without a reply, and stale notices shown for a tap on the current statement.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bot.services.conversation.options import Answer
from bot.services.conversation.protocol import decode
from tests.fake_telegram import FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
REPLY_WAIT = 90.0  # seconds a person waits for an answer (a restart loads the model)


@dataclass
class Report:
    """What the experiment saw."""

    kills: int = 0
    taps: int = 0
    checks_done: int = 0
    unanswered: int = 0
    stale_notices: int = 0
    lost: int = 0
    doubled: int = 0
    wrong: int = 0
    users_done: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line of figures."""
        return (
            f"kills {self.kills}, taps {self.taps}, checks completed {self.checks_done}, "
            f"answers lost {self.lost}, doubled {self.doubled}, misplaced {self.wrong}, "
            f"taps never answered {self.unanswered}, stale notices {self.stale_notices}, "
            f"users answered to the end {self.users_done}"
        )


def _value(check: int, statement: int) -> int:
    # Consecutive statements never share a value: an answer moved by one shows.
    return 1 + (statement + check) % 5


class Bot:
    """The bot process, started and SIGKILLed at will."""

    def __init__(self, fake: FakeBotApi, data_dir: Path, cache: Path) -> None:
        self._fake, self._data, self._cache = fake, data_dir, cache
        self.process: subprocess.Popen[bytes] | None = None
        self._starts = 0
        self._log: Any = None

    def start(self) -> None:
        """Start a new bot process on the same data; its errors go to a file of its own."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTCOACH_")}
        environment |= {
            "TRUSTCOACH_DATA_DIR": str(self._data),
            "TRUSTCOACH_CACHE_DIR": str(self._cache),
            "TRUSTCOACH_TELEGRAM_TOKEN": self._fake.token,
            "TRUSTCOACH_TELEGRAM_API_URL": self._fake.base_url,
            "TRUSTCOACH_TELEGRAM_MAX_RATE": "0",
        }
        self._starts += 1
        self._log = (self._data / f"bot-{self._starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "telegram"],
            cwd=self._data,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def kill(self) -> None:
        """SIGKILL: no clean-up, no last confirmation, whatever it was doing."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self._close_log()

    def stop(self) -> bytes:
        """Stop it as Ctrl-C would; the error output of every start."""
        if self.process is not None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_log()
        return b"".join(log.read_bytes() for log in sorted(self._data.glob("bot-*.log")))

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


async def _polling(fake: FakeBotApi, before: int, timeout: float = 180) -> None:
    await fake.wait_for(lambda f: len(f.calls_of("getUpdates")) > before, timeout=timeout)


def _answers(message: dict[str, Any]) -> list[tuple[Answer, str]]:
    found = []
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            value = decode(data)
            if isinstance(value, Answer):
                found.append((value, data))
    return found


def _screen(fake: FakeBotApi, user: int) -> tuple[int, int, list[tuple[Answer, str]]] | None:
    """The statement on screen: (message id, statement number from 1, its answer buttons)."""
    for entry in reversed(fake.sent(user)):
        try:
            current = fake.message(user, int(entry["message_id"]))
        except KeyError:
            continue
        buttons = _answers(current)
        if buttons:
            return int(entry["message_id"]), buttons[0][0].position + 1, buttons
        return None
    return None


def _button(buttons: list[tuple[Answer, str]], value: int) -> str:
    return next(data for answer, data in buttons if answer.value == value)


async def _wait_change(fake: FakeBotApi, user: int, seen: int, timeout: float) -> bool:
    try:
        await fake.wait_for(lambda f: len(f.sent(user)) + _edits(f, user) != seen, timeout)
    except TimeoutError:
        return False
    return True


def _edits(fake: FakeBotApi, user: int) -> int:
    return sum(1 for edit in fake.edits if str(edit.get("chat_id")) == str(user))


async def _say(fake: FakeBotApi, user: int, words: str, report: Report) -> None:
    seen = len(fake.sent(user)) + _edits(fake, user)
    fake.user_says(user, words)
    if not await _wait_change(fake, user, seen, REPLY_WAIT):
        report.unanswered += 1
        report.notes.append(f"{user}: no reply to {words!r}")


async def _one_check(
    fake: FakeBotApi, user: int, check: int, rng: random.Random, report: Report
) -> bool:
    """One quick check by button, each statement with its value; True when completed."""
    fake.user_says(user, "/check")
    if not await _until(fake, lambda f: _screen(f, user) is not None):
        report.unanswered += 1
        report.notes.append(f"{user}: no statement after /check {check}")
        return False
    for _ in range(40):
        screen = _screen(fake, user)
        if screen is None:
            return True  # no statement left on screen: the check is done
        message_id, number, buttons = screen
        data = _button(buttons, _value(check, number))
        toasts = len(fake.answered_callbacks)
        fake.user_presses(user, message_id, data)
        report.taps += 1
        was = (message_id, number)
        moved = await _until(fake, lambda f, was=was: _where(f, user) != was)
        if not moved:
            report.unanswered += 1
            report.notes.append(f"{user}: no reply to statement {number} of check {check}")
            return False
        if any(a.get("text") for a in fake.answered_callbacks[toasts:]):
            report.stale_notices += 1
            report.notes.append(f"{user}: a notice on statement {number} of check {check}")
        await asyncio.sleep(rng.uniform(0.05, 0.4))  # reading the next statement
    return False


def _where(fake: FakeBotApi, user: int) -> tuple[int, int] | None:
    screen = _screen(fake, user)
    return None if screen is None else (screen[0], screen[1])


async def _until(fake: FakeBotApi, condition: Any) -> bool:
    try:
        await fake.wait_for(condition, REPLY_WAIT)
    except TimeoutError:
        return False
    return True


async def _user(
    fake: FakeBotApi, user: int, checks: list[int], stop: asyncio.Event, report: Report
) -> None:
    rng = random.Random(user)
    await _say(fake, user, "/start", report)
    await _say(fake, user, "/role buyer", report)
    count = 0
    while not stop.is_set() or count == 0:
        count += 1
        if not await _one_check(fake, user, count, rng, report):
            return
        checks.append(user)
    report.users_done += 1


async def _killer(
    bot: Bot, fake: FakeBotApi, kills: int, rng: random.Random, report: Report
) -> None:
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(0.2, 2.5))
        polls = len(fake.calls_of("getUpdates"))
        await asyncio.to_thread(bot.kill)
        report.kills += 1
        bot.start()
        await _polling(fake, polls)


def _stored(data_dir: Path) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """(user, check number, answers in order) for every completed session of the bot."""
    engine = create_engine(f"sqlite:///{data_dir / 'trustcoach.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT u.external_id, s.id, a.item_id, a.value, s.status FROM assessment_sessions s"
                " JOIN users u ON u.id = s.user_id LEFT JOIN assessment_answers a"
                " ON a.session_id = s.id ORDER BY u.external_id, s.id, a.answered_at"
            )
        ).all()
    engine.dispose()
    sessions: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for external_id, session_id, item, value, _status in rows:
        answers = sessions.setdefault((external_id, session_id), [])
        if item is not None:
            answers.append((item, value))
    by_user: Counter[str] = Counter()
    ordered = []
    for (external_id, _), answers in sorted(sessions.items()):
        by_user[external_id] += 1
        ordered.append((external_id, by_user[external_id], answers))
    return ordered


def _score(report: Report, stored: list[tuple[str, int, list[tuple[str, int]]]]) -> None:
    """Each stored answer must be the value pressed for its statement, in order."""
    for user_id, check, answers in stored:
        expected = [_value(check, n) for n in range(1, len(answers) + 1)]
        got = [value for _item, value in answers]
        misplaced = sum(1 for e, g in zip(expected, got, strict=True) if e != g)
        if misplaced:
            report.notes.append(f"{user_id} check {check}: pressed {expected}, stored {got}")
        report.wrong += misplaced


async def experiment(data_dir: Path, cache: Path, *, kills: int, users: int, seed: int) -> Report:
    """Run the experiment and return its figures."""
    report = Report()
    rng = random.Random(seed)
    async with FakeBotApi() as fake:
        bot = Bot(fake, data_dir, cache)
        bot.start()
        await _polling(fake, 0)
        stop = asyncio.Event()
        checks: list[int] = []
        people = [
            asyncio.create_task(_user(fake, 7000 + n, checks, stop, report)) for n in range(users)
        ]
        await _killer(bot, fake, kills, rng, report)
        stop.set()
        await asyncio.gather(*people)
        errors = await asyncio.to_thread(bot.stop)
        if b"Traceback" in errors:
            report.notes.append(errors.decode(errors="replace")[-2000:])
        report.checks_done = len(checks)
        # Every tap a person made that the bot confirmed must be stored, once, where pressed.
        stored = _stored(data_dir)
        _score(report, stored)
        pressed = report.taps
        kept = sum(len(answers) for _, _, answers in stored)
        report.lost = max(0, pressed - kept)
        report.doubled = max(0, kept - pressed)
    return report


def run(data_dir: Path, cache: Path, kills: int, users: int, seed: int) -> Report:
    """Run the experiment from synchronous code."""
    return asyncio.run(experiment(data_dir, cache, kills=kills, users=users, seed=seed))
