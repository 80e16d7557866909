"""Commands, options, typed steps and prompts of trainers and trainees (merged by the router)."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.cohorts import Cohort
from bot.domain.dialogue import Option, Reply
from bot.services import assessment_flow, onboarding, reports, trainee_flow, trainer_flow
from bot.services.turn import Turn

ChoiceHandler = Callable[[Turn, str], list[Reply] | None]


def _pausing(turn: Turn, replies: list[Reply]) -> list[Reply]:
    paused = assessment_flow.pause(turn)
    return replies if paused is None else [paused, *replies]


# --- commands -----------------------------------------------------------------------------------


def _cmd_trainer(turn: Turn, _argument: str) -> list[Reply]:
    return _pausing(turn, trainer_flow.home(turn))


def _cmd_join(turn: Turn, argument: str) -> list[Reply]:
    return _pausing(turn, trainee_flow.join(turn, argument))


def _cmd_leave(turn: Turn, _argument: str) -> list[Reply]:
    return _pausing(turn, trainee_flow.leave(turn))


def _cmd_exercises(turn: Turn, _argument: str) -> list[Reply]:
    return _pausing(turn, trainee_flow.list_exercises(turn))


def _cmd_export(turn: Turn, _argument: str) -> list[Reply]:
    """Export a cohort: at once when there is one, else ask which."""
    if not trainer_flow.may_train(turn):
        return [turn.reply("trainer_not_allowed")]
    cohorts = turn.uow.cohorts.of_trainer(turn.user_id)
    if not cohorts:
        return [turn.reply("export_no_cohort")]
    if len(cohorts) == 1:
        return _pausing(turn, export(turn, cohorts[0]))
    options = tuple(
        Option(id=f"coexp:{cohort.id}", label=cohort.name, key=str(number))
        for number, cohort in enumerate(cohorts, start=1)
    )
    return _pausing(turn, [Reply(text=turn.t("export_which"), options=options)])


COMMANDS: dict[str, Callable[[Turn, str], list[Reply]]] = {
    "trainer": _cmd_trainer,
    "join": _cmd_join,
    "leave": _cmd_leave,
    "exercises": _cmd_exercises,
    "export": _cmd_export,
}

COMMAND_ALIASES = {
    "formateur": "trainer",
    "formatrice": "trainer",
    "rejoindre": "join",
    "quitter": "leave",
    "exercices": "exercises",
    "exercice": "exercises",
    "exercise": "exercises",
    "exporter": "export",
}


# --- a trainer's cohort -------------------------------------------------------------------------


def report(turn: Turn, cohort: Cohort) -> list[Reply]:
    """The cohort's report as text, with its chart when there are enough trainees."""
    content = turn.content
    data = reports.cohort_report(turn.uow, content.framework, cohort, turn.now)
    text = reports.report_text(
        data, content.framework, content.messages, turn.user.language, turn.cards
    )
    chart = (
        reports.report_chart(
            data, content.framework, content.messages, turn.user.language, turn.charts
        )
        if turn.charts is not None
        else None
    )
    back = Option(id=f"coh:{cohort.id}", label=turn.t("cohort_back"), key="0")
    replies = [Reply(text=text)]
    if chart is not None:
        replies.append(Reply(text="", image=chart))
    return [*replies, Reply(text=turn.t("menu_next"), options=(back,))]


def export(turn: Turn, cohort: Cohort) -> list[Reply]:
    """The cohort as a CSV file: one row per consenting trainee."""
    data = reports.cohort_report(turn.uow, turn.content.framework, cohort, turn.now)
    attachment = reports.report_csv(data, turn.cards, turn.user.language)
    return [Reply(text=turn.t("export_ready", count=len(data.trainees)), attachment=attachment)]


def _on_own_cohort(action: Callable[[Turn, Cohort], list[Reply]]) -> ChoiceHandler:
    """Run an action only on the user's own cohort; anything else is refused, nothing changes."""

    def handler(turn: Turn, argument: str) -> list[Reply] | None:
        if not trainer_flow.may_train(turn):
            return [turn.reply("trainer_not_allowed")]
        cohort = trainer_flow.own_cohort(turn, argument)
        return action(turn, cohort) if cohort is not None else trainer_flow.refuse(turn)

    return handler


