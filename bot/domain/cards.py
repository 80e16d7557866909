"""Knowledge cards: golden rules, practices, emotion techniques, exercises, checklists, concepts."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.framework import Language
from bot.domain.taxonomy import AUDIENCES, COMPETENCIES, EMOTIONS, KINDS, SITUATIONS


@dataclass(frozen=True)
class CardText:
    """A card's title and body in one language."""

    title: str
    body: str


@dataclass(frozen=True)
class Card:
    """One card of the knowledge base, in both languages, with its taxonomy tags."""

    id: str
    kind: str
    registers: tuple[str, ...]
    competencies: tuple[str, ...]
    situations: tuple[str, ...]
    emotions: tuple[str, ...]
    audiences: tuple[str, ...]
    sources: tuple[str, ...]
    en: CardText
    fr: CardText

    def text(self, language: Language) -> CardText:
        """Return the card's title and body in a language."""
        return self.fr if language == "fr" else self.en

    @property
    def tags(self) -> tuple[str, ...]:
        """All tags in `facet:value` spelling, as the taxonomy writes them."""
        return (
            *(f"register:{r}" for r in self.registers),
            *(f"competency:{c}" for c in self.competencies),
            *(f"situation:{s}" for s in self.situations),
            *(f"emotion:{e}" for e in self.emotions),
            f"kind:{self.kind}",
            *(f"audience:{a}" for a in self.audiences),
        )

    def has_tag(self, facet: str, value: str) -> bool:
        """Tell whether the card carries `facet:value`."""
        return f"{facet}:{value}" in self.tags

    def gist(self, language: Language, max_chars: int = 220) -> str:
        """Return the card's opening paragraph, cut at a word boundary, for a short preview."""
        lead: list[str] = []
        for line in self.plain_body(language).splitlines():
            if not line.strip() or line.lstrip().startswith(("-", "•", "☐", "1.")):
                if lead:
                    break
                continue
            lead.append(line.strip())
        text = " ".join(lead)
        if len(text) <= max_chars:
            return text
        return text[:max_chars].rsplit(" ", 1)[0].rstrip(",;:.") + "…"

    def plain_body(self, language: Language) -> str:
        """Return the body without Markdown emphasis, checkboxes drawn as ☐."""
        body = self.text(language).body.replace("**", "")
        return body.replace("- [ ] ", "☐ ").replace("- [x] ", "☑ ")


# Minimums the knowledge base must meet (issue: knowledge base of golden rules).
MIN_CARDS = 150
MIN_PER_COMPETENCY = 4
MIN_EXERCISES_PER_COMPETENCY = 1
MIN_PER_SITUATION = 3
MIN_PER_EMOTION = 3
MIN_PER_AUDIENCE = 1


@dataclass(frozen=True)
class CoverageRow:
    """How many cards serve one tag, against the minimum required."""

    tag: str
    count: int
    minimum: int

    @property
    def ok(self) -> bool:
        """Tell whether the minimum is met."""
        return self.count >= self.minimum


def coverage(cards: list[Card]) -> list[CoverageRow]:
    """Count cards per competency (and its exercises), situation, emotion, kind and audience."""
    rows = [CoverageRow("cards", len(cards), MIN_CARDS)]
    for competency in COMPETENCIES:
        serving = [c for c in cards if competency in c.competencies]
        rows.append(CoverageRow(f"competency:{competency}", len(serving), MIN_PER_COMPETENCY))
        exercises = sum(c.kind == "exercise" for c in serving)
        rows.append(
            CoverageRow(
                f"competency:{competency} (exercises)", exercises, MIN_EXERCISES_PER_COMPETENCY
            )
        )
    rows += [
        CoverageRow(f"situation:{s}", sum(s in c.situations for c in cards), MIN_PER_SITUATION)
        for s in SITUATIONS
    ]
    rows += [
        CoverageRow(f"emotion:{e}", sum(e in c.emotions for c in cards), MIN_PER_EMOTION)
        for e in EMOTIONS
    ]
    rows += [CoverageRow(f"kind:{k}", sum(c.kind == k for c in cards), 1) for k in KINDS]
    rows += [
        CoverageRow(f"audience:{a}", sum(a in c.audiences for c in cards), MIN_PER_AUDIENCE)
        for a in AUDIENCES
    ]
    return rows
