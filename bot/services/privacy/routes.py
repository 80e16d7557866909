"""/privacy, /mydata and /forget: what is kept and why, a copy of it all, and its erasure."""

from __future__ import annotations

from bot.domain.cohorts import Reminder, ReminderKind
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
    erased = turn.uow.personal_data.erase(turn.user_id)
    turn.forgotten = True
    return erased


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
