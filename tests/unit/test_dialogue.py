"""Conversations through the dialogue engine, as a user lives them (on the in-memory database).

Assertions are on stored state, option ids and text keys, not on wording: the texts themselves
are tested in test_content.py.
"""

from __future__ import annotations

import pytest

from bot.domain.assessment import InstrumentId, SessionStatus
from bot.domain.dialogue import Choice, Layout, ReplyKind
from bot.services.conversation.options import (
    Answer,
    Back,
    FocusAuto,
    FocusChange,
    FocusOn,
    FocusRegister,
    LanguageChoice,
    MenuDoor,
    Restart,
    Resume,
    RoleChoice,
)
from bot.services.conversation.protocol import Flow
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver
from tests.fakes import FakeClock, FakeStore


def _ready(chat: ChatDriver, lang: str = "en", role: str = "buyer") -> None:
    chat.start(language=lang, role=role)


def _user(store: FakeStore):  # type: ignore[no-untyped-def]
    return next(iter(store.users.values()))


def _session(store: FakeStore):  # type: ignore[no-untyped-def]
    return next(iter(store.sessions.values()))


def _sessions(store: FakeStore) -> dict[int, tuple[int, dict[str, int], SessionStatus]]:
    return {k: (s.position, dict(s.answers), s.status) for k, s in store.sessions.items()}


def _position(chat: ChatDriver) -> int:
    """The position of the statement on screen, read from its answer buttons."""
    answers = chat.offered(Answer)
    assert answers, f"no statement on screen: {chat.keys}"
    return answers[0].position


def test_a_new_user_without_hints_chooses_language_then_role_then_sees_the_menu(
    chat: ChatDriver, store: FakeStore
) -> None:
    chat.start()
    assert chat.flow is Flow.LANGUAGE
    assert {v.language for v in chat.offered(LanguageChoice)} == {"en", "fr"}
    chat.choose(LanguageChoice("fr"))
    assert "welcome" in chat.keys and chat.flow is Flow.ROLE
    assert _user(store).language == "fr" and _user(store).language_confirmed
    chat.choose(RoleChoice("buyer"))
    assert _user(store).role == "buyer" and chat.flow is Flow.MENU
    assert chat.offered(MenuDoor)[0] == MenuDoor("check")


def test_channel_hints_skip_the_language_and_role_questions(
    chat: ChatDriver, store: FakeStore
) -> None:
    chat.start(language="en", role="supplier")
    assert "welcome" in chat.keys and chat.flow is Flow.MENU
    chat.say("1")  # typing the number of a menu option chooses it
    assert chat.flow is Flow.ASSESSMENT and _session(store).role == "supplier"


def test_a_first_message_that_is_not_start_still_gets_the_greeting(chat: ChatDriver) -> None:
    chat.say("hello?")
    assert chat.flow is Flow.LANGUAGE and chat.offered(LanguageChoice)
    assert chat.conversation.pending is None  # a greeting needs no answer of its own


