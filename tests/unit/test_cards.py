"""The knowledge cards: the real base passes its checks, and broken cards are named by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.retrieval.cards import CardError, load_cards, read_cards
from bot.domain.cards import Card, coverage
from bot.domain.retrieval import TagFilter
from bot.domain.taxonomy import UnknownTagError

GOOD = """---
id: {id}
kind: practice
competencies: [temperance.self-control]
situations: [late-delivery]
emotions: [anger]
audiences: [buyer]
sources: []
---
# en: Pause before you answer
Wait ten minutes before replying to the email.
- **Do:** write the facts first.

# fr: Faites une pause avant de répondre
Attendez dix minutes avant de répondre au courriel.
- **À faire :** écrivez d'abord les faits.
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_real_knowledge_base_is_valid_and_meets_every_minimum(all_cards: list[Card]) -> None:
    assert len(all_cards) >= 150
    short = [row for row in coverage(all_cards) if not row.ok]
    assert short == []


def test_every_card_has_both_languages_and_exact_taxonomy_tags(all_cards: list[Card]) -> None:
    for card in all_cards:
        assert card.en.title and card.fr.title and card.en.body and card.fr.body
        assert card.en.body != card.fr.body
        TagFilter.parse(list(card.tags))  # raises on any tag outside the taxonomy


def test_each_role_finds_cards_written_for_it(all_cards: list[Card]) -> None:
    for audience in ("buyer", "supplier", "trainer"):
        assert sum(audience in card.audiences for card in all_cards) >= 10


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (lambda t: t.replace("[late-delivery]", "[late-deliveries]"), 5, "unknown situation 'late-deliveries'"),
        (lambda t: t.replace("[anger]", "[rage]"), 6, "unknown emotion 'rage'"),
        (lambda t: t.replace("kind: practice", "kind: tip"), 3, "unknown kind 'tip'"),
        (lambda t: t.split("# fr:")[0], 13, "missing language: no '# fr: Title' section"),
        (lambda t: t.replace("Attendez dix minutes avant de répondre au courriel.\n- **À faire :** écrivez d'abord les faits.\n", ""), 14, "empty body in the fr section"),
        (lambda t: t.replace("audiences: [buyer]", "audiences: []"), 7, "'audiences' needs at least one value"),
        (lambda t: t.replace("sources: []\n", ""), 2, "missing field 'sources'"),
        (lambda t: t.replace("sources: []", "sources: []\ncolour: blue"), 9, "unknown field 'colour'"),
        (lambda t: t.replace("---\nid", "id", 1), 1, "front matter must open and close"),
    ],
)  # fmt: skip
def test_a_broken_card_is_reported_with_its_file_and_line(
    tmp_path: Path, change: object, line: int, message: str
) -> None:
    path = _write(tmp_path, "pause-first", change(GOOD.format(id="pause-first")))  # type: ignore[operator]
    cards, problems = read_cards(tmp_path)
    assert cards == []
    assert (problems[0].path, problems[0].line) == (path, line)
    assert message in problems[0].message


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _write(tmp_path / "a", "pause-first", GOOD.format(id="pause-first"))
    _write(tmp_path / "b", "pause-first", GOOD.format(id="pause-first"))
    with pytest.raises(CardError, match="duplicate id 'pause-first'"):
        load_cards(tmp_path)


def test_an_id_must_match_its_file_name(tmp_path: Path) -> None:
    _write(tmp_path, "pause-first", GOOD.format(id="another-name"))
    _, problems = read_cards(tmp_path)
    assert "match the file name" in problems[0].message


def test_registers_are_implied_by_competencies(tmp_path: Path) -> None:
    _write(tmp_path, "pause-first", GOOD.format(id="pause-first"))
    (card,) = load_cards(tmp_path)
    assert card.registers == ("temperance",)
    assert "register:temperance" in card.tags and "competency:temperance.self-control" in card.tags


def test_the_gist_is_the_opening_paragraph_without_markdown(tmp_path: Path) -> None:
    _write(tmp_path, "pause-first", GOOD.format(id="pause-first"))
    (card,) = load_cards(tmp_path)
    assert card.gist("en") == "Wait ten minutes before replying to the email."
    assert "**" not in card.plain_body("fr")


@pytest.mark.parametrize(
    "tag", ["situation:late", "mood:angry", "latedelivery", "competency:courage"]
)
def test_unknown_filter_tags_are_refused(tag: str) -> None:
    with pytest.raises(UnknownTagError):
        TagFilter.parse([tag])


def test_filters_or_within_a_facet_and_and_across_facets(all_cards: list[Card]) -> None:
    both = TagFilter.parse(["audience:trainer", "audience:supplier", "situation:tender"])
    kept = [card for card in all_cards if both.accepts(card)]
    assert kept
    assert all(
        "tender" in c.situations and {"trainer", "supplier"} & set(c.audiences) for c in kept
    )
