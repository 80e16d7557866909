"""The trainee's side: joining a cohort with consent, leaving it, and doing exercises."""

from __future__ import annotations

from bot.domain.cards import Card
from bot.domain.cohorts import (
    MAX_REFLECTION_LENGTH,
    WEEK,
    Assignment,
    Cohort,
    Completion,
    Membership,
    Reminder,
    ReminderKind,
    clean_name,
    normalise_code,
)
from bot.domain.dialogue import Option, Reply
from bot.services import onboarding, reminders, trainer_flow
from bot.services.turn import Turn

MAX_EXERCISES_LISTED = 8
RATINGS = (1, 2, 3, 4, 5)


# --- joining and leaving ------------------------------------------------------------------------


def join(turn: Turn, raw_code: str) -> list[Reply]:
    """Read an invitation code and ask for consent; a wrong code reveals nothing."""
    if not raw_code.strip():
        turn.go("join_code")
        return [turn.reply("join_ask_code")]
    code = normalise_code(raw_code)
    cohort = turn.uow.cohorts.by_code(code) if code else None
    if cohort is None or cohort.id is None:
        turn.go("menu")
        return [turn.reply("join_refused")]
    if cohort.trainer_id == turn.user_id:
        return [turn.reply("join_own_cohort")]
    if _active_membership(turn, cohort.id) is not None:
        return [turn.reply("join_already", name=cohort.name)]
    turn.go("join_consent", cohort=cohort.id, code=cohort.code)
    return [_consent(turn, cohort)]


def _consent(turn: Turn, cohort: Cohort) -> Reply:
    trainer = _trainer_name(turn, cohort)
    options = (
        Option(id=f"joinok:{cohort.id}", label=turn.t("join_accept"), key="1"),
        Option(id=f"joinno:{cohort.id}", label=turn.t("join_decline"), key="2"),
    )
    return Reply(text=turn.t("join_consent", trainer=trainer, name=cohort.name), options=options)


def consent_prompt(turn: Turn) -> list[Reply]:
    """Show the consent question again."""
    cohort = _cohort_being_joined(turn)
    return [_consent(turn, cohort)] if cohort else onboarding.menu(turn)


def accept(turn: Turn, argument: str) -> list[Reply] | None:
    """Consent given: ask the name the trainer will see."""
    cohort = _cohort_being_joined(turn)
    if turn.flow != "join_consent" or cohort is None or str(cohort.id) != argument:
        return None
    turn.go("join_name", cohort=cohort.id, code=cohort.code)
    return [turn.reply("join_ask_name", trainer=_trainer_name(turn, cohort))]


def decline(turn: Turn, argument: str) -> list[Reply] | None:
    """Consent refused: nothing is stored."""
    if turn.flow != "join_consent" or str(turn.state_value("cohort")) != argument:
        return None
    return [turn.reply("join_declined"), *onboarding.menu(turn, "menu_next")]


def finish_join(turn: Turn, text: str) -> list[Reply]:
    """Store the membership under the chosen name and show what is waiting."""
    name = clean_name(text)
    cohort = _cohort_being_joined(turn)
    if cohort is None or cohort.id is None:
        turn.go("menu")
        return [turn.reply("join_refused")]
    if not name:
        return [turn.reply("join_ask_name", trainer=_trainer_name(turn, cohort))]
    turn.uow.cohorts.add_member(Membership(cohort.id, turn.user_id, name, turn.now))
    news = Reminder(cohort.trainer_id, ReminderKind.JOINED, turn.now, f"{cohort.id}:{turn.user_id}")
    turn.uow.reminders.add(news)
    waiting = len(open_assignments(turn))
    joined = turn.reply("join_done", name=cohort.name, trainer=_trainer_name(turn, cohort))
    extra = [turn.reply("join_waiting", count=waiting)] if waiting else []
    then = (
        onboarding.ask_role(turn) if turn.user.role is None else onboarding.menu(turn, "menu_next")
    )
    return [joined, *extra, *then]


