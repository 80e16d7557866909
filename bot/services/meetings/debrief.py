"""After the meeting: how it went, what worked, one lesson, carried into the next preparation."""

from __future__ import annotations

from bot.domain.dialogue import Layout, Reply
from bot.domain.preparation import Preparation, is_vague, unquoted
from bot.domain.text import fold
from bot.services.conversation import core
from bot.services.conversation.options import DebriefLater, DebriefScore, DebriefStart
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import PreparationStep
from bot.services.conversation.turn import Turn

from . import labels

STORED_NOTE_CHARS = 500
DEBRIEF_SCORES = (1, 2, 3, 4, 5)


def start_debrief(turn: Turn) -> list[Reply]:
    """Ask how the last prepared meeting went, or say there is none."""
    waiting = _waiting_debrief(turn)
    if not waiting:
        return [turn.reply("debrief_none")]
    return _ask_score(turn, waiting[-1])


def _ask_score(
    turn: Turn, preparation: Preparation, lead: list[Reply] | None = None
) -> list[Reply]:
    assert preparation.id is not None
    turn.go(Flow.DEBRIEF, PreparationStep(preparation.id))
    options = tuple(
        turn.option(
            DebriefScore(preparation.id, score), turn.t(f"debrief_score_{score}"), str(score)
        )
        for score in DEBRIEF_SCORES
    )
    situation = labels.situation_label(turn, preparation)
    text = turn.t("debrief_question", situation=situation)
    question = Reply(text=text, options=options, layout=Layout.SCALE, key="debrief_question")
    return [*(lead or []), question]


def debrief_score(turn: Turn, choice: DebriefScore) -> list[Reply] | None:
    """Record the 1-5 rating, acknowledge it, and ask what worked; None for a stale button."""
    preparation = _current(turn)
    if preparation is None or preparation.id != choice.preparation:
        return None
    preparation.debrief_score = choice.score
    turn.uow.preparations.save(preparation)
    return [turn.reply(_acknowledgement(choice.score)), turn.reply("debrief_worked")]


def _acknowledgement(score: int) -> str:
    if score <= 2:
        return "debrief_ack_low"
    return "debrief_ack_mid" if score == 3 else "debrief_ack_high"


def read_debrief(turn: Turn, text: str) -> list[Reply] | None:
    """Take 'what worked' then 'what to change'; close with the lesson after the second."""
    preparation = _current(turn)
    if preparation is None:
        return None
    if preparation.debrief_score is None:
        # What happened, told before the rating: kept as the story, then the rating.
        preparation.debrief_notes.setdefault("story", text[:STORED_NOTE_CHARS])
        turn.uow.preparations.save(preparation)
        return _ask_score(turn, preparation, [turn.reply("debrief_story_noted")])
    step = "worked" if "worked" not in preparation.debrief_notes else "change"
    preparation.debrief_notes[step] = text[:STORED_NOTE_CHARS]
    if step == "worked":
        turn.uow.preparations.save(preparation)
        return [turn.reply("debrief_change")]
    preparation.debriefed_at = turn.now
    turn.uow.preparations.save(preparation)
    turn.go(Flow.MENU)
    return _closing(turn, preparation)


def _closing(turn: Turn, preparation: Preparation) -> list[Reply]:
    """The lesson drawn, and where it will come back: the next meeting of that kind or person."""
    lesson = preparation.lesson
    if not lesson or is_vague(lesson):
        return [turn.reply("debrief_thanks"), *core.menu(turn, "menu_next")]
    name = preparation.answers.get("counterpart_name")
    next_time = (
        turn.t("debrief_next_with", name=name)
        if name
        else turn.t("debrief_next_like", situation=labels.situation_label(turn, preparation))
    )
    return [
        turn.reply("debrief_lesson", lesson=unquoted(labels.short(lesson, 160)), next=next_time),
        *core.menu(turn, "menu_next"),
    ]


