"""Conversations through the dialogue engine, as a user lives them (on the in-memory database)."""

from __future__ import annotations

import pytest

from bot.domain.assessment import SessionStatus
from bot.domain.dialogue import Choice
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver
from tests.fakes import FakeClock, FakeStore


def _ready(chat: ChatDriver, lang: str = "en", role: str = "buyer") -> None:
    chat.start(language=lang, role=role)


def test_a_new_user_without_hints_chooses_language_then_role_then_sees_the_menu(
    chat: ChatDriver,
) -> None:
    text = chat.start()
    assert "Which language" in text and "Quelle langue" in text
    text = chat.press("Français")
    assert "Bonjour, je suis TrustCoach" in text and "De quel côté" in text
    text = chat.press("Acheteur")
    assert "vous êtes acheteur" in text
    assert next(o.label for o in chat.options) == "Autodiagnostic express (3 min)"


def test_channel_hints_skip_the_language_and_role_questions(chat: ChatDriver) -> None:
    text = chat.start(language="en", role="supplier")
    assert "Hello, I'm TrustCoach" in text and "Which side" not in text
    chat.say("1")  # typing the number of a menu option chooses it
    assert "1/10" in chat.text and "customer" in chat.text  # the supplier's wording


def test_a_first_message_that_is_not_start_still_gets_the_greeting(chat: ChatDriver) -> None:
    assert "Which language" in chat.say("hello?")


