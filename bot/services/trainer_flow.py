"""The trainer's side: their cohorts, invitation codes, and assigning exercises."""

from __future__ import annotations

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
from bot.domain.dialogue import Option, Reply
from bot.domain.retrieval import QueryError, SearchUnavailableError, TagFilter
from bot.services import reminders
from bot.services.turn import Turn

MAX_TRAINEES_LISTED = 20
MAX_TRAINEE_BUTTONS = 12
EXERCISES_OFFERED = 6
DUE_CHOICES = (3, 7, 14)


def may_train(turn: Turn) -> bool:
    """Whether this user may act as a trainer (settings can restrict it to a list)."""
    allowed = turn.trainer_allowlist
    return allowed is None or f"{turn.user.channel}:{turn.user.external_id}" in allowed


def home(turn: Turn) -> list[Reply]:
    """Open the trainer's space: their name first if unknown, then their cohorts."""
    if not may_train(turn):
        return [turn.reply("trainer_not_allowed")]
    if turn.uow.cohorts.trainer_name(turn.user_id) is None:
        turn.go("trainer_name")
        return [turn.reply("trainer_intro"), turn.reply("trainer_ask_name")]
    return list_cohorts(turn)


def set_name(turn: Turn, text: str) -> list[Reply]:
    """Store the name trainees will see, then show the cohorts."""
    name = clean_name(text)
    if not name:
        return [turn.reply("trainer_ask_name")]
    turn.uow.cohorts.set_trainer_name(turn.user_id, name)
    return [turn.reply("trainer_name_set", name=name), *list_cohorts(turn)]


def list_cohorts(turn: Turn) -> list[Reply]:
    """The trainer's cohorts as buttons, and the button to create one."""
    turn.go("trainer")
    cohorts = turn.uow.cohorts.of_trainer(turn.user_id)
    options = [
        Option(
            id=f"coh:{cohort.id}",
            label=turn.t("cohort_button", name=cohort.name, count=_active_count(turn, cohort)),
            key=str(number),
        )
        for number, cohort in enumerate(cohorts, start=1)
    ]
    options.append(Option(id="cohnew:", label=turn.t("cohort_new"), key="n"))
    key = "trainer_cohorts" if cohorts else "trainer_no_cohort"
    return [Reply(text=turn.t(key, count=len(cohorts)), options=tuple(options))]


def ask_cohort_name(turn: Turn) -> list[Reply] | None:
    """Start creating a cohort by asking its name."""
    if not may_train(turn) or turn.uow.cohorts.trainer_name(turn.user_id) is None:
        return None
    turn.go("cohort_name")
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


def own_cohort(turn: Turn, argument: str) -> Cohort | None:
    """The cohort an option names, only if this user is its trainer."""
    if not argument.isdigit():
        return None
    cohort = turn.uow.cohorts.get(int(argument))
    if cohort is None or not is_trainer_of(turn.user_id, cohort):
        return None
    return cohort


def refuse(turn: Turn) -> list[Reply]:
    """Answer an attempt on a cohort that is not the user's, without saying more."""
    return [Reply(text=turn.t("cohort_refused"), kind="stale")]


def show_cohort(turn: Turn, cohort: Cohort) -> list[Reply]:
    """A cohort at a glance: invitation, trainees who consented, and what the trainer can do."""
    assert cohort.id is not None
    turn.go("cohort", cohort=cohort.id)
    members = visible_members(turn.uow.cohorts.members(cohort.id))
    lines = [turn.t("cohort_title", name=cohort.name, count=len(members))]
    lines.append(_invitation(turn, cohort))
    if members:
        names = ", ".join(m.display_name for m in members[:MAX_TRAINEES_LISTED])
        more = len(members) - MAX_TRAINEES_LISTED
        lines.append(turn.t("cohort_trainees", names=names + (f" (+{more})" if more > 0 else "")))
    return [Reply(text="\n\n".join(lines), options=_cohort_options(turn, cohort))]


def _invitation(turn: Turn, cohort: Cohort) -> str:
    if cohort.code is None:
        return turn.t("cohort_closed")
    if turn.deep_link:
        link = f"{turn.deep_link}join_{cohort.code}"
        return turn.t("cohort_invite_link", link=link, code=cohort.code)
    return turn.t("cohort_invite_code", code=cohort.code)


