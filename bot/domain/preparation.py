"""Preparing a tough meeting: the answers gathered step by step, the sheet, and the debrief."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.cards import Card
from bot.domain.framework import Language, Role
from bot.domain.text import fold

STEPS = ("situation", "stakes", "feeling", "needs", "walkaway", "opening")
SAY_MARKERS = ("Say:", "À dire :", "À dire:")
AVOID_MARKERS = ("Avoid:", "À éviter :", "À éviter:")
# A sentence only one side would say, in a card for both: "Say (buyer):", "À dire (achats) :".
SPOKEN_BY = {
    "buyer": ("Say (buyer):", "À dire (achats) :", "À dire (achats):"),
    "supplier": ("Say (supplier):", "À dire (fournisseur) :", "À dire (fournisseur):"),
}
# A trap only one side falls into, in a card for both: "Avoid (supplier):", "À éviter (achats) :".
TRAPS_OF = {
    "buyer": ("Avoid (buyer):", "À éviter (achats) :", "À éviter (achats):"),
    "supplier": ("Avoid (supplier):", "À éviter (fournisseur) :", "À éviter (fournisseur):"),
}


@dataclass
class Preparation:
    """One meeting being prepared, then debriefed."""

    user_id: int
    role: Role
    language: Language
    created_at: datetime
    id: int | None = None
    situation: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    feeling: str | None = None
    completed_at: datetime | None = None
    debrief_score: int | None = None
    debrief_notes: dict[str, str] = field(default_factory=dict)
    debriefed_at: datetime | None = None

    @property
    def next_step(self) -> str | None:
        """The first step not answered yet, or None when all are."""
        for step in STEPS:
            if step == "situation" and self.situation is None:
                return step
            if step == "feeling" and self.feeling is None:
                return step
            if step not in ("situation", "feeling") and step not in self.answers:
                return step
        return None

    def answered(self, step: str) -> bool:
        """Tell whether a step has its answer."""
        if step == "situation":
            return self.situation is not None
        if step == "feeling":
            return self.feeling is not None
        return step in self.answers

    @property
    def side(self) -> str:
        """The side the preparation is written for (a trainer prepares as a buyer)."""
        return "supplier" if self.role == "supplier" else "buyer"

    @property
    def from_chat(self) -> tuple[str, ...]:
        """The steps answered from what the person said before the preparation began."""
        return tuple(self.answers.get("from_chat", "").split())

    @property
    def previous_step(self) -> str | None:
        """The last step the user answered here (where "back" goes), if any."""
        upto = STEPS.index(self.next_step) if self.next_step else len(STEPS)
        answered = [s for s in STEPS[:upto] if self.answered(s)]
        asked = [s for s in answered if s not in self.from_chat]
        # Before any answer given here, back reaches what the coach took from the chat.
        chosen = asked or answered
        return chosen[-1] if chosen else None

    def forget(self, step: str) -> None:
        """Drop a step's answer (and what came with it), so that it is asked again."""
        if step == "situation":
            self.situation = None
        elif step == "feeling":
            self.feeling = None
            self.answers.pop("tip", None)
        for key in (step, *STEP_EXTRAS.get(step, ())):
            self.answers.pop(key, None)
        if step in self.from_chat:
            self.answers["from_chat"] = " ".join(s for s in self.from_chat if s != step)

    @property
    def lesson(self) -> str:
        """What the user said they would do differently, after the debrief."""
        return self.debrief_notes.get("change", "").strip()


# What a step's answer brings with it, dropped with it when the user goes back.
STEP_EXTRAS = {
    "situation": ("situation_note",),
    "walkaway": ("walkaway_card",),
    "opening": ("opening_proposed",),
}

# Answers that say "I don't know" or "I have none": a coach works on them instead of moving on.
# Short words count only as the answer's first word ("rien de prévu", "none yet"), so that
# "no deal below 4 %" is still an answer; phrases count anywhere in a short answer.
_VAGUE_FIRST = frozenset("aucun aucune rien none nothing bof euh hmm idk dunno ?".split())
# "non", "no thanks", "pas encore": only as a whole answer of one or two words.
_VAGUE_ALONE = frozenset("no non nan nope pas nada".split())
_VAGUE_PHRASES = (
    "je sais pas", "je ne sais pas", "sais pas", "aucune idee", "pas d'idee",
    "pas vraiment", "pas encore", "j'en ai pas", "je n'en ai pas", "j'ai pas", "je n'ai pas",
    "pas sur", "pas sure", "on verra", "pas de plan",
    "no idea", "don't know", "dont know", "do not know", "not sure", "not really", "not yet",
    "no clue", "haven't got one", "don't really have", "dont really have", "don't have one",
    "don't have any", "we'll see", "no plan", "n'en ai pas vraiment",
)  # fmt: skip
_NO_ALTERNATIVE = re.compile(
    r"\b(pas d'?(autre )?(alternative|option|solution|plan b|fournisseur|choix)|"
    r"aucune? (autre )?(alternative|option|solution|fournisseur|choix)|source unique|"
    r"mono-?source|seul fournisseur|no (other )?(alternative|option|plan b|choice|supplier)|"
    r"single[- ]source|sole source|only supplier|no fallback|no backup|no walk-?away|"
    r"nothing else|rien d'autre|sans alternative|pas de repli|aucun repli)\b"
)
VAGUE_MAX_WORDS = 8


