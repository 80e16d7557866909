"""The emotion detector: weighted cues with negation, nearest prototypes, intensity, safety."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.adapters.nlp.speller import Speller
from bot.adapters.nlp.tags import TagMatcher
from bot.adapters.nlp.text import fold, guess_language, stem, words
from bot.domain.emotions import (
    NEUTRAL,
    EmotionReading,
    EmotionScore,
    Intensity,
    Intent,
    Meeting,
    SafetyConcern,
    SafetyLevel,
    SafetyReading,
)
from bot.domain.framework import Language
from bot.domain.taxonomy import EMOTIONS

from .data import CueData, MeetingWords

Encoder = Callable[[list[str]], np.ndarray]

# Clauses end at punctuation and at a contrast ("not angry, just disappointed"; "mais", "but").
CLAUSE_BREAK = re.compile(r"[.;:!?,\n]+|\b(?:mais|but|however|cependant|pourtant)\b")
NEGATION_WINDOW = 3
ABSENCE_WINDOW = 3  # "pas de retard", "ya pas eu de retard", "no more delays"
MIN_TYPO_LENGTH = 6  # five-letter words have too many one-edit neighbours ("ready"/"reads")
ANGRY_EMOJIS = frozenset("😡🤬💢😤👿")
IRONIC_EMOJIS = frozenset("🙃🙄😒")
# The prefix of the signals naming a situation the message only denies ("ya pas de retard").
NEGATED_SITUATION = "denied:"
# Emotions that say something went wrong: with praise and a repetition word, irony.
PROBLEM_EMOTIONS = frozenset(EMOTIONS) - {"confidence", "neutral"}
# Emojis carry feeling where words are few; each is a weak-to-clear cue of one emotion.
EMOJI_CUES = {
    "😡": ("anger", 2.0), "🤬": ("anger", 3.0), "💢": ("anger", 2.0), "👿": ("anger", 2.0),
    "😤": ("frustration", 2.0), "🙄": ("frustration", 1.0), "😩": ("frustration", 1.0),
    "😰": ("anxiety", 2.0), "😨": ("anxiety", 2.0), "😱": ("anxiety", 2.0), "😬": ("anxiety", 1.0),
    "🤔": ("distrust", 1.0), "🤨": ("distrust", 2.0),
    "😞": ("disappointment", 2.0), "😕": ("disappointment", 1.0),
    "😔": ("discouragement", 1.0), "😢": ("discouragement", 1.0), "😓": ("discouragement", 1.0),
    "🤯": ("stress", 2.0), "😵": ("stress", 2.0), "🥵": ("stress", 1.0),
    "😳": ("guilt", 1.0), "🙈": ("guilt", 1.0),
    "🙂": ("confidence", 1.0), "😊": ("confidence", 2.0), "💪": ("confidence", 2.0),
    "🎉": ("confidence", 2.0), "👍": ("confidence", 1.0), "😄": ("confidence", 2.0),
    "😀": ("confidence", 2.0), "🚀": ("confidence", 1.0),
}  # fmt: skip
SAFETY_ORDER = (SafetyConcern.SELF_HARM, SafetyConcern.HARASSMENT, SafetyConcern.BURNOUT)
# Without the trained reader, intents are read from a few words (folded).
GREETINGS = frozenset(
    "hello hi hey hiya bonjour salut coucou bonsoir hello? slt yo test good morning".split()
)
THANKS = frozenset("thanks thank merci thx ty cheers bye ciao".split())
EXERCISE_WORDS = re.compile(r"\b(exercise|exercice|role ?play|jeu de role|practi[cs]e|entrain)")
CHECKLIST_WORDS = re.compile(r"\b(checklist|check-list|liste|etapes|steps|template|modele)\b")
QUESTION_WORDS = re.compile(
    r"\?|^(how|what|why|when|should|can|could|do|does|is|comment|que|quoi|pourquoi|quand|"
    r"est-ce|dois|puis|faut)\b"
)


@dataclass(frozen=True)
class DetectorSettings:
    """How cues and prototypes are weighed (checked on knowledge/eval/emotions.yaml)."""

    prototype_top: int = 5
    temperature: float = 25.0
    cue_weight_en: float = 0.6
    cue_weight_fr: float = 0.7
    other_language_cue: float = 0.5
    neutral_without_cues: float = 0.15
    negated_cue_to_neutral: float = 0.5


@dataclass(frozen=True)
class _Cue:
    emotion: str
    stems: tuple[str, ...]
    weight: float
    phrase: str
    # A cue that carries its own negation ("pas confiance", "can't sleep") is never negated again.
    negatable: bool = True


@dataclass(frozen=True)
class _Found:
    emotion: str
    weight: float
    negated: bool
    phrase: str = ""


class _CueMatcher:
    """Finds weighted cue phrases of one language in tokenised clauses, with typo tolerance."""

    def __init__(self, data: CueData, language: str) -> None:
        self.language = language
        self._by_first: dict[str, list[_Cue]] = defaultdict(list)
        all_negators = {t for w in data.negators[language] for t in words(w)}
        typo_words: list[str] = []
        for emotion, languages in data.cues.items():
            for phrase, weight in languages[language].items():
                tokens = words(phrase)
                if not tokens:
                    continue
                stems = tuple(stem(t, language) for t in tokens)
                negatable = not any(t in all_negators for t in tokens)
                cue = _Cue(emotion, stems, weight, phrase, negatable)
                self._by_first[cue.stems[0]].append(cue)
                if len(tokens) == 1:
                    typo_words.append(tokens[0])
        self._speller = Speller(typo_words, MIN_TYPO_LENGTH)
        self._negators = {fold(w) for w in data.negators[language]} - {"ne", "n", "plus"}
        self._intensifiers = _phrases(data.intensifiers[language])
        self._diminishers = _phrases(data.diminishers[language])
        self._repetition = _phrases(data.repetition[language])
        self._praise = _phrases(data.praise[language])
        self._absence = _phrases(data.absence[language])

    def mentions_absence(self, tokens: list[str]) -> bool:
        """Whether any absence word appears at all (most messages: no need to look closer)."""
        return _count(tokens, self._absence) > 0

    def denies(self, tokens: list[str], term: frozenset[str], language: str) -> bool:
        """Whether an absence word comes right before the term's first word ("pas de retard").

        Only absence: other negations often say the situation itself ("pas livré", "not paid").
        """
        stems = [stem(t, language) for t in tokens]
        first = next((i for i, s in enumerate(stems) if s in term), None)
        if first is None:
            return False
        return _count(tokens[max(0, first - ABSENCE_WINDOW) : first], self._absence) > 0

    def repeats(self, tokens: list[str]) -> bool:
        """Whether the message says it happens again ("encore", "yet again", "as usual")."""
        return _count(tokens, self._repetition) > 0

    def praises(self, tokens: list[str]) -> bool:
        """Whether the message holds a praise word ("génial", "perfect"), ironic or not."""
        return _count(tokens, self._praise) > 0

    def _stem(self, token: str) -> str:
        stemmed = stem(token, self.language)
        if len(token) < MIN_TYPO_LENGTH or stemmed in self._by_first:
            return stemmed
        corrected = self._speller.correct(token)
        return stemmed if corrected == token else stem(corrected, self.language)

    def find(self, clauses: list[list[str]]) -> list[_Found]:
        """Return the cues found (strongest per emotion and place), negated after a negation."""
        found: dict[tuple[int, int, str], _Found] = {}
        for number, tokens in enumerate(clauses):
            stems = [self._stem(t) for t in tokens]
            for start, first in enumerate(stems):
                for cue in self._by_first.get(first, ()):
                    if tuple(stems[start : start + len(cue.stems)]) != cue.stems:
                        continue
                    # "déçu" and "déçue" share a stem: one place counts once per emotion.
                    key = (number, start, cue.emotion)
                    if key not in found or found[key].weight < cue.weight:
                        negated = cue.negatable and self._negated(tokens, start)
                        found[key] = _Found(cue.emotion, cue.weight, negated, cue.phrase)
        return list(found.values())

    def _negated(self, tokens: list[str], start: int) -> bool:
        window = tokens[max(0, start - NEGATION_WINDOW) : start]
        if any(t in self._negators for t in window):
            return True
        # French "ne ... plus": "plus" negates only after "ne"/"n'".
        return "plus" in window and any(t in ("ne", "n") for t in tokens[max(0, start - 5) : start])

    def modifiers(self, tokens: list[str]) -> int:
        """+1 per intensifier, -1 per diminisher found in the message."""
        return _count(tokens, self._intensifiers) - _count(tokens, self._diminishers)


def _phrases(listed: tuple[str, ...]) -> list[str]:
    """A word list's phrases as space-padded token strings, ready to look for in a text."""
    return [f" {' '.join(words(phrase))} " for phrase in listed if words(phrase)]


