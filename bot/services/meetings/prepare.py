"""Preparing a tough meeting step by step: it starts from what the person already said, reacts
to weak answers, goes back and pauses; the sheet and the debrief have their own modules."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.dialogue import Option, Progress, Reply
from bot.domain.preparation import STEPS, Preparation, has_no_alternative, is_vague
from bot.domain.taxonomy import SITUATIONS
from bot.services.conversation import core
from bot.services.conversation.options import (
    PrepareBack,
    PrepareFeeling,
    PrepareNew,
    PrepareSituation,
    PrepareSkip,
)
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import PreparationStep
from bot.services.conversation.turn import Turn
from bot.services.knowledge import cards as knowledge
from bot.services.knowledge import emotions, search

from . import debrief, labels, sheet
from .labels import OTHER

STORED_ANSWER_CHARS = 500
OPEN_FOR = timedelta(days=14)  # a paused preparation older than this is not picked up again
OFFERED_SITUATIONS = (
    "price-increase",
    "late-delivery",
    "quality-incident",
    "cost-reduction",
    "contract-renegotiation",
    "payment-delay",
    "termination",
    "tender",
)
FEELINGS = ("confidence", "stress", "anxiety", "anger", "frustration")


def start(turn: Turn, situation: str | None = None) -> list[Reply]:
    """Resume the paused preparation, or open one from what the coach knows and ask the rest."""
    wanted = situation if situation in SITUATIONS else None
    paused = _paused(turn)
    if paused is not None and wanted in (None, paused.situation):
        return resume(turn, paused)
    return begin(turn, wanted)


def begin(turn: Turn, situation: str | None) -> list[Reply]:
    """A new preparation: what the person said just before counts as its first answers."""
    preparation = Preparation(
        user_id=turn.user_id,
        role=turn.user.role or "buyer",
        language=turn.user.language,
        created_at=turn.now,
        situation=situation,
    )
    memory = turn.memory
    if memory is not None and situation in (None, memory.situation):
        labels.from_memory(preparation, memory)
    replies: list[Reply] = []
    if (
        memory is not None
        and memory.emotion in FEELINGS
        and memory.situation == preparation.situation
    ):
        replies += set_feeling(turn, preparation, memory.emotion)
    replies += debrief.last_lesson(turn, preparation)
    preparation.answers["from_chat"] = " ".join(s for s in STEPS if preparation.answered(s))
    preparation = turn.uow.preparations.add(preparation)
    return [_intro(turn, preparation), *replies, *ask(turn, preparation)]


def resume(turn: Turn, preparation: Preparation) -> list[Reply]:
    """Pick a paused preparation up where it stopped, with a way to start a new one instead."""
    option = turn.option(PrepareNew(), turn.t("prep_new_button"), "n")
    notice = turn.reply(
        "prep_resumed", options=(option,), situation=labels.situation_label(turn, preparation)
    )
    return [notice, *ask(turn, preparation)]


def start_new(turn: Turn, _choice: PrepareNew) -> list[Reply]:
    """Leave the paused preparation and open a new one."""
    return begin(turn, None)


def current(turn: Turn) -> Preparation | None:
    """The preparation the conversation is in, if it is this user's."""
    step = turn.data(PreparationStep)
    preparation = turn.uow.preparations.get(step.prep) if step else None
    return preparation if preparation is not None and preparation.user_id == turn.user.id else None


def ask(turn: Turn, preparation: Preparation) -> list[Reply]:
    """Ask the next unanswered step, or finish with the sheet."""
    step = preparation.next_step
    if step is None:
        return sheet.finish(turn, preparation)
    assert preparation.id is not None
    turn.go(Flow.PREPARE, PreparationStep(preparation.id))
    number, total = _position(preparation, step)
    key = _question_key(preparation, step)
    text = f"{turn.t('prep_step', number=number, total=total)}\n{turn.t(key)}"
    options = (*_step_options(turn, step), *_back_option(turn, preparation))
    return [Reply(text, options, progress=Progress(number, total), key=key)]


def prompt(turn: Turn) -> list[Reply]:
    """The step on screen again (the menu if the preparation is gone)."""
    preparation = current(turn)
    return ask(turn, preparation) if preparation is not None else core.menu(turn)


def pause(turn: Turn) -> Reply | None:
    """Leave the preparation as it is: /prepare picks it up again."""
    return turn.reply("prep_paused") if current(turn) is not None else None


def read_step(turn: Turn, text: str) -> list[Reply] | None:
    """Take a typed answer for the step on screen; None when no preparation is open."""
    preparation = current(turn)
    step = preparation.next_step if preparation else None
    if preparation is None or step is None:
        return None
    extra: list[Reply] = []
    if step == "situation":
        reading = emotions.read(turn, text)
        found = reading.situations if reading else ()
        preparation.situation = found[0] if found else OTHER
        preparation.answers["situation_note"] = text[:STORED_ANSWER_CHARS]
    elif step == "feeling":
        reading = emotions.read(turn, text)
        extra = set_feeling(turn, preparation, reading.primary if reading else "neutral")
    else:
        preparation.answers[step] = text[:STORED_ANSWER_CHARS]
        extra = _react(turn, preparation, step, text)
    turn.uow.preparations.save(preparation)
    return extra + ask(turn, preparation)


def choose_situation(turn: Turn, choice: PrepareSituation) -> list[Reply] | None:
    """Set the situation from a button; None for a stale or unknown one."""
    preparation = current(turn)
    if preparation is None or preparation.next_step != "situation":
        return None
    if choice.situation not in SITUATIONS and choice.situation != OTHER:
        return None
    preparation.situation = choice.situation
    turn.uow.preparations.save(preparation)
    return ask(turn, preparation)