def _cohort_being_joined(turn: Turn) -> Cohort | None:
    # The code is checked again: a code revoked or rotated meanwhile no longer lets anyone in.
    cohort_id, code = turn.state_value("cohort"), turn.state_value("code")
    if not isinstance(cohort_id, int) or not isinstance(code, str):
        return None
    cohort = turn.uow.cohorts.get(cohort_id)
    return cohort if cohort is not None and cohort.code == code else None


def leave(turn: Turn) -> list[Reply]:
    """Offer to leave a cohort (which one, when there are several)."""
    memberships = [m for m in turn.uow.cohorts.memberships_of(turn.user_id) if m.is_active]
    if not memberships:
        return [turn.reply("leave_none")]
    options = []
    for number, membership in enumerate(memberships, start=1):
        cohort = turn.uow.cohorts.get(membership.cohort_id)
        name = cohort.name if cohort else "?"
        options.append(Option(id=f"leave:{membership.cohort_id}", label=name, key=str(number)))
    options.append(Option(id="menu:menu", label=turn.t("leave_stay"), key="0"))
    turn.go("menu")
    return [Reply(text=turn.t("leave_which"), options=tuple(options))]


def confirm_leave(turn: Turn, argument: str) -> list[Reply] | None:
    """Leave a cohort: sharing with its trainer stops now, reminders of its exercises too."""
    membership = _active_membership(turn, int(argument)) if argument.isdigit() else None
    if membership is None:
        return None
    membership.left_at = turn.now
    turn.uow.cohorts.save_member(membership)
    for assignment in turn.uow.assignments.for_cohort(membership.cohort_id):
        assert assignment.id is not None
        reminders.forget_exercise(turn, turn.user_id, assignment.id)
    cohort = turn.uow.cohorts.get(membership.cohort_id)
    return [turn.reply("leave_done", name=cohort.name if cohort else "")]


def _active_membership(turn: Turn, cohort_id: int) -> Membership | None:
    memberships = turn.uow.cohorts.memberships_of(turn.user_id)
    return next((m for m in memberships if m.cohort_id == cohort_id and m.is_active), None)


def _trainer_name(turn: Turn, cohort: Cohort) -> str:
    return turn.uow.cohorts.trainer_name(cohort.trainer_id) or turn.t("your_trainer")


# --- exercises ----------------------------------------------------------------------------------


def open_assignments(turn: Turn) -> list[Assignment]:
    """The user's exercises not done yet: from their cohorts and chosen by themself."""
    mine = list(turn.uow.assignments.personal(turn.user_id))
    for membership in turn.uow.cohorts.memberships_of(turn.user_id):
        if membership.is_active:
            cohort_work = turn.uow.assignments.for_cohort(membership.cohort_id)
            mine += [a for a in cohort_work if a.applies_to(turn.user_id)]
    ids = [a.id for a in mine if a.id is not None]
    done = {
        c.assignment_id for c in turn.uow.assignments.completions(ids) if c.user_id == turn.user_id
    }
    return [a for a in mine if a.id not in done]


def open_assignment(turn: Turn, assignment_id: int) -> Assignment | None:
    """One of the user's open exercises by id; None if it is not theirs or already done."""
    return next((a for a in open_assignments(turn) if a.id == assignment_id), None)


def list_exercises(turn: Turn) -> list[Reply]:
    """Each open exercise with its buttons, then the weekly options."""
    turn.go("menu")
    waiting = open_assignments(turn)[:MAX_EXERCISES_LISTED]
    if not waiting:
        return [turn.reply("exercises_none"), weekly_options(turn)]
    replies = [turn.reply("exercises_intro", count=len(waiting))]
    for assignment in waiting:
        replies += exercise_message(turn, assignment, "exercise_line")
    return [*replies, weekly_options(turn)]


def exercise_message(turn: Turn, assignment: Assignment, key: str) -> list[Reply]:
    """One exercise worded with a text key, with 'open', 'done' and 'remind me' buttons."""
    card = _card(turn, assignment)
    if card is None:
        return []
    values = _exercise_values(turn, assignment, card)
    text = turn.t(key, **values)
    if assignment.note:
        text += "\n" + turn.t("exercise_note", note=assignment.note)
    return [Reply(text=text, options=_exercise_buttons(turn, assignment))]


