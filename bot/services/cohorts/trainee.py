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
from bot.domain.dialogue import Layout, Option, Reply
from bot.services.conversation import core
from bot.services.conversation.options import (
    AcceptJoin,
    DeclineJoin,
    ExerciseDone,
    ExerciseLater,
    LeaveCohort,
    MenuDoor,
    OpenExercise,
    PickWeekly,
    RateExercise,
    StartWeekly,
    WeeklyCheck,
)
from bot.services.conversation.protocol import Flow
from bot.services.conversation.steps import JoinStep, RateStep, ReflectStep
from bot.services.conversation.turn import Turn
from bot.services.knowledge import search
from bot.services.progress import flow as progress

from . import reminders, trainer

MAX_EXERCISES_LISTED = 8
RATINGS = (1, 2, 3, 4, 5)
SKIPPED = 0


# --- joining and leaving ------------------------------------------------------------------------


def join(turn: Turn, raw_code: str) -> list[Reply]:
    """Read an invitation code and ask for consent; a wrong code reveals nothing."""
    if not raw_code.strip():
        turn.go(Flow.JOIN_CODE)
        return code_prompt(turn)
    code = normalise_code(raw_code)
    cohort = turn.uow.cohorts.by_code(code) if code else None
    if cohort is None or cohort.id is None or cohort.code is None:
        turn.go(Flow.MENU)
        return [turn.reply("join_refused")]
    if cohort.trainer_id == turn.user_id:
        return [turn.reply("join_own_cohort")]
    if _active_membership(turn, cohort.id) is not None:
        return [turn.reply("join_already", name=cohort.name)]
    turn.go(Flow.JOIN_CONSENT, JoinStep(cohort.id, cohort.code))
    return [_consent(turn, cohort)]


def code_prompt(turn: Turn) -> list[Reply]:
    """The question of the invitation code, again."""
    return [turn.reply("join_ask_code")]


def _consent(turn: Turn, cohort: Cohort) -> Reply:
    assert cohort.id is not None
    trainer_name = _trainer_name(turn, cohort)
    options = (
        turn.option(AcceptJoin(cohort.id), turn.t("join_accept"), "1"),
        turn.option(DeclineJoin(cohort.id), turn.t("join_decline"), "2"),
    )
    text = turn.t("join_consent", trainer=trainer_name, name=cohort.name)
    return Reply(text=text, options=options, key="join_consent")


def consent_prompt(turn: Turn) -> list[Reply]:
    """Show the consent question again."""
    cohort = _cohort_being_joined(turn)
    return [_consent(turn, cohort)] if cohort else core.menu(turn)


def read_consent(turn: Turn, _text: str) -> list[Reply]:
    """Typed text at the consent question: only the two buttons answer it."""
    return [turn.reply("pick_an_option"), *consent_prompt(turn)]


def accept(turn: Turn, choice: AcceptJoin) -> list[Reply] | None:
    """Consent given: ask the name the trainer will see."""
    cohort = _cohort_being_joined(turn)
    if turn.flow is not Flow.JOIN_CONSENT or cohort is None or cohort.id != choice.cohort:
        return None
    assert cohort.code is not None
    turn.go(Flow.JOIN_NAME, JoinStep(choice.cohort, cohort.code))
    return name_prompt(turn)


def name_prompt(turn: Turn) -> list[Reply]:
    """The question of the name the trainer will see, again."""
    cohort = _cohort_being_joined(turn)
    trainer_name = _trainer_name(turn, cohort) if cohort else turn.t("your_trainer")
    return [turn.reply("join_ask_name", trainer=trainer_name)]


def decline(turn: Turn, choice: DeclineJoin) -> list[Reply] | None:
    """Consent refused: nothing is stored."""
    step = turn.data(JoinStep)
    if turn.flow is not Flow.JOIN_CONSENT or step is None or step.cohort != choice.cohort:
        return None
    return [turn.reply("join_declined"), *core.menu(turn, "menu_next")]


def finish_join(turn: Turn, text: str) -> list[Reply]:
    """Store the membership under the chosen name and show what is waiting."""
    name = clean_name(text)
    cohort = _cohort_being_joined(turn)
    if cohort is None or cohort.id is None:
        turn.go(Flow.MENU)
        return [turn.reply("join_refused")]
    if not name:
        return name_prompt(turn)
    turn.uow.cohorts.add_member(Membership(cohort.id, turn.user_id, name, turn.now))
    news = Reminder(cohort.trainer_id, ReminderKind.JOINED, turn.now, f"{cohort.id}:{turn.user_id}")
    turn.uow.reminders.add(news)
    waiting = len(open_assignments(turn))
    joined = turn.reply("join_done", name=cohort.name, trainer=_trainer_name(turn, cohort))
    extra = [turn.reply("join_waiting", count=waiting)] if waiting else []
    if core.in_setup(turn):
        return [joined, *extra, *core.setup_prompt(turn)]
    return [joined, *extra, *core.menu(turn, "menu_next")]


