"""Reads knowledge cards (Markdown with YAML front matter), reporting problems by file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain.cards import Card, CardText
from bot.domain.taxonomy import VOCABULARY

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Ids travel in Telegram callback data ("save:<id>"), which holds at most 64 bytes.
MAX_ID_LENGTH = 56
SECTION = re.compile(r"^#\s*(en|fr)\s*:\s*(.*)$")
LIST_FIELDS = {
    "registers": "register",
    "competencies": "competency",
    "situations": "situation",
    "emotions": "emotion",
    "audiences": "audience",
}
REQUIRED = ("id", "kind", "competencies", "audiences", "sources")
KNOWN = {*REQUIRED, *LIST_FIELDS}


@dataclass(frozen=True)
class CardProblem:
    """Something wrong in a card file, located by path and line."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class CardError(ValueError):
    """The knowledge base has problems; the message lists them by file and line."""

    def __init__(self, problems: list[CardProblem]) -> None:
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s) in the knowledge cards:\n{shown}{more}")
        self.problems = problems


def card_files(directory: Path) -> list[Path]:
    """Return the card files under a folder, in a stable order."""
    return sorted(directory.rglob("*.md"))


def read_cards(directory: Path) -> tuple[list[Card], list[CardProblem]]:
    """Parse every card, returning the valid cards and the problems found in the others."""
    cards: list[Card] = []
    problems: list[CardProblem] = []
    seen: dict[str, Path] = {}
    for path in card_files(directory):
        card, found = parse_card(path)
        problems += found
        if card is None:
            continue
        if card.id in seen:
            problems.append(
                CardProblem(path, 2, f"duplicate id '{card.id}' (also in {seen[card.id]})")
            )
            continue
        seen[card.id] = path
        cards.append(card)
    if not cards and not problems:
        problems.append(CardProblem(directory, 0, "no card found"))
    return cards, problems


def load_cards(directory: Path) -> list[Card]:
    """Load all cards, refusing the knowledge base if any card has a problem."""
    cards, problems = read_cards(directory)
    if problems:
        raise CardError(problems)
    return cards


def parse_card(path: Path) -> tuple[Card | None, list[CardProblem]]:
    """Parse one card file; return the card (None if unusable) and its problems."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        return None, [CardProblem(path, 0, f"cannot read file ({error})")]
    closing = _front_matter_end(lines)
    if closing is None:
        return None, [CardProblem(path, 1, "front matter must open and close with '---' lines")]
    meta, problems = _front_matter(path, lines[1:closing])
    texts, text_problems = _sections(path, lines, closing + 1)
    problems += text_problems
    if meta is None or problems:
        return None, problems
    card = _build(path, lines, meta, texts)
    return (card, []) if isinstance(card, Card) else (None, card)


def _front_matter_end(lines: list[str]) -> int | None:
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return index
    return None


def _front_matter(path: Path, lines: list[str]) -> tuple[dict[str, Any] | None, list[CardProblem]]:
    try:
        meta = yaml.load("\n".join(lines), Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = 2 + (mark.line if mark is not None else 0)
        return None, [CardProblem(path, line, f"front matter is not valid YAML ({error})")]
    if not isinstance(meta, dict):
        return None, [CardProblem(path, 2, "front matter must be a mapping of fields")]
    return meta, []


def _sections(
    path: Path, lines: list[str], start: int
) -> tuple[dict[str, tuple[int, str, str]], list[CardProblem]]:
    texts: dict[str, tuple[int, str, list[str]]] = {}
    problems: list[CardProblem] = []
    current: str | None = None
    for number, line in enumerate(lines[start:], start=start + 1):
        match = SECTION.match(line)
        if match:
            current = match.group(1)
            if current in texts:
                problems.append(CardProblem(path, number, f"second '# {current}:' section"))
            texts[current] = (number, match.group(2).strip(), [])
        elif current is not None:
            texts[current][2].append(line)
        elif line.strip():
            problems.append(
                CardProblem(path, number, "text before the first '# en:' or '# fr:' section")
            )
    result = {
        lang: (number, title, "\n".join(body).strip())
        for lang, (number, title, body) in texts.items()
    }
    for language in ("en", "fr"):
        if language not in result:
            problems.append(
                CardProblem(path, len(lines), f"missing language: no '# {language}: Title' section")
            )
            continue
        number, title, body = result[language]
        if not title:
            problems.append(CardProblem(path, number, f"empty title in '# {language}:'"))
        if not body:
            problems.append(CardProblem(path, number, f"empty body in the {language} section"))
    return result, problems


def _line_of(lines: list[str], key: str) -> int:
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{key}:"):
            return number
    return 2


def _build(
    path: Path, lines: list[str], meta: dict[str, Any], texts: dict[str, tuple[int, str, str]]
) -> Card | list[CardProblem]:
    problems = [
        CardProblem(path, _line_of(lines, k), f"unknown field '{k}'")
        for k in meta
        if k not in KNOWN
    ]
    problems += [CardProblem(path, 2, f"missing field '{k}'") for k in REQUIRED if k not in meta]
    if problems:
        return problems
    card_id = str(meta["id"])
    if not ID_PATTERN.match(card_id) or card_id != path.stem or len(card_id) > MAX_ID_LENGTH:
        message = (
            f"id '{card_id}' must be kebab-case, match the file name, ≤{MAX_ID_LENGTH} characters"
        )
        problems.append(CardProblem(path, _line_of(lines, "id"), message))
    if meta["kind"] not in VOCABULARY["kind"]:
        problems.append(
            CardProblem(path, _line_of(lines, "kind"), f"unknown kind '{meta['kind']}'")
        )
    values: dict[str, tuple[str, ...]] = {}
    for field, facet in LIST_FIELDS.items():
        values[field], found = _tag_list(path, lines, meta, field, facet)
        problems += found
    for field in ("competencies", "audiences"):
        if not values[field]:
            problems.append(
                CardProblem(path, _line_of(lines, field), f"'{field}' needs at least one value")
            )
    sources = meta["sources"]
    if not isinstance(sources, list) or not all(isinstance(s, str) and s.strip() for s in sources):
        problems.append(
            CardProblem(
                path, _line_of(lines, "sources"), "'sources' must be a list of names ([] if none)"
            )
        )
    if problems:
        return problems
    implied = {c.split(".")[0] for c in values["competencies"]}
    registers = tuple(r for r in VOCABULARY["register"] if r in implied or r in values["registers"])
    return Card(
        id=card_id,
        kind=str(meta["kind"]),
        registers=registers,
        competencies=values["competencies"],
        situations=values["situations"],
        emotions=values["emotions"],
        audiences=values["audiences"],
        sources=tuple(sources),
        en=CardText(texts["en"][1], texts["en"][2]),
        fr=CardText(texts["fr"][1], texts["fr"][2]),
    )


def _tag_list(
    path: Path, lines: list[str], meta: dict[str, Any], field: str, facet: str
) -> tuple[tuple[str, ...], list[CardProblem]]:
    raw = meta.get(field) or []
    line = _line_of(lines, field)
    if not isinstance(raw, list):
        return (), [CardProblem(path, line, f"'{field}' must be a list like [a, b]")]
    unknown = [str(v) for v in raw if v not in VOCABULARY[facet]]
    problems = [
        CardProblem(path, line, f"unknown {facet} '{value}' in '{field}'") for value in unknown
    ]
    return tuple(dict.fromkeys(str(v) for v in raw if v in VOCABULARY[facet])), problems
