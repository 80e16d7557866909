"""A short memory of the conversation: what the person said about the meeting ahead.

A good coach does not ask twice. When a buyer writes "mon fournisseur m'annonce +12 % sur la
fonte, je le vois demain 10h", the coach keeps the situation, the figures, the counterpart, when
the meeting is and how they feel, so that the preparation starts from it and a follow-up question
("et s'il me dit c'est à prendre ou à laisser ?") is answered within that situation. The memory is
kept for a limited time only (`MEMORY_HOURS`), then forgotten.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.text import fold

MEMORY_HOURS = 72  # long enough for "the meeting is on Thursday", short enough to forget
MAX_NOTE_CHARS = 300
MAX_FIGURES = 3

# "+12 %", "12%", "-6 %", "8 000 €", "15k€", "60 days", "3 semaines": numbers a coach would repeat.
_FIGURE = re.compile(
    r"(?<![\w.,])[+\-−]?\s?\d{1,3}(?:[ .,\u202f\u00a0]?\d{3})*(?:[.,]\d+)?\s?"
    r"(?:%|pts?\b|points?\b|k€|m€|€|k\$|\$|eur\b|euros?\b|dollars?\b|jours?\b|days?\b|"
    r"semaines?\b|weeks?\b|mois\b|months?\b|ppm\b)",
    re.IGNORECASE,
)
_COUNTERPARTS = {
    "supplier": (
        "supplier|vendor|subcontractor|foundry|carrier|manufacturer|fournisseur|sous-traitant|"
        "soustraitant|fondeur|fonderie|mouliste|transporteur|prestataire|fabricant"
    ),
    "customer": "customer|client|buyer|purchaser|acheteur|acheteuse|donneur d'ordre",
}
# "mon fournisseur Dupont", "my supplier, Acme": the side word, then an optional proper name.
_COUNTERPART = re.compile(
    r"\b(?:my|our|the|this|that|mon|ma|notre|le|la|ce|cet|cette|leur)\s+"
    r"(?:(?:biggest|main|key|new|largest|only|gros|principal|nouveau|nouvel|seul)\s+)?"
    r"(?P<side>" + "|".join(_COUNTERPARTS.values()) + r")s?\b"
    r"(?:[ ,]+(?-i:(?P<name>[A-Z][\w&\-]+(?:\s[A-Z][\w&\-]+)?)))?",
    re.IGNORECASE,
)
_NAME_STOP = frozenset(fold(w) for w in ("I", "Je", "Il", "Elle", "On", "We", "They", "He", "She"))

_WEEKDAYS = {
    "monday": 0, "lundi": 0, "tuesday": 1, "mardi": 1, "wednesday": 2, "mercredi": 2,
    "thursday": 3, "jeudi": 3, "friday": 4, "vendredi": 4, "saturday": 5, "samedi": 5,
    "sunday": 6, "dimanche": 6,
}  # fmt: skip
_RELATIVE_DAYS = {
    "today": 0, "aujourd'hui": 0, "aujourdhui": 0, "ce matin": 0, "cet apres-midi": 0,
    "cet aprem": 0, "ce soir": 0, "this morning": 0, "this afternoon": 0, "tonight": 0,
    "tomorrow": 1, "demain": 1, "day after tomorrow": 2, "apres-demain": 2, "apres demain": 2,
}  # fmt: skip
_NEXT_WEEK = re.compile(r"\b(next week|la semaine prochaine|semaine prochaine)\b")
_IN_DAYS = re.compile(r"\b(?:in|dans)\s+(\d{1,2})\s+(?:days?|jours?)\b")
# "10h", "10 h 30", "10:30", "10am", "at 3 pm", "à 14h".
_TIME = re.compile(
    r"\b(?:(?P<h1>[01]?\d|2[0-3])\s?(?:h|:)\s?(?P<m1>[0-5]\d)?(?!\d)"
    r"|(?P<h2>1[0-2]|0?[1-9])\s?(?P<ampm>am|pm|a\.m\.|p\.m\.)"
    r"|(?:at|à)\s(?P<h3>[01]?\d|2[0-3])(?![\d%.,:h]))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MeetingTime:
    """When the meeting is, as far as the message says: a day and perhaps a time ("10:00")."""

    day: date | None = None
    time: str | None = None


@dataclass(frozen=True)
class Memory:
    """What the coach keeps of the conversation, for `MEMORY_HOURS` after it was last told."""

    at: datetime
    situation: str | None = None
    figures: tuple[str, ...] = ()
    counterpart: str | None = None  # "supplier" or "customer"
    counterpart_name: str | None = None
    meeting_day: date | None = None
    meeting_time: str | None = None
    emotion: str | None = None
    note: str = ""

    def is_fresh(self, now: datetime) -> bool:
        """Tell whether the memory is recent enough to use (and to keep)."""
        return now - self.at <= timedelta(hours=MEMORY_HOURS)

    @property
    def knows_something(self) -> bool:
        """Tell whether anything worth starting from was said."""
        return bool(self.situation or self.figures or self.meeting_day or self.counterpart_name)

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored with the conversation."""
        stored: dict[str, Any] = {"at": self.at.isoformat()}
        for name in ("situation", "counterpart", "counterpart_name", "meeting_time", "emotion"):
            if getattr(self, name):
                stored[name] = getattr(self, name)
        if self.figures:
            stored["figures"] = list(self.figures)
        if self.meeting_day:
            stored["meeting_day"] = self.meeting_day.isoformat()
        if self.note:
            stored["note"] = self.note
        return stored

    @classmethod
    def from_json(cls, raw: object) -> Memory | None:
        """Read a stored memory; anything unreadable is simply forgotten."""
        if not isinstance(raw, Mapping):
            return None
        try:
            at = datetime.fromisoformat(str(raw["at"]))
            day = raw.get("meeting_day")
            figures = raw.get("figures") or []
            return cls(
                at=at,
                situation=_text_or_none(raw.get("situation")),
                figures=tuple(str(f) for f in figures if isinstance(f, str))[:MAX_FIGURES],
                counterpart=_text_or_none(raw.get("counterpart")),
                counterpart_name=_text_or_none(raw.get("counterpart_name")),
                meeting_day=date.fromisoformat(day) if isinstance(day, str) else None,
                meeting_time=_text_or_none(raw.get("meeting_time")),
                emotion=_text_or_none(raw.get("emotion")),
                note=str(raw.get("note") or "")[:MAX_NOTE_CHARS],
            )
        except (KeyError, ValueError, TypeError):
            return None


