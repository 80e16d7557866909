"""Prints chart rendering speed: the first call (import included), then each kind in a warm process.

Run with `.venv/bin/python benchmarks/chart_bench.py` (a few seconds on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bot.adapters.charts.renderer import MatplotlibCharts

REGISTERS = ("Altruisme", "Justice", "Prudence", "Courage", "Tempérance")


def main() -> None:
    """Time the first radar, then each chart kind after one warm-up."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30, help="timed renders per chart kind")
    parser.add_argument(
        "--samples", type=Path, help="also write the README's example charts into this folder"
    )
    args = parser.parse_args()
    rounds = args.rounds

    started = time.perf_counter()
    from bot.adapters.charts.renderer import MatplotlibCharts

    imported = time.perf_counter()
    charts = MatplotlibCharts()
    jobs = _jobs(charts)
    jobs["radar"]()
    print(
        f"first call: {(time.perf_counter() - started) * 1000:.0f} ms "
        f"(import {(imported - started) * 1000:.0f} ms, first radar "
        f"{(time.perf_counter() - imported) * 1000:.0f} ms)"
    )
    for kind, job in jobs.items():
        size = len(job())  # warm-up
        timings = []
        for _ in range(rounds):
            begun = time.perf_counter()
            job()
            timings.append((time.perf_counter() - begun) * 1000)
        ordered = sorted(timings)
        print(
            f"{kind:<6} ({rounds} renders, {size / 1024:.0f} KiB): "
            f"median {statistics.median(ordered):.1f} ms, "
            f"p95 {ordered[min(int(0.95 * len(ordered)), len(ordered) - 1)]:.1f} ms"
        )
    if args.samples is not None:
        _write_samples(charts, args.samples)


def _write_samples(charts: MatplotlibCharts, folder: Path) -> None:
    """The README's pictures: a user's radar and a cohort's bars, worded as the coach words them."""
    from bot.domain.charts import BarChart, RadarChart, Series

    names = ("Altruism", "Justice", "Prudence", "Courage", "Temperance")
    radar = RadarChart(
        "Your five registers",
        names,
        Series("2026-11-28", (72, 55, 64, 41, 58)),
        Series("2026-11-14", (60, 50, 66, 35, 49)),
    )
    cohort = BarChart(
        "Buyers 2027: average per register",
        names,
        (Series("At joining", (58, 49, 61, 38, 47)), Series("Now", (63, 54, 62, 46, 55))),
        y_label="score (0–100)",
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "radar-example.png").write_bytes(charts.radar(radar))
    (folder / "cohort-example.png").write_bytes(charts.bars(cohort))
    print(f"example charts written to {folder}")


def _jobs(charts: MatplotlibCharts) -> dict[str, Callable[[], bytes]]:
    """Return one realistic chart of each kind, ready to render."""
    from bot.domain.charts import BarChart, LineChart, RadarChart, Series

    now = Series("28 nov.", (72, 55, 64, 41, 58))
    before = Series("14 nov.", (60, 50, 66, 35, 49))
    dates = tuple(f"{day} nov." for day in range(1, 29, 3))
    history = tuple(
        Series(name, tuple(float((17 * index + 9 * step) % 100) for step in range(len(dates))))
        for index, name in enumerate(REGISTERS)
    )
    radar = RadarChart("Vos cinq registres", REGISTERS, now, before)
    lines = LineChart("Évolution de vos registres", dates, history, y_label="Score")
    bars = BarChart("Cohorte : début et maintenant", REGISTERS, (before, now))
    return {
        "radar": lambda: charts.radar(radar),
        "lines": lambda: charts.lines(lines),
        "bars": lambda: charts.bars(bars),
    }


if __name__ == "__main__":
    main()
