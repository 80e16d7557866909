"""The trainer's side: their cohorts, invitation codes, and assigning exercises."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.cards import Card
from bot.domain.cohorts import (
    MAX_NOTE_LENGTH,
    Assignment,
    Cohort,
    Membership,
    clean_name,
    is_trainer_of,
    new_code,
    parse_due,
    visible_members,
)
from bot.domain.dialogue import Option, Reply, ReplyKind
from bot.services.conversation import core
from bot.services.conversation.options import (
    AssignCard,
    AssignDue,
    AssignExercise,
    AssignRegister,
    AssignTo,
    AssignWithoutNote,
    CohortExport,
    CohortReport,
    NewCohort,
    RevokeCode,
    RotateCode,
    ShowCohort,
    TrainerHome,
)
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import AssignStep, CohortStep
from bot.services.conversation.turn import Turn
from bot.services.knowledge import search

from . import reminders

MAX_TRAINEES_LISTED = 20
MAX_TRAINEE_BUTTONS = 12
EXERCISES_OFFERED = 6
DUE_CHOICES = (3, 7, 14)
EVERYONE = 0


def may_train(turn: Turn) -> bool:
    """Whether this user may act as a trainer (settings can restrict it to a list)."""
    allowed = turn.trainer_allowlist
    return allowed is None or f"{turn.user.channel}:{turn.user.external_id}" in allowed


def home(turn: Turn) -> list[Reply]:
    """Open the trainer's space: their name first if unknown, then their cohorts."""
    if not may_train(turn):
        return [turn.reply("trainer_not_allowed")]
    if turn.uow.cohorts.trainer_name(turn.user_id) is None:
        turn.go(Flow.TRAINER_NAME)
        return [turn.reply("trainer_intro"), turn.reply("trainer_ask_name")]
    return list_cohorts(turn)


def name_prompt(turn: Turn) -> list[Reply]:
    """The question of the trainer's display name, again."""
    return [turn.reply("trainer_ask_name")]


def set_name(turn: Turn, text: str) -> list[Reply]:
    """Store the name trainees will see, then show the cohorts."""
    name = clean_name(text)
    if not name:
        return [turn.reply("trainer_ask_name")]
    turn.uow.cohorts.set_trainer_name(turn.user_id, name)
    return [turn.reply("trainer_name_set", name=name), *list_cohorts(turn)]


def list_cohorts(turn: Turn) -> list[Reply]:
    """The trainer's cohorts as buttons, and the button to create one."""
    turn.go(Flow.TRAINER)
    cohorts = turn.uow.cohorts.of_trainer(turn.user_id)
    options = [
        turn.option(
            ShowCohort(_id(cohort)),
            turn.t("cohort_button", name=cohort.name, count=_active_count(turn, cohort)),
            str(number),
        )
        for number, cohort in enumerate(cohorts, start=1)
    ]
    options.append(turn.option(NewCohort(), turn.t("cohort_new"), "n"))
    key = "trainer_cohorts" if cohorts else "trainer_no_cohort"
    return [turn.reply(key, options=tuple(options), count=len(cohorts))]


def ask_cohort_name(turn: Turn, _choice: NewCohort) -> list[Reply] | None:
    """Start creating a cohort by asking its name."""
    if not may_train(turn) or turn.uow.cohorts.trainer_name(turn.user_id) is None:
        return None
    turn.go(Flow.COHORT_NAME)
    return cohort_name_prompt(turn)


def cohort_name_prompt(turn: Turn) -> list[Reply]:
    """The question of the new cohort's name, again."""
    return [turn.reply("cohort_ask_name")]


def create_cohort(turn: Turn, text: str) -> list[Reply]:
    """Create a cohort with a fresh code and show its invitation."""
    name = clean_name(text)
    if not name:
        return [turn.reply("cohort_ask_name")]
    cohort = turn.uow.cohorts.add(
        Cohort(trainer_id=turn.user_id, name=name, code=_unused_code(turn), created_at=turn.now)
    )
    return [turn.reply("cohort_created", name=name), *show_cohort(turn, cohort)]


def own_cohort(turn: Turn, cohort_id: int) -> Cohort | None:
    """The cohort an option names, only if this user is its trainer."""
    cohort = turn.uow.cohorts.get(cohort_id)
    if cohort is None or not is_trainer_of(turn.user_id, cohort):
        return None
    return cohort


