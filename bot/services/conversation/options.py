"""Every option the coach offers, as a typed value with its id shape (see protocol.py).

Ids carry their own context (a session, a position, a cohort) so that a handler can check them
against the stored state before anything changes: a stale or forged id changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from bot.domain.framework import Language, Role

from .protocol import MAX_ID_VALUE, Between, CardId, Id, OptionValue, Pattern, Verb, Word, option

Likert = Annotated[int, Between(1, 5)]
Position = Annotated[int, Between(0, 999)]
CompetencyId = Annotated[str, Pattern(r"[a-z]+\.[a-z-]+")]
# Ids that may be 0 for "none" or "everyone".
IdOrZero = Annotated[int, Between(0, MAX_ID_VALUE)]


# --- setup and menu ------------------------------------------------------------------------


@option(Verb.LANGUAGE)
class LanguageChoice(OptionValue):
    """Speak this language: `lang:fr`."""

    language: Language


@option(Verb.ROLE)
class RoleChoice(OptionValue):
    """This side of the relationship: `role:buyer`."""

    role: Role


@option(Verb.MENU)
class MenuDoor(OptionValue):
    """A door of the main menu, named like its command: `menu:check`."""

    door: Word


# --- self-assessment -----------------------------------------------------------------------


@option(Verb.ANSWER)
class Answer(OptionValue):
    """Answer the statement at a position of a session: `ans:<session>:<position>:<1-5>`."""

    session: Id
    position: Position
    value: Likert


@option(Verb.BACK)
class Back(OptionValue):
    """Go back one statement: `back:<session>`."""

    session: Id


@option(Verb.RESUME)
class Resume(OptionValue):
    """Carry on with a paused session: `resume:<session>`."""

    session: Id


@option(Verb.RESTART)
class Restart(OptionValue):
    """Drop a paused session and start afresh: `restart:<session>`."""

    session: Id


# --- progress and focus --------------------------------------------------------------------


@option(Verb.FOCUS)
class FocusOn(OptionValue):
    """Make a competency the focus: `focus:<register.competency>`."""

    competency: CompetencyId


@option(Verb.FOCUS_CHANGE)
class FocusChange(OptionValue):
    """Choose another focus: `focuschg`."""


@option(Verb.FOCUS_AUTO)
class FocusAuto(OptionValue):
    """Let the focus follow the weakest competency again: `focusauto`."""


@option(Verb.FOCUS_REGISTER)
class FocusRegister(OptionValue):
    """Show a register's competencies to pick a focus: `focusreg:<register>`."""

    register: Word


# --- knowledge cards -----------------------------------------------------------------------


@option(Verb.CARD)
class OpenCard(OptionValue):
    """Show a whole card: `card:<card id>`."""

    card: CardId


@option(Verb.SAVE)
class SaveCard(OptionValue):
    """Keep a card for later: `save:<card id>`."""

    card: CardId


@option(Verb.CLARIFY)
class Clarify(OptionValue):
    """The situation closest to a vague question (`other` when none is): `clarify:<situation>`."""

    situation: Word


# --- meetings: preparation, debrief, mood --------------------------------------------------


@option(Verb.PREPARE)
class PrepareMeeting(OptionValue):
    """Start preparing a meeting about a situation (`other` when unknown): `prepare:<situation>`."""

    situation: Word


@option(Verb.PREPARE_SITUATION)
class PrepareSituation(OptionValue):
    """The situation of the meeting being prepared: `prepsit:<situation>`."""

    situation: Word


@option(Verb.PREPARE_FEELING)
class PrepareFeeling(OptionValue):
    """How the user feels before the meeting: `prepfeel:<emotion>`."""

    feeling: Word


@option(Verb.PREPARE_SKIP)
class PrepareSkip(OptionValue):
    """Skip the optional last step of a preparation: `prepskip`."""


@option(Verb.PREPARE_BACK)
class PrepareBack(OptionValue):
    """Ask the previous step of a preparation again: `prepback:<preparation>`."""

    preparation: Id


@option(Verb.PREPARE_NEW)
class PrepareNew(OptionValue):
    """Leave the paused preparation and start a new one: `prepnew`."""


@option(Verb.DEBRIEF_LATER)
class DebriefLater(OptionValue):
    """Not now for the debrief offered on return: `dblater`."""


@option(Verb.SAFETY_HELP)
class SafetyHelp(OptionValue):
    """After a calm check-in: who can help, for a concern's category: `help:<category>`."""

    category: Word


@option(Verb.CHECK_IN_FINE)
class CheckInFine(OptionValue):
    """After a calm check-in: it is only work, carry on: `fine`."""


@option(Verb.DEBRIEF_START)
class DebriefStart(OptionValue):
    """Debrief the last prepared meeting: `dbstart`."""


@option(Verb.DEBRIEF_SCORE)
class DebriefScore(OptionValue):
    """How a prepared meeting went, 1-5: `debrief:<preparation>:<score>`."""

    preparation: Id
    score: Likert