def _cohort_being_joined(turn: Turn) -> Cohort | None:
    # The code is checked again: a code revoked or rotated meanwhile no longer lets anyone in.
    step = turn.data(JoinStep)
    cohort = turn.uow.cohorts.get(step.cohort) if step else None
    return cohort if cohort is not None and step is not None and cohort.code == step.code else None


def leave(turn: Turn) -> list[Reply]:
    """Offer to leave a cohort (which one, when there are several)."""
    memberships = [m for m in turn.uow.cohorts.memberships_of(turn.user_id) if m.is_active]
    if not memberships:
        return [turn.reply("leave_none")]
    options = []
    for number, membership in enumerate(memberships, start=1):
        cohort = turn.uow.cohorts.get(membership.cohort_id)
        name = cohort.name if cohort else "?"
        options.append(turn.option(LeaveCohort(membership.cohort_id), name, str(number)))
    options.append(turn.option(MenuDoor("menu"), turn.t("leave_stay"), "0"))
    turn.go(Flow.MENU)
    return [turn.reply("leave_which", options=tuple(options))]


def confirm_leave(turn: Turn, choice: LeaveCohort) -> list[Reply] | None:
    """Leave a cohort: sharing with its trainer stops now, reminders of its exercises too."""
    membership = _active_membership(turn, choice.cohort)
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
    turn.go(Flow.MENU)
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
    return [Reply(text=text, options=_exercise_buttons(turn, assignment), key=key)]


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
    # Keys name the exercise (o12, d12, l12), so that they keep working while the list is in view.
    aid = assignment.id
    assert aid is not None
    return (
        turn.option(OpenExercise(aid), turn.t("exercise_open"), f"o{aid}", stays=True),
        turn.option(ExerciseDone(aid), turn.t("exercise_done"), f"d{aid}", stays=True),
        turn.option(ExerciseLater(aid), turn.t("exercise_later"), f"l{aid}", stays=True),
    )


def open_exercise(turn: Turn, choice: OpenExercise) -> list[Reply] | None:
    """Show the whole exercise card, with its 'done' and 'later' buttons."""
    assignment = open_assignment(turn, choice.assignment)
    card = _card(turn, assignment) if assignment else None
    if assignment is None or card is None:
        return None
    parts = [card.text(turn.user.language).title, card.plain_body(turn.user.language)]
    if assignment.note:
        parts.append(turn.t("exercise_note", note=assignment.note))
    buttons = _exercise_buttons(turn, assignment)[1:]
    return [Reply(text="\n\n".join(parts), options=buttons, key="exercise_card")]


def start_done(turn: Turn, choice: ExerciseDone) -> list[Reply] | None:
    """Ask for a short reflection before marking the exercise done."""
    assignment = open_assignment(turn, choice.assignment)
    if assignment is None or assignment.id is None:
        return None
    turn.go(Flow.REFLECT, ReflectStep(assignment.id))
    shared = "reflect_private" if assignment.is_personal else "reflect_private_trainer"
    return [turn.reply("reflect_ask"), turn.reply(shared)]


def reflect_prompt(turn: Turn) -> list[Reply]:
    """The reflection question, again."""
    return [turn.reply("reflect_ask")]


def reflection(turn: Turn, text: str) -> list[Reply] | None:
    """Keep the reflection and ask for a self-rating (skippable)."""
    step = turn.data(ReflectStep)
    if step is None:
        return None
    turn.go(Flow.RATE, RateStep(step.assignment, text[:MAX_REFLECTION_LENGTH]))
    return rating_prompt(turn)


def rating_prompt(turn: Turn) -> list[Reply]:
    """Ask how well it went, 1 to 5, or skip."""
    step = turn.data(RateStep)
    if step is None:
        return core.menu(turn)
    aid = step.assignment
    options = [turn.option(RateExercise(aid, n), str(n), str(n)) for n in RATINGS]
    options.append(turn.option(RateExercise(aid, SKIPPED), turn.t("rate_skip"), "0", group=1))
    return [turn.reply("rate_ask", options=tuple(options), layout=Layout.SCALE)]


def read_rating(turn: Turn, _text: str) -> list[Reply]:
    """Typed text at the rating: only the buttons (or their numbers) answer it."""
    return [turn.reply("pick_an_option"), *rating_prompt(turn)]


