"""Chart renderers that import matplotlib only when needed: in this process or in a child one."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from bot.domain.charts import BarChart, LineChart, RadarChart

if TYPE_CHECKING:
    from .renderer import MatplotlibCharts


class LazyCharts:
    """A ChartRenderer that builds the matplotlib one on first use; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._renderer: MatplotlibCharts | None = None

    def renderer(self) -> MatplotlibCharts:
        """Return the real renderer, importing matplotlib if needed."""
        with self._lock:
            if self._renderer is None:
                from .renderer import MatplotlibCharts  # noqa: PLC0415 - half a second of import

                self._renderer = MatplotlibCharts()
            return self._renderer

    def warm_up(self) -> threading.Thread:
        """Import matplotlib in a background thread."""
        thread = threading.Thread(target=self.renderer, name="charts-warm-up", daemon=True)
        thread.start()
        return thread

    def radar(self, chart: RadarChart) -> bytes:
        """Draw a radar chart (see MatplotlibCharts.radar)."""
        return self.renderer().radar(chart)

    def lines(self, chart: LineChart) -> bytes:
        """Draw a line chart (see MatplotlibCharts.lines)."""
        return self.renderer().lines(chart)

    def bars(self, chart: BarChart) -> bytes:
        """Draw a bar chart (see MatplotlibCharts.bars)."""
        return self.renderer().bars(chart)


class ChartProcess:
    """A ChartRenderer that draws in a child process, for bots serving many people at once.

    Drawing a chart holds Python's interpreter lock for about a tenth of a second; in the bot's
    own process that would pause every other conversation. The child starts clean ("spawn"), so
    it carries neither the embedding model nor the bot's threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=context, initializer=_lower_priority
                )
            return self._pool

    def warm_up(self) -> threading.Thread:
        """Start the child process and import matplotlib there, in the background."""
        thread = threading.Thread(target=self._start, name="charts-warm-up", daemon=True)
        thread.start()
        return thread

    def _start(self) -> None:
        self._executor().submit(_draw, "warm_up", None).result()

    def radar(self, chart: RadarChart) -> bytes:
        """Draw a radar chart in the child process."""
        return self._executor().submit(_draw, "radar", chart).result()

    def lines(self, chart: LineChart) -> bytes:
        """Draw a line chart in the child process."""
        return self._executor().submit(_draw, "lines", chart).result()

    def bars(self, chart: BarChart) -> bytes:
        """Draw a bar chart in the child process."""
        return self._executor().submit(_draw, "bars", chart).result()

    def close(self) -> None:
        """Stop the child process."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None


_IN_CHILD = LazyCharts()


def _lower_priority() -> None:
    """Run in the child: a picture can wait a little, a person's next question should not."""
    with contextlib.suppress(OSError, AttributeError):  # not every system lets us
        os.nice(10)


def _draw(kind: str, chart: RadarChart | LineChart | BarChart | None) -> bytes:
    """Run in the child process: draw one chart with the child's own renderer."""
    renderer = _IN_CHILD.renderer()
    if isinstance(chart, RadarChart) and kind == "radar":
        return renderer.radar(chart)
    if isinstance(chart, LineChart) and kind == "lines":
        return renderer.lines(chart)
    if isinstance(chart, BarChart) and kind == "bars":
        return renderer.bars(chart)
    return b""
