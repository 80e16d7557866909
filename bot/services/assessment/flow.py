"""Running a self-assessment in the conversation: questions, answers, pause, resume, results."""

from __future__ import annotations

from bot.domain.assessment import (
    LIKERT_MAX,
    LIKERT_MIN,
    AssessmentSession,
    Instrument,
    InstrumentId,
)
from bot.domain.dialogue import Layout, Option, Progress, Reply
from bot.domain.progress import AssessmentResult, band_of, highlights
from bot.domain.text import fold, parse_number
from bot.services.conversation import core
from bot.services.conversation.options import Answer, Back, FocusChange, Restart, Resume
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import SessionStep
from bot.services.conversation.turn import Turn
from bot.services.knowledge import cards as knowledge
from bot.services.progress import flow as progress

BAR_WIDTH = 10
BACK_WORDS = frozenset({"b", "back", "r", "retour", "<", "prev", "precedent", "previous"})
# Typed numbers up to this are read as an answer out of range rather than as text.
LARGEST_TYPED_ANSWER = 999
SCALE_GROUP, EXTRA_GROUP = 0, 1


def start(turn: Turn, instrument_id: InstrumentId) -> list[Reply]:
    """Start an instrument, or offer to resume the one left half-way."""
    session = turn.uow.sessions.open_session(turn.user_id, instrument_id)
    if session is not None and session.answers:
        return offer_resume(turn, session)
    if session is None:
        session = _new_session(turn, instrument_id)
    return [turn.reply(f"{instrument_id.value}_intro"), *ask(turn, session)]


def offer_resume(turn: Turn, session: AssessmentSession) -> list[Reply]:
    """Say where the user stopped and offer to resume or start over."""
    assert session.id is not None
    turn.go(Flow.RESUME, SessionStep(session.id))
    instrument = turn.content.instrument(session.instrument)
    options = (
        turn.option(Resume(session.id), turn.t("resume_label"), "1"),
        turn.option(Restart(session.id), turn.t("restart_label"), "2"),
    )
    text = turn.t(
        "resume_offer",
        instrument=turn.t(f"instrument_{session.instrument.value}"),
        done=len(session.answers),
        total=len(instrument),
    )
    return [Reply(text=text, options=options, key="resume_offer")]


def resume(turn: Turn, choice: Resume) -> list[Reply] | None:
    """Continue an open session where it stopped; None when the session is not open."""
    session = _own_open_session(turn, choice.session)
    return ask(turn, session) if session is not None else None


def restart(turn: Turn, choice: Restart) -> list[Reply] | None:
    """Drop an open session and start the same instrument afresh."""
    session = _own_open_session(turn, choice.session)
    if session is None:
        return None
    session.abandon()
    turn.uow.sessions.save(session)
    fresh = _new_session(turn, session.instrument)
    return [turn.reply(f"{session.instrument.value}_intro"), *ask(turn, fresh)]


def ask(turn: Turn, session: AssessmentSession, echo: str = "") -> list[Reply]:
    """Show the item at the session's position, with the 1-5 scale.

    `echo` is set when this question follows an answer: a channel that turns the answered
    question into this one keeps what was answered in view.
    """
    assert session.id is not None
    turn.go(Flow.ASSESSMENT, SessionStep(session.id))
    instrument = turn.content.instrument(session.instrument)
    item = instrument.items[session.position]
    register = turn.content.framework.competency(item.competency).register
    previous = session.answers.get(item.id)
    text = turn.t(
        "question",
        number=session.position + 1,
        total=len(instrument),
        register=turn.content.framework.register(register).name.in_(turn.user.language),
        statement=item.text(turn.user.role or "buyer", turn.user.language),
    )
    if previous is not None:
        text += "\n" + turn.t("previous_answer", value=previous)
    reply = Reply(
        text=text,
        options=_answer_options(turn, session),
        layout=Layout.SCALE,
        progress=Progress(session.position + 1, len(instrument)),
        replaces_pressed=True,
        echo=echo,
        key="question",
    )
    return [reply]