def rate(turn: Turn, choice: RateExercise) -> list[Reply] | None:
    """Record the completion with its reflection and rating."""
    step = turn.data(RateStep)
    if step is None or choice.assignment != step.assignment:
        return None
    assignment = open_assignment(turn, choice.assignment)
    if assignment is None:
        return None
    turn.uow.assignments.complete(
        Completion(
            choice.assignment, turn.user_id, turn.now, step.reflection, choice.rating or None
        )
    )
    reminders.forget_exercise(turn, turn.user_id, choice.assignment)
    if assignment.is_personal:
        kind = ReminderKind.WEEKLY_EXERCISE
        turn.uow.reminders.cancel(turn.user_id, kind, str(choice.assignment))
    turn.go(Flow.MENU)
    key = "exercise_completed_personal" if assignment.is_personal else "exercise_completed"
    return [turn.reply(key), *core.menu(turn, "menu_next")]


def later(turn: Turn, choice: ExerciseLater) -> list[Reply] | None:
    """Remind the trainee of the exercise tomorrow."""
    assignment = open_assignment(turn, choice.assignment)
    if assignment is None or assignment.id is None:
        return None
    reminders.remind_later(turn, assignment.id)
    return [turn.reply("exercise_later_set"), *reminders.zone_notice(turn)]


def _card(turn: Turn, assignment: Assignment | None) -> Card | None:
    return search.card(turn, assignment.card_id) if assignment is not None else None


# --- a personal weekly exercise and the weekly check reminder -----------------------------------


def weekly_options(turn: Turn) -> Reply:
    """Choose a personal exercise for the week; switch the weekly quick-check reminder."""
    on = reminders.weekly_check_on(turn)
    options = (
        turn.option(PickWeekly(), turn.t("weekly_pick"), "w", stays=True),
        turn.option(
            WeeklyCheck("off" if on else "on"),
            turn.t("weekly_check_off" if on else "weekly_check_on"),
            "r",
            stays=True,
        ),
    )
    return turn.reply("weekly_intro", options=options)


def pick_weekly(turn: Turn, _choice: PickWeekly) -> list[Reply]:
    """Offer exercises for the user's focus (or the weakest competency of their last result)."""
    competency = turn.user.focus or progress.report(turn).focus
    if competency is None:
        check = turn.option(MenuDoor("check"), turn.t("menu_check"), "c")
        return [turn.reply("weekly_needs_focus", options=(check,))]
    name = turn.content.framework.competency(competency).name.in_(turn.user.language)
    cards = trainer.exercise_cards(turn, name, [f"competency:{competency}"], 3)
    if not cards:
        register = turn.content.framework.competency(competency).register
        cards = trainer.exercise_cards(turn, name, [f"register:{register}"], 3)
    if not cards:
        return [turn.reply("search_unavailable")]
    options = tuple(
        turn.option(StartWeekly(card.id), card.text(turn.user.language).title, str(n))
        for n, card in enumerate(cards, start=1)
    )
    return [turn.reply("weekly_offer", options=options, competency=name)]


def choose_weekly(turn: Turn, choice: StartWeekly) -> list[Reply] | None:
    """Start a personal exercise for a week, with a check-in reminder at its end."""
    card = search.card(turn, choice.card)
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
    assert assignment.id is not None
    review = Reminder(
        turn.user_id, ReminderKind.WEEKLY_EXERCISE, turn.now + WEEK, str(assignment.id)
    )
    turn.uow.reminders.add(review)
    title = card.text(turn.user.language).title
    opened = open_exercise(turn, OpenExercise(assignment.id)) or []
    return [turn.reply("weekly_started", title=title), *opened]


def weekly_review(turn: Turn, assignment: Assignment) -> list[Reply]:
    """A week has passed on a personal exercise: mark it done or pick the next."""
    card = _card(turn, assignment)
    if card is None or assignment.id is None:
        return []
    options = (
        turn.option(ExerciseDone(assignment.id), turn.t("exercise_done"), "d", stays=True),
        turn.option(PickWeekly(), turn.t("weekly_pick"), "w", stays=True),
    )
    text = turn.t("remind_weekly_exercise", title=card.text(turn.user.language).title)
    return [Reply(text=text, options=options, key="remind_weekly_exercise")]


def switch_weekly_check(turn: Turn, choice: WeeklyCheck) -> list[Reply]:
    """Turn the weekly quick-check reminder on or off."""
    reminders.set_weekly_check(turn, on=choice.switch == "on")
    notice = reminders.zone_notice(turn) if choice.switch == "on" else []
    return [turn.reply(f"weekly_check_set_{choice.switch}"), *notice]