def refuse(turn: Turn) -> list[Reply]:
    """Answer an attempt on a cohort that is not the user's, without saying more."""
    return [turn.reply("cohort_refused", kind=ReplyKind.STALE)]


def show_cohort(turn: Turn, cohort: Cohort) -> list[Reply]:
    """A cohort at a glance: invitation, trainees who consented, and what the trainer can do."""
    cohort_id = _id(cohort)
    turn.go(Flow.COHORT, CohortStep(cohort_id))
    members = visible_members(turn.uow.cohorts.members(cohort_id))
    lines = [turn.t("cohort_title", name=cohort.name, count=len(members))]
    lines.append(_invitation(turn, cohort))
    if members:
        names = ", ".join(m.display_name for m in members[:MAX_TRAINEES_LISTED])
        more = len(members) - MAX_TRAINEES_LISTED
        lines.append(turn.t("cohort_trainees", names=names + (f" (+{more})" if more > 0 else "")))
    return [Reply("\n\n".join(lines), _cohort_options(turn, cohort), key="cohort_title")]


def cohort_prompt(turn: Turn) -> list[Reply]:
    """The cohort on screen again (the menu if it is no longer the user's)."""
    step = turn.data(CohortStep)
    cohort = own_cohort(turn, step.cohort) if step else None
    return show_cohort(turn, cohort) if cohort else core.menu(turn)


def _invitation(turn: Turn, cohort: Cohort) -> str:
    if cohort.code is None:
        return turn.t("cohort_closed")
    if turn.deep_link:
        link = f"{turn.deep_link}join_{cohort.code}"
        return turn.t("cohort_invite_link", link=link, code=cohort.code)
    return turn.t("cohort_invite_code", code=cohort.code)


def _cohort_options(turn: Turn, cohort: Cohort) -> tuple[Option, ...]:
    cid = _id(cohort)
    actions: list[
        tuple[AssignExercise | CohortReport | CohortExport | RotateCode | RevokeCode, str]
    ]
    actions = [
        (AssignExercise(cid), "cohort_assign"),
        (CohortReport(cid), "cohort_report"),
        (CohortExport(cid), "cohort_export"),
        (RotateCode(cid), "cohort_rotate" if cohort.code else "cohort_reopen"),
    ]
    if cohort.code:
        actions.append((RevokeCode(cid), "cohort_revoke"))
    options = [
        turn.option(value, turn.t(key), str(number))
        for number, (value, key) in enumerate(actions, start=1)
    ]
    options.append(turn.option(TrainerHome(), turn.t("cohort_all"), "0"))
    return tuple(options)


def rotate_code(turn: Turn, cohort: Cohort) -> list[Reply]:
    """Give the cohort a new code; the old one stops working at once."""
    cohort.code = _unused_code(turn)
    turn.uow.cohorts.save(cohort)
    return [turn.reply("cohort_rotated"), *show_cohort(turn, cohort)]


def revoke_code(turn: Turn, cohort: Cohort) -> list[Reply]:
    """Close invitations: nobody can join until a new code is made."""
    cohort.code = None
    turn.uow.cohorts.save(cohort)
    return [turn.reply("cohort_revoked"), *show_cohort(turn, cohort)]


def _unused_code(turn: Turn) -> str:
    code = new_code()
    while turn.uow.cohorts.by_code(code) is not None:  # astronomically rare, but cheap to rule out
        code = new_code()
    return code


def _active_count(turn: Turn, cohort: Cohort) -> int:
    return len(visible_members(turn.uow.cohorts.members(_id(cohort))))


def _id(cohort: Cohort) -> int:
    assert cohort.id is not None  # cohorts from the repository always have their id
    return cohort.id


# --- assigning an exercise: register -> card -> who -> due date -> note -----------------------


def start_assignment(turn: Turn, cohort: Cohort) -> list[Reply]:
    """Ask which register the exercise should work on (or typed keywords)."""
    turn.go(Flow.ASSIGN, AssignStep(_id(cohort)))
    return _register_question(turn)


def _register_question(turn: Turn) -> list[Reply]:
    options = tuple(
        turn.option(AssignRegister(r.id), r.name.in_(turn.user.language), str(number))
        for number, r in enumerate(turn.content.framework.registers, start=1)
    )
    return [turn.reply("assign_pick_register", options=options)]