def answer(turn: Turn, choice: Answer) -> list[Reply] | None:
    """Record an answer given for the item on screen; refuse one for any other item."""
    session = _own_open_session(turn, choice.session)
    if session is None or session.position != choice.position:
        return None
    instrument = turn.content.instrument(session.instrument)
    echo = turn.t(
        "answer_echo",
        position=f"{session.position + 1}/{len(instrument)}",
        answer=_value_label(turn, choice.value),
    )
    session.answer(instrument, choice.value)
    if session.is_complete(instrument) and session.position >= len(instrument):
        return finish(turn, session, instrument)
    turn.uow.sessions.save(session)
    return ask(turn, session, echo=echo)


def back(turn: Turn, choice: Back) -> list[Reply] | None:
    """Go back to the previous item so its answer can be changed."""
    session = _own_open_session(turn, choice.session)
    if session is None:
        return None
    if not session.back():
        return [turn.reply("already_first"), *ask(turn, session)]
    turn.uow.sessions.save(session)
    return ask(turn, session)


def read_answer(turn: Turn, text: str) -> list[Reply] | None:
    """Understand a typed answer the scale on screen did not catch ('back', '٣', 'often')."""
    step = turn.data(SessionStep)
    session = _own_open_session(turn, step.session) if step else None
    if session is None or session.id is None:
        return None
    if fold(text).strip() in BACK_WORDS:
        return back(turn, Back(session.id))
    value = parse_number(text, LIKERT_MIN, LIKERT_MAX)
    if value is not None:
        return answer(turn, Answer(session.id, session.position, value))
    if parse_number(text, 0, LARGEST_TYPED_ANSWER) is not None:
        return [turn.reply("answer_out_of_range"), *ask(turn, session)]
    return [turn.reply("answer_not_understood"), *ask(turn, session)]


def pause(turn: Turn) -> Reply | None:
    """Pause the session on screen, if any, and say how to pick it up."""
    session = session_on_screen(turn)
    if session is None:
        return None
    session.pause()
    turn.uow.sessions.save(session)
    command = "/check" if session.instrument is InstrumentId.QUICK else "/assess"
    instrument = turn.content.instrument(session.instrument)
    return turn.reply("paused", done=len(session.answers), total=len(instrument), command=command)


def session_on_screen(turn: Turn) -> AssessmentSession | None:
    """Return the open session the conversation is in, if any."""
    step = turn.data(SessionStep)
    return _own_open_session(turn, step.session) if step is not None else None


def prompt(turn: Turn) -> list[Reply]:
    """The question on screen again: the statement, or the offer to resume."""
    session = session_on_screen(turn)
    if session is None:
        return core.menu(turn)
    if turn.flow is Flow.RESUME:
        return offer_resume(turn, session)
    return ask(turn, session)


def current_position(turn: Turn) -> str | None:
    """Return 'n/total' for the statement on screen, for reminders in help texts."""
    session = session_on_screen(turn) if turn.flow is Flow.ASSESSMENT else None
    if session is None:
        return None
    total = len(turn.content.instrument(session.instrument))
    return f"{session.position + 1}/{total}"


def finish(turn: Turn, session: AssessmentSession, instrument: Instrument) -> list[Reply]:
    """Close the session, store its result, and show it with an offer to set the focus."""
    assert session.id is not None
    scores = session.complete(instrument, turn.content.framework, turn.now)
    turn.uow.sessions.save(session)
    result = turn.uow.results.add(
        AssessmentResult(
            user_id=turn.user_id,
            session_id=session.id,
            instrument=session.instrument,
            completed_at=turn.now,
            scores=scores,
        )
    )
    return result_replies(turn, result)


