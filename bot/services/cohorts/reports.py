"""A cohort's report for its trainer: text, chart and CSV, over consenting trainees only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.charts import BarChart, Series
from bot.domain.cohorts import (
    AccessRecord,
    Assignment,
    Cohort,
    Membership,
    may_show_averages,
    visible_members,
)
from bot.domain.dialogue import Attachment, Image
from bot.domain.framework import Framework, Language
from bot.domain.messages import Messages
from bot.domain.progress import AssessmentResult
from bot.services.pictures import chart_image
from bot.services.ports import CardIndex, ChartRenderer, UnitOfWork


@dataclass(frozen=True)
class TraineeStatus:
    """What a trainer may see of one consenting trainee."""

    member: Membership
    start: AssessmentResult | None
    latest: AssessmentResult | None
    assigned: int
    done: int
    overdue: tuple[Assignment, ...]
    ratings: tuple[int, ...] = ()  # the 1-5 ratings of the exercises done (the consent says so)


@dataclass(frozen=True)
class ExerciseStatus:
    """One exercise given to the cohort: to how many, done by how many, their ratings."""

    assignment: Assignment
    given: int
    done: int
    ratings: tuple[int, ...]

    @property
    def average_rating(self) -> float | None:
        """The mean 1-5 rating, if anyone rated it."""
        return sum(self.ratings) / len(self.ratings) if self.ratings else None


@dataclass(frozen=True)
class CohortReport:
    """A cohort's trainees, averages (start and now) and exercise completion."""

    cohort: Cohort
    trainees: tuple[TraineeStatus, ...]
    registers: tuple[str, ...]
    # Per exercise given: how many did it, and the 1-5 ratings they gave (the consent says so).
    exercises: tuple[ExerciseStatus, ...] = ()

    @property
    def any_new_result(self) -> bool:
        """Whether any trainee has a result newer than the one they started with."""
        return any(t.latest is not t.start for t in self.with_results)

    @property
    def with_results(self) -> tuple[TraineeStatus, ...]:
        """Trainees who have at least one self-check result."""
        return tuple(t for t in self.trainees if t.latest is not None)

    @property
    def shows_averages(self) -> bool:
        """Averages only over three trainees or more, so that nobody is singled out."""
        return may_show_averages(len(self.with_results))

    def average(self, register: str, at_start: bool) -> float:
        """The mean score of a register over trainees with results, at their start or now."""
        results = [t.start if at_start else t.latest for t in self.with_results]
        values = [r.scores.registers[register] for r in results if r is not None]
        return sum(values) / len(values)

    @property
    def completion(self) -> tuple[int, int]:
        """Exercises done and exercises given, over current trainees."""
        return sum(t.done for t in self.trainees), sum(t.assigned for t in self.trainees)


def cohort_report(
    uow: UnitOfWork, framework: Framework, cohort: Cohort, now: datetime
) -> CohortReport:
    """Gather a cohort's report from the trainees who consented and are still in it."""
    assert cohort.id is not None
    assignments = uow.assignments.for_cohort(cohort.id)
    ids = [a.id for a in assignments if a.id is not None]
    records = uow.assignments.completions(ids)
    completions = {(c.assignment_id, c.user_id) for c in records}
    members = visible_members(uow.cohorts.members(cohort.id))
    present = {m.user_id for m in members}
    trainees = []
    for member in members:
        mine = [a for a in assignments if a.applies_to(member.user_id)]
        done = [a for a in mine if (a.id, member.user_id) in completions]
        overdue = tuple(a for a in mine if a not in done and a.is_overdue(now))
        start, latest = _start_and_latest(uow.results.for_user(member.user_id), member.joined_at)
        ratings = tuple(
            c.rating for c in records if c.user_id == member.user_id and c.rating is not None
        )
        status = TraineeStatus(member, start, latest, len(mine), len(done), overdue, ratings)
        trainees.append(status)
    registers = tuple(r.id for r in framework.registers)
    exercises = tuple(
        ExerciseStatus(
            assignment=a,
            given=sum(a.applies_to(m.user_id) for m in members),
            done=sum(1 for c in records if c.assignment_id == a.id and c.user_id in present),
            ratings=tuple(
                c.rating
                for c in records
                if c.assignment_id == a.id and c.user_id in present and c.rating is not None
            ),
        )
        for a in assignments
    )
    return CohortReport(cohort, tuple(trainees), registers, exercises)


def _start_and_latest(
    results: list[AssessmentResult], joined_at: datetime
) -> tuple[AssessmentResult | None, AssessmentResult | None]:
    # The start is the result the trainee had when joining, else their first one after it.
    ordered = sorted(results, key=lambda r: (r.completed_at, r.id or 0))
    if not ordered:
        return None, None
    before = [r for r in ordered if r.completed_at <= joined_at]
    return (before[-1] if before else ordered[0]), ordered[-1]


def report_text(
    report: CohortReport,
    framework: Framework,
    messages: Messages,
    language: Language,
    cards: CardIndex | None,
) -> str:
    """The report as a short message for a phone."""

    def t(key: str, **values: object) -> str:
        return messages.text(language, key, **values)

    lines = [
        t("report_title", name=report.cohort.name),
        t("report_counts", count=len(report.trainees), checked=len(report.with_results)),
    ]
    if report.shows_averages:
        lines += _average_lines(report, framework, t, language)
    else:
        lines.append(t("report_too_few", count=len(report.with_results)))
    done, given = report.completion
    if given:
        lines.append(t("report_completion", done=done, given=given, rate=round(100 * done / given)))
    else:
        lines.append(t("report_no_exercise"))
    lines += [_exercise_line(e, t, language, cards) for e in report.exercises]
    lines.append(_overdue_line(report, messages, language, cards))
    return "\n".join(lines)


