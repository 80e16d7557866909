"""Scheduling reminders in the database (nudges.py words and sends them when due)."""

from __future__ import annotations

from bot.domain.cohorts import (
    LATER_DELAY,
    WEEK,
    Assignment,
    Reminder,
    ReminderKind,
    due_nudge_time,
)
from bot.services.conversation.turn import Turn

# Exercise reminders are about one assignment; the rest point at the quick check or a new pick.
ABOUT_AN_EXERCISE = (ReminderKind.ASSIGNED, ReminderKind.DUE, ReminderKind.LATER)


def schedule_assignment(turn: Turn, assignment: Assignment, trainee_ids: list[int]) -> None:
    """Tell each trainee now, and nudge them a day before the due date."""
    assert assignment.id is not None
    nudge = due_nudge_time(assignment)
    for trainee in trainee_ids:
        ref = str(assignment.id)
        turn.uow.reminders.add(Reminder(trainee, ReminderKind.ASSIGNED, turn.now, ref))
        if nudge is not None and nudge > turn.now:
            turn.uow.reminders.add(Reminder(trainee, ReminderKind.DUE, nudge, ref))


def remind_later(turn: Turn, assignment_id: int) -> None:
    """The trainee asked to be reminded of an exercise tomorrow."""
    due = turn.now + LATER_DELAY
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
        turn.uow.reminders.add(Reminder(turn.user_id, ReminderKind.WEEKLY_CHECK, turn.now + WEEK))
