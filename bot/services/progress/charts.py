"""A user's own charts: the latest result as a radar, each register over time as lines."""

from __future__ import annotations

from datetime import datetime

from bot.domain.charts import LineChart, RadarChart, Series
from bot.domain.dialogue import Image
from bot.domain.framework import Framework, Language
from bot.domain.messages import Messages
from bot.domain.progress import AssessmentResult
from bot.services.pictures import chart_image
from bot.services.ports import ChartRenderer

LINE_CHART_RESULTS = 8


def radar_image(
    history: list[AssessmentResult],
    framework: Framework,
    messages: Messages,
    language: Language,
    charts: ChartRenderer,
) -> Image | None:
    """The latest result on the five registers, the previous one faded behind it."""
    if not history:
        return None
    latest = history[-1]
    # The result faded behind is the previous one of the same kind (a quick check's, a full's).
    alike = [r for r in history[:-1] if r.instrument == latest.instrument]
    previous = alike[-1] if alike else None
    registers = [r.id for r in framework.registers]
    current_label, previous_label = _pair_labels(latest, previous)
    chart = RadarChart(
        title=messages.text(language, "chart_radar_title"),
        labels=tuple(framework.register(r).name.in_(language) for r in registers),
        current=_series(latest, registers, current_label),
        previous=_series(previous, registers, previous_label) if previous else None,
    )
    caption = messages.text(language, "chart_radar_caption")
    return chart_image(charts, chart, "registers.png", caption)


def lines_image(
    history: list[AssessmentResult],
    framework: Framework,
    messages: Messages,
    language: Language,
    charts: ChartRenderer,
) -> Image | None:
    """Each register over the last results; None before there are two."""
    if not history:
        return None
    # Like with like: the line follows the same instrument as the latest result.
    alike = [r for r in history if r.instrument == history[-1].instrument]
    shown = alike[-LINE_CHART_RESULTS:]
    if len(shown) < 2:
        return None
    chart = LineChart(
        title=messages.text(language, "chart_lines_title"),
        x_labels=distinct_labels([r.completed_at for r in shown]),
        series=tuple(
            Series(
                register.name.in_(language), tuple(r.scores.registers[register.id] for r in shown)
            )
            for register in framework.registers
        ),
        y_label=messages.text(language, "chart_score"),
    )
    caption = messages.text(language, "chart_lines_caption")
    return chart_image(charts, chart, "progress.png", caption)


def distinct_labels(moments: list[datetime]) -> tuple[str, ...]:
    """Dates as labels, with the time where a day repeats, and a number if even that does."""
    days = [f"{moment:%Y-%m-%d}" for moment in moments]
    labels = [
        f"{moment:%Y-%m-%d %H:%M}" if days.count(day) > 1 else day
        for moment, day in zip(moments, days, strict=True)
    ]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if labels.count(label) == 1 else f"{label} ({seen[label]})")
    return tuple(unique)


def _pair_labels(latest: AssessmentResult, previous: AssessmentResult | None) -> tuple[str, str]:
    if previous is None:
        return distinct_labels([latest.completed_at])[0], ""
    first, second = distinct_labels([latest.completed_at, previous.completed_at])
    return first, second


def _series(result: AssessmentResult, registers: list[str], label: str) -> Series:
    return Series(label, tuple(result.scores.registers[r] for r in registers))