def result_replies(turn: Turn, result: AssessmentResult) -> list[Reply]:
    """Word a result: bars per register, one strength, one area to grow, the focus offer."""
    framework = turn.content.framework
    language = turn.user.language
    marks = highlights(result.scores, framework)
    lines = [turn.t(f"result_title_{result.instrument.value}")]
    for register in framework.registers:
        value = result.scores.registers[register.id]
        lines.append(
            turn.t(
                "result_line",
                register=register.name.in_(language),
                bar=score_bar(value),
                score=round(value),
                band=turn.t(f"band_{band_of(value).value}"),
            )
        )
    weak = framework.competency(marks.weakest_competency)
    summary = [
        _highlight(turn, result, marks.strongest_competency, "strength", marks.strongest_tied),
        _highlight(turn, result, marks.weakest_competency, "growth", marks.weakest_tied),
        turn.t("framework_note"),
    ]
    weakest = sorted(
        result.scores.competencies,
        key=lambda c: (result.scores.competencies[c], framework.order_of(c)),
    )
    cards = knowledge.cards_for_result(turn, weakest[:2])
    radar = progress.chart_replies(turn, with_lines=False)
    offer = _focus_next(turn, weak.id, marks.weakest_tied)
    # The bars and the radar travel together: one photo with its caption on Telegram.
    image = radar[0].image if radar else None
    scores = Reply(text="\n".join(lines), image=image, key=f"result_title_{result.instrument}")
    return [scores, Reply(text="\n\n".join(summary), key="result_strength"), *cards, offer]


def _highlight(
    turn: Turn, result: AssessmentResult, competency_id: str, kind: str, tied: bool
) -> str:
    """One strength or area to grow; on a tie, say so rather than pick one at random."""
    if tied:
        return turn.t(f"result_{kind}_tied")
    competency = turn.content.framework.competency(competency_id)
    language = turn.user.language
    return turn.t(
        f"result_{kind}",
        competency=competency.name.in_(language),
        score=round(result.scores.competencies[competency_id]),
        definition=competency.definition.in_(language),
    )


def _focus_next(turn: Turn, weakest: str, tied: bool) -> Reply:
    """The focus after a result: a chosen one stays, a tie lets the user choose, else an offer."""
    framework = turn.content.framework
    chosen = turn.user.focus
    if chosen is not None and framework.has_competency(chosen):
        turn.go(Flow.MENU)
        name = framework.competency(chosen).name.in_(turn.user.language)
        return turn.reply("focus_kept", competency=name)
    if tied:
        turn.go(Flow.MENU)
        option = turn.option(FocusChange(), turn.t("focus_choose_button"), "1")
        return turn.reply("focus_tied", options=(option,))
    return progress.offer_focus(turn, weakest)


def score_bar(value: float) -> str:
    """Draw a 0-100 score as a ten-block bar that reads well in a chat."""
    filled = round(value / 100 * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def _value_label(turn: Turn, value: int) -> str:
    return turn.t(f"likert_{value}") if value in (LIKERT_MIN, LIKERT_MAX) else str(value)


def _answer_options(turn: Turn, session: AssessmentSession) -> tuple[Option, ...]:
    assert session.id is not None
    options = [
        turn.option(
            Answer(session.id, session.position, value),
            _value_label(turn, value),
            str(value),
            group=SCALE_GROUP,
        )
        for value in range(LIKERT_MIN, LIKERT_MAX + 1)
    ]
    if session.position > 0:
        label, key = turn.t("back_label"), turn.t("back_key")
        options.append(turn.option(Back(session.id), label, key, group=EXTRA_GROUP))
    return tuple(options)


def _new_session(turn: Turn, instrument_id: InstrumentId) -> AssessmentSession:
    return turn.uow.sessions.add(
        AssessmentSession(
            user_id=turn.user_id,
            instrument=instrument_id,
            role=turn.user.role or "buyer",
            language=turn.user.language,
            started_at=turn.now,
        )
    )


def _own_open_session(turn: Turn, session_id: int) -> AssessmentSession | None:
    # A session id from a button is only trusted if it is this user's and still open.
    session = turn.uow.sessions.get(session_id)
    if session is None or session.user_id != turn.user.id or not session.is_open:
        return None
    return session
