"""Progress: change per register since last time and since the first, and the current focus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.assessment import InstrumentId, Scores
from bot.domain.content import Content
from bot.domain.progress import AssessmentResult, progress_report

DAY = timedelta(days=1)
START = datetime(2026, 9, 1, tzinfo=UTC)


def _result(
    index: int, justice: float, temperance: float, weakest: str = "justice.respect"
) -> AssessmentResult:
    competencies = {"justice.fairness": justice, weakest: 10.0, "temperance.patience": temperance}
    return AssessmentResult(
        user_id=1,
        session_id=index,
        instrument=InstrumentId.QUICK,
        completed_at=START + index * DAY,
        scores=Scores(
            competencies=competencies, registers={"justice": justice, "temperance": temperance}
        ),
        id=index,
    )


def test_changes_are_measured_against_the_previous_and_the_first_result(content: Content) -> None:
    history = [_result(3, 70, 50), _result(1, 40, 60), _result(2, 55, 55)]  # stored out of order
    report = progress_report(history, content.framework, chosen_focus=None)
    justice = next(row for row in report.registers if row.register == "justice")
    temperance = next(row for row in report.registers if row.register == "temperance")
    assert (justice.latest, justice.change_since_previous, justice.change_since_first) == (
        70,
        15,
        30,
    )
    assert (temperance.change_since_previous, temperance.change_since_first) == (-5, -10)
    assert report.latest is not None and report.latest.session_id == 3


def test_focus_is_the_weakest_competency_unless_the_user_chose_one(content: Content) -> None:
    history = [_result(1, 40, 60, weakest="courage.candor")]
    assert progress_report(history, content.framework, None).focus == "courage.candor"
    chosen = progress_report(history, content.framework, "altruism.listening")
    assert (chosen.focus, chosen.focus_chosen) == ("altruism.listening", True)


def test_a_first_result_has_no_change_yet(content: Content) -> None:
    report = progress_report([_result(1, 40, 60)], content.framework, None)
    assert all(
        row.change_since_previous is None and row.change_since_first is None
        for row in report.registers
    )


def test_no_result_means_an_empty_report(content: Content) -> None:
    report = progress_report([], content.framework, None)
    assert report.latest is None and report.registers == ()
