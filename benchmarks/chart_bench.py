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
    rounds = parser.parse_args().rounds

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
