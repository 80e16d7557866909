"""Several real `trustcoach webhook` workers on one PostgreSQL database, and a Telegram for them.

The fake Bot API serves the workers' calls (sendMessage, edits...). `Telegram` plays Telegram's
side of a webhook behind a load balancer: it posts each update to the workers in turn, keeps a
chat's order (the next update of a chat only after the previous one was acknowledged), posts
again after an error or a time-out (to the next worker), and can post an update twice. Simulated
people answer a quick check by button, each statement with a value that can be checked against
the database afterwards. Used by tests/e2e/test_scale_out.py and benchmarks/scale_bench.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, make_url, text

from bot.services.conversation.options import Answer
from bot.services.conversation.protocol import decode
from tests.fake_telegram import FakeBotApi

ROOT = Path(__file__).resolve().parents[1]
SECRET = "scale-out-secret"
PATH = "telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REPLY_WAIT = 120.0  # seconds a person waits for an answer: after a kill under full load, a
# reply the dead worker held waits for its lease (15 s) and for a sweep that is itself queued
POST_TIMEOUT = 30.0  # Telegram gives up on a webhook call after a while and posts again
QUESTION = "Mon fournisseur annonce +8 % sur l'acier, je le vois jeudi. Je prépare comment ?"
CHECK_VALUES = 10  # statements in a quick check


def value_for(statement: int) -> int:
    """The value a person presses for statement k (consecutive ones differ: a shift shows)."""
    return 1 + statement % 5


# ---------------------------------------------------------------------- the database


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url`; dropped afterwards."""
    name = f"tc_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str) -> None:
    """The one-shot migration step, as the compose file runs it before the workers."""
    environment = {**_clean_environment(), "TRUSTCOACH_DATABASE_URL": url}
    subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade", "--quiet"],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=120,
    )


