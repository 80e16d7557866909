"""The meetings feature's routes: /prepare, /debrief, /mood, their buttons and typed steps."""

from __future__ import annotations

from bot.domain.dialogue import Reply
from bot.services.conversation.options import (
    DebriefLater,
    DebriefScore,
    DebriefStart,
    Mood,
    PrepareBack,
    PrepareFeeling,
    PrepareMeeting,
    PrepareNew,
    PrepareSituation,
    PrepareSkip,
)
from bot.services.conversation.protocol import Flow
from bot.services.conversation.routes import Choose, Command, Feature, Step
from bot.services.conversation.turn import Turn

from . import debrief, mood, prepare


def _cmd_prepare(turn: Turn, argument: str) -> list[Reply]:
    return prepare.start(turn, argument.strip().casefold() or None)


def _cmd_debrief(turn: Turn, _argument: str) -> list[Reply]:
    return debrief.start_debrief(turn)


def _cmd_mood(turn: Turn, _argument: str) -> list[Reply]:
    return mood.ask(turn)


def _choose_prepare(turn: Turn, choice: PrepareMeeting) -> list[Reply]:
    return prepare.start(turn, choice.situation)


def _choose_debrief(turn: Turn, _choice: DebriefStart) -> list[Reply]:
    return debrief.start_debrief(turn)


FEATURE = Feature(
    name="meetings",
    commands=(
        Command("prepare", _cmd_prepare, aliases=("preparer", "préparer")),
        Command("debrief", _cmd_debrief, aliases=("debriefer", "débriefer")),
        Command("mood", _cmd_mood, aliases=("humeur",)),
    ),
    choices=(
        Choose(PrepareMeeting, _choose_prepare, pauses=True),
        Choose(PrepareNew, prepare.start_new),
        Choose(PrepareSituation, prepare.choose_situation),
        Choose(PrepareFeeling, prepare.choose_feeling),
        Choose(PrepareSkip, prepare.skip),
        Choose(PrepareBack, prepare.back),
        Choose(DebriefStart, _choose_debrief, pauses=True),
        Choose(DebriefLater, debrief.later),
        Choose(DebriefScore, debrief.debrief_score),
        Choose(Mood, mood.record),
    ),
    steps=(
        Step(
            Flow.PREPARE,
            prepare.prompt,
            read=prepare.read_step,
            pause=prepare.pause,
            cancel_key="prep_paused",
        ),
        Step(
            Flow.DEBRIEF,
            debrief.debrief_prompt,
            read=debrief.read_debrief,
            cancel_key="debrief_paused",
        ),
        Step(
            Flow.DEBRIEF_OFFER,
            debrief.offer_prompt,
            read=debrief.read_offer,
            idle=True,
            yes_no=True,
        ),
        Step(Flow.MOOD, mood.ask, read=mood.read_typed, idle=True),
    ),
    on_return=(debrief.debrief_reminder,),
    return_prompt=mood.ask_on_return,
)