def _average_lines(
    report: CohortReport, framework: Framework, t: Callable[..., str], language: Language
) -> list[str]:
    """The averages per register; their change only once someone has a newer result."""
    if not report.any_new_result:
        lines = [t("report_averages_now")]
        for register in report.registers:
            name = framework.register(register).name.in_(language)
            lines.append(
                t("report_average_now", register=name, now=round(report.average(register, False)))
            )
        return [*lines, t("report_no_new_result")]
    lines = [t("report_averages")]
    for register in report.registers:
        start, current = report.average(register, True), report.average(register, False)
        lines.append(
            t(
                "report_average_line",
                register=framework.register(register).name.in_(language),
                start=round(start),
                now=round(current),
                change=f"{round(current - start):+d}",
            )
        )
    return lines


def _exercise_line(
    exercise: ExerciseStatus, t: Callable[..., str], language: Language, cards: CardIndex | None
) -> str:
    """One exercise: how many did it, and how they rated it."""
    title = _title(exercise.assignment, language, cards)
    rating = exercise.average_rating
    rated = (
        t("report_rating", rating=_decimal(rating, language), count=len(exercise.ratings))
        if rating is not None
        else t("report_no_rating")
    )
    return t("report_exercise", title=title, done=exercise.done, given=exercise.given, rated=rated)


def _overdue_line(
    report: CohortReport, messages: Messages, language: Language, cards: CardIndex | None
) -> str:
    late = [
        f"{t.member.display_name} ({_title(a, language, cards)}, {_date(a.due_at)})"
        for t in report.trainees
        for a in t.overdue
    ]
    if not late:
        return messages.text(language, "report_no_overdue")
    return messages.text(language, "report_overdue", names="; ".join(late))


def _decimal(value: float, language: Language) -> str:
    """One decimal, with the language's decimal mark (4.5 in English, 4,5 in French)."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if language == "fr" else text


def _title(assignment: Assignment, language: Language, cards: CardIndex | None) -> str:
    card = cards.get(assignment.card_id) if cards else None
    return card.text(language).title if card else assignment.card_id


def _date(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def report_chart(
    report: CohortReport,
    framework: Framework,
    messages: Messages,
    language: Language,
    charts: ChartRenderer,
) -> Image | None:
    """Bars per register, at the start and now; None under three trainees with results."""
    if not report.shows_averages:
        return None
    chart = BarChart(
        title=messages.text(language, "chart_cohort_title", name=report.cohort.name),
        labels=tuple(framework.register(r).name.in_(language) for r in report.registers),
        series=(
            Series(
                messages.text(language, "chart_start"),
                tuple(report.average(r, True) for r in report.registers),
            ),
            Series(
                messages.text(language, "chart_now"),
                tuple(report.average(r, False) for r in report.registers),
            ),
        ),
        y_label=messages.text(language, "chart_score"),
    )
    caption = messages.text(language, "chart_cohort_caption", count=len(report.with_results))
    return chart_image(charts, chart, f"cohort-{report.cohort.id}.png", caption)


CSV_COLUMNS = (
    "trainee",
    "joined",
    "last_result",
    "exercises_given",
    "exercises_done",
    "ratings",
    "overdue",
)


def record_access(
    uow: UnitOfWork, cohort: Cohort, action: str, now: datetime, trainer_id: int | None = None
) -> None:
    """Keep who saw the cohort's report or export, and when: trainees see it in /mydata."""
    assert cohort.id is not None
    actor = "trainer" if trainer_id is not None else "operator"
    uow.audit.add(AccessRecord(cohort.id, actor, action, now, trainer_id))


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: "=HYPERLINK(…)" typed as a name stays a name.

    A leading = + - @ (or a tab or carriage return before one) makes Excel and LibreOffice
    run the cell as a formula; a leading apostrophe makes them show it as it is (OWASP's advice).
    """
    return f"'{cell}" if cell[:1] in FORMULA_STARTS else cell


FORMULA_STARTS = frozenset("=+-@\t\r")


def report_csv(report: CohortReport, cards: CardIndex | None, language: Language) -> Attachment:
    """One row per consenting trainee: what the consent says the trainer sees, nothing more.

    Exercises given and done, the ratings given, what is overdue, the date of the last result;
    scores appear only as the group's averages (in the report), never per trainee.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for trainee in report.trainees:
        writer.writerow(
            [
                spreadsheet_safe(trainee.member.display_name),
                _date(trainee.member.joined_at),
                _date(trainee.latest.completed_at if trainee.latest else None),
                trainee.assigned,
                trainee.done,
                " ".join(str(r) for r in trainee.ratings),
                spreadsheet_safe("; ".join(_title(a, language, cards) for a in trainee.overdue)),
            ]
        )
    safe = "".join(ch if ch.isalnum() else "-" for ch in report.cohort.name).strip("-")[:40]
    filename = f"cohort-{safe or report.cohort.id}.csv"
    return Attachment(buffer.getvalue().encode("utf-8"), filename, "text/csv")