def _count(tokens: list[str], phrases: list[str]) -> int:
    """How many of the phrases appear, as whole words, among the tokens."""
    text = f" {' '.join(tokens)} "
    return sum(phrase in text for phrase in phrases)


def _clauses(text: str) -> list[list[str]]:
    return [tokens for part in CLAUSE_BREAK.split(fold(text)) if (tokens := words(part))]


class EmotionDetector:
    """Reads emotions, intensity, situations and safety concerns in French and English messages."""

    def __init__(
        self,
        cues: CueData,
        safety: dict[SafetyConcern, dict[str, tuple[str, ...]]],
        situations: TagMatcher,
        prototypes: tuple[list[str], np.ndarray] | None = None,
        encoder: Encoder | None = None,
        settings: DetectorSettings | None = None,
        meeting_words: MeetingWords | None = None,
        insults: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._matchers = {language: _CueMatcher(cues, language) for language in ("en", "fr")}
        self._safety = {
            concern: _patterns([p for ps in langs.values() for p in ps])
            for concern, langs in safety.items()
        }
        self._situations = situations
        self._prototype_labels, self._prototype_vectors = prototypes or (
            [],
            np.zeros((0, 1), np.float32),
        )
        self._encoder = encoder if prototypes is not None else None
        self._settings = settings or DetectorSettings()
        words_of = meeting_words or MeetingWords((), {})
        self._meeting = _patterns(words_of.meeting)
        self._when = {moment: _patterns(words) for moment, words in words_of.when.items()}
        self._insults = _patterns([p for ps in (insults or {}).values() for p in ps])

    def analyze(self, text: str, default_language: Language = "en") -> EmotionReading:
        """Read one message."""
        message = text[:2000]
        language: Language = "fr" if guess_language(message, default_language) == "fr" else "en"
        clauses = _clauses(message)
        found, modifiers = self._cues(message, clauses, language)
        scores = self._combine(self._prototype_scores(message), found, language)
        primary = max(scores, key=lambda e: (scores[e], -EMOTIONS.index(e)))
        ranked = sorted(scores.items(), key=lambda pair: -pair[1])
        return EmotionReading(
            language=language,
            primary=primary,
            intensity=self._intensity(primary, found, modifiers, message),
            emotions=tuple(EmotionScore(label, score) for label, score in ranked if score >= 0.05),
            situations=self._situation_ids(message, language),
            safety=self._concern(message),
            meeting=self.meeting_of(message),
            intent=self.intent_of(message, primary),
        )

    def intent_of(self, message: str, primary: str) -> Intent:
        """What the message asks for, from a few words (the trained reader does better)."""
        folded = fold(message).strip()
        tokens = words(folded)
        rules = (
            (any(pattern.search(folded) for pattern in self._insults), Intent.INSULT),
            (bool(tokens) and all(token in GREETINGS for token in tokens), Intent.GREETING),
            (bool(tokens) and tokens[0] in THANKS and len(tokens) <= 6, Intent.THANKS),
            (bool(EXERCISE_WORDS.search(folded)), Intent.EXERCISE),
            (bool(CHECKLIST_WORDS.search(folded)), Intent.CHECKLIST),
            (bool(QUESTION_WORDS.search(folded)) or primary == NEUTRAL, Intent.QUESTION),
        )
        return next((intent for matched, intent in rules if matched), Intent.VENTING)

    def meeting_of(self, message: str) -> Meeting:
        """When a meeting with the other side comes, from its words (none without a time word)."""
        folded = fold(message)
        if not any(p.search(folded) for p in self._meeting):
            return Meeting.NONE
        for moment, patterns in self._when.items():
            if any(p.search(folded) for p in patterns):
                return moment
        return Meeting.NONE

    def cue_signals(self, text: str, language: Language) -> dict[str, float]:
        """The cues' evidence as named numbers, features of the trained reader."""
        message = text[:2000]
        clauses = _clauses(message)
        found, modifiers = self._cues(message, clauses, language)
        signals: dict[str, float] = defaultdict(float)
        for cue in found:
            signals["negated" if cue.negated else f"cue:{cue.emotion}"] += cue.weight
        signals["modifiers"] = float(modifiers)
        letters = [ch for ch in message if ch.isalpha()]
        signals["caps"] = sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0
        signals["exclaims"] = float(min(message.count("!"), 4))
        signals["question"] = float("?" in message)
        signals["short"] = float(len(words(message)) <= 4)
        situations, negated = self._situations_read(message, clauses, language)
        for situation in situations:
            signals[f"situation:{situation}"] = 1.0
        signals["negated_situation"] = float(len(negated))
        for situation in negated:  # not features: the reader drops what is only denied
            signals[f"{NEGATED_SITUATION}{situation}"] = 1.0
        signals["irony"] = float(self._ironic(message, clauses, language, found, situations))
        concern = self._concern(message)
        if concern is not None:
            signals[f"safety:{concern.category}"] = 1.0
        signals[f"meeting:{self.meeting_of(message)}"] = 1.0
        signals[f"intent:{self.intent_of(message, NEUTRAL if not found else 'x')}"] = 1.0
        return dict(signals)

    def _cues(
        self, message: str, clauses: list[list[str]], language: Language
    ) -> tuple[list[_Found], int]:
        own = self._matchers[language].find(clauses)
        other_language = "fr" if language == "en" else "en"
        factor = self._settings.other_language_cue
        other = [
            _Found(f.emotion, f.weight * factor, f.negated)
            for f in self._matchers[other_language].find(clauses)
        ]
        tokens = [t for clause in clauses for t in clause]
        emojis = [
            _Found(*EMOJI_CUES[ch], negated=False, phrase=ch)
            for ch in set(message)
            if ch in EMOJI_CUES
        ]
        return own + other + emojis, self._matchers[language].modifiers(tokens)

    def _prototype_scores(self, message: str) -> dict[str, float]:
        if self._encoder is None or not self._prototype_labels:
            return {}
        vector = self._encoder([message])[0]
        sims = self._prototype_vectors @ vector
        per_emotion: dict[str, list[float]] = defaultdict(list)
        for label, sim in zip(self._prototype_labels, sims, strict=True):
            per_emotion[label].append(float(sim))
        top = self._settings.prototype_top
        means = {e: sum(sorted(v, reverse=True)[:top]) / top for e, v in per_emotion.items()}
        return _softmax(means, self._settings.temperature)

    def _combine(
        self, prototypes: dict[str, float], found: list[_Found], language: Language
    ) -> dict[str, float]:
        settings = self._settings
        cue_totals: dict[str, float] = defaultdict(float)
        for cue in found:
            if cue.negated:
                cue_totals[NEUTRAL] += cue.weight * settings.negated_cue_to_neutral
            else:
                cue_totals[cue.emotion] += cue.weight
        total = sum(cue_totals.values())
        cue_share = {e: cue_totals.get(e, 0.0) / total for e in EMOTIONS} if total else {}
        if not prototypes:
            prototypes = (
                {e: (1.0 if e == NEUTRAL else 0.0) for e in EMOTIONS} if not cue_share else {}
            )
        weight = (
            (settings.cue_weight_fr if language == "fr" else settings.cue_weight_en)
            if cue_share
            else 0.0
        )
        if not prototypes:
            weight = 1.0
        scores = {
            e: (1 - weight) * prototypes.get(e, 0.0) + weight * cue_share.get(e, 0.0)
            for e in EMOTIONS
        }
        if not cue_share:
            scores[NEUTRAL] += settings.neutral_without_cues
        norm = sum(scores.values()) or 1.0
        return {e: s / norm for e, s in scores.items()}

    def _intensity(
        self, primary: str, found: list[_Found], modifiers: int, message: str
    ) -> Intensity:
        if primary == NEUTRAL:
            return Intensity.LOW
        weights = [f.weight for f in found if f.emotion == primary and not f.negated]
        strongest = max(weights, default=1.0)
        level = (
            Intensity.HIGH
            if strongest >= 3
            else Intensity.MEDIUM
            if strongest >= 2
            else Intensity.LOW
        )
        if len(weights) >= 2 and level is Intensity.LOW:
            level = Intensity.MEDIUM
        letters = [ch for ch in message if ch.isalpha()]
        shouting = len(letters) >= 8 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6
        loud = message.count("!") >= 2 or shouting or any(ch in ANGRY_EMOJIS for ch in message)
        return level.stronger(int(loud) + max(-1, min(1, modifiers)))

    def _situation_ids(self, message: str, language: Language) -> tuple[str, ...]:
        other = "fr" if language == "en" else "en"
        tags = {
            **self._situations.match(message, other),
            **self._situations.match(message, language),
        }
        return tuple(
            sorted(tag.removeprefix("situation:") for tag in tags if tag.startswith("situation:"))
        )

    def _situations_read(
        self, message: str, clauses: list[list[str]], language: Language
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The situations named, and those named only under a negation ("ya pas de retard")."""
        named = self._situation_ids(message, language)
        matcher = self._matchers[language]
        if not named or not matcher.mentions_absence([t for c in clauses for t in c]):
            return named, ()
        kept: set[str] = set()
        negated: set[str] = set()
        for tokens in clauses:
            for language_of_terms in (language, "fr" if language == "en" else "en"):
                matches = self._situations.matched_stems(" ".join(tokens), language_of_terms)
                for tag, stems in matches.items():
                    if tag.startswith("situation:"):
                        denied = matcher.denies(tokens, stems, language_of_terms)
                        (negated if denied else kept).add(tag.removeprefix("situation:"))
        only_negated = negated - kept
        return tuple(s for s in named if s not in only_negated), tuple(sorted(only_negated))

    def _ironic(
        self,
        message: str,
        clauses: list[list[str]],
        language: Language,
        found: list[_Found],
        situations: tuple[str, ...],
    ) -> bool:
        """Praise, a repetition and a problem together: "génial. encore une livraison décalée"."""
        tokens = [token for clause in clauses for token in clause]
        matcher = self._matchers[language]
        praise = matcher.praises(tokens) or any(
            cue.emotion == "confidence" and not cue.negated for cue in found
        )
        if not praise:
            return False
        marked = matcher.repeats(tokens) or bool(IRONIC_EMOJIS & set(message))
        problem = bool(situations) or any(
            cue.emotion in PROBLEM_EMOTIONS and not cue.negated for cue in found
        )
        return marked and problem

    def _concern(self, message: str) -> SafetyReading | None:
        folded = fold(message)
        for concern in SAFETY_ORDER:
            if any(pattern.search(folded) for pattern in self._safety.get(concern, ())):
                return SafetyReading(concern, SafetyLevel.CLEAR, plain=True)
        return None


def _patterns(phrases: tuple[str, ...] | list[str]) -> list[re.Pattern[str]]:
    """One pattern matching any of the phrases as whole words (one search, not hundreds)."""
    folded = sorted({fold(phrase) for phrase in phrases if fold(phrase).strip()}, key=len)
    if not folded:
        return []
    alternatives = "|".join(re.escape(phrase) for phrase in reversed(folded))
    return [re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")]


def _softmax(values: dict[str, float], temperature: float) -> dict[str, float]:
    top = max(values.values())
    exps = {k: math.exp((v - top) * temperature) for k, v in values.items()}
    total = sum(exps.values())
    return {k: v / total for k, v in exps.items()}