def choose_feeling(turn: Turn, choice: PrepareFeeling) -> list[Reply] | None:
    """Set the feeling from a button, with a tip; None for a stale or unknown one."""
    preparation = current(turn)
    if preparation is None or preparation.next_step != "feeling" or choice.feeling not in FEELINGS:
        return None
    tip = set_feeling(turn, preparation, choice.feeling)
    turn.uow.preparations.save(preparation)
    return tip + ask(turn, preparation)


def skip(turn: Turn, _choice: PrepareSkip) -> list[Reply] | None:
    """Skip the optional last step (the first minute): the coach proposes one instead."""
    preparation = current(turn)
    if preparation is None or preparation.next_step != "opening":
        return None
    preparation.answers["opening"] = ""
    extra = _propose_opening(turn, preparation)
    turn.uow.preparations.save(preparation)
    return extra + ask(turn, preparation)


def back(turn: Turn, choice: PrepareBack) -> list[Reply] | None:
    """Ask the previous step again (its answer is dropped); None for a stale button."""
    preparation = current(turn)
    if preparation is None or preparation.id != choice.preparation:
        return None
    previous = preparation.previous_step
    if previous is None:
        return None
    preparation.forget(previous)
    turn.uow.preparations.save(preparation)
    return ask(turn, preparation)


def set_feeling(turn: Turn, preparation: Preparation, feeling: str) -> list[Reply]:
    """Record how the user feels and give one regulation tip suited to it."""
    preparation.feeling = feeling
    if feeling in ("confidence", "neutral"):
        return [turn.reply("prep_feeling_ok")]
    tags = ["kind:emotion-technique", f"emotion:{feeling}"]
    technique = search.cards(turn, "before the meeting, a few minutes", 1, tags)
    if not technique:
        return [turn.reply(f"ack_{feeling}")]
    preparation.answers["tip"] = technique[0].id
    card = technique[0].text(turn.user.language)
    tip = turn.t("prep_tip", title=card.title)
    text = f"{turn.t(f'ack_{feeling}')}\n{tip}\n{technique[0].gist(turn.user.language)}"
    return [Reply(text=text, key="prep_tip")]


def _react(turn: Turn, preparation: Preparation, step: str, text: str) -> list[Reply]:
    """What a coach says to a weak answer: no alternative, no first sentence."""
    if step == "walkaway" and has_no_alternative(text):
        return _build_alternative(turn, preparation)
    if step == "opening" and is_vague(text):
        return _propose_opening(turn, preparation)
    return []


def _build_alternative(turn: Turn, preparation: Preparation) -> list[Reply]:
    """No walk-away alternative: that is the first thing to work on, with the card that says how."""
    query = turn.t("prep_walkaway_query")
    found = search.cards(turn, query, 1, ["competency:prudence.anticipation"])
    if not found:
        return [turn.reply("prep_walkaway_build")]
    card = found[0]
    preparation.answers["walkaway_card"] = card.id
    lead = turn.reply("prep_walkaway_build")
    return [lead, *knowledge.card_previews(turn, [card])]


def _propose_opening(turn: Turn, preparation: Preparation) -> list[Reply]:
    """No first sentence: propose one written for the user's side and situation."""
    sentence = sheet.opening_for(turn, preparation)
    if not sentence:
        return []
    preparation.answers["opening_proposed"] = sentence
    return [turn.reply("prep_opening_proposed", sentence=sheet.quoted(turn, sentence))]


def _intro(turn: Turn, preparation: Preparation) -> Reply:
    known = labels.known_summary(turn, preparation)
    left = len(STEPS) - len(preparation.from_chat)
    if known:
        return turn.reply("prep_intro_known", known=known, count=left)
    return turn.reply("prep_intro", count=left)


def _paused(turn: Turn) -> Preparation | None:
    """The latest preparation left unfinished, if recent."""
    for preparation in reversed(turn.uow.preparations.for_user(turn.user_id)):
        if preparation.completed_at is None and turn.now - preparation.created_at <= OPEN_FOR:
            return preparation
        if preparation.completed_at is not None:
            return None  # one finished since: the older unfinished one is left behind
    return None


def _position(preparation: Preparation, step: str) -> tuple[int, int]:
    """Question n of m, counting only the questions actually asked."""
    known = preparation.from_chat
    total = max(1, len(STEPS) - len(known))
    answered = sum(preparation.answered(s) for s in STEPS if s not in known)
    return min(total, answered + 1), total


def _question_key(preparation: Preparation, step: str) -> str:
    return f"prep_{step}_{preparation.side}" if step in ("situation", "needs") else f"prep_{step}"


def _back_option(turn: Turn, preparation: Preparation) -> tuple[Option, ...]:
    if preparation.previous_step is None or preparation.id is None:
        return ()
    label, key = turn.t("back_label"), turn.t("back_key")
    return (turn.option(PrepareBack(preparation.id), label, key, group=1),)


def _step_options(turn: Turn, step: str) -> tuple[Option, ...]:
    if step == "situation":
        options = [
            turn.option(PrepareSituation(s), turn.t(f"situation_{s}"), str(i))
            for i, s in enumerate(OFFERED_SITUATIONS, start=1)
        ]
        other = turn.option(PrepareSituation(OTHER), turn.t("clarify_other"), str(len(options) + 1))
        return (*options, other)
    if step == "feeling":
        return tuple(
            turn.option(PrepareFeeling(f), turn.t(f"feeling_{f}"), str(i))
            for i, f in enumerate(FEELINGS, 1)
        )
    if step == "opening":
        return (turn.option(PrepareSkip(), turn.t("prep_skip"), "0"),)
    return ()
