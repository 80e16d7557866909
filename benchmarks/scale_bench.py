"""Crowds against the bot: a minimal python-telegram-bot bot, `trustcoach telegram` (polling,
SQLite) and 1 to 3 `trustcoach webhook` workers on PostgreSQL, in one run.

Simulated people start a quick check (/start, /role buyer, /check, ten taps a second apart,
then a free-text question) through the local fake Bot API, with Telegram's pacing lifted to
measure the bot itself. For each run: taps per second, p50/p99 of a tap's and a question's time
to its reply, people who waited more than 10 s for a reply, CPU seconds per tap (the bot's
processes, and PostgreSQL's), peak resident memory per worker.

    .venv/bin/python benchmarks/scale_bench.py               # everything (about 20 minutes)
    .venv/bin/python benchmarks/scale_bench.py --quick       # the 200-person burst runs only

The figures are in deploy/README.md. Needs PostgreSQL (TRUSTCOACH_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fake_telegram import FakeBotApi  # noqa: E402
from tests.webhook_harness import (  # noqa: E402
    Crowd,
    Workers,
    median,
    migrate,
    percentile,
    postgres_database,
    run_crowd,
)

SERVER = os.environ.get(
    "TRUSTCOACH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
THINK = (0.8, 1.2)  # a tap about every second, as in the measurement
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Run:
    """One crowd against one setup."""

    name: str
    people: int
    arrivals: float  # seconds over which people arrive (0: all at once)


# ---------------------------------------------------------------------- processes


def _tree(pid: int) -> list[int]:
    """A process and its descendants (the chart process of a worker, say)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(c) for c in (task / "children").read_text().split()]
    return found


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _peak_mib(pid: int) -> float:
    """Peak resident memory of a process and its children (VmHWM), MiB."""
    peak = 0.0
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak += int(line.split()[1]) / 1024
    return peak


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip().startswith("postgres"):
                    pids.append(int(entry.name))
    return pids


