"""What a chart shows, in plain data: the services fill these, a renderer draws them."""

from __future__ import annotations

from dataclasses import dataclass


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
