"""The data each flow keeps between two messages (flows without data keep nothing)."""

from __future__ import annotations

from .protocol import Flow
from .state import StepData, step_data


@step_data(Flow.ASSESSMENT, Flow.RESUME)
class SessionStep(StepData):
    """The assessment session on screen (answering it, or offered to resume)."""

    session: int


@step_data(Flow.FOCUS_OFFER)
class FocusOfferStep(StepData):
    """After a result: the competency offered as the focus."""

    competency: str


@step_data(Flow.FOCUS_COMPETENCY)
class FocusRegisterStep(StepData):
    """Choosing a focus: the register whose competencies are offered."""

    register: str


@step_data(Flow.CARDS, Flow.SAVED)
class CardsStep(StepData):
    """The cards last shown, in order (shown again after a notice)."""

    cards: tuple[str, ...]


@step_data(Flow.CLARIFY)
class ClarifyStep(StepData):
    """A question too vague to answer, kept while the user picks the closest situation."""

    query: str


@step_data(Flow.PREPARE, Flow.DEBRIEF, Flow.DEBRIEF_OFFER)
class PreparationStep(StepData):
    """The meeting being prepared, debriefed, or offered for a debrief."""

    prep: int


@step_data(Flow.COHORT)
class CohortStep(StepData):
    """The trainer's cohort on screen."""

    cohort: int


@step_data(Flow.ASSIGN)
class AssignStep(StepData):
    """Giving an exercise: the cohort, then the card, who gets it (0: everyone), the due date.

    `due` is an ISO date, or "" for no due date; None while not chosen yet.
    """

    cohort: int
    card: str | None = None
    target: int | None = None
    due: str | None = None
    # What the exercises were looked for with (a register, or typed words), to offer them again.
    register: str | None = None
    words: str | None = None


@step_data(Flow.JOIN_CONSENT, Flow.JOIN_NAME)
class JoinStep(StepData):
    """Joining a cohort: which one, and the code used (checked again at each step)."""

    cohort: int
    code: str


@step_data(Flow.REFLECT)
class ReflectStep(StepData):
    """Marking an exercise done: the reflection is asked for."""

    assignment: int


@step_data(Flow.RATE)
class RateStep(StepData):
    """Marking an exercise done: the reflection given, the rating asked for."""

    assignment: int
    reflection: str
