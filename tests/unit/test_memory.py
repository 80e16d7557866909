"""The conversation's memory: what a message says about the meeting ahead, and what carries over."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.memory import MEMORY_HOURS, Memory, counterpart, figures_in, meeting_time, remember

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # a Tuesday


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("mon fournisseur m'annonce +12 % sur la fonte", ("+12 %",)),
        ("a 3 week delay and 8 000 € of penalties", ("3 week", "8 000 €")),
        ("we paid them 60 days late", ("60 days",)),
        ("ya pas de retard", ()),
    ],
)
def test_figures_are_kept_as_written(text: str, figures: tuple[str, ...]) -> None:
    assert figures_in(text) == figures


@pytest.mark.parametrize(
    ("text", "side", "name"),
    [
        ("I have to ask my biggest customer Renault for +8%", "customer", "Renault"),
        ("mon principal fournisseur Bosch est en retard", "supplier", "Bosch"),
        ("the supplier I use is late", "supplier", None),
        ("nothing about anyone", None, None),
    ],
)
def test_the_other_side_and_its_name(text: str, side: str | None, name: str | None) -> None:
    assert counterpart(text) == (side, name)


@pytest.mark.parametrize(
    ("text", "day", "time"),
    [
        ("je le vois demain 10h", date(2026, 12, 2), "10:00"),
        ("rendez-vous après-demain", date(2026, 12, 3), None),
        ("meeting on Thursday at 3pm", date(2026, 12, 3), "15:00"),
        ("call at 9:30 tomorrow", date(2026, 12, 2), "09:30"),
        ("rdv vendredi 14 h 30", date(2026, 12, 4), "14:30"),
        ("next week with our customer", date(2026, 12, 7), None),
        ("à 15h", date(2026, 12, 1), "15:00"),
        ("no day at all", None, None),
    ],
)
def test_the_meeting_day_and_time(text: str, day: date | None, time: str | None) -> None:
    when = meeting_time(text, NOW)
    assert (when.day, when.time) == (day, time)


def test_another_situation_starts_afresh_and_a_follow_up_keeps_the_situation() -> None:
    first = remember(None, "+12 % on castings, we meet tomorrow", NOW, ("price-increase",))
    assert first.figures == ("+12 %",) and first.meeting_day == date(2026, 12, 2)
    follow_up = remember(first, "what if they say take it or leave it?", NOW)
    assert follow_up.situation == "price-increase" and follow_up.figures == ("+12 %",)
    # Naming the same situation among others stays with it...
    both = remember(first, "late again and the increase", NOW, ("late-delivery", "price-increase"))
    assert both.situation == "price-increase" and both.figures == ("+12 %",)
    # ...a different one does not inherit the price increase's figures and meeting.
    other = remember(first, "3 defective batches this week", NOW, ("quality-incident",))
    assert other.situation == "quality-incident"
    assert other.figures == () and other.meeting_day is None


def test_the_memory_expires_and_survives_its_json() -> None:
    memory = remember(
        None, "my supplier Acme wants +9% on Thursday at 3pm", NOW, ("price-increase",)
    )
    assert Memory.from_json(memory.to_json()) == memory
    assert memory.is_fresh(NOW + timedelta(hours=MEMORY_HOURS))
    assert not memory.is_fresh(NOW + timedelta(hours=MEMORY_HOURS, minutes=1))
    assert Memory.from_json({"at": "not a date"}) is None
