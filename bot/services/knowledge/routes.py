"""The knowledge feature's routes: questions, cards to open and save, the clarifying question."""

from __future__ import annotations

from bot.domain.dialogue import Reply
from bot.services.conversation import core
from bot.services.conversation.options import CheckInFine, Clarify, OpenCard, SafetyHelp, SaveCard
from bot.services.conversation.protocol import Flow
from bot.services.conversation.routes import Choose, Command, Feature, Step
from bot.services.conversation.turn import Turn

from . import cards, emotions


def _cmd_ask(turn: Turn, argument: str) -> list[Reply]:
    if not argument:
        turn.go(Flow.MENU)
        return [turn.reply("ask_prompt")]
    # The same as typing the question: safety first, then the person, then the cards.
    return emotions.handoff(turn, argument) or emotions.respond(turn, argument)


def _cmd_saved(turn: Turn, _argument: str) -> list[Reply]:
    return cards.list_saved(turn)


FEATURE = Feature(
    name="knowledge",
    commands=(
        Command("ask", _cmd_ask, aliases=("question",)),
        Command("saved", _cmd_saved, aliases=("favoris",)),
    ),
    choices=(
        Choose(OpenCard, cards.open_card),
        Choose(SaveCard, cards.save_card),
        Choose(Clarify, cards.clarified),
        Choose(SafetyHelp, emotions.safety_help),
        Choose(CheckInFine, emotions.check_in_fine),
    ),
    steps=(
        # Cards shown stay usable by their keys; what comes back after a notice is the menu.
        Step(Flow.CARDS, core.menu, idle=True),
        Step(Flow.SAVED, core.menu, idle=True),
        Step(Flow.CLARIFY, cards.clarify_prompt),
    ),
    free_text=emotions.respond,
    safety=emotions.handoff,
)
