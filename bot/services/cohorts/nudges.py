"""Due reminders worded for their user, for channels that push (Telegram) or not (terminal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.domain.cohorts import Reminder, ReminderKind, visible_members
from bot.domain.content import Content
from bot.domain.delivery import Delivery
from bot.domain.dialogue import Reply
from bot.domain.text import parse_number
from bot.services.conversation.options import MenuDoor, ShowCohort
from bot.services.conversation.protocol import MAX_ID_VALUE
from bot.services.conversation.turn import Turn
from bot.services.ports import CardIndex, Clock, UnitOfWork

from . import reminders, trainee


@dataclass(frozen=True)
class Outgoing:
    """Messages for one user that nobody asked for just now (a reminder)."""

    channel: str
    external_id: str
    replies: list[Reply]
    # The user's unsent replies this caller now holds, the reminder's among them, in order.
    deliveries: list[Delivery] = field(default_factory=list)


def due_for_user(turn: Turn) -> list[Reply]:
    """Claim and word the user's due reminders, for channels that cannot push (the terminal)."""
    claimed = turn.uow.reminders.claim_due(turn.now, limit=10, user_id=turn.user_id)
    return [reply for reminder in claimed for reply in message_for(turn, reminder)]


def message_for(turn: Turn, reminder: Reminder) -> list[Reply]:
    """Word a due reminder; empty when it no longer makes sense (done, left the cohort)."""
    if reminder.kind is ReminderKind.WEEKLY_CHECK:
        reminders.set_weekly_check(turn, on=True)  # the next one, a week from now
        check = turn.option(MenuDoor("check"), turn.t("menu_check"), "c")
        return [turn.reply("remind_weekly_check", options=(check,))]
    if reminder.kind is ReminderKind.JOINED:
        return _joined(turn, reminder.ref)
    if reminder.kind is ReminderKind.LEFT:
        return _left(turn, reminder.ref)
    assignment_id = parse_number(reminder.ref, 1, MAX_ID_VALUE)
    assignment = trainee.open_assignment(turn, assignment_id) if assignment_id else None
    if assignment is None:
        return []
    if reminder.kind is ReminderKind.WEEKLY_EXERCISE:
        return trainee.weekly_review(turn, assignment)
    return trainee.exercise_message(turn, assignment, f"remind_{reminder.kind.value}")


class ReminderService:
    """Sends due reminders for a channel that can push messages (Telegram)."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        content: Content,
        clock: Clock,
        cards: CardIndex | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._content = content
        self._clock = clock
        self._cards = cards

    def claim_due(self, channel: str, limit: int = 50) -> list[Outgoing]:
        """Claim the channel's due reminders and word them; each is claimed by one process only.

        Each reminder is claimed in its own short transaction, under its user's lock taken
        without waiting: a user busy elsewhere (their own turn, another worker) is left for the
        next look. A claimed reminder's words are stored as a delivery in the same
        transaction, under a key of its own: a process that dies before sending leaves them to
        the next one, and none is sent twice.
        """
        with self._unit_of_work() as uow:
            candidates = uow.reminders.due(self._clock.now(), limit, channel)
        outgoing = (self._claim_one(reminder.id, reminder.user_id) for reminder in candidates)
        return [sent for sent in outgoing if sent is not None]

    def _claim_one(self, reminder_id: int | None, user_id: int) -> Outgoing | None:
        """Claim, word and store one reminder; None if it is taken, busy or pointless."""
        with self._unit_of_work() as uow:
            user = uow.users.get(user_id)
            if reminder_id is None or user is None or user.id is None:
                return None
            if not uow.try_lock_user(user.channel, user.external_id):
                return None  # in a turn right now (here or elsewhere): the next look sends it
            now = self._clock.now()
            reminder = uow.reminders.claim(reminder_id, now)
            if reminder is None:
                return None  # another process has it
            turn = Turn(user=user, uow=uow, content=self._content, now=now, cards=self._cards)
            replies = message_for(turn, reminder)
            if not replies:
                uow.commit()  # no longer makes sense: marked sent, nothing to say
                return None
            owed = Delivery(0, user.id, replies, {"chat": user.external_id})
            uow.deliveries.add(user.channel, f"reminder:{reminder_id}", owed, now)
            held = uow.deliveries.claim(user.id, now)
            uow.commit()
        return Outgoing(user.channel, user.external_id, replies, held)


def _joined(turn: Turn, ref: str) -> list[Reply]:
    """Tell a trainer who joined their cohort, if that person is still in it."""
    cohort_text, _, user_id = ref.partition(":")
    cohort_id = parse_number(cohort_text, 1, MAX_ID_VALUE)
    cohort = turn.uow.cohorts.get(cohort_id) if cohort_id else None
    if cohort is None or cohort.id is None or cohort.trainer_id != turn.user_id:
        return []
    members = visible_members(turn.uow.cohorts.members(cohort.id))
    joined = next((m for m in members if str(m.user_id) == user_id), None)
    if joined is None:
        return []
    # The count when this person joined: notices read later still say "the second one", etc.
    arrivals = sorted(members, key=lambda m: (m.joined_at, m.id or 0))
    count = arrivals.index(joined) + 1
    text = turn.t("remind_joined", name=joined.display_name, cohort=cohort.name, count=count)
    option = turn.option(ShowCohort(cohort.id), cohort.name, "g")
    return [Reply(text=text, options=(option,), key="remind_joined")]


def _left(turn: Turn, ref: str) -> list[Reply]:
    """Tell a trainer that a trainee left their cohort: who it was is not said (erased)."""
    cohort_id = parse_number(ref, 1, MAX_ID_VALUE)
    cohort = turn.uow.cohorts.get(cohort_id) if cohort_id else None
    if cohort is None or cohort.id is None or cohort.trainer_id != turn.user_id:
        return []
    option = turn.option(ShowCohort(cohort.id), cohort.name, "g")
    text = turn.t("remind_left", cohort=cohort.name)
    return [Reply(text=text, options=(option,), key="remind_left")]
