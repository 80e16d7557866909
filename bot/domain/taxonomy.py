"""The tag vocabulary of shared/spec/taxonomy.md: a contract, spelled exactly, never renamed."""

from __future__ import annotations

from typing import Final

REGISTERS: Final = ("altruism", "justice", "prudence", "courage", "temperance")
COMPETENCIES: Final = (
    "altruism.empathy",
    "altruism.listening",
    "altruism.support",
    "altruism.recognition",
    "justice.fairness",
    "justice.reliability",
    "justice.transparency",
    "justice.respect",
    "prudence.long-term",
    "prudence.anticipation",
    "prudence.discernment",
    "courage.candor",
    "courage.vulnerability",
    "courage.accountability",
    "courage.integrity",
    "temperance.self-control",
    "temperance.adaptability",
    "temperance.patience",
)
SITUATIONS: Final = (
    "price-increase",
    "cost-reduction",
    "late-delivery",
    "quality-incident",
    "capacity-shortage",
    "payment-delay",
    "contract-renegotiation",
    "supplier-distress",
    "dependency",
    "co-development",
    "termination",
    "first-meeting",
    "tender",
    "conflict-escalation",
    "information-sharing",
    "audit",
)
EMOTIONS: Final = (
    "anger",
    "frustration",
    "anxiety",
    "distrust",
    "disappointment",
    "discouragement",
    "stress",
    "guilt",
    "confidence",
    "neutral",
)
KINDS: Final = ("golden-rule", "practice", "emotion-technique", "exercise", "checklist", "concept")
AUDIENCES: Final = ("buyer", "supplier", "trainer")
LANGUAGE_TAGS: Final = ("en", "fr")

# Facet name in `facet:value` tags, and the values it admits.
VOCABULARY: Final[dict[str, tuple[str, ...]]] = {
    "register": REGISTERS,
    "competency": COMPETENCIES,
    "situation": SITUATIONS,
    "emotion": EMOTIONS,
    "kind": KINDS,
    "audience": AUDIENCES,
    "lang": LANGUAGE_TAGS,
}


class UnknownTagError(ValueError):
    """A tag is not of the form facet:value with a known facet and value."""


def parse_tag(tag: str) -> tuple[str, str]:
    """Split 'situation:late-delivery' into its facet and value, refusing unknown ones."""
    facet, separator, value = tag.strip().partition(":")
    facet = "lang" if facet == "language" else facet
    if not separator or facet not in VOCABULARY:
        facets = ", ".join(VOCABULARY)
        raise UnknownTagError(f"unknown tag '{tag}': write facet:value with a facet among {facets}")
    if value not in VOCABULARY[facet]:
        raise UnknownTagError(f"unknown {facet} '{value}' in tag '{tag}'")
    return facet, value
