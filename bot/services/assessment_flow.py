"""Running a self-assessment in the conversation: questions, answers, pause, resume, results."""

from __future__ import annotations

from bot.domain.assessment import (
    LIKERT_MAX,
    LIKERT_MIN,
    AssessmentSession,
    Instrument,
    InstrumentId,
)
from bot.domain.dialogue import Option, Reply
from bot.domain.progress import AssessmentResult, band_of, highlights
from bot.services import knowledge_flow, progress_flow
from bot.services.turn import Turn

BAR_WIDTH = 10


def start(turn: Turn, instrument_id: InstrumentId) -> list[Reply]:
    """Start an instrument, or offer to resume the one left half-way."""
    user_id = _user_id(turn)
    session = turn.uow.sessions.open_session(user_id, instrument_id)
    if session is not None and session.answers:
        return offer_resume(turn, session)
    if session is None:
        session = _new_session(turn, instrument_id)
    return [turn.reply(f"{instrument_id.value}_intro"), *ask(turn, session)]


def offer_resume(turn: Turn, session: AssessmentSession) -> list[Reply]:
    """Say where the user stopped and offer to resume or start over."""
    assert session.id is not None
    turn.go("resume", session=session.id)
    instrument = turn.content.instrument(session.instrument)
    options = (
        Option(id=f"resume:{session.id}", label=turn.t("resume_label"), key="1"),
        Option(id=f"restart:{session.id}", label=turn.t("restart_label"), key="2"),
    )
    text = turn.t(
        "resume_offer",
        instrument=turn.t(f"instrument_{session.instrument.value}"),
        done=len(session.answers),
        total=len(instrument),
    )
    return [Reply(text=text, options=options)]


def resume(turn: Turn, session_id: int) -> list[Reply] | None:
    """Continue an open session where it stopped; None when the session is not open."""
    session = _own_open_session(turn, session_id)
    if session is None:
        return None
    return ask(turn, session)


def restart(turn: Turn, session_id: int) -> list[Reply] | None:
    """Drop an open session and start the same instrument afresh."""
    session = _own_open_session(turn, session_id)
    if session is None:
        return None
    session.abandon()
    turn.uow.sessions.save(session)
    fresh = _new_session(turn, session.instrument)
    return [turn.reply(f"{session.instrument.value}_intro"), *ask(turn, fresh)]


def ask(turn: Turn, session: AssessmentSession) -> list[Reply]:
    """Show the item at the session's position, with the 1-5 scale."""
    assert session.id is not None
    turn.go("assessment", session=session.id)
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
    return [Reply(text=text, options=_answer_options(turn, session), inline=True)]


def answer(turn: Turn, session_id: int, position: int, value: int) -> list[Reply] | None:
    """Record an answer given for the item on screen; refuse one for any other item."""
    session = _own_open_session(turn, session_id)
    if session is None or session.position != position:
        return None
    instrument = turn.content.instrument(session.instrument)
    session.answer(instrument, value)
    if session.is_complete(instrument) and session.position >= len(instrument):
        return finish(turn, session, instrument)
    turn.uow.sessions.save(session)
    return ask(turn, session)


def back(turn: Turn, session_id: int) -> list[Reply] | None:
    """Go back to the previous item so its answer can be changed."""
    session = _own_open_session(turn, session_id)
    if session is None:
        return None
    if not session.back():
        return [turn.reply("already_first"), *ask(turn, session)]
    turn.uow.sessions.save(session)
    return ask(turn, session)


def on_text(turn: Turn, text: str) -> list[Reply] | None:
    """Understand a typed answer ('4', 'back'); anything else gets the scale explained."""
    session = _own_open_session(turn, int(turn.state_value("session") or 0))
    if session is None:
        return None
    assert session.id is not None
    cleaned = text.strip().casefold()
    if cleaned in BACK_WORDS:
        return back(turn, session.id)
    if cleaned.isdigit() and len(cleaned) <= 3:
        if LIKERT_MIN <= int(cleaned) <= LIKERT_MAX:
            return answer(turn, session.id, session.position, int(cleaned))
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
    if turn.flow not in ("assessment", "resume"):
        return None
    return _own_open_session(turn, int(turn.state_value("session") or 0))


def current_position(turn: Turn) -> str | None:
    """Return 'n/total' for the session on screen, for reminders in help texts."""
    session = session_on_screen(turn) if turn.flow == "assessment" else None
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
            user_id=_user_id(turn),
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
    strong = framework.competency(marks.strongest_competency)
    weak = framework.competency(marks.weakest_competency)
    summary = [
        turn.t(
            "result_strength",
            competency=strong.name.in_(language),
            score=round(result.scores.competencies[strong.id]),
            definition=strong.definition.in_(language),
        ),
        turn.t(
            "result_growth",
            competency=weak.name.in_(language),
            score=round(result.scores.competencies[weak.id]),
            definition=weak.definition.in_(language),
        ),
        turn.t("framework_note"),
    ]
    offer = progress_flow.offer_focus(turn, weak.id)
    weakest = sorted(
        result.scores.competencies,
        key=lambda c: (result.scores.competencies[c], framework.order_of(c)),
    )
    cards = knowledge_flow.cards_for_result(turn, weakest[:2])
    radar = progress_flow.chart_replies(turn, with_lines=False)
    # The bars and the radar travel together: one photo with its caption on Telegram.
    scores = Reply(text="\n".join(lines), image=radar[0].image if radar else None)
    return [scores, Reply(text="\n\n".join(summary)), *cards, offer]


def score_bar(value: float) -> str:
    """Draw a 0-100 score as a ten-block bar that reads well in a chat."""
    filled = round(value / 100 * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled)


BACK_WORDS = frozenset({"b", "back", "r", "retour", "<", "prev", "précédent", "precedent"})


def _answer_options(turn: Turn, session: AssessmentSession) -> tuple[Option, ...]:
    assert session.id is not None
    options = []
    for value in range(LIKERT_MIN, LIKERT_MAX + 1):
        label = str(value)
        if value in (LIKERT_MIN, LIKERT_MAX):
            label = turn.t(f"likert_{value}")
        options.append(
            Option(id=f"ans:{session.id}:{session.position}:{value}", label=label, key=str(value))
        )
    if session.position > 0:
        options.append(
            Option(id=f"back:{session.id}", label=turn.t("back_label"), key=turn.t("back_key"))
        )
    return tuple(options)


def _new_session(turn: Turn, instrument_id: InstrumentId) -> AssessmentSession:
    return turn.uow.sessions.add(
        AssessmentSession(
            user_id=_user_id(turn),
            instrument=instrument_id,
            role=turn.user.role or "buyer",
            language=turn.user.language,
            started_at=turn.now,
        )
    )


def _own_open_session(turn: Turn, session_id: int) -> AssessmentSession | None:
    # A session id from a button is only trusted if it is this user's and still open.
    session = turn.uow.sessions.get(session_id) if session_id else None
    if session is None or session.user_id != turn.user.id or not session.is_open:
        return None
    return session


def _user_id(turn: Turn) -> int:
    assert turn.user.id is not None
    return turn.user.id