def _cohort_options(turn: Turn, cohort: Cohort) -> tuple[Option, ...]:
    cid = cohort.id
    actions = [
        ("coasg", "cohort_assign"),
        ("corep", "cohort_report"),
        ("coexp", "cohort_export"),
        ("corot", "cohort_rotate" if cohort.code else "cohort_reopen"),
    ]
    if cohort.code:
        actions.append(("corev", "cohort_revoke"))
    options = [
        Option(id=f"{verb}:{cid}", label=turn.t(key), key=str(number))
        for number, (verb, key) in enumerate(actions, start=1)
    ]
    options.append(Option(id="trainer:", label=turn.t("cohort_all"), key="0"))
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
    assert cohort.id is not None
    return len(visible_members(turn.uow.cohorts.members(cohort.id)))


# --- assigning an exercise: register -> card -> who -> due date -> note -----------------------


def start_assignment(turn: Turn, cohort: Cohort) -> list[Reply]:
    """Ask which register the exercise should work on (or typed keywords)."""
    turn.go("assign", cohort=cohort.id)
    registers = turn.content.framework.registers
    options = tuple(
        Option(id=f"asgreg:{r.id}", label=r.name.in_(turn.user.language), key=str(number))
        for number, r in enumerate(registers, start=1)
    )
    return [Reply(text=turn.t("assign_pick_register"), options=options)]


def exercises_for_register(turn: Turn, register: str) -> list[Reply] | None:
    """Offer the exercise cards of a register."""
    if turn.flow != "assign" or register not in {r.id for r in turn.content.framework.registers}:
        return None
    name = turn.content.framework.register(register).name.in_(turn.user.language)
    return _offer_exercises(turn, name, [f"register:{register}"])


def exercises_for_words(turn: Turn, text: str) -> list[Reply]:
    """Offer the exercise cards closest to typed keywords."""
    return _offer_exercises(turn, text, [])


def _offer_exercises(turn: Turn, query: str, tags: list[str]) -> list[Reply]:
    cards = exercise_cards(turn, query, tags, EXERCISES_OFFERED)
    if not cards:
        return [turn.reply("assign_no_exercise"), *start_assignment(turn, _cohort_in_state(turn))]
    options = tuple(
        Option(id=f"asgcard:{card.id}", label=card.text(turn.user.language).title, key=str(n))
        for n, card in enumerate(cards, start=1)
    )
    return [Reply(text=turn.t("assign_pick_card"), options=options)]


def exercise_cards(turn: Turn, query: str, tags: list[str], k: int) -> list[Card]:
    """Exercise cards matching a query and tags (empty when the knowledge base is down)."""
    if turn.cards is None:
        return []
    try:
        hits = turn.cards.search(
            query, turn.user.language, k=k, tags=TagFilter.parse(["kind:exercise", *tags])
        )
    except (QueryError, SearchUnavailableError):
        return []
    return [hit.card for hit in hits]


def choose_card(turn: Turn, card_id: str) -> list[Reply] | None:
    """Remember the exercise and ask who gets it."""
    card = turn.cards.get(card_id) if turn.cards else None
    if turn.flow != "assign" or card is None or card.kind != "exercise":
        return None
    cohort = _cohort_in_state(turn)
    assert cohort.id is not None
    turn.go("assign", cohort=cohort.id, card=card.id)
    return ask_target(turn)


def ask_target(turn: Turn) -> list[Reply]:
    """The whole cohort, or one of its trainees."""
    cohort = _cohort_in_state(turn)
    assert cohort.id is not None
    members = visible_members(turn.uow.cohorts.members(cohort.id))[:MAX_TRAINEE_BUTTONS]
    options = [Option(id="asgto:all", label=turn.t("assign_to_all"), key="0")]
    options += [
        Option(id=f"asgto:{m.user_id}", label=m.display_name, key=str(n))
        for n, m in enumerate(members, start=1)
    ]
    return [Reply(text=turn.t("assign_pick_target"), options=tuple(options))]


def choose_target(turn: Turn, argument: str) -> list[Reply] | None:
    """Remember who gets the exercise and ask the due date."""
    if turn.flow != "assign" or turn.state_value("card") is None:
        return None
    if argument != "all" and _member(turn, argument) is None:
        return None
    turn.user.state = {**turn.user.state, "target": argument}
    return ask_due(turn)


