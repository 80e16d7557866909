"""The cohorts feature's routes: trainers' and trainees' commands, buttons and typed steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.domain.cohorts import JOIN_PREFIX, Cohort
from bot.domain.dialogue import Reply
from bot.services.conversation.options import (
    AcceptJoin,
    AssignCard,
    AssignDue,
    AssignExercise,
    AssignRegister,
    AssignTo,
    AssignWithoutNote,
    CohortExport,
    CohortReport,
    DeclineJoin,
    ExerciseDone,
    ExerciseLater,
    LeaveCohort,
    NewCohort,
    OpenExercise,
    PickWeekly,
    RateExercise,
    RevokeCode,
    RotateCode,
    ShowCohort,
    StartWeekly,
    TrainerHome,
    WeeklyCheck,
)
from bot.services.conversation.protocol import Flow
from bot.services.conversation.routes import Choose, Command, Feature, Payload, Step
from bot.services.conversation.turn import Turn

from . import nudges, reports, trainee, trainer


class NamesCohort(Protocol):
    """An option that acts on one cohort (ShowCohort, CohortReport, RotateCode...)."""

    @property
    def cohort(self) -> int:
        """The cohort's id."""
        ...


def report(turn: Turn, cohort: Cohort) -> list[Reply]:
    """The cohort's report as text, with its chart when there are enough trainees."""
    content = turn.content
    data = reports.cohort_report(turn.uow, content.framework, cohort, turn.now)
    reports.record_access(turn.uow, cohort, "report", turn.now, trainer_id=turn.user_id)
    language = turn.user.language
    text = reports.report_text(data, content.framework, content.messages, language, turn.cards)
    chart = (
        reports.report_chart(data, content.framework, content.messages, language, turn.charts)
        if turn.charts is not None
        else None
    )
    assert cohort.id is not None
    back = turn.option(ShowCohort(cohort.id), turn.t("cohort_back"), "0")
    replies = [Reply(text=text, key="report_title")]
    if chart is not None:
        replies.append(Reply(text="", image=chart))
    return [*replies, turn.reply("menu_next", options=(back,))]


def export(turn: Turn, cohort: Cohort) -> list[Reply]:
    """The cohort as a CSV file: one row per consenting trainee."""
    data = reports.cohort_report(turn.uow, turn.content.framework, cohort, turn.now)
    reports.record_access(turn.uow, cohort, "export", turn.now, trainer_id=turn.user_id)
    attachment = reports.report_csv(data, turn.cards, turn.user.language)
    return [turn.reply("export_ready", attachment=attachment, count=len(data.trainees))]


def _on_own_cohort(
    action: Callable[[Turn, Cohort], list[Reply]],
) -> Callable[[Turn, NamesCohort], list[Reply]]:
    """Run an action only on the user's own cohort; anything else is refused, nothing changes."""

    def handler(turn: Turn, choice: NamesCohort) -> list[Reply]:
        if not trainer.may_train(turn):
            return [turn.reply("trainer_not_allowed")]
        cohort = trainer.own_cohort(turn, choice.cohort)
        return action(turn, cohort) if cohort is not None else trainer.refuse(turn)

    return handler


def _cmd_export(turn: Turn, _argument: str) -> list[Reply]:
    """Export a cohort: at once when there is one, else ask which."""
    if not trainer.may_train(turn):
        return [turn.reply("trainer_not_allowed")]
    cohorts = turn.uow.cohorts.of_trainer(turn.user_id)
    if not cohorts:
        return [turn.reply("export_no_cohort")]
    if len(cohorts) == 1:
        return export(turn, cohorts[0])
    options = tuple(
        turn.option(CohortExport(cohort.id), cohort.name, str(number))
        for number, cohort in enumerate(cohorts, start=1)
        if cohort.id is not None
    )
    return [turn.reply("export_which", options=options)]


def _cmd_trainer(turn: Turn, _argument: str) -> list[Reply]:
    return trainer.home(turn)


def _cmd_join(turn: Turn, argument: str) -> list[Reply]:
    return trainee.join(turn, argument)


def _cmd_leave(turn: Turn, _argument: str) -> list[Reply]:
    return trainee.leave(turn)


def _cmd_exercises(turn: Turn, _argument: str) -> list[Reply]:
    return trainee.list_exercises(turn)


def _choose_home(turn: Turn, _choice: TrainerHome) -> list[Reply]:
    return trainer.home(turn)


FEATURE = Feature(
    name="cohorts",
    commands=(
        Command("trainer", _cmd_trainer, aliases=("formateur", "formatrice", "formation")),
        Command("join", _cmd_join, aliases=("rejoindre",), before_setup=True),
        Command("leave", _cmd_leave, aliases=("quitter",)),
        Command("exercises", _cmd_exercises, aliases=("exercices", "exercice", "exercise")),
        Command("export", _cmd_export, aliases=("exporter",)),
    ),
    choices=(
        Choose(TrainerHome, _choose_home),
        Choose(NewCohort, trainer.ask_cohort_name),
        Choose(ShowCohort, _on_own_cohort(trainer.show_cohort)),
        Choose(AssignExercise, _on_own_cohort(trainer.start_assignment)),
        Choose(CohortReport, _on_own_cohort(report)),
        Choose(CohortExport, _on_own_cohort(export)),
        Choose(RotateCode, _on_own_cohort(trainer.rotate_code)),
        Choose(RevokeCode, _on_own_cohort(trainer.revoke_code)),
        Choose(AssignRegister, trainer.exercises_for_register),
        Choose(AssignCard, trainer.choose_card),
        Choose(AssignTo, trainer.choose_target),
        Choose(AssignDue, trainer.choose_due),
        Choose(AssignWithoutNote, trainer.skip_note),
        Choose(AcceptJoin, trainee.accept),
        Choose(DeclineJoin, trainee.decline),
        Choose(LeaveCohort, trainee.confirm_leave),
        Choose(OpenExercise, trainee.open_exercise),
        Choose(ExerciseDone, trainee.start_done),
        Choose(ExerciseLater, trainee.later),
        Choose(RateExercise, trainee.rate),
        Choose(PickWeekly, trainee.pick_weekly),
        Choose(StartWeekly, trainee.choose_weekly),
        Choose(WeeklyCheck, trainee.switch_weekly_check),
    ),
    steps=(
        Step(Flow.TRAINER_NAME, trainer.name_prompt, read=trainer.set_name),
        Step(Flow.TRAINER, trainer.list_cohorts, idle=True),
        Step(Flow.COHORT_NAME, trainer.cohort_name_prompt, read=trainer.create_cohort),
        Step(Flow.COHORT, trainer.cohort_prompt, idle=True),
        Step(Flow.ASSIGN, trainer.assignment_prompt, read=trainer.read_assignment),
        Step(Flow.JOIN_CODE, trainee.code_prompt, read=trainee.join),
        Step(Flow.JOIN_CONSENT, trainee.consent_prompt, read=trainee.read_consent, yes_no=True),
        Step(Flow.JOIN_NAME, trainee.name_prompt, read=trainee.finish_join),
        Step(Flow.REFLECT, trainee.reflect_prompt, read=trainee.reflection),
        Step(Flow.RATE, trainee.rating_prompt, read=trainee.read_rating),
    ),
    on_return=(nudges.due_for_user,),
    payloads=(Payload(JOIN_PREFIX, trainee.join, command="join"),),
)
