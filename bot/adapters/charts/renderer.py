"""Radar, line and bar charts as PNG bytes, drawn without pyplot so threads can share it."""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import cast

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.projections.polar import PolarAxes

from bot.domain.charts import BarChart, LineChart, RadarChart, Series

# Okabe–Ito, told apart with the common colour-vision deficiencies; yellow last, pale on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
FADED = "#8C8C8C"
GRID = "#D0D0D0"
MUTED = "#555555"
DPI = 125
RADAR_INCHES = (6.4, 6.4)  # 800 x 800 px
WIDE_INCHES = (8.0, 5.6)  # 1000 x 700 px
TITLE_PT = 17
LABEL_PT = 14
VALUE_PT = 13
SCALE_PT = 11
RINGS = (25, 50, 75, 100)
WRAP = 14
LABEL_GAP = 12  # points between the rim and an axis name
VALUE_GAP = 15  # points between a point and its value
MAX_X_LABELS = 12


class MatplotlibCharts:
    """Draws the coaching charts as PNG images; safe to call from several threads at once."""

    def radar(self, chart: RadarChart) -> bytes:
        """Draw the current series filled, the previous one faded behind, on a 0-100 scale."""
        _check_radar(chart)
        figure = _new_figure(RADAR_INCHES)
        axes = cast(PolarAxes, figure.add_subplot(projection="polar"))
        angles = [2 * math.pi * index / len(chart.labels) for index in range(len(chart.labels))]
        _radar_frame(axes, angles, chart.labels)
        if chart.previous is not None:
            _radar_previous(axes, angles, chart.previous)
        _radar_current(axes, angles, chart.current)
        if chart.previous is not None:
            _legend_below(figure, axes, columns=2, newest_first=True)
        _title(figure, chart.title, width=40)
        return _png(figure)

    def lines(self, chart: LineChart) -> bytes:
        """Draw one line with markers per series over evenly spaced dates, on a 0-100 scale."""
        _check_series(chart.series, len(chart.x_labels), "x labels")
        figure = _new_figure(WIDE_INCHES)
        axes = figure.add_subplot()
        positions = list(range(len(chart.x_labels)))
        for index, series in enumerate(chart.series):
            axes.plot(
                positions,
                _clamped(series.values),
                color=PALETTE[index % len(PALETTE)],
                marker=MARKERS[index % len(MARKERS)],
                markersize=8,
                linewidth=2.4,
                label=_plain(series.name),
            )
        _categorical_x(axes, chart.x_labels)
        _score_y(axes, chart.y_label)
        _legend_below(figure, axes, columns=min(len(chart.series), 4))
        _title(figure, chart.title, width=60)
        return _png(figure)

    def bars(self, chart: BarChart) -> bytes:
        """Draw one group of bars per label, one bar per series, each value printed on top."""
        _check_series(chart.series, len(chart.labels), "labels")
        figure = _new_figure(WIDE_INCHES)
        axes = figure.add_subplot()
        _grouped_bars(axes, chart.series, len(chart.labels))
        axes.set_xticks(range(len(chart.labels)), [_wrapped(label) for label in chart.labels])
        axes.set_xlim(-0.5, len(chart.labels) - 0.5)
        axes.tick_params(axis="x", labelsize=LABEL_PT, length=0)
        _score_y(axes, chart.y_label, headroom=12)
        axes.grid(False, axis="x")
        _legend_below(figure, axes, columns=min(len(chart.series), 4))
        _title(figure, chart.title, width=60)
        return _png(figure)


def _check_radar(chart: RadarChart) -> None:
    """Refuse a radar with fewer than three axes or series not matching its labels."""
    if len(chart.labels) < 3:
        raise ValueError(f"a radar chart needs at least 3 labels, got {len(chart.labels)}")
    drawn = (chart.current,) if chart.previous is None else (chart.current, chart.previous)
    _check_series(drawn, len(chart.labels), "labels")