def debrief_prompt(turn: Turn) -> list[Reply]:
    """Repeat the debrief question the conversation is waiting on."""
    preparation = _current(turn)
    if preparation is None:
        return core.menu(turn)
    if preparation.debrief_score is None:
        return _ask_score(turn, preparation)
    key = "debrief_change" if "worked" in preparation.debrief_notes else "debrief_worked"
    return [turn.reply(key)]


def debrief_reminder(turn: Turn) -> list[Reply]:
    """On return, offer to debrief a prepared meeting: one question, answered by tap or words."""
    waiting = _waiting_debrief(turn)
    if not waiting:
        return []
    preparation = waiting[-1]
    assert preparation.id is not None
    turn.go(Flow.DEBRIEF_OFFER, PreparationStep(preparation.id))
    options = (
        turn.option(DebriefStart(), turn.t("debrief_button"), "d"),
        turn.option(DebriefLater(), turn.t("debrief_later"), "l"),
    )
    situation = labels.situation_label(turn, preparation)
    return [turn.reply("debrief_reminder", options=options, situation=situation)]


def read_offer(turn: Turn, text: str) -> list[Reply] | None:
    """Words typed at the debrief offer are what happened: the debrief starts from them."""
    step = turn.data(PreparationStep)
    preparation = turn.uow.preparations.get(step.prep) if step else None
    if preparation is None or preparation.user_id != turn.user_id or preparation.debriefed_at:
        return None
    turn.go(Flow.DEBRIEF, PreparationStep(step.prep))  # type: ignore[union-attr]
    return read_debrief(turn, text)


def offer_prompt(turn: Turn) -> list[Reply]:
    """The debrief offer again, or the menu when nothing waits."""
    return debrief_reminder(turn) or core.menu(turn)


def later(turn: Turn, _choice: DebriefLater) -> list[Reply]:
    """Not now: the menu; /debrief works any time."""
    turn.go(Flow.MENU)
    return [turn.reply("debrief_later_ok"), *core.menu(turn, "menu_next")]


def last_lesson(turn: Turn, preparation: Preparation) -> list[Reply]:
    """The lesson of the last debriefed meeting with the same person (or of the same kind)."""
    earlier = _earlier_lesson(turn, preparation)
    if earlier is None:
        return []
    preparation.answers["lesson"] = earlier.lesson[:STORED_NOTE_CHARS]
    when = f"{earlier.created_at:%d/%m}"
    return [
        turn.reply("prep_last_time", when=when, lesson=unquoted(labels.short(earlier.lesson, 160)))
    ]


def _earlier_lesson(turn: Turn, preparation: Preparation) -> Preparation | None:
    name = fold(preparation.answers.get("counterpart_name", ""))
    for earlier in reversed(turn.uow.preparations.for_user(turn.user_id)):
        if not earlier.debriefed_at or not earlier.lesson or is_vague(earlier.lesson):
            continue
        earlier_name = fold(earlier.answers.get("counterpart_name", ""))
        same_person = bool(name) and name == earlier_name
        same_kind = (
            not name
            and preparation.situation is not None
            and preparation.situation == earlier.situation
            and preparation.situation != labels.OTHER
        )
        if same_person or same_kind:
            return earlier
    return None


def summary(turn: Turn) -> str | None:
    """One line for the progress report: meetings prepared, debriefed and how they went."""
    done = [p for p in turn.uow.preparations.for_user(turn.user_id) if p.completed_at]
    if not done:
        return None
    scores = [p.debrief_score for p in done if p.debrief_score is not None and p.debriefed_at]
    average = f"{sum(scores) / len(scores):.1f}" if scores else "-"
    return turn.t("prep_summary", prepared=len(done), debriefed=len(scores), average=average)


def _current(turn: Turn) -> Preparation | None:
    if turn.flow is not Flow.DEBRIEF:
        return None
    step = turn.data(PreparationStep)
    preparation = turn.uow.preparations.get(step.prep) if step else None
    return preparation if preparation is not None and preparation.user_id == turn.user_id else None


def _waiting_debrief(turn: Turn) -> list[Preparation]:
    return [
        p
        for p in turn.uow.preparations.for_user(turn.user_id)
        if p.completed_at and not p.debriefed_at
    ]
