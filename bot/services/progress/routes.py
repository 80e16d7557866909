"""The progress feature's routes: /progress, /focus and the focus pickers."""

from __future__ import annotations

from bot.domain.dialogue import Reply
from bot.services.conversation import core
from bot.services.conversation.options import FocusAuto, FocusChange, FocusOn, FocusRegister
from bot.services.conversation.protocol import Flow
from bot.services.conversation.routes import Choose, Command, Feature, Step
from bot.services.conversation.turn import Turn

from . import flow


def _cmd_progress(turn: Turn, _argument: str) -> list[Reply]:
    return flow.show_progress(turn)


def _cmd_focus(turn: Turn, argument: str) -> list[Reply]:
    if not argument:
        return flow.show_focus(turn)
    chosen = flow.set_focus(turn, argument.strip().casefold())
    if chosen is not None:
        return [chosen]
    return [turn.reply("focus_unknown", value=argument[:40]), *flow.pick_register(turn)]


def _choose_register(turn: Turn, choice: FocusRegister) -> list[Reply] | None:
    if choice.register not in {r.id for r in turn.content.framework.registers}:
        return None
    return flow.pick_competency(turn, choice.register)


def _choose_auto(turn: Turn, _choice: FocusAuto) -> list[Reply]:
    return [flow.clear_focus(turn), *core.menu(turn, "menu_next")]


def _choose_change(turn: Turn, _choice: FocusChange) -> list[Reply]:
    return flow.pick_register(turn)


FEATURE = Feature(
    name="progress",
    commands=(
        Command("progress", _cmd_progress, aliases=("progres", "progrès")),
        Command("focus", _cmd_focus, aliases=("axe",)),
    ),
    choices=(
        Choose(FocusOn, flow.chose_focus),
        Choose(FocusChange, _choose_change),
        Choose(FocusAuto, _choose_auto),
        Choose(FocusRegister, _choose_register),
    ),
    steps=(
        Step(Flow.FOCUS_OFFER, flow.offer_prompt, idle=True, yes_no=True),
        Step(Flow.FOCUS, flow.show_focus, idle=True),
        Step(Flow.FOCUS_REGISTER, flow.pick_register),
        Step(Flow.FOCUS_COMPETENCY, flow.competency_prompt),
    ),
)