def _exercise_values(turn: Turn, assignment: Assignment, card: Card) -> dict[str, object]:
    source = turn.t("exercise_personal")
    if assignment.cohort_id is not None:
        cohort = turn.uow.cohorts.get(assignment.cohort_id)
        source = _trainer_name(turn, cohort) if cohort else source
    due = (
        turn.t("exercise_due", date=assignment.due_at.strftime("%Y-%m-%d"))
        if assignment.due_at
        else ""
    )
    return {"title": card.text(turn.user.language).title, "source": source, "due": due}


def _exercise_buttons(turn: Turn, assignment: Assignment) -> tuple[Option, ...]:
    aid = assignment.id
    return (
        Option(id=f"exo:{aid}", label=turn.t("exercise_open"), key=f"o{aid}"),
        Option(id=f"exdone:{aid}", label=turn.t("exercise_done"), key=f"d{aid}"),
        Option(id=f"exlater:{aid}", label=turn.t("exercise_later"), key=f"l{aid}"),
    )


def open_exercise(turn: Turn, argument: str) -> list[Reply] | None:
    """Show the whole exercise card, with its 'done' and 'later' buttons."""
    assignment = open_assignment(turn, int(argument)) if argument.isdigit() else None
    card = _card(turn, assignment) if assignment else None
    if assignment is None or card is None:
        return None
    parts = [card.text(turn.user.language).title, card.plain_body(turn.user.language)]
    if assignment.note:
        parts.append(turn.t("exercise_note", note=assignment.note))
    return [Reply(text="\n\n".join(parts), options=_exercise_buttons(turn, assignment)[1:])]


def start_done(turn: Turn, argument: str) -> list[Reply] | None:
    """Ask for a short reflection before marking the exercise done."""
    assignment = open_assignment(turn, int(argument)) if argument.isdigit() else None
    if assignment is None:
        return None
    turn.go("reflect", assignment=assignment.id)
    shared = "reflect_private" if assignment.is_personal else "reflect_private_trainer"
    return [turn.reply("reflect_ask"), turn.reply(shared)]


def reflection(turn: Turn, text: str) -> list[Reply] | None:
    """Keep the reflection and ask for a self-rating (skippable)."""
    assignment_id = turn.state_value("assignment")
    if not isinstance(assignment_id, int):
        return None
    turn.go("rate", assignment=assignment_id, reflection=text[:MAX_REFLECTION_LENGTH])
    return rating_prompt(turn)


def rating_prompt(turn: Turn) -> list[Reply]:
    """Ask how well it went, 1 to 5, or skip."""
    aid = turn.state_value("assignment")
    options = [Option(id=f"exrate:{aid}:{n}", label=str(n), key=str(n)) for n in RATINGS]
    options.append(Option(id=f"exrate:{aid}:0", label=turn.t("rate_skip"), key="0"))
    return [Reply(text=turn.t("rate_ask"), options=tuple(options), inline=True)]


def rate(turn: Turn, argument: str) -> list[Reply] | None:
    """Record the completion with its reflection and rating."""
    parts = argument.split(":")
    if turn.flow != "rate" or len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    assignment_id, rating = int(parts[0]), int(parts[1])
    if assignment_id != turn.state_value("assignment") or rating not in (0, *RATINGS):
        return None
    assignment = open_assignment(turn, assignment_id)
    if assignment is None:
        return None
    reflection_text = str(turn.state_value("reflection") or "")
    turn.uow.assignments.complete(
        Completion(assignment_id, turn.user_id, turn.now, reflection_text, rating or None)
    )
    reminders.forget_exercise(turn, turn.user_id, assignment_id)
    if assignment.is_personal:
        turn.uow.reminders.cancel(turn.user_id, ReminderKind.WEEKLY_EXERCISE, str(assignment_id))
    turn.go("menu")
    key = "exercise_completed_personal" if assignment.is_personal else "exercise_completed"
    return [turn.reply(key), *onboarding.menu(turn, "menu_next")]


