"""What someone asks before the setup is done is kept and carried out once language and side
are known; switching language later keeps the step on screen."""

from __future__ import annotations

from bot.domain.dialogue import Start, Text
from bot.services.conversation.options import LanguageChoice, MenuDoor, OpenCard, RoleChoice
from bot.services.conversation.protocol import Flow
from bot.services.engine import DialogueEngine
from tests.conftest import ChatDriver
from tests.fakes import FakeStore

QUESTION = "my supplier wants a 9% price increase because of energy, I meet them tomorrow"
QUESTION_FR = (
    "mon fournisseur annonce une hausse de prix de 9 % à cause de l'énergie, je le vois demain"
)


def _user(store: FakeStore):  # type: ignore[no-untyped-def]
    return next(iter(store.users.values()))


def test_a_check_asked_before_the_side_starts_once_the_side_is_known(
    chat: ChatDriver, store: FakeStore
) -> None:
    chat.start(language="en")
    assert chat.flow is Flow.ROLE
    chat.say("/check")
    assert chat.flow is Flow.ROLE and chat.conversation.pending == "/check"
    assert "ask_role_kept" in chat.keys and not store.sessions
    chat.choose(RoleChoice("buyer"))
    assert "role_set" in chat.keys and "quick_intro" in chat.keys
    assert chat.flow is Flow.ASSESSMENT and len(store.sessions) == 1
    assert chat.conversation.pending is None and not chat.offered(MenuDoor)


def test_a_question_typed_at_the_language_prompt_is_answered_after_the_setup(
    chat: ChatDriver,
) -> None:
    chat.start()
    chat.say(QUESTION)
    assert chat.flow is Flow.LANGUAGE and chat.conversation.pending == QUESTION
    assert "ask_language_kept" in chat.keys and chat.offered(LanguageChoice)
    chat.choose(LanguageChoice("en"))
    assert chat.flow is Flow.ROLE and "ask_role_kept" in chat.keys
    chat.choose(RoleChoice("buyer"))
    assert chat.flow is Flow.CARDS and chat.offered(OpenCard)
    assert chat.conversation.pending is None


def test_a_first_message_before_start_is_kept_for_after_the_setup(
    engine: DialogueEngine, store: FakeStore
) -> None:
    # On Telegram the language comes with the message: only the side is asked.
    replies = engine.handle("telegram", "42", Text(QUESTION_FR), language_hint="fr")
    assert "welcome" in [r.key for r in replies] and "ask_role_kept" in [r.key for r in replies]
    telegram = ChatDriver(engine, "42", channel="telegram")
    assert telegram.conversation.pending == QUESTION_FR
    telegram.choose(RoleChoice("supplier"))
    assert telegram.flow is Flow.CARDS and _user(store).role == "supplier"


def test_a_language_and_a_side_typed_in_words_are_understood(
    chat: ChatDriver, store: FakeStore
) -> None:
    chat.start()
    chat.say("Français")
    assert _user(store).language == "fr" and chat.flow is Flow.ROLE
    chat.say("acheteuse")
    assert _user(store).role == "buyer" and chat.flow is Flow.MENU


def test_a_greeting_at_the_language_prompt_is_not_kept(chat: ChatDriver) -> None:
    chat.start()
    chat.say("bonjour !")
    assert chat.flow is Flow.LANGUAGE and chat.conversation.pending is None


def test_distress_at_the_language_prompt_gets_the_hand_off_at_once_and_is_not_kept(
    chat: ChatDriver, store: FakeStore
) -> None:
    chat.start()
    chat.say("je n'en peux plus, je pense à en finir")
    assert any(key.startswith("safety_") for key in chat.keys)
    assert chat.conversation.pending is None
    assert len(store.safety_events) == 1  # the category only, never the text


def test_cancel_during_the_setup_forgets_what_was_kept(chat: ChatDriver) -> None:
    chat.start(language="en")
    chat.say("/progress")
    assert chat.conversation.pending == "/progress"
    chat.say("/cancel")
    assert chat.conversation.pending is None and chat.flow is Flow.ROLE


def test_the_newest_request_is_the_one_carried_out(chat: ChatDriver, store: FakeStore) -> None:
    chat.start(language="en")
    chat.say("/progress")
    chat.say("/assess")
    chat.choose(RoleChoice("supplier"))
    assert chat.flow is Flow.ASSESSMENT
    assert next(iter(store.sessions.values())).instrument.value == "full"


def test_the_menu_is_never_shown_before_the_setup_is_done(chat: ChatDriver) -> None:
    chat.start(language="en")
    chat.say("/menu")
    assert chat.flow is Flow.ROLE and not chat.offered(MenuDoor)
    chat.say("/help")
    assert "help" in chat.keys and chat.offered(RoleChoice)


def test_an_unknown_command_during_the_setup_is_kept_then_named_unknown(
    chat: ChatDriver,
) -> None:
    chat.start(language="en")
    chat.say("/nonsense")
    assert "unknown_command" in chat.keys and chat.offered(RoleChoice)
    assert chat.conversation.pending is None


def test_emojis_at_the_language_prompt_are_not_kept(chat: ChatDriver) -> None:
    chat.start()
    chat.say("😡😡😡")
    assert chat.flow is Flow.LANGUAGE and chat.conversation.pending is None


def test_joining_before_the_language_is_known_waits_for_the_language(
    chat: ChatDriver, store: FakeStore, engine: DialogueEngine
) -> None:
    code = _cohort_code(engine, store)
    chat.start()
    chat.say(f"/join {code}")
    assert chat.flow is Flow.LANGUAGE and chat.conversation.pending == f"/join {code}"
    chat.choose(LanguageChoice("fr"))
    chat.choose(RoleChoice("supplier"))
    assert chat.flow is Flow.JOIN_CONSENT and _language_of(store, "ana") == "fr"


def test_an_invitation_link_in_an_unknown_language_asks_the_language_first(
    engine: DialogueEngine, store: FakeStore
) -> None:
    code = _cohort_code(engine, store)
    # A Telegram user whose app speaks German: no language the coach knows.
    engine.handle("telegram", "77", Start(payload=f"join_{code}", language_is_hint=True))
    person = ChatDriver(engine, "77", channel="telegram")
    assert person.flow is Flow.LANGUAGE and person.conversation.pending == f"/join join_{code}"
    person.choose(LanguageChoice("en"))
    person.choose(RoleChoice("buyer"))
    assert person.flow is Flow.JOIN_CONSENT


def _cohort_code(engine: DialogueEngine, store: FakeStore) -> str:
    trainer = ChatDriver(engine, "tom")
    trainer.start(language="en", role="trainer")
    trainer.say("/trainer")
    trainer.say("Tom")
    trainer.say("n")
    trainer.say("Buyers")
    code = next(iter(store.cohorts.values())).code
    assert code is not None
    return code


def _language_of(store: FakeStore, name: str) -> str:
    return next(u.language for u in store.users.values() if u.external_id == name)
