"""Emotion-aware answers: safety first, then the person (name it, one technique), then cards."""

from __future__ import annotations

import logging

from bot.domain.cards import Card
from bot.domain.dialogue import Reply
from bot.domain.emotions import EmotionReading, Intensity
from bot.domain.retrieval import QueryError, SearchUnavailableError, TagFilter
from bot.services import knowledge_flow
from bot.services.turn import Turn

log = logging.getLogger(__name__)

SUBSTANCE_CARDS = 2
# Words added to the technique search so that its length suits the moment.
INTENSITY_HINTS = {
    Intensity.HIGH: "right now, in the moment, 30 seconds, breathe, pause before replying",
    Intensity.MEDIUM: "before the meeting, a few minutes, name the emotion, reframe",
    Intensity.LOW: "reflect, after the meeting, notice",
}


def read(turn: Turn, text: str) -> EmotionReading | None:
    """Read the emotions of a message; None when no detector is available."""
    if turn.emotions is None:
        return None
    try:
        return turn.emotions.analyze(text, turn.user.language)
    except Exception:
        # Emotion reading is an enrichment: a failure must not cost the user their answer.
        log.exception("emotion detector failed")
        return None


def respond(turn: Turn, text: str) -> list[Reply]:
    """Answer free text: a safety hand-off, or the emotion first and then the cards."""
    reading = read(turn, text)
    if reading is not None and reading.safety is not None:
        return safety_replies(turn, reading)
    if reading is None or not (reading.needs_acknowledging or _is_confident(reading)):
        return [*knowledge_flow.answer_question(turn, text), *_prepare_offer(turn, reading)]
    first = _acknowledgement(turn, reading)
    technique = _technique(turn, reading, text) if reading.needs_acknowledging else []
    substance = _substance(turn, reading, text, exclude=technique)
    cards = technique + substance
    turn.go("cards", cards=[card.id for card in cards])
    replies = [first]
    if technique:
        replies += [turn.reply("technique_intro"), *knowledge_flow.card_previews(turn, technique)]
    if substance:
        lead = turn.reply("substance_intro")
        replies += [lead, *knowledge_flow.card_previews(turn, substance, start=len(technique) + 1)]
    return replies + _prepare_offer(turn, reading)


def safety_replies(turn: Turn, reading: EmotionReading) -> list[Reply]:
    """Hand over to human help (or answer an insult calmly); record the fact, never the text."""
    assert reading.safety is not None and turn.user.id is not None
    turn.uow.wellbeing.record_safety_event(turn.user.id, reading.safety.value, turn.now)
    turn.go("menu")
    return [turn.reply(f"safety_{reading.safety.value}")]


def _is_confident(reading: EmotionReading) -> bool:
    return reading.primary == "confidence" and reading.intensity is not Intensity.LOW


def _acknowledgement(turn: Turn, reading: EmotionReading) -> Reply:
    key = f"ack_{reading.primary}"
    if reading.intensity is Intensity.HIGH and reading.primary != "confidence":
        return Reply(text=f"{turn.t(key)} {turn.t('ack_high')}")
    return turn.reply(key)


def _technique(turn: Turn, reading: EmotionReading, text: str) -> list[Card]:
    tags = TagFilter.parse(["kind:emotion-technique", f"emotion:{reading.primary}"])
    query = f"{text} {INTENSITY_HINTS[reading.intensity]}"
    return [hit.card for hit in _search(turn, query, 1, tags)]


def _substance(turn: Turn, reading: EmotionReading, text: str, exclude: list[Card]) -> list[Card]:
    tags = (
        TagFilter.parse([f"situation:{s}" for s in reading.situations])
        if reading.situations
        else None
    )
    hits = _search(turn, text, SUBSTANCE_CARDS + len(exclude) + 1, tags)
    fresh = [
        hit.card for hit in hits if hit.card not in exclude and hit.card.kind != "emotion-technique"
    ]
    return fresh[:SUBSTANCE_CARDS]


def _search(turn: Turn, query: str, k: int, tags: TagFilter | None) -> list:  # type: ignore[type-arg]
    if turn.cards is None:
        return []
    try:
        return turn.cards.search(query, turn.user.language, k=k, tags=tags)
    except (QueryError, SearchUnavailableError):
        return []


def _prepare_offer(turn: Turn, reading: EmotionReading | None) -> list[Reply]:
    if reading is None or not reading.upcoming_meeting:
        return []
    situation = reading.situations[0] if reading.situations else "other"
    # Remembered with the step, so that typing "p" takes the offer in the terminal too.
    turn.user.state = {**turn.user.state, "offer": situation}
    option = knowledge_flow.prepare_option(turn, situation)
    return [Reply(text=turn.t("prepare_offer"), options=(option,))]
