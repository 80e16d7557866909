"""Scoring on hand-computed cases, reverse items included, and the session rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.assessment import (
    AssessmentError,
    AssessmentSession,
    Instrument,
    InstrumentId,
    Item,
    SessionStatus,
    score,
)
from bot.domain.content import Content
from bot.domain.framework import Competency, Framework, LocalizedText, Register
from bot.domain.progress import highlights

T = LocalizedText("x", "x")
NOW = datetime(2026, 11, 2, tzinfo=UTC)


def _framework() -> Framework:
    return Framework(
        registers=[Register("altruism", T, T), Register("justice", T, T)],
        competencies=[
            Competency("altruism.empathy", "altruism", T, T),
            Competency("altruism.listening", "altruism", T, T),
            Competency("justice.fairness", "justice", T, T),
        ],
    )


def _instrument() -> Instrument:
    return Instrument(
        InstrumentId.FULL,
        (
            Item("e1", "altruism.empathy", False, T, T),
            Item("e2", "altruism.empathy", True, T, T),
            Item("l1", "altruism.listening", False, T, T),
            Item("f1", "justice.fairness", True, T, T),
        ),
    )


def test_item_points_map_the_scale_to_0_100_and_reverse_items_count_backwards() -> None:
    plain, reverse = _instrument().items[0], _instrument().items[1]
    assert [plain.points(v) for v in range(1, 6)] == [0, 25, 50, 75, 100]
    assert [reverse.points(v) for v in range(1, 6)] == [100, 75, 50, 25, 0]


def test_scores_average_items_per_competency_then_competencies_per_register() -> None:
    # e1=5 -> 100; e2=2 reversed -> 4 -> 75; empathy = 87.5. l1=2 -> 25. altruism = (87.5+25)/2.
    # f1=1 reversed -> 5 -> 100.
    scores = score(_instrument(), {"e1": 5, "e2": 2, "l1": 2, "f1": 1}, _framework())
    assert scores.competencies == {
        "altruism.empathy": 87.5,
        "altruism.listening": 25.0,
        "justice.fairness": 100.0,
    }
    assert scores.registers == {"altruism": 56.2, "justice": 100.0}


def test_highlights_name_strongest_and_weakest_areas() -> None:
    scores = score(_instrument(), {"e1": 5, "e2": 2, "l1": 2, "f1": 1}, _framework())
    marks = highlights(scores, _framework())
    assert (marks.strongest_register, marks.weakest_register) == ("justice", "altruism")
    assert (marks.strongest_competency, marks.weakest_competency) == (
        "justice.fairness",
        "altruism.listening",
    )


def test_ties_go_to_the_first_competency_in_framework_order() -> None:
    scores = score(_instrument(), {"e1": 3, "e2": 3, "l1": 3, "f1": 3}, _framework())
    assert highlights(scores, _framework()).weakest_competency == "altruism.empathy"


def test_real_quick_check_all_middle_answers_gives_50_everywhere(content: Content) -> None:
    quick = content.instrument(InstrumentId.QUICK)
    scores = score(quick, {item.id: 3 for item in quick.items}, content.framework)
    assert set(scores.registers) == {"altruism", "justice", "prudence", "courage", "temperance"}
    assert set(scores.registers.values()) == {50.0}


def test_real_quick_check_always_answers_score_reverse_items_at_zero(content: Content) -> None:
    quick = content.instrument(InstrumentId.QUICK)
    scores = score(quick, {item.id: 5 for item in quick.items}, content.framework)
    for item in quick.items:
        assert scores.competencies[item.competency] == (0.0 if item.reverse else 100.0)


def _session() -> AssessmentSession:
    return AssessmentSession(
        user_id=1, instrument=InstrumentId.FULL, role="buyer", language="en", started_at=NOW
    )


def test_going_back_lets_an_answer_change_and_then_moves_to_the_first_unanswered() -> None:
    session, instrument = _session(), _instrument()
    session.answer(instrument, 4)
    session.answer(instrument, 4)
    assert session.back() and session.back()
    session.answer(instrument, 1)
    assert session.answers == {"e1": 1, "e2": 4}
    assert session.position == 2


def test_a_half_finished_session_never_counts_as_a_result() -> None:
    session, instrument = _session(), _instrument()
    session.answer(instrument, 4)
    session.pause()
    with pytest.raises(AssessmentError):
        session.complete(instrument, _framework(), NOW)
    assert session.status is SessionStatus.PAUSED


def test_a_paused_session_resumes_where_it_stopped() -> None:
    session, instrument = _session(), _instrument()
    session.answer(instrument, 2)
    session.pause()
    session.answer(instrument, 3)
    assert session.status is SessionStatus.ACTIVE
    assert session.position == 2


def test_out_of_range_answers_are_refused_and_change_nothing() -> None:
    session, instrument = _session(), _instrument()
    for bad in (0, 6, -1):
        with pytest.raises(AssessmentError):
            session.answer(instrument, bad)
    assert session.answers == {} and session.position == 0


def test_a_completed_session_takes_no_more_answers() -> None:
    session, instrument = _session(), _instrument()
    for value in (5, 1, 5, 1):
        session.answer(instrument, value)
    session.complete(instrument, _framework(), NOW)
    with pytest.raises(AssessmentError):
        session.answer(instrument, 3)
