"""Showing progress over time and choosing the current focus."""

from __future__ import annotations

from bot.domain.dialogue import Reply
from bot.domain.progress import ProgressReport, RegisterProgress, progress_report
from bot.services.conversation import core
from bot.services.conversation.options import (
    FocusAuto,
    FocusChange,
    FocusOn,
    FocusRegister,
    MenuDoor,
)
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import FocusOfferStep, FocusRegisterStep
from bot.services.conversation.turn import Turn
from bot.services.meetings import debrief, mood

from . import charts

HISTORY_SHOWN = 5


def report(turn: Turn) -> ProgressReport:
    """Build the user's progress report from their stored results."""
    results = turn.uow.results.for_user(turn.user_id)
    return progress_report(results, turn.content.framework, turn.user.focus)


def show_progress(turn: Turn) -> list[Reply]:
    """Show results over time, the focus, moods and prepared meetings."""
    extras = [line for line in (mood.summary(turn), debrief.summary(turn)) if line]
    wellbeing = [Reply(text="\n".join(extras), key="wellbeing_summary")] if extras else []
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
    pictures = chart_replies(turn, with_lines=True)
    scores = Reply(text="\n".join(lines), key="progress_title")
    return [scores, *pictures, focus_summary(turn, progress)]


def chart_replies(turn: Turn, with_lines: bool) -> list[Reply]:
    """The user's radar (and line chart), as image replies, when the channel has a renderer."""
    renderer = turn.charts
    if renderer is None:
        return []
    history = list(report(turn).history)
    content, language = turn.content, turn.user.language
    framework, messages = content.framework, content.messages
    images = [charts.radar_image(history, framework, messages, language, renderer)]
    if with_lines:
        images.append(charts.lines_image(history, framework, messages, language, renderer))
    return [Reply(text="", image=image) for image in images if image is not None]


def focus_summary(turn: Turn, progress: ProgressReport) -> Reply:
    """Say what the current focus is and why, with a way to change it."""
    if progress.focus is None:
        choose = (turn.option(FocusChange(), turn.t("focus_choose"), "1"),)
        return turn.reply("focus_none", options=choose)
    competency = turn.content.framework.competency(progress.focus)
    key = "focus_current_chosen" if progress.focus_chosen else "focus_current_auto"
    options = (turn.option(FocusChange(), turn.t("focus_change"), "1"),)
    return turn.reply(
        key,
        options=options,
        competency=competency.name.in_(turn.user.language),
        definition=competency.definition.in_(turn.user.language),
    )


def offer_focus(turn: Turn, competency_id: str) -> Reply:
    """After a result, offer to make the weakest competency the current focus."""
    turn.go(Flow.FOCUS_OFFER, FocusOfferStep(competency_id))
    name = turn.content.framework.competency(competency_id).name.in_(turn.user.language)
    options = (
        turn.option(FocusOn(competency_id), turn.t("focus_yes"), "1"),
        turn.option(MenuDoor("menu"), turn.t("focus_no"), "2"),
    )
    return turn.reply("focus_offer", options=options, competency=name)


def offer_prompt(turn: Turn) -> list[Reply]:
    """The focus offer again."""
    step = turn.data(FocusOfferStep)
    if step is None or not turn.content.framework.has_competency(step.competency):
        return show_focus(turn)
    return [offer_focus(turn, step.competency)]


def show_focus(turn: Turn) -> list[Reply]:
    """Show the current focus and offer to change it."""
    turn.go(Flow.FOCUS)
    return [focus_summary(turn, report(turn))]


def pick_register(turn: Turn) -> list[Reply]:
    """Offer the five registers, first step of choosing a focus."""
    turn.go(Flow.FOCUS_REGISTER)
    options = [
        turn.option(FocusRegister(register.id), register.name.in_(turn.user.language), str(index))
        for index, register in enumerate(turn.content.framework.registers, start=1)
    ]
    options.append(turn.option(FocusAuto(), turn.t("focus_auto"), str(len(options) + 1)))
    return [turn.reply("focus_pick_register", options=tuple(options))]


def pick_competency(turn: Turn, register_id: str) -> list[Reply]:
    """Offer the competencies of one register."""
    framework = turn.content.framework
    competencies = framework.competencies_of(register_id)
    if not competencies:
        return pick_register(turn)
    turn.go(Flow.FOCUS_COMPETENCY, FocusRegisterStep(register_id))
    options = tuple(
        turn.option(FocusOn(c.id), c.name.in_(turn.user.language), str(index))
        for index, c in enumerate(competencies, start=1)
    )
    name = framework.register(register_id).name.in_(turn.user.language)
    return [turn.reply("focus_pick_competency", options=options, register=name)]


def competency_prompt(turn: Turn) -> list[Reply]:
    """The competencies of the register being looked at, again."""
    step = turn.data(FocusRegisterStep)
    return pick_competency(turn, step.register) if step else pick_register(turn)


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
        since_previous=_change(turn, row, row.change_since_previous),
        since_first=_change(turn, row, row.change_since_first),
    )


def _change(turn: Turn, row: RegisterProgress, change: float | None) -> str:
    if change is None:
        return turn.t("change_none")
    if row.is_stable(change):
        return turn.t("change_stable")
    arrow = "↑" if change > 0 else "↓" if change < 0 else "→"
    return f"{arrow} {round(change):+d}"


def chose_focus(turn: Turn, choice: FocusOn) -> list[Reply] | None:
    """A competency picked as the focus."""
    chosen = set_focus(turn, choice.competency)
    return [chosen, *core.menu(turn, "menu_next")] if chosen else None