def exercises_for_register(turn: Turn, choice: AssignRegister) -> list[Reply] | None:
    """Offer the exercise cards of a register."""
    step = turn.data(AssignStep)
    registers = {r.id for r in turn.content.framework.registers}
    if step is None or choice.register not in registers:
        return None
    turn.go(Flow.ASSIGN, replace(step, register=choice.register, words=None))
    return _offer_exercises(turn)


def _offer_exercises(turn: Turn) -> list[Reply]:
    """The exercises for the register or words chosen, written for the cohort's sides."""
    step = turn.data(AssignStep)
    if step is None:
        return core.menu(turn)
    if step.register is not None and turn.content.framework.has_register(step.register):
        query = turn.content.framework.register(step.register).name.in_(turn.user.language)
        tags = [f"register:{step.register}"]
    else:
        query, tags = step.words or "", []
    tags += [f"audience:{side}" for side in _cohort_sides(turn)]
    cards = exercise_cards(turn, query, tags, EXERCISES_OFFERED)
    if not cards:
        return [turn.reply("assign_no_exercise"), *_register_question(turn)]
    options = tuple(
        turn.option(AssignCard(card.id), card.text(turn.user.language).title, str(n))
        for n, card in enumerate(cards, start=1)
    )
    return [turn.reply("assign_pick_card", options=options)]


def exercise_cards(turn: Turn, query: str, tags: list[str], k: int) -> list[Card]:
    """Exercise cards matching a query and tags (empty when the knowledge base is down)."""
    return search.cards(turn, query, k, ["kind:exercise", *tags])


def choose_card(turn: Turn, choice: AssignCard) -> list[Reply] | None:
    """Remember the exercise and ask who gets it."""
    step = turn.data(AssignStep)
    card = search.card(turn, choice.card)
    if step is None or card is None or card.kind != "exercise":
        return None
    turn.go(Flow.ASSIGN, replace(step, card=card.id))
    return ask_target(turn)


def ask_target(turn: Turn) -> list[Reply]:
    """The whole cohort, or one of its trainees."""
    members = _members(turn)[:MAX_TRAINEE_BUTTONS]
    options = [turn.option(AssignTo(EVERYONE), turn.t("assign_to_all"), "0")]
    options += [
        turn.option(AssignTo(m.user_id), m.display_name, str(n))
        for n, m in enumerate(members, start=1)
    ]
    return [turn.reply("assign_pick_target", options=tuple(options))]


def choose_target(turn: Turn, choice: AssignTo) -> list[Reply] | None:
    """Remember who gets the exercise and ask the due date."""
    step = turn.data(AssignStep)
    if step is None or step.card is None:
        return None
    if choice.trainee != EVERYONE and choice.trainee not in {m.user_id for m in _members(turn)}:
        return None
    turn.go(Flow.ASSIGN, replace(step, target=choice.trainee))
    return [*_side_warning(turn, step.card, choice.trainee), *ask_due(turn)]


def _cohort_sides(turn: Turn) -> list[str]:
    """The sides of the cohort's trainees (buyer, supplier); both when nobody has joined yet."""
    roles = {user.role for m in _members(turn) if (user := turn.uow.users.get(m.user_id))}
    sides: list[str] = sorted(str(role) for role in roles if role in ("buyer", "supplier"))
    return sides or ["buyer", "supplier"]


def _side_warning(turn: Turn, card_id: str, target: int) -> list[Reply]:
    """Say so when the exercise is written for another side than some of the trainees it goes to."""
    card = search.card(turn, card_id)
    if card is None:
        return []
    members = [m for m in _members(turn) if target in (EVERYONE, m.user_id)]
    other = []
    for member in members:
        user = turn.uow.users.get(member.user_id)
        if (
            user is not None
            and user.role in ("buyer", "supplier")
            and user.role not in card.audiences
        ):
            other.append(member.display_name)
    if not other:
        return []
    written_for = " / ".join(turn.t(f"role_{a}_short") for a in card.audiences if a != "trainer")
    return [turn.reply("assign_side_warning", names=", ".join(other), side=written_for)]