def _environment(**settings: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRUSTCOACH_")}
    return clean | settings


async def _until_polling(fake: FakeBotApi, process: subprocess.Popen[bytes]) -> None:
    for _ in range(1200):
        if fake.calls_of("getUpdates"):
            return
        if process.poll() is not None:
            raise SystemExit("the bot stopped before polling")
        await asyncio.sleep(0.2)
    raise SystemExit("the bot did not start polling")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ---------------------------------------------------------------------- setups


@contextlib.asynccontextmanager
async def baseline(fake: FakeBotApi, folder: Path) -> AsyncIterator[tuple[list[int], list[str]]]:
    """The minimal bot, polling, one SQLite row per tap."""
    environment = _environment(
        BASELINE_TOKEN=fake.token,
        BASELINE_API_URL=fake.base_url,
        BASELINE_DB=str(folder / "baseline.db"),
    )
    command = [sys.executable, str(ROOT / "benchmarks" / "baseline_bot.py")]
    process = subprocess.Popen(command, env=environment, stderr=subprocess.DEVNULL)
    try:
        await _until_polling(fake, process)
        yield [process.pid], []
    finally:
        await asyncio.to_thread(_stop, process)


@contextlib.asynccontextmanager
async def polling(
    fake: FakeBotApi, folder: Path, cache: Path
) -> AsyncIterator[tuple[list[int], list[str]]]:
    """`trustcoach telegram` on SQLite: the embedded default."""
    environment = _environment(
        TRUSTCOACH_DATA_DIR=str(folder / "data"),
        TRUSTCOACH_CACHE_DIR=str(cache),
        TRUSTCOACH_TELEGRAM_TOKEN=fake.token,
        TRUSTCOACH_TELEGRAM_API_URL=fake.base_url,
        TRUSTCOACH_TELEGRAM_MAX_RATE="0",
    )
    command = [sys.executable, "-m", "bot", "telegram"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await _until_polling(fake, process)
        yield [process.pid], []
    finally:
        await asyncio.to_thread(_stop, process)


@contextlib.asynccontextmanager
async def webhooks(
    fake: FakeBotApi, folder: Path, cache: Path, count: int
) -> AsyncIterator[tuple[list[int], list[str]]]:
    """`count` webhook workers on a new PostgreSQL database, migrated first."""
    with postgres_database(SERVER) as url:
        await asyncio.to_thread(migrate, url)
        pool = Workers(fake, url, cache, folder, count)
        try:
            await pool.start_all()
            yield pool.pids(), pool.urls
        finally:
            await asyncio.to_thread(pool.stop_all)


# ---------------------------------------------------------------------- one run


async def measure(run: Run, setup: Callable[[FakeBotApi], object]) -> None:
    """Start the setup, let the crowd through, print one line of figures."""
    async with FakeBotApi() as fake, setup(fake) as (pids, urls):  # type: ignore[attr-defined]
        trees = [_tree(pid) for pid in pids]
        database = _postgres_pids() if urls else []
        before = _cpu_seconds([p for tree in trees for p in tree]), _cpu_seconds(database)
        crowd = await run_crowd(
            fake, run.people, urls=urls or None, arrivals=run.arrivals, think=THINK, ask=True
        )
        # Connections opened during the run have server processes of their own.
        database = sorted(set(database) | set(_postgres_pids())) if urls else []
        after = _cpu_seconds([p for tree in trees for p in tree]), _cpu_seconds(database)
        peaks = [_peak_mib(pid) for pid in pids]
    _report(run, crowd, after[0] - before[0], after[1] - before[1], peaks)


def _report(
    run: Run, crowd: Crowd, bot_cpu: float, database_cpu: float, peaks: list[float]
) -> None:
    taps, questions, acks = crowd.taps, crowd.questions, crowd.seen.ack_seconds
    waited = sum(1 for person in crowd.people if person.waited_too_long)
    finished = sum(1 for person in crowd.people if person.finished)
    arrivals = f"over {run.arrivals:.0f} s" if run.arrivals else "burst"
    parts = [
        f"{run.name:<36} {run.people:>5} people ({arrivals})",
        f"finished {finished}/{run.people}, waited >10 s: {waited}",
        f"{len(taps) / crowd.tapping_seconds:6.1f} taps/s",
        f"tap p50 {_ms(median(taps))}, p99 {_ms(percentile(taps, 0.99))}",
        f"question p50 {_ms(median(questions))}, p99 {_ms(percentile(questions, 0.99))}",
        f"CPU per tap {1000 * bot_cpu / max(1, len(taps)):.1f} ms",
    ]
    if database_cpu:  # webhook runs: PostgreSQL's share, and how long Telegram waited
        parts.append(f"PostgreSQL {1000 * database_cpu / max(1, len(taps)):.1f} ms")
        parts.append(f"ack p50 {_ms(median(acks))}, p99 {_ms(percentile(acks, 0.99))}")
    parts.append(f"peak memory per worker {', '.join(f'{peak:.0f}' for peak in peaks)} MiB")
    print("; ".join(parts), flush=True)


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f} ms"


def main() -> None:
    """Parse the options and run every setup in turn."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="only the 200-person burst runs")
    parser.add_argument("--people", type=int, default=1000, help="the large crowd (default 1000)")
    parser.add_argument("--burst", type=int, default=200, help="the burst crowd (default 200)")
    parser.add_argument("--only", default="", help="only the runs whose name contains this")
    args = parser.parse_args()
    asyncio.run(_all(args.quick, args.people, args.burst, args.only))


async def _all(quick: bool, people: int, burst: int, only: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        cache = folder / "cache"
        runs: list[tuple[Run, Callable[[FakeBotApi], object]]] = [
            (Run("minimal PTB bot, polling, SQLite", burst, 0), lambda f: baseline(f, folder)),
            (
                Run("trustcoach telegram, polling, SQLite", burst, 0),
                lambda f: polling(f, folder, cache),
            ),
            (
                Run("trustcoach webhook x1, PostgreSQL", burst, 0),
                lambda f: webhooks(f, folder, cache, 1),
            ),
        ]
        if not quick:
            for arrivals in (0.0, 60.0):
                for count in (1, 2, 3):
                    runs.append(
                        (
                            Run(f"trustcoach webhook x{count}, PostgreSQL", people, arrivals),
                            lambda f, c=count: webhooks(f, folder, cache, c),
                        )
                    )
        print(
            f"{os.cpu_count()} cores; a tap every {THINK[0]}-{THINK[1]} s; Telegram's pacing lifted"
        )
        for run, setup in runs:
            if only in run.name:
                await measure(run, setup)


if __name__ == "__main__":
    main()
