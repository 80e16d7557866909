"""Emotion-aware answers: safety first, then the person (name it, one technique), then cards."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.domain.cards import Card
from bot.domain.dialogue import Reply
from bot.domain.emotions import (
    EmotionReading,
    Intensity,
    Intent,
    SafetyConcern,
    SafetyLevel,
    SafetyReading,
)
from bot.domain.framework import Language
from bot.domain.memory import day_said
from bot.domain.preparation import is_only_unsure
from bot.services.conversation import core
from bot.services.conversation.options import CheckInFine, PrepareMeeting, SafetyHelp
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import CardsStep
from bot.services.conversation.turn import Turn

from . import cards as knowledge
from . import search

log = logging.getLogger(__name__)

SUBSTANCE_CARDS = 2
# Words added to the technique search so that its length suits the moment.
INTENSITY_HINTS = {
    Intensity.HIGH: "right now, in the moment, 30 seconds, breathe, pause before replying",
    Intensity.MEDIUM: "before the meeting, a few minutes, name the emotion, reframe",
    Intensity.LOW: "reflect, after the meeting, notice",
}


def read(turn: Turn, text: str) -> EmotionReading | None:
    """Read the emotions of a message (once per turn); None when no detector is available."""
    if text in turn.readings:
        return turn.readings[text]
    reading = None
    if turn.emotions is not None:
        try:
            reading = turn.emotions.analyze(text, turn.user.language)
        except Exception:
            # Emotion reading is an enrichment: a failure must not cost the user their answer.
            log.exception("emotion detector failed")
    if reading is not None:
        turn.readings[text] = reading
    return reading


def handoff(turn: Turn, text: str) -> list[Reply] | None:
    """The reply to a message that needs human help (or a calm boundary); None otherwise.

    Only the fact and its category are recorded, never the text.
    """
    reading = read(turn, text)
    if reading is None or reading.safety is None:
        return None
    if _only_unsure(turn, text, reading.safety) or _negotiation_follow_up(turn, reading):
        return None
    category = reading.safety.category.value
    turn.uow.wellbeing.record_safety_event(turn.user_id, category, turn.now)
    # Before the language is chosen, answer in the language the message is written in.
    language = turn.user.language if turn.user.language_confirmed else reading.language
    if reading.safety.needs_hand_off:
        key = f"safety_{category}"
        return [Reply(text=turn.content.messages.text(language, key), key=key)]
    # A single vague signal: a calm question, then the person says which it is, in one choice.
    return [_check_in(turn, language, category, reading)]


# Steps where the coach has just asked a question of its own: "I don't know" is an answer there.
ANSWERING = frozenset({Flow.PREPARE, Flow.DEBRIEF})


def _only_unsure(turn: Turn, text: str, safety: SafetyReading) -> bool:
    """A short "I don't know" or "none" answering the coach's question, flagged by the model alone.

    The model reads short negative answers ("I don't really have one", "je sais pas trop") like
    the short distress messages it learnt from; a safety phrase said plainly still counts.
    """
    return turn.flow in ANSWERING and not safety.plain and is_only_unsure(text)


FOLLOW_UP_WITHIN = timedelta(hours=2)


def _negotiation_follow_up(turn: Turn, reading: EmotionReading) -> bool:
    """A question right after the person described a negotiation, with one vague model signal.

    "Et s'il me dit c'est à prendre ou à laisser ?" follows "+12 % sur la fonte, je le vois
    demain": the model alone reads a faint concern in its words ("me", "dit que"); asking how the
    person is at that point answers the wrong question. A clear signal, or a safety phrase, still
    gets the hand-off, and without that context the calm check-in stays.
    """
    safety = reading.safety
    return (
        safety is not None
        and not safety.plain
        and safety.level is SafetyLevel.WEAK
        and reading.intent is Intent.QUESTION
        and _recent_situation(turn) is not None
    )


def _recent_situation(turn: Turn) -> str | None:
    """The situation the person described within the last two hours, if any."""
    memory = turn.memory
    if memory is None or turn.now - memory.at > FOLLOW_UP_WITHIN:
        return None
    return memory.situation


def _check_in(turn: Turn, language: Language, category: str, reading: EmotionReading) -> Reply:
    words = turn.content.messages
    situation = reading.situations[0] if reading.situations else "other"
    carry_on = CheckInFine() if not reading.upcoming_meeting else PrepareMeeting(situation)
    fine = "check_in_fine_prepare" if reading.upcoming_meeting else "check_in_fine"
    options = (
        turn.option(carry_on, words.text(language, fine), "1"),
        turn.option(SafetyHelp(category), words.text(language, "check_in_help"), "2"),
    )
    return Reply(
        text=words.text(language, "safety_check_in"), options=options, key="safety_check_in"
    )


def safety_help(turn: Turn, choice: SafetyHelp) -> list[Reply] | None:
    """Who can help, for the concern the check-in was about."""
    if choice.category not in {concern.value for concern in SafetyConcern}:
        return None
    return [turn.reply(f"safety_{choice.category}")]


def check_in_fine(turn: Turn, _choice: CheckInFine) -> list[Reply]:
    """It was only work: say so kindly and open the menu."""
    return [turn.reply("check_in_ok"), *core.menu(turn, "menu_next")]


def respond(turn: Turn, text: str) -> list[Reply]:
    """Answer free text by what it asks: a greeting, thanks, an exercise, or help with a situation
    (the emotion first when it shows, then the cards)."""
    reading = read(turn, text)
    # What was being talked about before this message (remembering it refreshes the memory).
    within = _follow_up_situation(turn, reading)
    if reading is None or reading.intent not in SHORT_ANSWERS:
        turn.remember(text, reading)  # safety came first: flagged text never reaches here
    by_intent = _by_intent(turn, reading, text) if reading is not None else None
    if by_intent is not None:
        return by_intent
    if reading is None or not (reading.needs_acknowledging or _is_confident(reading)):
        answer = knowledge.answer_question(turn, text, within)
        return [*answer, *_prepare_offer(turn, reading, text)]
    first = _acknowledgement(turn, reading)
    technique = _technique(turn, reading, text) if reading.needs_acknowledging else []
    substance = _substance(turn, reading, text, exclude=technique)
    shown = technique + substance
    turn.go(Flow.CARDS, CardsStep(tuple(card.id for card in shown)))
    replies = [first]
    if technique:
        replies += [turn.reply("technique_intro"), *knowledge.card_previews(turn, technique)]
    if substance:
        lead = turn.reply("substance_intro")
        replies += [lead, *knowledge.card_previews(turn, substance, start=len(technique) + 1)]
    return replies + _prepare_offer(turn, reading, text)


# Messages that need no cards: a short answer, and the menu to carry on.
SHORT_ANSWERS = {
    Intent.GREETING: "greeting_reply",
    Intent.THANKS: "thanks_reply",
    Intent.OFF_TOPIC: "off_topic_reply",
    Intent.INSULT: "safety_insult_to_coach",
}
# Requests for a kind of card: the search keeps to that kind.
KIND_OF = {
    Intent.EXERCISE: ("exercise", "exercise_intro"),
    Intent.CHECKLIST: ("checklist", "checklist_intro"),
}


def _by_intent(turn: Turn, reading: EmotionReading, text: str) -> list[Reply] | None:
    short = SHORT_ANSWERS.get(reading.intent)
    if short is not None:
        if reading.intent is Intent.INSULT:
            return [turn.reply(short)]  # stays brief with insults: no menu pushed at them
        return [turn.reply(short), *core.menu(turn, "menu_next")]
    wanted = KIND_OF.get(reading.intent)
    if wanted is None:
        return None
    kind, lead = wanted
    tags = [f"kind:{kind}", *(f"situation:{s}" for s in reading.situations[:1])]
    found = search.search(turn, text, knowledge.MAX_SHOWN, tags)
    if not found.hits:
        return None  # nothing of that kind fits: answer as any question
    return knowledge.show_hits(turn, list(found.hits), lead)


def _follow_up_situation(turn: Turn, reading: EmotionReading | None) -> str | None:
    """The situation a message continues, when it names none itself (a follow-up question)."""
    if reading is None or reading.situations or reading.intent is not Intent.QUESTION:
        return None
    return _recent_situation(turn)


def _is_confident(reading: EmotionReading) -> bool:
    return reading.primary == "confidence" and reading.intensity is not Intensity.LOW


def _acknowledgement(turn: Turn, reading: EmotionReading) -> Reply:
    key = f"ack_{reading.primary}"
    if reading.intensity is Intensity.HIGH and reading.primary != "confidence":
        return Reply(text=f"{turn.t(key)} {turn.t('ack_high')}", key=key)
    return turn.reply(key)


def _technique(turn: Turn, reading: EmotionReading, text: str) -> list[Card]:
    tags = ["kind:emotion-technique", f"emotion:{reading.primary}"]
    return search.cards(turn, f"{text} {INTENSITY_HINTS[reading.intensity]}", 1, tags)


def _substance(turn: Turn, reading: EmotionReading, text: str, exclude: list[Card]) -> list[Card]:
    # The situation read first is the likeliest: its cards first, the others' only to fill up.
    wanted = SUBSTANCE_CARDS + len(exclude) + 1
    fresh: list[Card] = []
    for situations in (reading.situations[:1], reading.situations):
        tags = [f"situation:{s}" for s in situations]
        for card in search.cards(turn, text, wanted, tags):
            if card not in exclude and card not in fresh and card.kind != "emotion-technique":
                fresh.append(card)
        if len(fresh) >= SUBSTANCE_CARDS:
            break
    return fresh[:SUBSTANCE_CARDS]


def _prepare_offer(turn: Turn, reading: EmotionReading | None, text: str = "") -> list[Reply]:
    # A day or a time said in so many words ("next Tuesday at 2pm") is a meeting coming too.
    said = day_said(text, turn.local_now) is not None if text else False
    if reading is None or not (reading.upcoming_meeting or said):
        return []
    memory = turn.memory
    known = memory.situation if memory is not None else None
    situation = reading.situations[0] if reading.situations else known or "other"
    option = knowledge.prepare_option(turn, situation)
    return [turn.reply("prepare_offer", options=(option,))]
