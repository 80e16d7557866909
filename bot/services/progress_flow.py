"""Showing progress over time and choosing the current focus."""

from __future__ import annotations

from bot.domain.dialogue import Option, Reply
from bot.domain.progress import ProgressReport, RegisterProgress, progress_report
from bot.services import reports
from bot.services.turn import Turn

HISTORY_SHOWN = 5


def report(turn: Turn) -> ProgressReport:
    """Build the user's progress report from their stored results."""
    assert turn.user.id is not None
    results = turn.uow.results.for_user(turn.user.id)
    return progress_report(results, turn.content.framework, turn.user.focus)


def show_progress(turn: Turn) -> list[Reply]:
    """Show results over time, the focus, moods and prepared meetings."""
    from bot.services import mood_flow, prepare_flow  # noqa: PLC0415 - they import this module's peers

    extras = [line for line in (mood_flow.summary(turn), prepare_flow.summary(turn)) if line]
    wellbeing = [Reply(text="\n".join(extras))] if extras else []
    return _results(turn) + wellbeing


def _results(turn: Turn) -> list[Reply]:
    progress = report(turn)
    if progress.latest is None:
        return [turn.reply("progress_empty")]
    language = turn.user.language
    single = len(progress.history) == 1
    lines = [
        turn.t("progress_title_one")
        if single
        else turn.t("progress_title", count=len(progress.history))
    ]
    for row in progress.registers:
        name = turn.content.framework.register(row.register).name.in_(language)
        line = (
            turn.t("progress_line_one", register=name, score=round(row.latest))
            if single
            else _register_line(turn, name, row)
        )
        lines.append(line)
    lines.append("")
    lines.append(turn.t("progress_history"))
    for result in progress.history[-HISTORY_SHOWN:]:
        average = round(sum(result.scores.registers.values()) / len(result.scores.registers))
        lines.append(
            turn.t(
                "progress_history_line",
                date=result.completed_at.strftime("%Y-%m-%d"),
                instrument=turn.t(f"instrument_{result.instrument.value}"),
                average=average,
            )
        )
    charts = chart_replies(turn, with_lines=True)
    return [Reply(text="\n".join(lines)), *charts, focus_summary(turn, progress)]


def chart_replies(turn: Turn, with_lines: bool) -> list[Reply]:
    """The user's radar (and line chart), as image replies, when the channel has a renderer."""
    charts = turn.charts
    if charts is None:
        return []
    history = list(report(turn).history)
    content, language = turn.content, turn.user.language
    images = [reports.radar_image(history, content.framework, content.messages, language, charts)]
    if with_lines:
        images.append(
            reports.lines_image(history, content.framework, content.messages, language, charts)
        )
    return [Reply(text="", image=image) for image in images if image is not None]


def focus_summary(turn: Turn, progress: ProgressReport) -> Reply:
    """Say what the current focus is and why, with a way to change it."""
    if progress.focus is None:
        choose = (Option(id="focus:change", label=turn.t("focus_choose"), key="1"),)
        return turn.reply("focus_none", options=choose)
    competency = turn.content.framework.competency(progress.focus)
    key = "focus_current_chosen" if progress.focus_chosen else "focus_current_auto"
    options = (Option(id="focus:change", label=turn.t("focus_change"), key="1"),)
    text = turn.t(
        key,
        competency=competency.name.in_(turn.user.language),
        definition=competency.definition.in_(turn.user.language),
    )
    return Reply(text=text, options=options)


def offer_focus(turn: Turn, competency_id: str) -> Reply:
    """After a result, offer to make the weakest competency the current focus."""
    turn.go("focus_offer", competency=competency_id)
    name = turn.content.framework.competency(competency_id).name.in_(turn.user.language)
    options = (
        Option(id=f"focus:{competency_id}", label=turn.t("focus_yes"), key="1"),
        Option(id="menu:menu", label=turn.t("focus_no"), key="2"),
    )
    return Reply(text=turn.t("focus_offer", competency=name), options=options)


def show_focus(turn: Turn) -> list[Reply]:
    """Show the current focus and offer to change it."""
    turn.go("focus")
    return [focus_summary(turn, report(turn))]


def pick_register(turn: Turn) -> list[Reply]:
    """Offer the five registers, first step of choosing a focus."""
    turn.go("focus_register")
    options = [
        Option(
            id=f"focusreg:{register.id}",
            label=register.name.in_(turn.user.language),
            key=str(index),
        )
        for index, register in enumerate(turn.content.framework.registers, start=1)
    ]
    options.append(Option(id="focus:auto", label=turn.t("focus_auto"), key=str(len(options) + 1)))
    return [Reply(text=turn.t("focus_pick_register"), options=tuple(options))]


def pick_competency(turn: Turn, register_id: str) -> list[Reply]:
    """Offer the competencies of one register."""
    framework = turn.content.framework
    competencies = framework.competencies_of(register_id)
    if not competencies:
        return pick_register(turn)
    turn.go("focus_competency", register=register_id)
    options = tuple(
        Option(id=f"focus:{c.id}", label=c.name.in_(turn.user.language), key=str(index))
        for index, c in enumerate(competencies, start=1)
    )
    name = framework.register(register_id).name.in_(turn.user.language)
    return [Reply(text=turn.t("focus_pick_competency", register=name), options=options)]


def set_focus(turn: Turn, competency_id: str) -> Reply | None:
    """Make a competency the current focus; None when the id names no competency."""
    if not turn.content.framework.has_competency(competency_id):
        return None
    turn.user.focus = competency_id
    name = turn.content.framework.competency(competency_id).name.in_(turn.user.language)
    return turn.reply("focus_set", competency=name)


def clear_focus(turn: Turn) -> Reply:
    """Go back to the automatic focus: the weakest competency of the latest result."""
    turn.user.focus = None
    return turn.reply("focus_cleared")


def _register_line(turn: Turn, name: str, row: RegisterProgress) -> str:
    return turn.t(
        "progress_line",
        register=name,
        score=round(row.latest),
        since_previous=_change(turn, row.change_since_previous),
        since_first=_change(turn, row.change_since_first),
    )


def _change(turn: Turn, change: float | None) -> str:
    if change is None:
        return turn.t("change_none")
    arrow = "↑" if change > 0 else "↓" if change < 0 else "→"
    return f"{arrow} {round(change):+d}"
