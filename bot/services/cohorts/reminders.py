"""Scheduling reminders in the database (nudges.py words and sends them when due)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.clock import local, local_morning, morning_of, zone_of
from bot.domain.cohorts import WEEK, Assignment, Reminder, ReminderKind
from bot.domain.dialogue import Reply
from bot.services.conversation import zone
from bot.services.conversation.turn import Turn

# Exercise reminders are about one assignment; the rest point at the quick check or a new pick.
ABOUT_AN_EXERCISE = (ReminderKind.ASSIGNED, ReminderKind.DUE, ReminderKind.LATER)


def schedule_assignment(turn: Turn, assignment: Assignment, trainee_ids: list[int]) -> None:
    """Tell each trainee now, and nudge them the morning before the due date, their time."""
    assert assignment.id is not None
    for trainee in trainee_ids:
        ref = str(assignment.id)
        turn.uow.reminders.add(Reminder(trainee, ReminderKind.ASSIGNED, turn.now, ref))
        nudge = _due_nudge(turn, assignment, trainee)
        if nudge is not None and nudge > turn.now:
            turn.uow.reminders.add(Reminder(trainee, ReminderKind.DUE, nudge, ref))


def _due_nudge(turn: Turn, assignment: Assignment, trainee_id: int) -> datetime | None:
    """9:00 on the day before the due date, in the trainee's own time zone."""
    if assignment.due_at is None:
        return None
    trainee = turn.uow.users.get(trainee_id)
    zone = zone_of(trainee.time_zone, trainee.language) if trainee else turn.zone
    return morning_of(local(assignment.due_at, zone).date() - timedelta(days=1), zone)


def remind_later(turn: Turn, assignment_id: int) -> None:
    """The trainee asked to be reminded of an exercise tomorrow: 9:00, their time."""
    due = local_morning(turn.now, turn.zone, 1)
    turn.uow.reminders.add(Reminder(turn.user_id, ReminderKind.LATER, due, str(assignment_id)))


def forget_exercise(turn: Turn, user_id: int, assignment_id: int) -> None:
    """Cancel a user's reminders about an exercise that is done or no longer theirs."""
    for kind in ABOUT_AN_EXERCISE:
        turn.uow.reminders.cancel(user_id, kind, str(assignment_id))


def weekly_check_on(turn: Turn) -> bool:
    """Whether the user gets the weekly invitation to retake the quick check."""
    pending = turn.uow.reminders.pending(turn.user_id)
    return any(r.kind is ReminderKind.WEEKLY_CHECK for r in pending)


def set_weekly_check(turn: Turn, on: bool) -> None:
    """Switch the weekly quick-check reminder on or off."""
    turn.uow.reminders.cancel(turn.user_id, ReminderKind.WEEKLY_CHECK)
    if on:
        due = local_morning(turn.now, turn.zone, WEEK.days)
        turn.uow.reminders.add(Reminder(turn.user_id, ReminderKind.WEEKLY_CHECK, due))


def zone_notice(turn: Turn) -> list[Reply]:
    """The first time a reminder is set: say at what local time it comes, and how to change it.

    The zone is guessed from the language until then; saying it once turns the guess into the
    user's setting, so that the notice is not repeated.
    """
    if turn.user.time_zone is not None:
        return []
    guess = zone_of(None, turn.user.language)
    turn.user.time_zone = str(guess)
    return [turn.reply("time_zone_notice", zone=zone.label(str(guess)))]