def is_vague(text: str) -> bool:
    """Tell whether a short answer says "I don't know" or "none" rather than answering."""
    folded = " ".join(fold(text).replace("’", "'").split()).strip(" .!…")
    if len(folded) < 3:
        return True
    words = re.findall(r"[\w'?]+", folded)
    if not words or len(words) > VAGUE_MAX_WORDS:
        return not words
    if words[0] in _VAGUE_FIRST or (words[0] in _VAGUE_ALONE and len(words) <= 2):
        return True
    return any(re.search(rf"(?<!\w){re.escape(marker)}(?!\w)", folded) for marker in _VAGUE_PHRASES)


# Words that add nothing to "I don't know": what remains of an answer once they and the vague
# phrases are gone is what it really says. "plus" and "anymore" are not among them: "je sais
# plus" and "I don't know anymore" can say far more than a missing answer.
_FILLERS = frozenset(
    "i je j' j one un une really vraiment honestly franchement trop encore yet tbh lol not pas no "
    "non a an the de d en ai have got any we on they ils for now right pour l instant moment "
    "sure sur idea clue know sais ok well bah ben euh hmm so alors la comme ca that this it to "
    "say dire quoi what thing chose rien nothing none aucune aucun idee n ne don't dont do "
    "haven't thought about it y reflechi prepared prepare skip passer passe".split()
)


_VAGUE_LONGEST_FIRST = tuple(sorted(_VAGUE_PHRASES, key=len, reverse=True))


def is_only_unsure(text: str) -> bool:
    """Tell whether an answer says nothing but "I don't know" or "I have none"."""
    if not is_vague(text):
        return False
    folded = " ".join(fold(text).replace("’", "'").split())
    for phrase in _VAGUE_LONGEST_FIRST:
        folded = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", folded)
    rest = [w for w in re.findall(r"[\w']+", folded) if w not in _FILLERS]
    return not rest


def has_no_alternative(text: str) -> bool:
    """Tell whether a walk-away answer says there is none (vague, or "single source" said)."""
    return is_vague(text) or _NO_ALTERNATIVE.search(fold(text).replace("’", "'")) is not None


def unquoted(sentence: str) -> str:
    """A sentence without the quotation marks it was written with, to be quoted once."""
    return sentence.strip().strip("«»“”\"' \u00a0\u202f").strip()


@dataclass(frozen=True)
class MoodCheckin:
    """How a user felt about their supplier or customer relationships on a day (1-5)."""

    user_id: int
    at: datetime
    score: int


def card_lines(card: Card, language: Language, markers: tuple[str, ...]) -> list[str]:
    """Return the bullet lines of a card that start with one of the markers, without the marker."""
    lines = []
    for raw in card.text(language).body.splitlines():
        line = raw.strip().lstrip("-•").strip().replace("**", "")
        for marker in markers:
            if line.startswith(marker):
                lines.append(line[len(marker) :].strip())
    return lines


def sentences_to_try(
    cards: list[Card], language: Language, limit: int = 3, side: str | None = None
) -> list[str]:
    """Example sentences ('Say:' lines) of the chosen cards, first ones first, without repeats.

    With a side, the lines marked for that side are kept too, and those marked for the other
    side are left out: a supplier asking for +8 % never gets the buyer's "No, we can't accept".
    """
    markers = SAY_MARKERS + (SPOKEN_BY.get(side or "", ()))
    return _unique([s for card in cards for s in card_lines(card, language, markers)], limit)


def traps_to_avoid(
    cards: list[Card], language: Language, limit: int = 3, side: str | None = None
) -> list[str]:
    """The 'Avoid:' lines of the chosen cards; with a side, its own marked traps too."""
    markers = AVOID_MARKERS + (TRAPS_OF.get(side or "", ()))
    return _unique([s for card in cards for s in card_lines(card, language, markers)], limit)


def _unique(lines: list[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for line in lines:
        key = re.sub(r"\W+", " ", line.casefold()).strip()
        if key and key not in {re.sub(r"\W+", " ", s.casefold()).strip() for s in seen}:
            seen[line] = None
    return list(seen)[:limit]