@option(Verb.TIME_ZONE)
class TimeZoneChoice(OptionValue):
    """One of the time zones offered, by its place in the list: `tz:<index>`."""

    index: Annotated[int, Between(0, 31)]


@option(Verb.MOOD)
class Mood(OptionValue):
    """Today's mood, 1-5: `mood:<score>`."""

    score: Likert


# --- trainers ------------------------------------------------------------------------------


@option(Verb.TRAINER)
class TrainerHome(OptionValue):
    """The trainer's list of cohorts: `trainer`."""


@option(Verb.COHORT_NEW)
class NewCohort(OptionValue):
    """Create a cohort: `cohnew`."""


@option(Verb.COHORT)
class ShowCohort(OptionValue):
    """A trainer's cohort at a glance: `coh:<cohort>`."""

    cohort: Id


@option(Verb.COHORT_ASSIGN)
class AssignExercise(OptionValue):
    """Start giving an exercise to a cohort: `coasg:<cohort>`."""

    cohort: Id


@option(Verb.COHORT_REPORT)
class CohortReport(OptionValue):
    """A cohort's report: `corep:<cohort>`."""

    cohort: Id


@option(Verb.COHORT_EXPORT)
class CohortExport(OptionValue):
    """A cohort as CSV: `coexp:<cohort>`."""

    cohort: Id


@option(Verb.COHORT_ROTATE)
class RotateCode(OptionValue):
    """Give a cohort a new invitation code: `corot:<cohort>`."""

    cohort: Id


@option(Verb.COHORT_REVOKE)
class RevokeCode(OptionValue):
    """Close a cohort's invitations: `corev:<cohort>`."""

    cohort: Id


@option(Verb.ASSIGN_REGISTER)
class AssignRegister(OptionValue):
    """Offer the exercises of a register: `asgreg:<register>`."""

    register: Word


@option(Verb.ASSIGN_CARD)
class AssignCard(OptionValue):
    """The exercise card to give: `asgcard:<card id>`."""

    card: CardId


@option(Verb.ASSIGN_TO)
class AssignTo(OptionValue):
    """Who gets the exercise: a trainee's user id, or 0 for the whole cohort: `asgto:<id>`."""

    trainee: IdOrZero


@option(Verb.ASSIGN_DUE)
class AssignDue(OptionValue):
    """Due in so many days (0: no due date): `asgdue:<days>`."""

    days: Annotated[int, Between(0, 366)]


@option(Verb.ASSIGN_NO_NOTE)
class AssignWithoutNote(OptionValue):
    """Give the exercise without a note: `asgnote`."""


# --- trainees and exercises ----------------------------------------------------------------


@option(Verb.JOIN_ACCEPT)
class AcceptJoin(OptionValue):
    """Consent to share with a cohort's trainer: `joinok:<cohort>`."""

    cohort: Id


@option(Verb.JOIN_DECLINE)
class DeclineJoin(OptionValue):
    """Decline an invitation: `joinno:<cohort>`."""

    cohort: Id


@option(Verb.LEAVE)
class LeaveCohort(OptionValue):
    """Leave a cohort: `leave:<cohort>`."""

    cohort: Id


@option(Verb.EXERCISE_OPEN)
class OpenExercise(OptionValue):
    """Show an exercise in full: `exo:<assignment>`."""

    assignment: Id


@option(Verb.EXERCISE_DONE)
class ExerciseDone(OptionValue):
    """Mark an exercise done (a reflection and a rating follow): `exdone:<assignment>`."""

    assignment: Id


@option(Verb.EXERCISE_LATER)
class ExerciseLater(OptionValue):
    """Be reminded of an exercise tomorrow: `exlater:<assignment>`."""

    assignment: Id


@option(Verb.EXERCISE_RATE)
class RateExercise(OptionValue):
    """How well an exercise went, 1-5, or 0 to skip: `exrate:<assignment>:<rating>`."""

    assignment: Id
    rating: Annotated[int, Between(0, 5)]


@option(Verb.WEEKLY_PICK)
class PickWeekly(OptionValue):
    """Offer exercises to pick one for the week: `wkpick`."""


@option(Verb.WEEKLY)
class StartWeekly(OptionValue):
    """Start a personal exercise for a week: `weekly:<card id>`."""

    card: CardId


@option(Verb.WEEKLY_CHECK)
class WeeklyCheck(OptionValue):
    """Switch the weekly quick-check reminder: `wkcheck:on` or `wkcheck:off`."""

    switch: Literal["on", "off"]


@option(Verb.FORGET_YES)
class ForgetEverything(OptionValue):
    """Erase everything stored about the person, after /forget: `forgetyes`."""


@option(Verb.FORGET_NO)
class KeepEverything(OptionValue):
    """Keep it all after all: `forgetno`."""