def test_a_complete_quick_check_by_buttons_gives_a_result_and_offers_a_focus(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.choose(MenuDoor("check"))
    assert "quick_intro" in chat.keys and _position(chat) == 0
    for value in (1, 3, 3, 3, 3, 3, 3, 3, 3, 3):  # one clear area to grow
        chat.answer(value)
    assert len(store.results) == 1
    assert chat.flow is Flow.FOCUS_OFFER
    result = next(iter(store.results.values()))
    weakest = min(result.scores.competencies, key=lambda c: result.scores.competencies[c])
    offer = chat.offered(FocusOn)
    assert offer == [FocusOn(weakest)]
    chat.choose(offer[0])
    assert _user(store).focus == weakest


def test_the_statement_is_a_scale_with_its_position_for_channels(chat: ChatDriver) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    question = next(reply for reply in chat.last if reply.options)
    assert question.layout is Layout.SCALE and question.progress is not None
    assert (question.progress.number, question.progress.total) == (2, 10)
    assert question.replaces_pressed and question.echo  # the answered one stays in view
    scale = [o for o in question.options if o.group == 0]
    assert [o.key for o in scale] == ["1", "2", "3", "4", "5"]


def test_going_back_shows_the_earlier_answer_and_lets_it_change(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(2)
    chat.answer(5)
    chat.say("b")
    assert _position(chat) == 1
    chat.answer(1)
    assert _position(chat) == 2
    assert list(_session(store).answers.values()) == [2, 1]


def test_back_on_the_first_statement_says_so(chat: ChatDriver) -> None:
    _ready(chat)
    chat.say("/check")
    chat.say("back")
    assert "already_first" in chat.keys and _position(chat) == 0


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("7", "answer_out_of_range"),
        ("0", "answer_out_of_range"),
        ("often", "answer_not_understood"),
        ("", "empty_message"),
        ("   ", "empty_message"),
        ("🙂👍 ça va", "answer_not_understood"),
        ("x" * 10_000, "answer_not_understood"),
        ("3" * 10_000, "answer_not_understood"),
        ("²²", "answer_out_of_range"),
        ("٣", "answer_not_understood"),
        ("99999999999999999999", "answer_not_understood"),
        ("/nonsense", "unknown_command"),
    ],
)
def test_bad_input_in_an_assessment_gets_help_and_keeps_the_session_intact(
    chat: ChatDriver, store: FakeStore, typed: str, key: str
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    before = _sessions(store)
    chat.say(typed)
    assert key in chat.keys
    assert _position(chat) == 1  # the question is shown again
    assert _sessions(store) == before
    assert len(chat.text) < 1000


def test_unicode_digits_that_show_a_number_answer_like_it(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.say("４")  # a full-width digit, as some phone keyboards type it
    assert list(_session(store).answers.values()) == [4]


def test_a_command_in_the_middle_pauses_and_the_check_resumes_where_it_was(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    for value in (1, 2, 3, 4):
        chat.answer(value)
    chat.say("/progress")
    assert "progress_empty" in chat.keys and "paused" in chat.keys
    assert _session(store).status is SessionStatus.PAUSED
    chat.say("/check")
    assert chat.flow is Flow.RESUME
    chat.choose(chat.offered(Resume)[0])
    assert _position(chat) == 4
    assert list(_session(store).answers.values()) == [1, 2, 3, 4]


def test_help_in_the_middle_keeps_the_question_on_screen(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    chat.say("/help")
    assert "help" in chat.keys and "help_in_assessment" in chat.keys
    assert chat.flow is Flow.ASSESSMENT and _session(store).status is SessionStatus.ACTIVE
    chat.answer(3)
    assert _position(chat) == 2


def test_check_typed_during_the_check_shows_the_statement_again(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    chat.say("/check")
    assert _position(chat) == 1 and _session(store).status is SessionStatus.ACTIVE


def test_starting_over_drops_the_half_finished_session(chat: ChatDriver, store: FakeStore) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    chat.say("/cancel")
    chat.say("/check")
    chat.choose(chat.offered(Restart)[0])
    assert _position(chat) == 0
    statuses = sorted(s.status.value for s in store.sessions.values())
    assert statuses == ["abandoned", "active"]


def test_cancel_outside_any_flow_says_there_is_nothing_to_cancel(chat: ChatDriver) -> None:
    _ready(chat)
    chat.say("/cancel")
    assert "nothing_to_cancel" in chat.keys and chat.flow is Flow.MENU


def test_a_stale_button_changes_nothing(chat: ChatDriver, store: FakeStore) -> None:
    _ready(chat)
    chat.say("/check")
    first_question = chat.option("3").id
    chat.answer(3)
    snapshot = _sessions(store)
    chat.send(Choice(first_question))
    assert chat.last[0].kind is ReplyKind.STALE and _position(chat) == 1
    assert _sessions(store) == snapshot


@pytest.mark.parametrize(
    "forged",
    [
        "ans:999:0:3",
        "ans:1:0:9",
        "ans:x:y:z",
        "ans:1:0:٣",
        "ans:1:0:²",
        "ans:99999999999999999999:0:3",
        "ans:1:0:3:4",
        "nothing",
        "focus:justice.kindness",
        "focus:../../etc",
        "",
        "lang:de",
        "menu:nonsense",
        "é" * 80,
    ],
)
def test_forged_choices_change_nothing(chat: ChatDriver, store: FakeStore, forged: str) -> None:
    _ready(chat)
    chat.say("/check")
    snapshot = _sessions(store)
    focus, language = _user(store).focus, _user(store).language
    chat.send(Choice(forged))
    assert chat.last[0].kind is ReplyKind.STALE and _position(chat) == 0
    assert _sessions(store) == snapshot
    assert (_user(store).focus, _user(store).language) == (focus, language)


def test_one_user_cannot_answer_in_another_users_session(
    engine: DialogueEngine, store: FakeStore
) -> None:
    ana, bob = ChatDriver(engine, "ana"), ChatDriver(engine, "bob")
    _ready(ana)
    _ready(bob)
    ana.say("/check")
    bob.say("/check")
    ana_button = ana.option("5").id
    bob.send(Choice(ana_button))
    assert bob.last[0].kind is ReplyKind.STALE
    assert all(not s.answers for s in store.sessions.values())


def test_a_crash_while_answering_leaves_the_previous_state_intact(
    chat: ChatDriver, store: FakeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ready(chat)
    chat.say("/check")
    for _ in range(9):
        chat.answer(4)
    before = _sessions(store)

    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("tests.fakes.FakeResultRepository.add", explode)
    with pytest.raises(RuntimeError):
        chat.answer(4)
    assert _sessions(store) == before
    assert store.results == {}
    monkeypatch.undo()
    chat.say("4")  # the same answer, once the fault is gone, completes it
    assert len(store.results) == 1


def test_switching_language_mid_check_keeps_the_check_and_speaks_french_at_once(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(2)
    question_before = chat.offered(Answer)
    chat.say("/language fr")
    assert "language_set" in chat.keys and "paused" not in chat.keys
    assert _user(store).language == "fr" and _session(store).status is SessionStatus.ACTIVE
    assert chat.flow is Flow.ASSESSMENT and chat.offered(Answer) == question_before
    statement = next(reply for reply in chat.last if reply.options).text
    assert statement != "" and "1 jamais" in [o.label for o in chat.options]
    chat.answer(4)
    assert list(_session(store).answers.values()) == [2, 4]


def test_switching_side_mid_check_rewords_the_statement_for_it(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    buyer_wording = next(reply for reply in chat.last if reply.options).text
    chat.say("/role supplier")
    assert _user(store).role == "supplier" and chat.flow is Flow.ASSESSMENT
    assert next(reply for reply in chat.last if reply.options).text != buyer_wording


def test_language_without_argument_offers_both_and_keeps_the_step(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/check")
    chat.answer(3)
    chat.say("/language")
    assert chat.offered(LanguageChoice) and chat.flow is Flow.ASSESSMENT
    chat.say("2")  # the language offered as 2 on screen
    assert _user(store).language == "fr" and _position(chat) == 1


def test_progress_compares_the_latest_result_with_the_previous_and_the_first(
    chat: ChatDriver, clock: FakeClock, store: FakeStore
) -> None:
    _ready(chat)
    for value in (2, 3, 5):
        chat.say("/check")
        for _ in range(10):
            chat.answer(value)
        clock.advance(days=7)
    chat.say("/progress")
    assert "progress_empty" not in chat.keys and len(store.results) == 3
    assert "↑" in chat.text or "↓" in chat.text


def test_focus_can_be_chosen_and_returned_to_automatic(chat: ChatDriver, store: FakeStore) -> None:
    _ready(chat)
    chat.say("/focus")
    assert "focus_none" in chat.keys
    chat.choose(FocusChange())
    assert chat.flow is Flow.FOCUS_REGISTER
    chat.choose(FocusRegister("courage"))
    assert chat.flow is Flow.FOCUS_COMPETENCY
    chat.choose(FocusOn("courage.candor"))
    assert _user(store).focus == "courage.candor"
    chat.say("/focus")
    assert "focus_current_chosen" in chat.keys
    chat.choose(FocusChange())
    chat.choose(FocusAuto())
    assert _user(store).focus is None


def test_focus_by_command_argument_and_unknown_competency(
    chat: ChatDriver, store: FakeStore
) -> None:
    _ready(chat)
    chat.say("/focus temperance.patience")
    assert "focus_set" in chat.keys and _user(store).focus == "temperance.patience"
    chat.say("/focus kindness")
    assert "focus_unknown" in chat.keys and chat.flow is Flow.FOCUS_REGISTER


def test_the_full_assessment_scores_all_18_competencies(chat: ChatDriver, store: FakeStore) -> None:
    _ready(chat, lang="fr", role="supplier")
    chat.say("/assess")
    assert "full_intro" in chat.keys and _position(chat) == 0
    assert _session(store).instrument is InstrumentId.FULL
    for index in range(36):
        chat.answer(1 + index % 5)
    result = next(iter(store.results.values()))
    assert len(result.scores.competencies) == 18 and len(result.scores.registers) == 5


def test_back_is_offered_from_the_second_statement(chat: ChatDriver) -> None:
    _ready(chat)
    chat.say("/check")
    assert not chat.offered(Back)
    chat.answer(3)
    assert chat.offered(Back) and chat.offered(Back)[0].session == chat.offered(Answer)[0].session