def _check_series(series: Sequence[Series], expected: int, what: str) -> None:
    """Refuse no series, no labels, or a series whose values do not match the labels."""
    if not series:
        raise ValueError("a chart needs at least one series")
    if expected == 0:
        raise ValueError(f"a chart needs at least one of its {what}")
    for one in series:
        if len(one.values) != expected:
            raise ValueError(
                f"series {one.name!r} has {len(one.values)} values for {expected} {what}"
            )
        if not all(math.isfinite(value) for value in one.values):
            raise ValueError(f"series {one.name!r} has a value that is not a finite number")


def _new_figure(inches: tuple[float, float]) -> Figure:
    """Return a white figure laid out to fit its labels, outside pyplot's registry."""
    return Figure(figsize=inches, dpi=DPI, facecolor="white", layout="constrained")


def _png(figure: Figure) -> bytes:
    """Render the figure to PNG bytes on its own Agg canvas."""
    buffer = io.BytesIO()
    # The canvas draws once, laying out as it goes; savefig would add a layout-only pass
    # (15% slower). backend_agg ships without type hints, hence the ignore.
    FigureCanvasAgg(figure).print_png(buffer)  # type: ignore[no-untyped-call]
    return buffer.getvalue()


def _radar_frame(axes: PolarAxes, angles: list[float], labels: Sequence[str]) -> None:
    """Put the first axis at the top, going clockwise, with rings at 25, 50, 75 and 100."""
    axes.set_theta_offset(math.pi / 2)
    axes.set_theta_direction(-1)
    # Spokes come from the ticks; the names are drawn by _radar_labels, aligned outwards.
    axes.set_xticks(angles, [""] * len(angles))
    axes.set_ylim(0, 100)
    axes.set_yticks(RINGS, [str(ring) for ring in RINGS])
    axes.tick_params(axis="y", labelsize=SCALE_PT, labelcolor=MUTED)
    # Halfway between the first two axes, the ring numbers stay clear of the data labels.
    axes.set_rlabel_position(math.degrees(angles[1]) / 2)
    axes.grid(True, color=GRID, linewidth=0.9)
    axes.spines["polar"].set_color(GRID)
    _radar_labels(axes, angles, labels)


def _radar_labels(axes: PolarAxes, angles: list[float], labels: Sequence[str]) -> None:
    """Write each axis name just outside the rim, growing away from the circle."""
    for angle, label in zip(angles, labels, strict=True):
        across, up = math.sin(angle), math.cos(angle)
        axes.annotate(
            _wrapped(label),
            xy=(angle, 100),
            xytext=(LABEL_GAP * across, LABEL_GAP * up),
            textcoords="offset points",
            ha=_side(across, "left", "right"),
            va=_side(up, "bottom", "top"),
            fontsize=LABEL_PT,
        )


def _side(component: float, positive: str, negative: str) -> str:
    """Return the alignment that keeps text on the outer side of a direction component."""
    if component > 0.15:
        return positive
    return negative if component < -0.15 else "center"


def _radar_previous(axes: PolarAxes, angles: list[float], series: Series) -> None:
    """Draw the earlier series faded and dashed, behind the current one."""
    theta, radius = _closed(angles, _clamped(series.values))
    axes.fill(theta, radius, color=FADED, alpha=0.25, zorder=2)
    axes.plot(theta, radius, color=FADED, linewidth=1.8, linestyle="--", label=_plain(series.name))


def _radar_current(axes: PolarAxes, angles: list[float], series: Series) -> None:
    """Draw the latest series filled in a strong colour, each value printed by its point."""
    values = _clamped(series.values)
    theta, radius = _closed(angles, values)
    colour = PALETTE[0]
    axes.fill(theta, radius, color=colour, alpha=0.25, zorder=3)
    axes.plot(
        theta,
        radius,
        color=colour,
        linewidth=2.6,
        marker="o",
        markersize=7,
        zorder=4,
        label=_plain(series.name),
    )
    _radar_values(axes, angles, values, colour)


