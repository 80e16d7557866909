"""Prints the coach core's figures: time per assessment answer, chat cold start, peak memory.

Run with `make bench` (or `.venv/bin/python benchmarks/core_bench.py --users 50`).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_answers(users: int, database_url: str | None) -> None:
    """Drive simulated users through a quick check and time each answer end to end."""
    from bot.bootstrap import build_services
    from bot.config import load_settings
    from bot.domain.dialogue import Choice, Start, Text

    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(data_dir=Path(data_dir), database_url=database_url)
        services = build_services(settings)
        services.cards.index()  # results show cards: load the model before timing
        engine = services.engine
        timings: list[float] = []
        for index in range(users):
            user = f"bench-{index}-{time.time_ns()}"
            engine.handle("bench", user, Start(language="en", role="buyer"))
            replies = engine.handle("bench", user, Text("/check"))
            for _ in range(10):
                option = next(o for r in replies for o in r.options if o.key == "4")
                started = time.perf_counter()
                replies = engine.handle("bench", user, Choice(option.id))
                timings.append((time.perf_counter() - started) * 1000)
        services.close()
    backend = "PostgreSQL" if database_url else "SQLite"
    print(
        f"answer ({backend}, {users} users x 10 answers): "
        f"median {statistics.median(timings):.2f} ms, "
        f"p95 {_percentile(timings, 0.95):.2f} ms, p99 {_percentile(timings, 0.99):.2f} ms"
    )


def bench_cold_start(runs: int) -> None:
    """Start `trustcoach chat` afresh and time it to the first prompt."""
    executable = Path(sys.executable).with_name("trustcoach")
    timings: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "TRUSTCOACH_DATA_DIR": data_dir}
        for run in range(runs + 1):
            started = time.perf_counter()
            process = subprocess.Popen(
                [
                    str(executable),
                    "chat",
                    "--user",
                    f"cold-{run}",
                    "--lang",
                    "en",
                    "--role",
                    "buyer",
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            assert process.stdout is not None
            for line in process.stdout:
                if "What would you like" in line:
                    break
            elapsed = (time.perf_counter() - started) * 1000
            process.communicate("")
            if run:  # the first run also creates the database; report warm-disk starts
                timings.append(elapsed)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        "cold start of trustcoach chat to the first prompt: "
        f"median {statistics.median(timings):.0f} ms "
        f"over {runs} runs (min {min(timings):.0f}, max {max(timings):.0f})"
    )
    print(f"peak memory of trustcoach chat: {peak_mib:.0f} MiB")


def main() -> None:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--users", type=int, default=100, help="simulated users for the answer timing"
    )
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TRUSTCOACH_BENCH_POSTGRES_URL"),
        help="also time answers on this PostgreSQL URL",
    )
    args = parser.parse_args()
    # Cold starts first, so that the children's peak memory is theirs, not the model's.
    bench_cold_start(args.runs)
    bench_answers(args.users, None)
    if args.postgres:
        bench_answers(args.users, args.postgres)
    in_process = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory of the benchmark process (engine, model + {args.users} users): "
        f"{in_process:.0f} MiB"
    )


if __name__ == "__main__":
    main()
