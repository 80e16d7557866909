"""Chart renderers that import matplotlib only when needed: in this process or in a child one."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from bot.adapters.lazy import DEFAULT_BACKOFF, Lazy
from bot.domain.charts import BarChart, LineChart, RadarChart
from bot.domain.health import ResourceStatus

if TYPE_CHECKING:
    from .renderer import MatplotlibCharts

Chart = RadarChart | LineChart | BarChart


def _matplotlib_charts() -> MatplotlibCharts:
    from .renderer import MatplotlibCharts  # noqa: PLC0415 - half a second of import

    return MatplotlibCharts()


class LazyCharts:
    """A ChartRenderer that builds the matplotlib one on first use; thread-safe."""

    def __init__(
        self,
        opener: Callable[[], MatplotlibCharts] = _matplotlib_charts,
        *,
        backoff: tuple[float, ...] = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._renderer = Lazy("charts", opener, backoff=backoff, clock=clock)

    def renderer(self) -> MatplotlibCharts:
        """Return the real renderer, importing matplotlib if needed."""
        return self._renderer.get()

    def warm_up(self) -> threading.Thread:
        """Import matplotlib in a background thread."""
        return self._renderer.warm_up()

    def wait(self, timeout: float | None = None) -> ResourceStatus:
        """Block while matplotlib is being imported; return the status."""
        return self._renderer.wait(timeout)

    def status(self) -> ResourceStatus:
        """Return whether the renderer is ready, loading or unavailable."""
        return self._renderer.status()

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
    it carries neither the embedding model nor the bot's threads. It is ready once it has
    imported matplotlib; a child that dies is replaced on the next chart.
    """

    def __init__(
        self,
        *,
        backoff: tuple[float, ...] = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = Lazy("charts", _start_child, backoff=backoff, clock=clock)

    def warm_up(self) -> threading.Thread:
        """Start the child process and import matplotlib there, in the background."""
        return self._pool.warm_up()

    def wait(self, timeout: float | None = None) -> ResourceStatus:
        """Block while the child process is starting; return the status."""
        return self._pool.wait(timeout)

    def status(self) -> ResourceStatus:
        """Return whether the child process is ready, starting or unavailable."""
        return self._pool.status()

    def radar(self, chart: RadarChart) -> bytes:
        """Draw a radar chart in the child process."""
        return self._draw("radar", chart)

    def lines(self, chart: LineChart) -> bytes:
        """Draw a line chart in the child process."""
        return self._draw("lines", chart)

    def bars(self, chart: BarChart) -> bytes:
        """Draw a bar chart in the child process."""
        return self._draw("bars", chart)

    def close(self) -> None:
        """Stop the child process."""
        pool = self._pool.reset()
        if pool is not None:
            pool.shutdown(cancel_futures=True)

    def _draw(self, kind: str, chart: Chart) -> bytes:
        pool = self._pool.get()
        try:
            return pool.submit(_draw, kind, chart).result()
        except BrokenProcessPool:
            # The child died (killed, out of memory): forget it so that the next chart starts
            # a new one, instead of failing for the rest of the bot's life.
            if self._pool.reset(only=pool) is not None:
                pool.shutdown(cancel_futures=True)
            raise


def _start_child() -> ProcessPoolExecutor:
    """Start the child process and let it import matplotlib (the slow part of a first chart)."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_lower_priority)
    try:
        pool.submit(_draw, "warm_up", None).result()
    except BaseException:
        pool.shutdown(cancel_futures=True)
        raise
    return pool


_IN_CHILD = LazyCharts()


def _lower_priority() -> None:
    """Run in the child: a picture can wait a little, a person's next question should not."""
    with contextlib.suppress(OSError, AttributeError):  # not every system lets us
        os.nice(10)


def _draw(kind: str, chart: Chart | None) -> bytes:
    """Run in the child process: draw one chart with the child's own renderer."""
    renderer = _IN_CHILD.renderer()
    if isinstance(chart, RadarChart) and kind == "radar":
        return renderer.radar(chart)
    if isinstance(chart, LineChart) and kind == "lines":
        return renderer.lines(chart)
    if isinstance(chart, BarChart) and kind == "bars":
        return renderer.bars(chart)
    return b""
