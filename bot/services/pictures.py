"""Pictures handed to channels: drawn when sent, and never an error in the chat."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from bot.domain.charts import BarChart, Chart, LineChart, RadarChart
from bot.domain.delivery import Delivery
from bot.domain.dialogue import Image, Reply
from bot.services.ports import ChartRenderer

log = logging.getLogger(__name__)


def guarded_image(
    draw: Callable[[], bytes], filename: str, caption: str = "", chart: Chart | None = None
) -> Image:
    """An image whose drawing logs its failure and gives no bytes (channels skip the picture)."""

    def drawn() -> bytes:
        try:
            return draw()
        except Exception:  # a chart is a bonus: the figures are in the text already
            log.exception("could not draw a chart")
            return b""

    return Image(drawn, filename, caption, chart)


def chart_image(charts: ChartRenderer, chart: Chart, filename: str, caption: str = "") -> Image:
    """A chart drawn by the renderer when the channel sends it."""
    return guarded_image(lambda: draw_chart(charts, chart), filename, caption, chart)


def draw_chart(charts: ChartRenderer, chart: Chart) -> bytes:
    """Draw any kind of chart."""
    if isinstance(chart, RadarChart):
        return charts.radar(chart)
    if isinstance(chart, LineChart):
        return charts.lines(chart)
    if isinstance(chart, BarChart):
        return charts.bars(chart)
    raise TypeError(f"not a chart: {type(chart).__name__}")


def redrawable(deliveries: list[Delivery], charts: ChartRenderer | None) -> list[Delivery]:
    """Stored deliveries whose charts this process draws again: a reply made by another
    worker (or before a crash) shows its picture, not only the caption."""
    if charts is None:
        return deliveries
    for delivery in deliveries:
        delivery.replies = [_redrawn(reply, charts) for reply in delivery.replies]
    return deliveries


def _redrawn(reply: Reply, charts: ChartRenderer) -> Reply:
    image = reply.image
    if image is None or image.chart is None:
        return reply
    return replace(reply, image=chart_image(charts, image.chart, image.filename, image.caption))
