"""Imports matplotlib only when the first chart is drawn, so that start-up stays fast."""

from __future__ import annotations

import threading
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

    def radar(self, chart: RadarChart) -> bytes:
        """Draw a radar chart (see MatplotlibCharts.radar)."""
        return self.renderer().radar(chart)

    def lines(self, chart: LineChart) -> bytes:
        """Draw a line chart (see MatplotlibCharts.lines)."""
        return self.renderer().lines(chart)

    def bars(self, chart: BarChart) -> bytes:
        """Draw a bar chart (see MatplotlibCharts.bars)."""
        return self.renderer().bars(chart)