def ask_due(turn: Turn) -> list[Reply]:
    """Offer due dates as buttons; a typed date works too."""
    options = [
        turn.option(AssignDue(days), turn.t("assign_due_days", days=days), str(n))
        for n, days in enumerate(DUE_CHOICES, start=1)
    ]
    options.append(turn.option(AssignDue(0), turn.t("assign_no_due"), "0"))
    return [turn.reply("assign_pick_due", options=tuple(options))]


def choose_due(turn: Turn, choice: AssignDue) -> list[Reply] | None:
    """Store the due date from a button and ask for a note."""
    step = turn.data(AssignStep)
    if step is None or step.target is None:
        return None
    due = (turn.now + timedelta(days=choice.days)).isoformat() if choice.days else ""
    turn.go(Flow.ASSIGN, replace(step, due=due))
    return ask_note(turn)


def ask_note(turn: Turn) -> list[Reply]:
    """Ask an optional note for the trainees."""
    skip = turn.option(AssignWithoutNote(), turn.t("assign_note_skip"), "0")
    return [turn.reply("assign_ask_note", options=(skip,))]


def skip_note(turn: Turn, _choice: AssignWithoutNote) -> list[Reply] | None:
    """Assign without a note."""
    step = turn.data(AssignStep)
    return _assign(turn, step, "") if step is not None and step.due is not None else None


def read_assignment(turn: Turn, text: str) -> list[Reply] | None:
    """Typed text while assigning: keywords, a due date or the note, depending on the step."""
    step = turn.data(AssignStep)
    if step is None or own_cohort(turn, step.cohort) is None:
        return None
    if step.card is None:
        turn.go(Flow.ASSIGN, replace(step, words=text[:MAX_NOTE_LENGTH], register=None))
        return _offer_exercises(turn)
    if step.target is None:
        return [turn.reply("pick_an_option"), *ask_target(turn)]
    if step.due is None:
        due = parse_due(text, turn.now)
        if due is None:
            return [turn.reply("assign_due_unknown"), *ask_due(turn)]
        turn.go(Flow.ASSIGN, replace(step, due=due.isoformat()))
        return ask_note(turn)
    return _assign(turn, step, clean_name(text, limit=MAX_NOTE_LENGTH))


def assignment_prompt(turn: Turn) -> list[Reply]:
    """The question of the assignment step on screen, again."""
    step = turn.data(AssignStep)
    if step is None or own_cohort(turn, step.cohort) is None:
        return core.menu(turn)
    if step.card is None:
        return _offer_exercises(turn) if step.register or step.words else _register_question(turn)
    if step.target is None:
        return ask_target(turn)
    if step.due is None:
        return ask_due(turn)
    return ask_note(turn)


def _assign(turn: Turn, step: AssignStep, note: str) -> list[Reply]:
    cohort = own_cohort(turn, step.cohort)
    if cohort is None or step.card is None or step.target is None:
        return refuse(turn)
    assignment = turn.uow.assignments.add(
        Assignment(
            card_id=step.card,
            assigned_by=turn.user_id,
            created_at=turn.now,
            cohort_id=cohort.id,
            trainee_id=None if step.target == EVERYONE else step.target,
            due_at=datetime.fromisoformat(step.due) if step.due else None,
            note=note,
        )
    )
    trainees = [m.user_id for m in _targets(turn, cohort, assignment)]
    reminders.schedule_assignment(turn, assignment, trainees)
    return [_assigned_reply(turn, assignment, len(trainees)), *show_cohort(turn, cohort)]


def _assigned_reply(turn: Turn, assignment: Assignment, count: int) -> Reply:
    card = search.card(turn, assignment.card_id)
    title = card.text(turn.user.language).title if card else assignment.card_id
    due = (
        turn.t("assign_due_on", date=assignment.due_at.strftime("%Y-%m-%d"))
        if assignment.due_at
        else turn.t("assign_due_none")
    )
    return turn.reply("assign_done", title=title, count=count, due=due)


def _targets(turn: Turn, cohort: Cohort, assignment: Assignment) -> list[Membership]:
    members = visible_members(turn.uow.cohorts.members(_id(cohort)))
    return [m for m in members if assignment.applies_to(m.user_id)]


def _members(turn: Turn) -> list[Membership]:
    step = turn.data(AssignStep)
    cohort = own_cohort(turn, step.cohort) if step else None
    return visible_members(turn.uow.cohorts.members(_id(cohort))) if cohort else []
