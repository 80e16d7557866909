"""How a meeting is named to the user: its situation, its day and time, what the coach knows."""

from __future__ import annotations

from datetime import date

from bot.domain.memory import Memory
from bot.domain.preparation import Preparation
from bot.domain.taxonomy import SITUATIONS
from bot.services.conversation.turn import Turn

OTHER = "other"
LABEL_CHARS = 60
WEEK = 7


def situation_label(turn: Turn, preparation: Preparation, heading: bool = False) -> str:
    """The meeting's situation, or the user's own words cut at a word, or "the meeting".

    Inside a sentence by default ("a price increase"); as written on its button for a heading.
    """
    situation = preparation.situation or OTHER
    if situation in SITUATIONS:
        label = turn.t(f"situation_{situation}")
        return label if heading else in_sentence(label)
    return short(preparation.answers.get("situation_note", "")) or turn.t("prep_meeting")


def short(text: str, limit: int = LABEL_CHARS) -> str:
    """A text cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def in_sentence(label: str) -> str:
    """A button label used inside a sentence: "A price increase" becomes "a price increase"."""
    first = label.split(" ", 1)[0]
    if not first or (first.isupper() and len(first) > 1):
        return label  # an acronym ("RFQ") keeps its capitals
    return label[0].lower() + label[1:]


def day_label(turn: Turn, day: date, time: str | None) -> str:
    """ "tomorrow at 10:00", "Thursday 3 at 15:00", in the user's language."""
    ahead = (day - turn.local_now.date()).days
    weekday = turn.t(f"weekday_{day.weekday()}")
    if ahead == 0:
        name = turn.t("when_today")
    elif ahead == 1:
        name = turn.t("when_tomorrow")
    elif 1 < ahead < WEEK:
        name = weekday  # within the week, "Thursday" says it all
    else:
        name = turn.t("when_day", weekday=weekday, day=day.day, month=day.month)
    return turn.t("when_at", day=name, time=time) if time else name


def meeting_label(turn: Turn, preparation: Preparation) -> str:
    """When the prepared meeting is, as the user said it; empty when they did not."""
    day = preparation.answers.get("meeting_day")
    if not day:
        return ""
    try:
        return day_label(turn, date.fromisoformat(day), preparation.answers.get("meeting_time"))
    except ValueError:
        return ""


def known_summary(turn: Turn, preparation: Preparation) -> str:
    """What the coach already knows of the meeting, in one short line ("price increase · +12 %")."""
    parts = []
    if preparation.situation in SITUATIONS:
        parts.append(in_sentence(turn.t(f"situation_{preparation.situation}")))
    if preparation.answers.get("figures"):
        parts.append(preparation.answers["figures"])
    if preparation.answers.get("counterpart_name"):
        parts.append(turn.t("with_name", name=preparation.answers["counterpart_name"]))
    when = meeting_label(turn, preparation)
    if when:
        parts.append(when)
    return " · ".join(parts)


def from_memory(preparation: Preparation, memory: Memory) -> None:
    """Start a preparation from what the person just said (situation, figures, who, when)."""
    if preparation.situation is None and memory.situation in SITUATIONS:
        preparation.situation = memory.situation
    answers = preparation.answers
    if memory.note:
        answers["situation_note"] = memory.note
    if memory.figures:
        answers["figures"] = ", ".join(memory.figures)
    if memory.counterpart_name:
        answers["counterpart_name"] = memory.counterpart_name
    if memory.meeting_day:
        answers["meeting_day"] = memory.meeting_day.isoformat()
        if memory.meeting_time:
            answers["meeting_time"] = memory.meeting_time
