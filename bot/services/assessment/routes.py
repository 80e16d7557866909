"""The assessment's routes: /check and /assess, the answer buttons, resuming a paused one."""

from __future__ import annotations

from bot.domain.assessment import InstrumentId
from bot.domain.dialogue import Reply
from bot.services.conversation.options import Answer, Back, Restart, Resume
from bot.services.conversation.protocol import Flow
from bot.services.conversation.routes import Choose, Command, Feature, Step
from bot.services.conversation.turn import Turn

from . import flow


def _starts(instrument: InstrumentId) -> Command:
    def run(turn: Turn, _argument: str) -> list[Reply]:
        on_screen = flow.session_on_screen(turn)
        if on_screen is not None and on_screen.instrument is instrument:
            return flow.ask(turn, on_screen)  # already in it: the statement on screen again
        return flow.start(turn, instrument)

    def leaves(turn: Turn) -> bool:
        on_screen = flow.session_on_screen(turn)
        return on_screen is None or on_screen.instrument is not instrument

    name, aliases = (
        ("check", ("test",)) if instrument is InstrumentId.QUICK else ("assess", ("bilan",))
    )
    return Command(name, run, aliases=aliases, pauses=leaves)


FEATURE = Feature(
    name="assessment",
    commands=(_starts(InstrumentId.QUICK), _starts(InstrumentId.FULL)),
    choices=(
        Choose(Answer, flow.answer),
        Choose(Back, flow.back),
        Choose(Resume, flow.resume),
        Choose(Restart, flow.restart),
    ),
    steps=(
        Step(
            Flow.ASSESSMENT,
            flow.prompt,
            read=flow.read_answer,
            pause=flow.pause,
            position=flow.current_position,
        ),
        Step(Flow.RESUME, flow.prompt, pause=flow.pause),
    ),
)
