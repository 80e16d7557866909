"""Reads the detector's data: cues, safety phrases and prototypes (knowledge/emotions/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain.emotions import LabelledMessage, SafetyConcern
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
    )


def load_safety(path: Path) -> dict[SafetyConcern, dict[str, tuple[str, ...]]]:
    """Load safety.yaml: phrases per concern and language."""
    categories = _read(path).get("categories") or {}
    return {
        concern: _words_per_language(
            path, f"categories.{concern.value}", categories.get(concern.value)
        )
        for concern in SafetyConcern
    }


def load_meeting_words(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Load meeting.yaml: words of a meeting and words of a near future, both languages merged."""
    data = _read(path)
    meeting = _words_per_language(path, "meeting_words", data.get("meeting_words"))
    future = _words_per_language(path, "future_words", data.get("future_words"))
    return meeting["en"] + meeting["fr"], future["en"] + future["fr"]


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
        messages.append(
            LabelledMessage(
                str(entry["text"]), entry["lang"], entry["emotion"], entry["intensity"], situations
            )
        )
    return messages