def _radar_values(axes: PolarAxes, angles: list[float], values: list[float], colour: str) -> None:
    """Print each value, rounded, next to its point."""
    for angle, value in zip(angles, values, strict=True):
        # Off the point along its axis, never on the line; inwards near the rim, clear of the name.
        gap = VALUE_GAP if value <= 85 else -1.5 * VALUE_GAP
        axes.annotate(
            f"{value:.0f}",
            xy=(angle, value),
            xytext=(gap * math.sin(angle), gap * math.cos(angle)),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=VALUE_PT,
            fontweight="bold",
            color=colour,
            zorder=5,
            bbox={
                "boxstyle": "round,pad=0.15",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.8,
            },
        )


def _closed(angles: list[float], values: list[float]) -> tuple[list[float], list[float]]:
    """Repeat the first point at the end so the polygon closes."""
    return [*angles, angles[0]], [*values, values[0]]


def _grouped_bars(axes: Axes, series: Sequence[Series], groups: int) -> None:
    """Draw the bars of each series side by side within each group, values on top."""
    width = 0.8 / len(series)
    for index, one in enumerate(series):
        values = _clamped(one.values)
        offsets = [group - 0.4 + width * (index + 0.5) for group in range(groups)]
        bars = axes.bar(
            offsets,
            values,
            width * 0.92,
            color=PALETTE[index % len(PALETTE)],
            label=_plain(one.name),
            zorder=2,
        )
        axes.bar_label(
            bars, labels=[f"{value:.0f}" for value in values], padding=3, fontsize=VALUE_PT
        )


def _categorical_x(axes: Axes, labels: Sequence[str]) -> None:
    """Space the dates evenly, thinning and slanting them when there are many."""
    step = math.ceil(len(labels) / MAX_X_LABELS)
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [_plain(labels[position]) for position in positions])
    axes.set_xlim(-0.5, len(labels) - 0.5)
    slanted = len(positions) > 6
    axes.tick_params(axis="x", labelsize=LABEL_PT, labelrotation=35 if slanted else 0)
    if slanted:
        for text in axes.get_xticklabels():
            text.set_horizontalalignment("right")
            text.set_rotation_mode("anchor")


def _score_y(axes: Axes, label: str, headroom: float = 3) -> None:
    """Show the 0-100 scale on a light grid, with room above 100 for markers or values."""
    axes.set_ylim(0, 100 + headroom)
    axes.set_yticks(range(0, 101, 20))
    axes.tick_params(axis="y", labelsize=LABEL_PT)
    if label:
        axes.set_ylabel(_plain(label), fontsize=LABEL_PT)
    axes.grid(True, color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)


def _legend_below(figure: Figure, axes: Axes, columns: int, newest_first: bool = False) -> None:
    """Put the legend under the plot, where it hides nothing."""
    handles, labels = axes.get_legend_handles_labels()
    if newest_first:
        handles, labels = handles[::-1], labels[::-1]
    figure.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=max(columns, 1),
        frameon=False,
        fontsize=LABEL_PT,
    )


def _title(figure: Figure, title: str, width: int) -> None:
    """Put the title above everything, wrapped to fit a phone screen."""
    if title:
        figure.suptitle(
            "\n".join(textwrap.wrap(_plain(title), width)), fontsize=TITLE_PT, fontweight="bold"
        )


def _clamped(values: Sequence[float]) -> list[float]:
    """Keep values within the 0-100 scale."""
    return [min(max(float(value), 0.0), 100.0) for value in values]


def _wrapped(label: str) -> str:
    """Break a long axis label over several lines."""
    return "\n".join(textwrap.wrap(_plain(label), WRAP)) or " "


def _plain(text: str) -> str:
    """Escape dollar signs so matplotlib never reads user text as math."""
    return text.replace("$", r"\$")