def _choose_trainer(turn: Turn, _argument: str) -> list[Reply] | None:
    return trainer_flow.home(turn)


def _choose_new_cohort(turn: Turn, _argument: str) -> list[Reply] | None:
    return trainer_flow.ask_cohort_name(turn)


def _choose_weekly(turn: Turn, argument: str) -> list[Reply] | None:
    return (
        trainee_flow.pick_weekly(turn)
        if argument == "pick"
        else trainee_flow.choose_weekly(turn, argument)
    )


CHOICES: dict[str, ChoiceHandler] = {
    "trainer": _choose_trainer,
    "cohnew": _choose_new_cohort,
    "coh": _on_own_cohort(trainer_flow.show_cohort),
    "coasg": _on_own_cohort(trainer_flow.start_assignment),
    "corep": _on_own_cohort(report),
    "coexp": _on_own_cohort(export),
    "corot": _on_own_cohort(trainer_flow.rotate_code),
    "corev": _on_own_cohort(trainer_flow.revoke_code),
    "asgreg": trainer_flow.exercises_for_register,
    "asgcard": trainer_flow.choose_card,
    "asgto": trainer_flow.choose_target,
    "asgdue": trainer_flow.choose_due,
    "asgnote": trainer_flow.skip_note,
    "joinok": trainee_flow.accept,
    "joinno": trainee_flow.decline,
    "leave": trainee_flow.confirm_leave,
    "exo": trainee_flow.open_exercise,
    "exdone": trainee_flow.start_done,
    "exlater": trainee_flow.later,
    "exrate": trainee_flow.rate,
    "weekly": _choose_weekly,
    "wkcheck": trainee_flow.switch_weekly_check,
}


# --- typed steps and the prompts shown again ----------------------------------------------------


def _pick_rating(turn: Turn, _text: str) -> list[Reply]:
    return [turn.reply("pick_an_option"), *trainee_flow.rating_prompt(turn)]


def _pick_consent(turn: Turn, _text: str) -> list[Reply]:
    return [turn.reply("pick_an_option"), *trainee_flow.consent_prompt(turn)]


TEXT_STEPS: dict[str, Callable[[Turn, str], list[Reply] | None]] = {
    "trainer_name": trainer_flow.set_name,
    "cohort_name": trainer_flow.create_cohort,
    "assign": trainer_flow.on_text,
    "join_code": trainee_flow.join,
    "join_consent": _pick_consent,
    "join_name": trainee_flow.finish_join,
    "reflect": trainee_flow.reflection,
    "rate": _pick_rating,
}


def _assign_prompt(turn: Turn) -> list[Reply]:
    cohort = trainer_flow.own_cohort(turn, str(turn.state_value("cohort")))
    if cohort is None:
        return onboarding.menu(turn)
    if turn.state_value("card") is None:
        return trainer_flow.start_assignment(turn, cohort)
    if turn.state_value("target") is None:
        return trainer_flow.ask_target(turn)
    if turn.state_value("due") is None:
        return trainer_flow.ask_due(turn)
    return trainer_flow.ask_note(turn)


def _cohort_prompt(turn: Turn) -> list[Reply]:
    cohort = trainer_flow.own_cohort(turn, str(turn.state_value("cohort")))
    return trainer_flow.show_cohort(turn, cohort) if cohort else onboarding.menu(turn)


def _join_name_prompt(turn: Turn) -> list[Reply]:
    return [turn.reply("join_ask_name", trainer=turn.t("your_trainer"))]


PROMPTS: dict[str, Callable[[Turn], list[Reply]]] = {
    "trainer_name": lambda turn: [turn.reply("trainer_ask_name")],
    "trainer": trainer_flow.list_cohorts,
    "cohort_name": lambda turn: [turn.reply("cohort_ask_name")],
    "cohort": _cohort_prompt,
    "assign": _assign_prompt,
    "join_code": lambda turn: [turn.reply("join_ask_code")],
    "join_consent": trainee_flow.consent_prompt,
    "join_name": _join_name_prompt,
    "reflect": lambda turn: [turn.reply("reflect_ask")],
    "rate": trainee_flow.rating_prompt,
}