def _text_or_none(value: object) -> str | None:
    return value[:80] if isinstance(value, str) and value else None


def remember(
    previous: Memory | None,
    text: str,
    now: datetime,
    situations: tuple[str, ...] = (),
    emotion: str | None = None,
) -> Memory:
    """The memory after one more message: what it says replaces, what it does not say stays.

    A message about another situation starts a fresh memory: the figures and the meeting of a
    price increase do not belong to a quality incident.
    """
    base = previous if previous is not None and previous.is_fresh(now) else None
    if base is not None and base.situation and situations and base.situation not in situations:
        base = None  # another situation: what was said about the first one does not carry over
    # A message that also names the situation being talked about stays with it.
    if base is not None and base.situation in situations:
        situation: str | None = base.situation
    else:
        situation = situations[0] if situations else None
    when = meeting_time(text, now)
    side, name = counterpart(text)
    figures = figures_in(text)
    fresh = Memory(at=now) if base is None else replace(base, at=now)
    return replace(
        fresh,
        situation=situation or fresh.situation,
        figures=figures or fresh.figures,
        counterpart=side or fresh.counterpart,
        counterpart_name=name or fresh.counterpart_name,
        meeting_day=when.day or fresh.meeting_day,
        meeting_time=when.time or (None if when.day else fresh.meeting_time),
        emotion=emotion if emotion and emotion != "neutral" else fresh.emotion,
        note=_note(fresh.note, text) if (situation or figures or when.day) else fresh.note,
    )


def _note(previous: str, text: str) -> str:
    """The person's own words about the meeting, newest last, cut at a word."""
    joined = f"{previous} {text}".strip() if previous and text not in previous else text
    if len(joined) <= MAX_NOTE_CHARS:
        return joined
    return "…" + joined[-MAX_NOTE_CHARS:].split(" ", 1)[-1]


def figures_in(text: str) -> tuple[str, ...]:
    """The figures of a message as written ("+12 %", "60 jours"), first ones first."""
    found: list[str] = []
    for match in _FIGURE.finditer(text):
        figure = " ".join(match.group(0).replace("−", "-").split())
        if figure not in found:
            found.append(figure)
    return tuple(found[:MAX_FIGURES])


def counterpart(text: str) -> tuple[str | None, str | None]:
    """Who the meeting is with: ("supplier" or "customer", a proper name if one follows)."""
    match = _COUNTERPART.search(text)
    if match is None:
        return None, None
    word = fold(match.group("side"))
    side = next((s for s, words in _COUNTERPARTS.items() if word in fold(words).split("|")), None)
    name = match.group("name")
    if name is not None and (fold(name.split()[0]) in _NAME_STOP or not name[0].isupper()):
        name = None
    return side, name


def meeting_time(text: str, now: datetime) -> MeetingTime:
    """The day and time a message gives for the meeting ("demain 10h", "on Thursday at 3pm")."""
    folded = fold(text)
    day = _day(folded, now.date())
    time = _clock(text)
    if time is not None and day is None:
        day = now.date()  # "à 15h" with no day: today
    return MeetingTime(day, time)


def day_said(text: str, now: datetime) -> date | None:
    """The day a message names ("demain", "next Tuesday"), not counting a bare time."""
    return _day(fold(text), now.date())


# Compiled once: every free-text message is read for a day. Longer phrases first, so that
# "apres-demain" is not read as "demain".
_RELATIVE_PATTERNS = tuple(
    (re.compile(rf"(?<![\w-]){re.escape(fold(phrase))}(?![\w-])"), offset)
    for phrase, offset in sorted(_RELATIVE_DAYS.items(), key=lambda item: -len(item[0]))
)
_WEEKDAY_PATTERNS = tuple((re.compile(rf"\b{name}\b"), day) for name, day in _WEEKDAYS.items())


def _day(folded: str, today: date) -> date | None:
    for pattern, offset in _RELATIVE_PATTERNS:
        if pattern.search(folded):
            return today + timedelta(days=offset)
    for pattern, weekday in _WEEKDAY_PATTERNS:
        if pattern.search(folded):
            ahead = (weekday - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    if _NEXT_WEEK.search(folded):
        return today + timedelta(days=7 - today.weekday())  # the Monday of next week
    days = _IN_DAYS.search(folded)
    return today + timedelta(days=int(days.group(1))) if days else None


def _clock(text: str) -> str | None:
    for match in _TIME.finditer(text):
        if match.group("h1") is not None:
            hour, minute = int(match.group("h1")), int(match.group("m1") or 0)
        elif match.group("h2") is not None:
            hour, minute = int(match.group("h2")) % 12, 0
            hour += 12 if match.group("ampm").lower().startswith("p") else 0
        else:
            hour, minute = int(match.group("h3")), 0
            if hour < 7:
                hour += 12  # "at 3": a meeting at three in the afternoon, not at night
        return f"{hour:02d}:{minute:02d}"
    return None
