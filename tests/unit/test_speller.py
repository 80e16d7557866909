"""The one speller of the search and the emotion cues: one typo away, most frequent first."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.adapters.nlp.speller import Speller


@pytest.fixture
def speller() -> Speller:
    """A small vocabulary with counts."""
    return Speller(Counter({"supplier": 5, "delivery": 3, "retard": 2, "price": 4, "late": 9}), 4)


@pytest.mark.parametrize(
    ("typed", "known"),
    [
        ("suplier", "supplier"),  # a letter missing
        ("supplierr", "supplier"),  # a letter too many
        ("delivary", "delivery"),  # a wrong letter
        ("retrad", "retard"),  # two letters swapped
        ("supplier", "supplier"),  # already known
    ],
)
def test_one_edit_away_finds_the_known_word(speller: Speller, typed: str, known: str) -> None:
    assert speller.correct(typed) == known


@pytest.mark.parametrize("typed", ["suplierr", "dleivary", "xyzzy", "pric", "lat"])
def test_two_edits_away_short_or_unknown_stay_as_typed(typed: str) -> None:
    # "pric" and "lat" are one edit away, but below the minimum length.
    speller = Speller(Counter({"supplier": 1, "delivery": 1, "price": 1, "late": 1}), 5)
    assert speller.correct(typed) == typed


def test_the_most_frequent_candidate_wins() -> None:
    speller = Speller(Counter({"dealer": 1, "dealt": 7}), 4)
    assert speller.correct("dealr") == "dealt"


def test_equal_counts_fall_back_to_alphabetical_order_whatever_the_input_order() -> None:
    for words in (["deflated", "defeated"], ["defeated", "deflated"]):
        assert Speller(words, 4).correct("defated") == "defeated"


def test_a_word_list_counts_repeats() -> None:
    assert Speller(["dealer", "dealt", "dealer"], 4).correct("dealr") == "dealer"
    assert "dealer" in Speller(["dealer"], 4) and "dealt" not in Speller(["dealer"], 4)