def test_a_complete_quick_check_by_buttons_gives_a_result_and_offers_a_focus(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.press("Quick self-check")
    assert "10 statements" in chat.text and "1/10" in chat.text
    for _ in range(10):
        chat.answer(4)
    text = chat.text
    for register in ("Altruism", "Justice", "Prudence", "Courage", "Temperance"):
        assert register in text
    assert "Strength:" in text and "Area to grow:" in text and "not the official index" in text
    assert len(store.results) == 1
    result = next(iter(store.results.values()))
    weakest = min(result.scores.competencies, key=lambda c: result.scores.competencies[c])
    chat.press("Yes, make it my focus")
    user = next(iter(store.users.values()))
    assert user.focus == weakest


def test_going_back_shows_the_earlier_answer_and_lets_it_change(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(2)
    chat.answer(5)
    text = chat.say("b")
    assert "2/10" in text and "your earlier answer: 5" in text
    chat.answer(1)
    assert "3/10" in chat.text
    session = next(iter(store.sessions.values()))
    assert list(session.answers.values()) == [2, 1]


def test_back_on_the_first_statement_says_so(chat: ChatDriver) -> None:
    _ready(chat)
    chat.say("/check")
    assert "first statement" in chat.say("back") and "1/10" in chat.text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7", "from 1 (never) to 5 (always)"),
        ("0", "from 1 (never) to 5 (always)"),
        ("often", "I need a number from 1 to 5"),
        ("", "I didn't receive any text"),
        ("   ", "I didn't receive any text"),
        ("🙂👍 ça va", "I need a number from 1 to 5"),
        ("x" * 10_000, "I need a number from 1 to 5"),
        ("3" * 10_000, "I need a number from 1 to 5"),
        ("/nonsense", "I don't know the command /nonsense"),
    ],
)
def test_bad_input_in_an_assessment_gets_help_and_keeps_the_session_intact(
    chat: ChatDriver, store: FakeStore, typed: str, expected: str
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    before = {k: (s.position, dict(s.answers), s.status) for k, s in store.sessions.items()}
    text = chat.say(typed)
    assert expected in text
    assert "2/10" in text  # the question is shown again
    assert {k: (s.position, dict(s.answers), s.status) for k, s in store.sessions.items()} == before
    assert len(text) < 1000


def test_a_command_in_the_middle_pauses_and_the_check_resumes_where_it_was(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    for value in (1, 2, 3, 4):
        chat.answer(value)
    text = chat.say("/progress")
    assert "No results yet" in text and "Paused at 4/10" in text
    assert next(iter(store.sessions.values())).status is SessionStatus.PAUSED
    assert "quick self-check in progress (4/10" in chat.say("/check")
    assert "5/10" in chat.press("Resume")
    assert list(next(iter(store.sessions.values())).answers.values()) == [1, 2, 3, 4]


def test_help_in_the_middle_keeps_the_question_on_screen(chat: ChatDriver) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    text = chat.say("/help")
    assert "/assess" in text and "statement 2/10" in text
    assert "3/10" in chat.answer(3)


def test_starting_over_drops_the_half_finished_session(chat: ChatDriver, store: FakeStore) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    chat.say("/cancel")
    chat.say("/check")
    assert "1/10" in chat.press("Start over")
    statuses = sorted(s.status.value for s in store.sessions.values())
    assert statuses == ["abandoned", "active"]


def test_cancel_outside_any_flow_says_there_is_nothing_to_cancel(chat: ChatDriver) -> None:
    _ready(chat)
    assert "nothing to cancel" in chat.say("/cancel")


def test_a_stale_button_changes_nothing(chat: ChatDriver, store: FakeStore) -> None:
    _ready(chat)
    chat.say("/check")
    first_question = chat.option("3").id
    chat.answer(3)
    snapshot = {k: (s.position, dict(s.answers)) for k, s in store.sessions.items()}
    text = chat.send(Choice(first_question))
    assert "earlier step" in text and "2/10" in text
    assert {k: (s.position, dict(s.answers)) for k, s in store.sessions.items()} == snapshot


@pytest.mark.parametrize(
    "forged", ["ans:999:0:3", "ans:1:0:9", "ans:x:y:z", "nothing", "focus:justice.kindness", ""]
)
def test_forged_choices_change_nothing(chat: ChatDriver, store: FakeStore, forged: str) -> None:
    _ready(chat)
    chat.say("/check")
    snapshot = {k: (s.position, dict(s.answers)) for k, s in store.sessions.items()}
    focus = next(iter(store.users.values())).focus
    assert "earlier step" in chat.send(Choice(forged))
    assert {k: (s.position, dict(s.answers)) for k, s in store.sessions.items()} == snapshot
    assert next(iter(store.users.values())).focus == focus


def test_one_user_cannot_answer_in_another_users_session(
    engine: DialogueEngine, store: FakeStore
) -> None:
    ana, bob = ChatDriver(engine, "ana"), ChatDriver(engine, "bob")
    _ready(ana)
    _ready(bob)
    ana.say("/check")
    bob.say("/check")
    ana_button = ana.option("5").id
    assert "earlier step" in bob.send(Choice(ana_button))
    assert all(not s.answers for s in store.sessions.values())


def test_a_crash_while_answering_leaves_the_previous_state_intact(
    chat: ChatDriver, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ready(chat)
    chat.say("/check")
    for _ in range(9):
        chat.answer(4)
    before = {k: (s.position, dict(s.answers), s.status) for k, s in store.sessions.items()}

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("tests.fakes.FakeResultRepository.add", explode)
    with pytest.raises(RuntimeError):
        chat.answer(4)
    assert {k: (s.position, dict(s.answers), s.status) for k, s in store.sessions.items()} == before
    assert store.results == {}
    monkeypatch.undo()
    assert "Strength:" in chat.say("4")  # the same answer, once the fault is gone, completes it


def test_switching_language_mid_check_pauses_it_and_continues_in_french(chat: ChatDriver) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(2)
    text = chat.say("/language fr")
    assert "Paused at 1/10" in text and "on continue en français" in text
    text = chat.say("/check")
    assert "autodiagnostic express en cours (1/10" in text
    assert "2/10" in chat.press("Reprendre")
    assert "1 jamais" in [o.label for o in chat.options]


def test_progress_compares_the_latest_result_with_the_previous_and_the_first(
    chat: ChatDriver, clock: FakeClock
) -> None:
    _ready(chat)
    for value in (2, 3, 5):
        chat.say("/check")
        for _ in range(10):
            chat.answer(value)
        clock.advance(days=7)
    text = chat.say("/progress")
    assert "over 3 results" in text
    assert "History:" in text and text.count("quick self-check") == 3
    assert "↑" in text or "↓" in text


def test_focus_can_be_chosen_and_returned_to_automatic(chat: ChatDriver, store: FakeStore) -> None:
    _ready(chat)
    assert "No focus yet" in chat.say("/focus")
    chat.press("Choose a focus")
    chat.press("Courage")
    chat.press("focus:courage.candor")
    assert next(iter(store.users.values())).focus == "courage.candor"
    assert "your choice" in chat.say("/focus")
    chat.press("Choose another focus")
    chat.press("Automatic")
    assert next(iter(store.users.values())).focus is None


def test_focus_by_command_argument_and_unknown_competency(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    assert "is now your focus" in chat.say("/focus temperance.patience")
    assert next(iter(store.users.values())).focus == "temperance.patience"
    assert "I don't know the competency" in chat.say("/focus kindness")


def test_the_full_assessment_scores_all_18_competencies(chat: ChatDriver, store: FakeStore) -> None:
    _ready(chat, lang="fr", role="supplier")
    chat.say("/assess")
    assert "36 affirmations" in chat.text and "1/36" in chat.text
    for index in range(36):
        chat.answer(1 + index % 5)
    assert "Votre bilan complet" in chat.text
    result = next(iter(store.results.values()))
    assert len(result.scores.competencies) == 18 and len(result.scores.registers) == 5