def stored_checks(url: str) -> dict[str, list[list[int]]]:
    """Each person's completed quick checks: the values stored, in the order answered."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT u.external_id, s.id, a.value FROM assessment_sessions s"
                    " JOIN users u ON u.id = s.user_id JOIN assessment_answers a"
                    " ON a.session_id = s.id WHERE s.status = 'completed'"
                    " ORDER BY u.external_id, s.id, a.answered_at, a.item_id"
                )
            ).all()
    finally:
        engine.dispose()
    sessions: dict[tuple[str, int], list[int]] = {}
    for external_id, session_id, value in rows:
        sessions.setdefault((str(external_id), int(session_id)), []).append(int(value))
    checks: dict[str, list[list[int]]] = {}
    for (external_id, _), values in sorted(sessions.items()):
        checks.setdefault(external_id, []).append(values)
    return checks


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("TRUSTCOACH_")}


# ---------------------------------------------------------------------- the workers


class Workers:
    """`trustcoach webhook` processes on loopback ports, sharing one database and card cache."""

    def __init__(self, fake: FakeBotApi, url: str, cache: Path, logs: Path, count: int) -> None:
        self._fake, self._url, self._cache, self._logs = fake, url, cache, logs
        self.ports = [_free_port() for _ in range(count)]
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self._files: list[Any] = []

    @property
    def urls(self) -> list[str]:
        """Each worker's webhook endpoint."""
        return [f"http://127.0.0.1:{port}/{PATH}" for port in self.ports]

    def start(self, index: int) -> None:
        """Start one worker; its error output goes to a file of its own."""
        environment = _clean_environment() | {
            "TRUSTCOACH_DATABASE_URL": self._url,
            "TRUSTCOACH_CACHE_DIR": str(self._cache),
            "TRUSTCOACH_DATA_DIR": str(self._logs / f"data-{index}"),
            "TRUSTCOACH_TELEGRAM_TOKEN": self._fake.token,
            "TRUSTCOACH_TELEGRAM_API_URL": self._fake.base_url,
            "TRUSTCOACH_TELEGRAM_MAX_RATE": "0",
            "TRUSTCOACH_WEBHOOK_SECRET": SECRET,
            "TRUSTCOACH_WEBHOOK_PORT": str(self.ports[index]),
            "TRUSTCOACH_WEBHOOK_PATH": PATH,
        }
        log = (self._logs / f"worker-{index}.log").open("ab")
        self._files.append(log)
        self.processes[index] = subprocess.Popen(
            [sys.executable, "-m", "bot", "webhook"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )

    async def start_all(self, timeout: float = 240.0) -> None:
        """Start the first worker (it builds the card index and the reader if the cache is
        empty), then the others, each ready once its /health answers 200."""
        for index in range(len(self.ports)):
            self.start(index)
            if index == 0:
                await self.ready(0, timeout)
        for index in range(1, len(self.ports)):
            await self.ready(index, timeout)

    async def ready(self, index: int, timeout: float) -> None:
        """Wait until a worker's /health says it serves."""
        health = f"http://127.0.0.1:{self.ports[index]}/health"
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                process = self.processes[index]
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"worker {index} exited: {self.errors()[-2000:]}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(health, timeout=aiohttp.ClientTimeout(5)) as answer:
                        if answer.status == 200:
                            return
                await asyncio.sleep(0.3)
        raise TimeoutError(f"worker {index} not ready after {timeout:.0f} s")

    def kill(self, index: int) -> None:
        """SIGKILL one worker: no clean-up, whatever it holds."""
        process = self.processes[index]
        if process is not None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def pids(self) -> list[int]:
        """The running workers' process ids."""
        return [p.pid for p in self.processes if p is not None and p.poll() is None]

    def stop_all(self) -> None:
        """Stop every running worker as systemd or compose would (SIGTERM)."""
        for process in self.processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            if process is None:
                continue
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self._files:
            log.close()
        self._files.clear()

    def errors(self) -> str:
        """Everything the workers wrote to their error output."""
        return "".join(
            path.read_text(errors="replace") for path in sorted(self._logs.glob("worker-*.log"))
        )


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------------- Telegram's side


@dataclass
class Deliveries:
    """What Telegram saw posting updates."""

    posts: int = 0
    doubled: int = 0  # updates posted a second time on purpose
    retried: int = 0  # posts repeated after an error, a 5xx or a time-out
    ack_seconds: list[float] = field(default_factory=list, repr=False)
    acknowledged_by: Counter[str] = field(default_factory=Counter)  # worker URL -> updates


class Telegram:
    """Posts updates to the workers in turn, as Telegram behind a load balancer."""

    def __init__(
        self, urls: list[str], rng: random.Random, twice: float = 0.0, verify: bool = True
    ) -> None:
        self._urls = urls
        self._verify = verify  # False for a proxy with a self-signed certificate
        self._rng = rng
        self._twice = twice
        self._turn = 0
        self._session: aiohttp.ClientSession | None = None
        self._extra: set[asyncio.Task[None]] = set()
        self.seen = Deliveries()

    async def __aenter__(self) -> Telegram:
        connector = aiohttp.TCPConnector(limit=0, ssl=None if self._verify else False)
        timeout = aiohttp.ClientTimeout(total=POST_TIMEOUT)
        self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._extra:
            await asyncio.gather(*self._extra, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def deliver(self, update: dict[str, Any]) -> None:
        """Post until a worker acknowledges (200); sometimes post it again elsewhere."""
        started = time.perf_counter()
        delay = 0.05
        while True:
            url = self._next_url()
            status = await self._post(url, update)
            if status == 200:
                self.seen.acknowledged_by[url] += 1
                break
            self.seen.retried += 1
            await asyncio.sleep(delay)
            delay = min(2.0, delay * 2)
        self.seen.ack_seconds.append(time.perf_counter() - started)
        if self._twice and self._rng.random() < self._twice:
            # Telegram did not see the answer (a proxy dropped it): the same update again,
            # to another worker, while the first may still be sending its replies.
            self.seen.doubled += 1
            task = asyncio.create_task(self._post_again(self._next_url(), update))
            self._extra.add(task)
            task.add_done_callback(self._extra.discard)

    async def _post_again(self, url: str, update: dict[str, Any]) -> None:
        await self._post(url, update)

    def _next_url(self) -> str:
        self._turn += 1
        return self._urls[self._turn % len(self._urls)]

    async def _post(self, url: str, update: dict[str, Any]) -> int:
        assert self._session is not None
        self.seen.posts += 1
        headers = {SECRET_HEADER: SECRET}
        try:
            async with self._session.post(url, json=update, headers=headers) as answer:
                await answer.read()
                return answer.status
        except (aiohttp.ClientError, TimeoutError):
            return 0  # refused, reset or timed out: Telegram tries again


class Polling:
    """Telegram's side of long polling: an update waits in the queue until the bot fetches it."""

    def __init__(self, fake: FakeBotApi) -> None:
        self._fake = fake
        self.seen = Deliveries()

    async def __aenter__(self) -> Polling:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def deliver(self, update: dict[str, Any]) -> None:
        """Queue the update for the bot's next getUpdates."""
        self.seen.posts += 1
        self._fake.queue_update(update)


Courier = Telegram | Polling


# ---------------------------------------------------------------------- what people see


class Screens:
    """Each chat as its person sees it, kept up to date from the fake's calls (no scanning)."""

    def __init__(self, fake: FakeBotApi) -> None:
        self.latest: dict[str, dict[str, Any]] = {}  # chat -> the newest message, as edited
        self.transcripts: dict[str, list[str]] = {}  # chat -> what arrived, in order
        self._changes: Counter[str] = Counter()
        self._waiters: dict[str, asyncio.Event] = {}
        fake.result_listeners.append(self._on_call)

    def _on_call(self, method: str, params: dict[str, Any], result: Any) -> None:
        chat = str(params.get("chat_id", ""))
        if not chat or not isinstance(result, dict) or "message_id" not in result:
            return
        if method in {"sendmessage", "sendphoto", "senddocument"}:
            self.latest[chat] = result
        elif method.startswith("edit"):
            if self.latest.get(chat, {}).get("message_id") == result["message_id"]:
                self.latest[chat] = result
        else:
            return
        words = result.get("text") or result.get("caption") or ""
        keys = [
            b.get("text")
            for row in (result.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
        ]
        entry = f"{method}#{result['message_id']}:{words[:50]}|{len(words)}|{keys}"
        self.transcripts.setdefault(chat, []).append(entry)
        self._changes[chat] += 1
        waiter = self._waiters.get(chat)
        if waiter is not None:
            waiter.set()

    def changes(self, chat: str) -> int:
        """How many messages and edits the chat has had."""
        return self._changes[chat]

    async def changed(self, chat: str, since: int, timeout: float = REPLY_WAIT) -> bool:
        """Wait until the chat has more than `since` messages and edits."""
        deadline = time.monotonic() + timeout
        while self._changes[chat] <= since:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            waiter = self._waiters.setdefault(chat, asyncio.Event())
            waiter.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), remaining)
        return True

    async def until(self, chat: str, done: Any, timeout: float = REPLY_WAIT) -> bool:
        """Wait until `done(self)` holds, looking again at each change of the chat."""
        deadline = time.monotonic() + timeout
        while not done(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not await self.changed(chat, self.changes(chat), remaining):
                return bool(done(self))
        return True

    def statement(self, chat: str) -> tuple[int, int, dict[int, str]] | None:
        """The statement on screen: (message id, number from 1, value -> button data)."""
        message = self.latest.get(chat)
        if message is None:
            return None
        buttons: dict[int, str] = {}
        position = -1
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = str(button.get("callback_data", ""))
                answer = decode(data)
                if isinstance(answer, Answer):
                    buttons[answer.value] = data
                    position = answer.position
        if not buttons:
            return None
        return int(message["message_id"]), position + 1, buttons


# ---------------------------------------------------------------------- one person


@dataclass
class Person:
    """What happened to one simulated person."""

    user: int
    tap_seconds: list[float] = field(default_factory=list, repr=False)
    question_seconds: list[float] = field(default_factory=list, repr=False)
    first_reply_seconds: float | None = None
    waited_too_long: int = 0  # replies that took more than 10 s
    first_sent: float | None = None  # perf_counter of their first update
    last_reply: float | None = None  # perf_counter of the last reply they got
    unanswered: list[str] = field(default_factory=list)
    finished: bool = False


async def quick_check(
    fake: FakeBotApi,
    telegram: Courier,
    screens: Screens,
    person: Person,
    think: tuple[float, float],
    rng: random.Random,
    ask: bool = False,
) -> None:
    """/start, /role buyer, /check, every statement by button (and a question, if `ask`)."""
    if not await _open_check(fake, telegram, screens, person, think, rng):
        return
    if not await _answer_statements(fake, telegram, screens, person, think, rng):
        return
    if ask:
        seconds = await _say(fake, telegram, screens, person, QUESTION)
        if seconds is None:
            return
        person.question_seconds.append(seconds)
    person.finished = True


async def _open_check(
    fake: FakeBotApi,
    telegram: Courier,
    screens: Screens,
    person: Person,
    think: tuple[float, float],
    rng: random.Random,
) -> bool:
    """Say hello, pick the buyer's side, start a check; True once its first statement shows."""
    chat = str(person.user)
    for words in ("/start", "/role buyer", "/check"):
        seconds = await _say(fake, telegram, screens, person, words)
        if seconds is None:
            return False
        if person.first_reply_seconds is None:
            person.first_reply_seconds = seconds
        await asyncio.sleep(rng.uniform(*think) / 4)
    if not await screens.until(chat, lambda s: s.statement(chat) is not None):
        person.unanswered.append(f"{person.user}: no statement after /check")
        return False
    return True


async def _answer_statements(
    fake: FakeBotApi,
    telegram: Courier,
    screens: Screens,
    person: Person,
    think: tuple[float, float],
    rng: random.Random,
) -> bool:
    """Press the planned value on each statement until the check ends; False if stuck."""
    chat = str(person.user)
    while (screen := screens.statement(chat)) is not None:
        message_id, number, buttons = screen
        update = fake.make_callback_update(person.user, message_id, buttons[value_for(number)])
        seconds = await _send(telegram, screens, person, update, f"statement {number}")
        if seconds is None:
            return False
        person.tap_seconds.append(seconds)
        if not await screens.until(chat, _moved_on(chat, message_id, number)):
            person.unanswered.append(f"{person.user}: nothing after statement {number}")
            return False
        await asyncio.sleep(rng.uniform(*think))
    return True


def _moved_on(chat: str, message_id: int, number: int) -> Any:
    """The next statement is on screen, or (after the last) a message that is not one."""

    def done(screens: Screens) -> bool:
        if number < CHECK_VALUES:
            screen = screens.statement(chat)
            return screen is not None and screen[1] == number + 1
        latest = screens.latest.get(chat, {})
        return latest.get("message_id") != message_id and screens.statement(chat) is None

    return done


async def _say(
    fake: FakeBotApi, telegram: Courier, screens: Screens, person: Person, words: str
) -> float | None:
    update = fake.make_message_update(person.user, words, language_code="fr")
    return await _send(telegram, screens, person, update, repr(words))


async def _send(
    telegram: Courier, screens: Screens, person: Person, update: dict[str, Any], what: str
) -> float | None:
    """Seconds from the update to the first reply in the chat; None if none came."""
    chat = str(person.user)
    seen = screens.changes(chat)
    started = time.perf_counter()
    await telegram.deliver(update)
    if not await screens.changed(chat, seen):
        person.unanswered.append(f"{person.user}: no reply to {what}")
        return None
    person.last_reply = time.perf_counter()
    if person.first_sent is None:
        person.first_sent = started
    seconds = person.last_reply - started
    if seconds > 10:
        person.waited_too_long += 1
    return seconds


# ---------------------------------------------------------------------- figures


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def median(values: list[float]) -> float:
    """The median, NaN when empty."""
    return statistics.median(values) if values else float("nan")


@dataclass
class ChatCheck:
    """Each chat against the most common one: every person went through the same check."""

    lost: int = 0  # replies the usual chat has and this one lacks
    doubled: int = 0  # a reply part shown twice in a row (sent again after a worker died)
    odd: list[str] = field(default_factory=list)  # how each differing chat differs


def compare_chats(screens: Screens, people: list[Person]) -> ChatCheck:
    """Compare every person's chat with the most common one, part by part."""
    chats = {str(p.user): screens.transcripts.get(str(p.user), []) for p in people}
    usual = list(Counter(tuple(chat) for chat in chats.values()).most_common(1)[0][0])
    check = ChatCheck()
    for user, seen in chats.items():
        if seen == usual:
            continue
        operations = difflib.SequenceMatcher(a=usual, b=seen, autojunk=False).get_opcodes()
        for tag, first, last, new_first, new_last in operations:
            if tag == "insert" and all(seen[j] == seen[j - 1] for j in range(new_first, new_last)):
                check.doubled += new_last - new_first
            elif tag != "equal":
                check.lost += last - first
        changed = [
            f"{tag} {usual[a:b]} -> {seen[c:d]}" for tag, a, b, c, d in operations if tag != "equal"
        ]
        check.odd.append(f"{user}: " + "; ".join(changed)[:1500])
    return check


# ---------------------------------------------------------------------- a crowd


@dataclass
class Crowd:
    """A crowd's run: the people, what Telegram saw, the chats, the time it took."""

    people: list[Person]
    seen: Deliveries
    screens: Screens
    seconds: float
    killed: bool = False

    @property
    def taps(self) -> list[float]:
        """Every button answer's time to its reply."""
        return [t for p in self.people for t in p.tap_seconds]

    @property
    def questions(self) -> list[float]:
        """Every free-text question's time to its reply."""
        return [t for p in self.people for t in p.question_seconds]

    @property
    def tapping_seconds(self) -> float:
        """From the first update anyone sent to the last reply anyone got."""
        firsts = [p.first_sent for p in self.people if p.first_sent is not None]
        lasts = [p.last_reply for p in self.people if p.last_reply is not None]
        return max(lasts) - min(firsts) if firsts and lasts else float("nan")

    @property
    def unanswered(self) -> list[str]:
        """What somebody never got an answer to."""
        return [line for p in self.people for line in p.unanswered]


async def run_crowd(
    fake: FakeBotApi,
    count: int,
    *,
    urls: list[str] | None = None,
    first_user: int = 60_000,
    arrivals: float = 0.0,
    think: tuple[float, float] = (0.05, 0.3),
    twice: float = 0.0,
    kill: Callable[[], None] | None = None,
    kill_after_taps: int = 0,
    ask: bool = False,
    seed: int = 15,
    verify: bool = True,
) -> Crowd:
    """`count` people arriving within `arrivals` seconds, each through a quick check.

    Updates are posted to the webhook `urls` in turn, or (without) queued for long polling.
    With `kill`, it is called once `kill_after_taps` taps were answered (SIGKILL a worker).
    """
    rng = random.Random(seed)
    screens = Screens(fake)
    people = [Person(first_user + n) for n in range(count)]
    courier = Telegram(urls, random.Random(seed + 1), twice, verify) if urls else Polling(fake)
    started = time.perf_counter()
    async with courier:

        async def one(person: Person) -> None:
            await asyncio.sleep(rng.uniform(0, arrivals))
            await quick_check(
                fake, courier, screens, person, think, random.Random(person.user), ask
            )

        crowd = [asyncio.create_task(one(person)) for person in people]
        if kill is not None:
            while sum(len(p.tap_seconds) for p in people) < kill_after_taps:
                await asyncio.sleep(0.02)
            await asyncio.to_thread(kill)
        await asyncio.gather(*crowd)
    return Crowd(people, courier.seen, screens, time.perf_counter() - started, kill is not None)
