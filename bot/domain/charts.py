"""What a chart shows, in plain data: the services fill these, a renderer draws them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Series:
    """One named set of values, one per axis label, on a 0-100 scale."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class RadarChart:
    """The registers of the latest result (`current`), an earlier one (`previous`) faded behind.

    `labels` are the axis names in the user's language; every series has one value per label.
    """

    title: str
    labels: tuple[str, ...]
    current: Series
    previous: Series | None = None


@dataclass(frozen=True)
class LineChart:
    """Each register's score over time: `x_labels` are the dates, one series per register."""

    title: str
    x_labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""


@dataclass(frozen=True)
class BarChart:
    """Grouped bars: one group per label, one bar per series (a cohort's start and now)."""

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""


Chart = RadarChart | LineChart | BarChart


def chart_to_json(chart: Chart) -> dict[str, Any]:
    """A chart's data as JSON, so that any process can draw it again (a stored reply)."""
    data: dict[str, Any] = {"kind": type(chart).__name__, "title": chart.title}
    if isinstance(chart, RadarChart):
        data["labels"] = list(chart.labels)
        data["series"] = [_series_to_json(s) for s in (chart.current, chart.previous) if s]
        return data
    data["labels"] = list(chart.x_labels if isinstance(chart, LineChart) else chart.labels)
    data["series"] = [_series_to_json(series) for series in chart.series]
    data["y_label"] = chart.y_label
    return data


def chart_from_json(data: Any) -> Chart | None:
    """The chart `chart_to_json` wrote; None for anything else (nothing is drawn then)."""
    if not isinstance(data, dict):
        return None
    try:
        title, labels = str(data["title"]), tuple(str(label) for label in data["labels"])
        series = tuple(
            Series(str(name), tuple(float(v) for v in values)) for name, values in data["series"]
        )
        kind = data["kind"]
        if kind == "RadarChart":
            return RadarChart(title, labels, series[0], series[1] if len(series) > 1 else None)
        if kind == "LineChart":
            return LineChart(title, labels, series, str(data.get("y_label", "")))
        if kind == "BarChart":
            return BarChart(title, labels, series, str(data.get("y_label", "")))
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    return None


def _series_to_json(series: Series) -> list[Any]:
    return [series.name, list(series.values)]
