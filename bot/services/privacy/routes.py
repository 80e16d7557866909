"""/privacy, /mydata and /forget: what is kept and why, a copy of it all, and its erasure."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.cohorts import Assignment, Reminder, ReminderKind
from bot.domain.dialogue import Reply
from bot.services.conversation import core
from bot.services.conversation.options import ForgetEverything, KeepEverything
from bot.services.conversation.protocol import Flow
from bot.services.conversation.routes import Choose, Command, Feature, Step
from bot.services.conversation.turn import Turn
from bot.services.progress import flow as progress

from . import export


def _cmd_privacy(turn: Turn, _argument: str) -> list[Reply]:
    return [turn.reply("privacy")]


def _cmd_mydata(turn: Turn, _argument: str) -> list[Reply]:
    readable, machine = export.attachments(turn, export.export(turn))
    results = turn.uow.results.for_user(turn.user_id)
    # The charts of their progress come along: the files hold the figures, these show them.
    pictures = progress.chart_replies(turn, with_lines=len(results) > 1) if results else []
    return [
        turn.reply("mydata_intro"),
        Reply(text="", attachment=readable, key="mydata_report"),
        Reply(text="", attachment=machine, key="mydata_json"),
        *pictures,
    ]


def _cmd_forget(turn: Turn, _argument: str) -> list[Reply]:
    turn.go(Flow.FORGET)
    return _confirm(turn)


def _confirm(turn: Turn) -> list[Reply]:
    yes = "o" if turn.user.language == "fr" else "y"  # oui / yes: the key one would type
    options = (
        turn.option(ForgetEverything(), turn.t("forget_yes"), yes),
        turn.option(KeepEverything(), turn.t("forget_no"), "n"),
    )
    return [turn.reply("forget_confirm", options)]


def forget(turn: Turn, _value: ForgetEverything) -> list[Reply] | None:
    """Erase everything about the person; their trainers hear only that a trainee left."""
    if turn.flow is not Flow.FORGET:
        return None  # a stale button: /forget asks again
    erase_person(turn)
    return [turn.reply("forget_done")]


def erase_person(turn: Turn) -> dict[str, int]:
    """Erase every row of the person; their trainers get a notice that someone left.

    Returns the rows erased, by table (for the operator's command).
    """
    for membership in turn.uow.cohorts.memberships_of(turn.user_id):
        cohort = turn.uow.cohorts.get(membership.cohort_id)
        if membership.is_active and cohort is not None and cohort.trainer_id != turn.user_id:
            notice = Reminder(cohort.trainer_id, ReminderKind.LEFT, turn.now, ref=str(cohort.id))
            turn.uow.reminders.add(notice)
    _keep_trainees_work(turn)
    erased = turn.uow.personal_data.erase(turn.user_id)
    turn.forgotten = True
    return erased


def _keep_trainees_work(turn: Turn) -> None:
    """A trainer's erasure takes their groups and exercises, not their trainees' notes.

    Each exercise a trainee did becomes their own (the same card, done the same day, with
    their reflection and rating) before the trainer's rows go.
    """
    uow = turn.uow
    for cohort in uow.cohorts.of_trainer(turn.user_id):
        assert cohort.id is not None
        given = uow.assignments.for_cohort(cohort.id)
        by_id = {a.id: a for a in given if a.id is not None}
        for done in uow.assignments.completions(list(by_id)):
            if done.user_id == turn.user_id:
                continue
            exercise = by_id[done.assignment_id]
            own = uow.assignments.add(
                Assignment(
                    exercise.card_id, done.user_id, exercise.created_at, trainee_id=done.user_id
                )
            )
            assert own.id is not None
            uow.assignments.complete(replace(done, assignment_id=own.id))


def keep(turn: Turn, _value: KeepEverything) -> list[Reply] | None:
    """Nothing erased; back to the menu."""
    if turn.flow is not Flow.FORGET:
        return None
    turn.go(Flow.MENU)
    return [turn.reply("forget_kept"), *core.menu(turn)]


FEATURE = Feature(
    name="privacy",
    commands=(
        Command(
            "privacy", _cmd_privacy, aliases=("confidentialite", "confidentialité", "vieprivee")
        ),
        Command("mydata", _cmd_mydata, aliases=("mesdonnees", "mesdonnées", "export_me")),
        Command("forget", _cmd_forget, aliases=("delete", "oublier", "effacer", "supprimer")),
    ),
    choices=(Choose(ForgetEverything, forget), Choose(KeepEverything, keep)),
    steps=(Step(Flow.FORGET, _confirm, yes_no=True),),
)
