"""The coaching framework: five ethical registers and eighteen relational competencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Language = Literal["en", "fr"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

Role = Literal["buyer", "supplier", "trainer"]
ROLES: tuple[Role, ...] = get_args(Role)


def as_language(value: str | None) -> Language | None:
    """Return the supported language a code such as 'fr-FR' or 'EN' stands for, or None."""
    if not value:
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    for language in LANGUAGES:
        if code == language:
            return language
    return None


def as_role(value: str | None) -> Role | None:
    """Return the role a string names, or None when it names no role."""
    cleaned = (value or "").strip().lower()
    for role in ROLES:
        if cleaned == role:
            return role
    return None


@dataclass(frozen=True)
class LocalizedText:
    """A text written in both supported languages."""

    en: str
    fr: str

    def in_(self, language: Language) -> str:
        """Return the text in the given language."""
        return self.fr if language == "fr" else self.en


@dataclass(frozen=True)
class Register:
    """One of the five ethical registers (altruism, justice, prudence, courage, temperance)."""

    id: str
    name: LocalizedText
    definition: LocalizedText


@dataclass(frozen=True)
class Competency:
    """A relational competency, identified as `register.name`."""

    id: str
    register: str
    name: LocalizedText
    definition: LocalizedText


class Framework:
    """The registers and competencies, in their canonical order, with lookups by id."""

    def __init__(self, registers: list[Register], competencies: list[Competency]) -> None:
        self.registers = tuple(registers)
        self.competencies = tuple(competencies)
        self._registers = {register.id: register for register in registers}
        self._competencies = {competency.id: competency for competency in competencies}

    def register(self, register_id: str) -> Register:
        """Return the register with this id (KeyError if unknown)."""
        return self._registers[register_id]

    def competency(self, competency_id: str) -> Competency:
        """Return the competency with this id (KeyError if unknown)."""
        return self._competencies[competency_id]

    def has_register(self, register_id: str) -> bool:
        """Tell whether the id names a register of the framework."""
        return register_id in self._registers

    def has_competency(self, competency_id: str) -> bool:
        """Tell whether the id names a competency of the framework."""
        return competency_id in self._competencies

    def competencies_of(self, register_id: str) -> tuple[Competency, ...]:
        """Return the competencies of one register, in canonical order."""
        return tuple(c for c in self.competencies if c.register == register_id)

    def order_of(self, competency_id: str) -> int:
        """Return the canonical position of a competency, for stable tie-breaking."""
        return [c.id for c in self.competencies].index(competency_id)
