"""The cohort rules in the domain: codes, due dates, who is visible, when averages may show."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.cohorts import (
    CODE_LENGTH,
    Membership,
    may_show_averages,
    new_code,
    normalise_code,
    parse_due,
    visible_members,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_codes_are_long_random_and_read_back_however_they_are_typed() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200 and all(len(code) == CODE_LENGTH for code in codes)
    code = next(iter(codes))
    typed = f" join_{code[:4].lower()}-{code[4:8]} {code[8:]} "
    assert normalise_code(typed) == code
    assert normalise_code("ABC") is None and normalise_code("O" * CODE_LENGTH) is None


@pytest.mark.parametrize(
    ("typed", "due"),
    [
        ("7", datetime(2026, 12, 5, 9, 0, tzinfo=UTC)),
        ("2026-12-15", datetime(2026, 12, 15, 17, 0, tzinfo=UTC)),
        ("15/12", datetime(2026, 12, 15, 17, 0, tzinfo=UTC)),
        ("15.12.26", datetime(2026, 12, 15, 17, 0, tzinfo=UTC)),
        ("5/1", datetime(2027, 1, 5, 17, 0, tzinfo=UTC)),  # January means next year
    ],
)
def test_due_dates_are_read_in_the_ways_people_type_them(typed: str, due: datetime) -> None:
    assert parse_due(typed, NOW) == due


@pytest.mark.parametrize("typed", ["0", "31/02", "2025-01-01", "next week", "2026/12"])
def test_past_impossible_or_unreadable_due_dates_are_refused(typed: str) -> None:
    assert parse_due(typed, NOW) is None


def test_a_trainer_sees_only_trainees_still_in_the_cohort_and_averages_from_three() -> None:
    staying = Membership(1, 10, "Ana", NOW)
    gone = Membership(1, 11, "Ben", NOW, left_at=NOW)
    assert visible_members([staying, gone]) == [staying]
    assert not may_show_averages(2) and may_show_averages(3)


@pytest.mark.parametrize(
    "typed", ["２⁷x", "8041-71-46932263472", "٣", "99999/12/05", "2026-02-30", "0", "400"]
)
def test_a_due_date_that_cannot_be_meant_is_refused_not_raised(typed: str) -> None:
    assert parse_due(typed, datetime(2026, 12, 1, 9, tzinfo=UTC)) is None


def test_full_width_digits_read_as_a_due_date() -> None:
    due = parse_due("１５/１２", datetime(2026, 12, 1, 9, tzinfo=UTC))
    assert due is not None and (due.month, due.day) == (12, 15)