def later(turn: Turn, argument: str) -> list[Reply] | None:
    """Remind the trainee of the exercise tomorrow."""
    assignment = open_assignment(turn, int(argument)) if argument.isdigit() else None
    if assignment is None or assignment.id is None:
        return None
    reminders.remind_later(turn, assignment.id)
    return [turn.reply("exercise_later_set")]


def _card(turn: Turn, assignment: Assignment | None) -> Card | None:
    if assignment is None or turn.cards is None:
        return None
    return turn.cards.get(assignment.card_id)


# --- a personal weekly exercise and the weekly check reminder -----------------------------------


def weekly_options(turn: Turn) -> Reply:
    """Choose a personal exercise for the week; switch the weekly quick-check reminder."""
    on = reminders.weekly_check_on(turn)
    options = (
        Option(id="weekly:pick", label=turn.t("weekly_pick"), key="w"),
        Option(
            id=f"wkcheck:{'off' if on else 'on'}",
            label=turn.t("weekly_check_off" if on else "weekly_check_on"),
            key="r",
        ),
    )
    return Reply(text=turn.t("weekly_intro"), options=options)


def pick_weekly(turn: Turn) -> list[Reply]:
    """Offer exercises for the user's focus (or the weakest competency of their last result)."""
    competency = _focus(turn)
    if competency is None:
        check = Option(id="menu:check", label=turn.t("menu_check"), key="c")
        return [Reply(text=turn.t("weekly_needs_focus"), options=(check,))]
    name = turn.content.framework.competency(competency).name.in_(turn.user.language)
    cards = trainer_flow.exercise_cards(turn, name, [f"competency:{competency}"], 3)
    if not cards:
        register = turn.content.framework.competency(competency).register
        cards = trainer_flow.exercise_cards(turn, name, [f"register:{register}"], 3)
    if not cards:
        return [turn.reply("search_unavailable")]
    options = tuple(
        Option(id=f"weekly:{card.id}", label=card.text(turn.user.language).title, key=str(n))
        for n, card in enumerate(cards, start=1)
    )
    return [Reply(text=turn.t("weekly_offer", competency=name), options=options)]


def choose_weekly(turn: Turn, card_id: str) -> list[Reply] | None:
    """Start a personal exercise for a week, with a check-in reminder at its end."""
    card = turn.cards.get(card_id) if turn.cards else None
    if card is None or card.kind != "exercise":
        return None
    assignment = turn.uow.assignments.add(
        Assignment(
            card_id=card.id,
            assigned_by=turn.user_id,
            created_at=turn.now,
            trainee_id=turn.user_id,
            due_at=turn.now + WEEK,
        )
    )
    review = Reminder(
        turn.user_id, ReminderKind.WEEKLY_EXERCISE, turn.now + WEEK, str(assignment.id)
    )
    turn.uow.reminders.add(review)
    title = card.text(turn.user.language).title
    return [
        turn.reply("weekly_started", title=title),
        *(open_exercise(turn, str(assignment.id)) or []),
    ]


def weekly_review(turn: Turn, assignment: Assignment) -> list[Reply]:
    """A week has passed on a personal exercise: mark it done or pick the next."""
    card = _card(turn, assignment)
    if card is None:
        return []
    options = (
        Option(id=f"exdone:{assignment.id}", label=turn.t("exercise_done"), key="d"),
        Option(id="weekly:pick", label=turn.t("weekly_pick"), key="w"),
    )
    text = turn.t("remind_weekly_exercise", title=card.text(turn.user.language).title)
    return [Reply(text=text, options=options)]


def switch_weekly_check(turn: Turn, argument: str) -> list[Reply] | None:
    """Turn the weekly quick-check reminder on or off."""
    if argument not in ("on", "off"):
        return None
    reminders.set_weekly_check(turn, on=argument == "on")
    return [turn.reply(f"weekly_check_set_{argument}")]


def _focus(turn: Turn) -> str | None:
    if turn.user.focus:
        return turn.user.focus
    from bot.services import progress_flow  # noqa: PLC0415 - progress_flow reaches this module

    progress = progress_flow.report(turn)
    return progress.focus
