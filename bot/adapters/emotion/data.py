"""Reads the detector's data: cues, safety phrases and prototypes (knowledge/emotions/)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.domain.emotions import Intent, LabelledMessage, Meeting, SafetyConcern, SafetyLevel
from bot.domain.taxonomy import EMOTIONS, SITUATIONS

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LANGUAGES = ("en", "fr")


class EmotionDataError(ValueError):
    """A detector data file is missing or broken; the message names the file and the entry."""


@dataclass(frozen=True)
class CueData:
    """Weighted cue phrases per emotion and language, and the words that modify them."""

    cues: dict[str, dict[str, dict[str, float]]]  # emotion -> language -> phrase -> weight
    negators: dict[str, tuple[str, ...]]
    intensifiers: dict[str, tuple[str, ...]]
    diminishers: dict[str, tuple[str, ...]]
    # Words that, with praise and a problem, mark irony ("génial. encore un retard").
    repetition: dict[str, tuple[str, ...]]
    praise: dict[str, tuple[str, ...]]
    # Words that, right before a situation's words, say it is absent ("pas de retard").
    absence: dict[str, tuple[str, ...]]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except FileNotFoundError as error:
        raise EmotionDataError(f"{path}: file not found") from error
    except yaml.YAMLError as error:
        raise EmotionDataError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise EmotionDataError(f"{path}: must be a mapping")
    return data


def _words_per_language(path: Path, section: str, data: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        raise EmotionDataError(f"{path}: {section}: needs en and fr lists")
    return {language: tuple(str(w) for w in data.get(language) or ()) for language in LANGUAGES}


def load_cues(path: Path) -> CueData:
    """Load cues.yaml, checking that every emotion has cues in both languages."""
    data = _read(path)
    cues: dict[str, dict[str, dict[str, float]]] = {}
    for emotion in EMOTIONS:
        entry = (data.get("emotions") or {}).get(emotion)
        if not isinstance(entry, dict):
            raise EmotionDataError(f"{path}: emotions.{emotion}: missing")
        cues[emotion] = {}
        for language in LANGUAGES:
            phrases = entry.get(language)
            if not isinstance(phrases, dict) or not phrases:
                raise EmotionDataError(
                    f"{path}: emotions.{emotion}.{language}: needs phrase: weight pairs"
                )
            cues[emotion][language] = {str(k): float(v) for k, v in phrases.items()}
    return CueData(
        cues=cues,
        negators=_words_per_language(path, "negators", data.get("negators")),
        intensifiers=_words_per_language(path, "intensifiers", data.get("intensifiers")),
        diminishers=_words_per_language(path, "diminishers", data.get("diminishers")),
        repetition=_words_per_language(path, "repetition", data.get("repetition")),
        praise=_words_per_language(path, "praise", data.get("praise")),
        absence=_words_per_language(path, "absence", data.get("absence")),
    )


INSULT_CATEGORY = "insult_to_coach"


def load_safety(path: Path) -> dict[SafetyConcern, dict[str, tuple[str, ...]]]:
    """Load safety.yaml: phrases per concern and language."""
    categories = _read(path).get("categories") or {}
    return {
        concern: _words_per_language(
            path, f"categories.{concern.value}", categories.get(concern.value)
        )
        for concern in SafetyConcern
    }


def load_insults(path: Path) -> dict[str, tuple[str, ...]]:
    """Load the insults aimed at the coach itself from safety.yaml, per language."""
    categories = _read(path).get("categories") or {}
    return _words_per_language(
        path, f"categories.{INSULT_CATEGORY}", categories.get(INSULT_CATEGORY)
    )


@dataclass(frozen=True)
class MeetingWords:
    """Words of a meeting, and time words per moment (today, tomorrow, this week, later)."""

    meeting: tuple[str, ...]
    when: dict[Meeting, tuple[str, ...]]


def load_meeting_words(path: Path) -> MeetingWords:
    """Load meeting.yaml, both languages merged."""
    data = _read(path)
    meeting = _words_per_language(path, "meeting_words", data.get("meeting_words"))
    future = data.get("future_words")
    if not isinstance(future, dict):
        raise EmotionDataError(f"{path}: future_words: needs today, tomorrow, this_week, later")
    when = {}
    for moment in (Meeting.TODAY, Meeting.TOMORROW, Meeting.THIS_WEEK, Meeting.LATER):
        words = _words_per_language(path, f"future_words.{moment}", future.get(moment.value))
        when[moment] = words["en"] + words["fr"]
    return MeetingWords(meeting["en"] + meeting["fr"], when)


def load_prototypes(path: Path) -> list[tuple[str, str, str]]:
    """Load prototypes.yaml as (emotion, language, message) triples."""
    table = _read(path).get("prototypes") or {}
    triples = []
    for emotion in EMOTIONS:
        for language in LANGUAGES:
            messages = (table.get(emotion) or {}).get(language) or []
            if not messages:
                raise EmotionDataError(f"{path}: prototypes.{emotion}.{language}: missing")
            triples += [(emotion, language, str(message)) for message in messages]
    return triples


def load_labelled_messages(path: Path) -> list[LabelledMessage]:
    """Load a labelled message set (knowledge/eval/emotions.yaml), checking every label."""
    messages = []
    for number, entry in enumerate(_read(path).get("messages") or []):
        where = f"{path}: messages.{number}"
        if entry.get("lang") not in LANGUAGES or entry.get("emotion") not in EMOTIONS:
            raise EmotionDataError(f"{where}: lang must be en or fr and emotion a taxonomy id")
        if entry.get("intensity") not in ("low", "medium", "high"):
            raise EmotionDataError(f"{where}.intensity: must be low, medium or high")
        situations = tuple(entry.get("situations") or ())
        unknown = [s for s in situations if s not in SITUATIONS]
        if unknown:
            raise EmotionDataError(f"{where}.situations: unknown {unknown[0]}")
        messages.append(_labelled(where, entry, situations))
    return messages


SIDES = ("buyer", "supplier", "trainer", "unknown")


def _labelled(where: str, entry: dict[str, Any], situations: tuple[str, ...]) -> LabelledMessage:
    """One message with the labels it has (the reader's full set, or an older set's)."""
    intent = _enum(where, "intent", Intent, entry.get("intent"))
    safety = entry.get("safety")
    concern = None if safety in (None, "none") else _enum(where, "safety", SafetyConcern, safety)
    level = entry.get("safety_level")
    safety_level = None if level in (None, "none") else _enum(where, "level", SafetyLevel, level)
    if (concern is None) != (safety_level is None) and "safety" in entry:
        raise EmotionDataError(f"{where}: safety and safety_level disagree")
    side = entry.get("side")
    if side is not None and side not in SIDES:
        raise EmotionDataError(f"{where}.side: must be one of {', '.join(SIDES)}")
    return LabelledMessage(
        text=str(entry["text"]),
        language=entry["lang"],
        emotion=entry["emotion"],
        intensity=entry["intensity"],
        situations=situations,
        intent=intent,
        safety=concern,
        safety_level=safety_level,
        meeting=_enum(where, "meeting", Meeting, entry.get("meeting")),
        side=side,
    )


E = TypeVar("E", bound=StrEnum)


def _enum(where: str, name: str, kind: type[E], value: object) -> E | None:
    if value is None:
        return None
    try:
        return kind(str(value))
    except ValueError as error:
        allowed = ", ".join(member.value for member in kind)
        raise EmotionDataError(f"{where}.{name}: {value!r} is not one of {allowed}") from error
