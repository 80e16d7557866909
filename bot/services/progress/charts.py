"""A user's own charts: the latest result as a radar, each register over time as lines."""

from __future__ import annotations

from bot.domain.charts import LineChart, RadarChart, Series
from bot.domain.dialogue import Image
from bot.domain.framework import Framework, Language
from bot.domain.messages import Messages
from bot.domain.progress import AssessmentResult
from bot.services.pictures import guarded_image
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
    previous = history[-2] if len(history) > 1 else None
    registers = [r.id for r in framework.registers]
    chart = RadarChart(
        title=messages.text(language, "chart_radar_title"),
        labels=tuple(framework.register(r).name.in_(language) for r in registers),
        current=_series(latest, registers),
        previous=_series(previous, registers) if previous else None,
    )
    caption = messages.text(language, "chart_radar_caption")
    return guarded_image(lambda: charts.radar(chart), "registers.png", caption)


def lines_image(
    history: list[AssessmentResult],
    framework: Framework,
    messages: Messages,
    language: Language,
    charts: ChartRenderer,
) -> Image | None:
    """Each register over the last results; None before there are two."""
    shown = history[-LINE_CHART_RESULTS:]
    if len(shown) < 2:
        return None
    chart = LineChart(
        title=messages.text(language, "chart_lines_title"),
        x_labels=tuple(r.completed_at.strftime("%Y-%m-%d") for r in shown),
        series=tuple(
            Series(
                register.name.in_(language), tuple(r.scores.registers[register.id] for r in shown)
            )
            for register in framework.registers
        ),
        y_label=messages.text(language, "chart_score"),
    )
    caption = messages.text(language, "chart_lines_caption")
    return guarded_image(lambda: charts.lines(chart), "progress.png", caption)


def _series(result: AssessmentResult, registers: list[str]) -> Series:
    return Series(
        result.completed_at.strftime("%Y-%m-%d"),
        tuple(result.scores.registers[r] for r in registers),
    )