def ask_due(turn: Turn) -> list[Reply]:
    """Offer due dates as buttons; a typed date works too."""
    options = [
        Option(id=f"asgdue:{days}", label=turn.t("assign_due_days", days=days), key=str(n))
        for n, days in enumerate(DUE_CHOICES, start=1)
    ]
    options.append(Option(id="asgdue:0", label=turn.t("assign_no_due"), key="0"))
    return [Reply(text=turn.t("assign_pick_due"), options=tuple(options))]


def choose_due(turn: Turn, argument: str) -> list[Reply] | None:
    """Store the due date from a button and ask for a note."""
    if turn.flow != "assign" or turn.state_value("target") is None or not argument.isdigit():
        return None
    days = int(argument)
    due = (turn.now + timedelta(days=days)).isoformat() if days else ""
    turn.user.state = {**turn.user.state, "due": due}
    return ask_note(turn)


def ask_note(turn: Turn) -> list[Reply]:
    """Ask an optional note for the trainees."""
    skip = Option(id="asgnote:skip", label=turn.t("assign_note_skip"), key="0")
    return [Reply(text=turn.t("assign_ask_note"), options=(skip,))]


def skip_note(turn: Turn, _argument: str) -> list[Reply] | None:
    """Assign without a note."""
    if turn.flow != "assign" or turn.state_value("due") is None:
        return None
    return _assign(turn, "")


def on_text(turn: Turn, text: str) -> list[Reply] | None:
    """Typed text while assigning: keywords, a due date or the note, depending on the step."""
    if turn.state_value("card") is None:
        return exercises_for_words(turn, text)
    if turn.state_value("target") is None:
        return [turn.reply("pick_an_option"), *ask_target(turn)]
    if turn.state_value("due") is None:
        due = parse_due(text, turn.now)
        if due is None:
            return [turn.reply("assign_due_unknown"), *ask_due(turn)]
        turn.user.state = {**turn.user.state, "due": due.isoformat()}
        return ask_note(turn)
    return _assign(turn, clean_name(text, limit=MAX_NOTE_LENGTH))


def _assign(turn: Turn, note: str) -> list[Reply]:
    cohort = _cohort_in_state(turn)
    target = str(turn.state_value("target"))
    due_text = str(turn.state_value("due") or "")
    assignment = turn.uow.assignments.add(
        Assignment(
            card_id=str(turn.state_value("card")),
            assigned_by=turn.user_id,
            created_at=turn.now,
            cohort_id=cohort.id,
            trainee_id=None if target == "all" else int(target),
            due_at=datetime.fromisoformat(due_text) if due_text else None,
            note=note,
        )
    )
    trainees = [m.user_id for m in _targets(turn, cohort, assignment)]
    reminders.schedule_assignment(turn, assignment, trainees)
    return [_assigned_reply(turn, assignment, len(trainees)), *show_cohort(turn, cohort)]


def _assigned_reply(turn: Turn, assignment: Assignment, count: int) -> Reply:
    card = turn.cards.get(assignment.card_id) if turn.cards else None
    title = card.text(turn.user.language).title if card else assignment.card_id
    due = (
        turn.t("assign_due_on", date=assignment.due_at.strftime("%Y-%m-%d"))
        if assignment.due_at
        else turn.t("assign_due_none")
    )
    return turn.reply("assign_done", title=title, count=count, due=due)


def _targets(turn: Turn, cohort: Cohort, assignment: Assignment) -> list[Membership]:
    assert cohort.id is not None
    members = visible_members(turn.uow.cohorts.members(cohort.id))
    return [m for m in members if assignment.applies_to(m.user_id)]


def _member(turn: Turn, argument: str) -> Membership | None:
    cohort = _cohort_in_state(turn)
    if not argument.isdigit() or cohort.id is None:
        return None
    members = visible_members(turn.uow.cohorts.members(cohort.id))
    return next((m for m in members if m.user_id == int(argument)), None)


def _cohort_in_state(turn: Turn) -> Cohort:
    cohort = own_cohort(turn, str(turn.state_value("cohort")))
    if cohort is None:  # the step only starts from an own cohort; the state is ours
        raise LookupError("assignment step without an own cohort")
    return cohort
