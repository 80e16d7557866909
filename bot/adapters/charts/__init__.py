"""Charts drawn as PNG images with matplotlib's object-oriented API (imported on first use)."""

from bot.adapters.charts.lazy import ChartProcess, LazyCharts

__all__ = ["ChartProcess", "LazyCharts"]
