"""Routes an inbound event to the step of the conversation it belongs to."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from bot.domain.assessment import InstrumentId
from bot.domain.cohorts import JOIN_PREFIX
from bot.domain.dialogue import Choice, Inbound, Option, Reply, Start, Text
from bot.domain.framework import as_language, as_role
from bot.services import (
    assessment_flow,
    cohort_routes,
    emotion_flow,
    knowledge_flow,
    mood_flow,
    nudges,
    onboarding,
    prepare_flow,
    progress_flow,
    trainee_flow,
)
from bot.services.turn import Turn

# Longer messages are cut before they are read: nothing the coach does needs more.
MAX_TEXT_LENGTH = 4000

CommandHandler = Callable[[Turn, str], list[Reply]]


def handle(turn: Turn, event: Inbound) -> list[Reply]:
    """Return the coach's replies to one event, updating the user's state on the way."""
    if isinstance(event, Start):
        return on_start(turn, event)
    if not turn.user.state and isinstance(event, Text) and not event.text.strip().startswith("/"):
        # A first message that is not /start still deserves the greeting and setup.
        return on_start(turn, Start())
    if isinstance(event, Choice):
        return on_choice(turn, event.option_id)
    return on_text(turn, event.text)


def on_start(turn: Turn, event: Start) -> list[Reply]:
    """Greet a new user (asking what the channel did not say) or welcome one back."""
    is_new = not turn.user.language_confirmed and turn.user.role is None
    if event.language is not None and not (event.language_is_hint and turn.user.language_confirmed):
        turn.user.language = event.language
        turn.user.language_confirmed = True
    if event.role is not None:
        turn.user.role = event.role
    if event.payload and event.payload.casefold().startswith(JOIN_PREFIX):
        # An invitation link: the consent question comes first, setup can follow.
        greeting = [turn.reply("welcome")] if is_new else []
        return [*greeting, *trainee_flow.join(turn, event.payload)]
    if not turn.user.language_confirmed:
        return onboarding.ask_language(turn)
    if is_new or turn.user.role is None:
        greeting = [turn.reply("welcome")]
        return greeting + (
            onboarding.ask_role(turn) if turn.user.role is None else onboarding.menu(turn)
        )
    if turn.flow in ("assessment", "resume", "prepare"):
        return [turn.reply("welcome_back_paused"), *current_prompt(turn)]
    reminder = [*nudges.due_for_user(turn), *prepare_flow.debrief_reminder(turn)]
    if not mood_flow.checked_in_today(turn):
        # The daily check-in: one tap, and free text or any command simply moves on.
        return [turn.reply("welcome_back"), *reminder, *mood_flow.ask(turn)]
    return [turn.reply("welcome_back"), *onboarding.menu(turn), *reminder]


def on_text(turn: Turn, raw: str) -> list[Reply]:
    """Handle typed text: a command, an option typed by key or label, or a step's own input."""
    text = _clean(raw)
    if not text:
        return [turn.reply("empty_message"), *current_prompt(turn)]
    if text.startswith("/"):
        return on_command(turn, text)
    option = _typed_option(turn, text)
    if option is not None:
        return on_choice(turn, option.id)
    handler = TEXT_STEPS.get(turn.flow)
    if handler is not None:
        return handler(turn, text) or stale(turn)
    if turn.flow in ("language", "role"):
        return [turn.reply("pick_an_option"), *current_prompt(turn)]
    return emotion_flow.respond(turn, text)


def on_choice(turn: Turn, option_id: str) -> list[Reply]:
    """Handle the choice of an offered option; a stale or forged one changes nothing."""
    verb, _, argument = option_id.partition(":")
    handler = CHOICES.get(verb)
    replies = handler(turn, argument) if handler is not None else None
    return replies if replies is not None else stale(turn)


def on_command(turn: Turn, text: str) -> list[Reply]:
    """Run a slash command, keeping any assessment in progress intact."""
    word, _, argument = text[1:].partition(" ")
    name = COMMAND_ALIASES.get(word.casefold().split("@")[0], word.casefold())
    handler = COMMANDS.get(name)
    if handler is None:
        return [turn.reply("unknown_command", command="/" + word[:30]), *current_prompt(turn)]
    return handler(turn, argument.strip())


def stale(turn: Turn) -> list[Reply]:
    """Answer a button that no longer matches the conversation, and show where it stands."""
    notice = Reply(text=turn.t("stale_option"), kind="stale")
    return [notice, *current_prompt(turn)]


def current_prompt(turn: Turn) -> list[Reply]:
    """Repeat the question the conversation is waiting on (the menu when idle)."""
    prompt = PROMPTS.get(turn.flow)
    return prompt(turn) if prompt is not None else onboarding.menu(turn)


def _session_prompt(turn: Turn) -> list[Reply]:
    on_screen = assessment_flow.session_on_screen(turn)
    if on_screen is None:
        return onboarding.menu(turn)
    if turn.flow == "resume":
        return assessment_flow.offer_resume(turn, on_screen)
    return assessment_flow.ask(turn, on_screen)


PROMPTS: dict[str, Callable[[Turn], list[Reply]]] = {
    "language": onboarding.ask_language,
    "role": onboarding.ask_role,
    "assessment": _session_prompt,
    "resume": _session_prompt,
    "focus_offer": lambda turn: [
        progress_flow.offer_focus(turn, str(turn.state_value("competency")))
    ],
    "focus": progress_flow.show_focus,
    "focus_register": progress_flow.pick_register,
    "focus_competency": lambda turn: progress_flow.pick_competency(
        turn, str(turn.state_value("register"))
    ),
    "cards": lambda turn: knowledge_flow.cards_prompt(turn) or onboarding.menu(turn),
    "saved": knowledge_flow.list_saved,
    "clarify": lambda turn: knowledge_flow.clarify(turn, str(turn.state_value("query") or "")),
    "mood": mood_flow.ask,
    "prepare": lambda turn: (
        prepare_flow.ask(turn, p) if (p := prepare_flow.current(turn)) else onboarding.menu(turn)
    ),
    "debrief": prepare_flow.debrief_prompt,
    **cohort_routes.PROMPTS,
}

# Steps that read typed text themselves (None back means the step no longer exists: stale).
TEXT_STEPS: dict[str, Callable[[Turn, str], list[Reply] | None]] = {
    "assessment": assessment_flow.on_text,
    "prepare": prepare_flow.on_text,
    "debrief": prepare_flow.debrief_text,
    **cohort_routes.TEXT_STEPS,
}


# --- commands ---------------------------------------------------------------------------------


def _cmd_start(turn: Turn, _argument: str) -> list[Reply]:
    return on_start(turn, Start())


def _cmd_help(turn: Turn, _argument: str) -> list[Reply]:
    position = assessment_flow.current_position(turn)
    if position is None:
        return [onboarding.help_text(turn)]
    return [
        onboarding.help_text(turn),
        turn.reply("help_in_assessment", position=position),
        *current_prompt(turn),
    ]


def _cmd_check(turn: Turn, _argument: str) -> list[Reply]:
    return _start_instrument(turn, InstrumentId.QUICK)


def _cmd_assess(turn: Turn, _argument: str) -> list[Reply]:
    return _start_instrument(turn, InstrumentId.FULL)


def _start_instrument(turn: Turn, instrument: InstrumentId) -> list[Reply]:
    on_screen = assessment_flow.session_on_screen(turn)
    if on_screen is not None and on_screen.instrument is instrument:
        return assessment_flow.ask(turn, on_screen)
    paused = assessment_flow.pause(turn)
    if turn.user.role is None:
        return onboarding.ask_role(turn)
    return ([paused] if paused else []) + assessment_flow.start(turn, instrument)


def _cmd_progress(turn: Turn, _argument: str) -> list[Reply]:
    return _pausing(turn, progress_flow.show_progress(turn))


def _cmd_focus(turn: Turn, argument: str) -> list[Reply]:
    if argument:
        chosen = progress_flow.set_focus(turn, argument.strip().casefold())
        if chosen is not None:
            return _pausing(turn, [chosen])
        return [
            turn.reply("focus_unknown", value=argument[:40]),
            *progress_flow.pick_register(turn),
        ]
    paused = assessment_flow.pause(turn)
    return ([paused] if paused else []) + progress_flow.show_focus(turn)


def _cmd_language(turn: Turn, argument: str) -> list[Reply]:
    paused = assessment_flow.pause(turn)
    language = as_language(argument)
    replies = onboarding.set_language(turn, language) if language else onboarding.ask_language(turn)
    return ([paused] if paused else []) + replies


def _cmd_role(turn: Turn, argument: str) -> list[Reply]:
    paused = assessment_flow.pause(turn)
    role = as_role(argument)
    replies = onboarding.set_role(turn, role) if role else onboarding.ask_role(turn)
    return ([paused] if paused else []) + replies


def _cmd_cancel(turn: Turn, _argument: str) -> list[Reply]:
    paused = assessment_flow.pause(turn)
    if paused is not None:
        turn.go("menu")
        return [paused]
    if turn.flow in ("prepare", "debrief"):
        turn.go("menu")
        return [turn.reply("prep_paused"), *onboarding.menu(turn)]
    if turn.flow in ("menu", "focus_offer"):
        return [turn.reply("nothing_to_cancel"), *onboarding.menu(turn)]
    return [turn.reply("cancelled"), *onboarding.menu(turn)]


def _cmd_menu(turn: Turn, _argument: str) -> list[Reply]:
    paused = assessment_flow.pause(turn)
    return ([paused] if paused else []) + onboarding.menu(turn)


def _pausing(turn: Turn, replies: list[Reply]) -> list[Reply]:
    """Pause an assessment on screen before showing something else, and say so."""
    paused = assessment_flow.pause(turn)
    if paused is None:
        return replies
    turn.go("menu")
    return [*replies, paused]


def _cmd_saved(turn: Turn, _argument: str) -> list[Reply]:
    return _pausing(turn, knowledge_flow.list_saved(turn))


def _cmd_ask(turn: Turn, argument: str) -> list[Reply]:
    paused = assessment_flow.pause(turn)
    replies = (
        knowledge_flow.answer_question(turn, argument) if argument else [turn.reply("ask_prompt")]
    )
    if not argument:
        turn.go("menu")
    return ([paused] if paused else []) + replies


def _cmd_prepare(turn: Turn, argument: str) -> list[Reply]:
    paused = assessment_flow.pause(turn)
    situation = argument.strip().casefold() or None
    return ([paused] if paused else []) + prepare_flow.start(turn, situation)


def _cmd_debrief(turn: Turn, _argument: str) -> list[Reply]:
    return _pausing(turn, prepare_flow.start_debrief(turn))


def _cmd_mood(turn: Turn, _argument: str) -> list[Reply]:
    paused = assessment_flow.pause(turn)
    return ([paused] if paused else []) + mood_flow.ask(turn)


COMMANDS: dict[str, CommandHandler] = {
    "start": _cmd_start,
    "help": _cmd_help,
    "check": _cmd_check,
    "assess": _cmd_assess,
    "progress": _cmd_progress,
    "focus": _cmd_focus,
    "language": _cmd_language,
    "role": _cmd_role,
    "cancel": _cmd_cancel,
    "menu": _cmd_menu,
    "saved": _cmd_saved,
    "ask": _cmd_ask,
    "prepare": _cmd_prepare,
    "debrief": _cmd_debrief,
    "mood": _cmd_mood,
    **cohort_routes.COMMANDS,
}

COMMAND_ALIASES = {
    "aide": "help",
    "annuler": "cancel",
    "progres": "progress",
    "progrès": "progress",
    "langue": "language",
    "lang": "language",
    "role": "role",
    "rôle": "role",
    "bilan": "assess",
    "test": "check",
    "favoris": "saved",
    "question": "ask",
    "preparer": "prepare",
    "préparer": "prepare",
    "humeur": "mood",
    **cohort_routes.COMMAND_ALIASES,
}


# --- choices ----------------------------------------------------------------------------------


def _choose_language(turn: Turn, argument: str) -> list[Reply] | None:
    language = as_language(argument)
    return onboarding.set_language(turn, language) if language else None


def _choose_role(turn: Turn, argument: str) -> list[Reply] | None:
    role = as_role(argument)
    return onboarding.set_role(turn, role) if role else None


def _choose_menu(turn: Turn, argument: str) -> list[Reply] | None:
    if argument == "menu":
        return onboarding.menu(turn)
    if argument == "ask":
        return _cmd_ask(turn, "")
    doors = (*onboarding.MENU_ACTIONS, *onboarding.EXTRA_MENU_ACTIONS)
    command = COMMANDS.get(argument) if argument in doors else None
    return command(turn, "") if command else None


def _choose_answer(turn: Turn, argument: str) -> list[Reply] | None:
    parts = argument.split(":")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        return None
    session_id, position, value = (int(part) for part in parts)
    if not 1 <= value <= 5:
        return None
    return assessment_flow.answer(turn, session_id, position, value)


def _choose_back(turn: Turn, argument: str) -> list[Reply] | None:
    return assessment_flow.back(turn, int(argument)) if argument.isdigit() else None


def _choose_resume(turn: Turn, argument: str) -> list[Reply] | None:
    return assessment_flow.resume(turn, int(argument)) if argument.isdigit() else None


def _choose_restart(turn: Turn, argument: str) -> list[Reply] | None:
    return assessment_flow.restart(turn, int(argument)) if argument.isdigit() else None


def _choose_focus(turn: Turn, argument: str) -> list[Reply] | None:
    if argument == "change":
        return progress_flow.pick_register(turn)
    if argument == "auto":
        return [progress_flow.clear_focus(turn), *onboarding.menu(turn, "menu_next")]
    chosen = progress_flow.set_focus(turn, argument)
    return [chosen, *onboarding.menu(turn, "menu_next")] if chosen else None


def _choose_focus_register(turn: Turn, argument: str) -> list[Reply] | None:
    if argument not in {r.id for r in turn.content.framework.registers}:
        return None
    return progress_flow.pick_competency(turn, argument)


def _choose_card(turn: Turn, argument: str) -> list[Reply] | None:
    return knowledge_flow.open_card(turn, argument)


def _choose_save(turn: Turn, argument: str) -> list[Reply] | None:
    return knowledge_flow.save_card(turn, argument)


def _choose_clarify(turn: Turn, argument: str) -> list[Reply] | None:
    return knowledge_flow.clarified(turn, argument) if turn.flow == "clarify" else None


def _choose_prepare(turn: Turn, argument: str) -> list[Reply] | None:
    paused = assessment_flow.pause(turn)
    return ([paused] if paused else []) + prepare_flow.start(turn, argument or None)


def _choose_prepare_situation(turn: Turn, argument: str) -> list[Reply] | None:
    return prepare_flow.choose_situation(turn, argument)


def _choose_prepare_feeling(turn: Turn, argument: str) -> list[Reply] | None:
    return prepare_flow.choose_feeling(turn, argument)


def _choose_prepare_skip(turn: Turn, _argument: str) -> list[Reply] | None:
    return prepare_flow.skip(turn)


def _choose_debrief(turn: Turn, argument: str) -> list[Reply] | None:
    if argument == "start":
        return prepare_flow.start_debrief(turn)
    parts = argument.split(":")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        return None
    return prepare_flow.debrief_score(turn, int(parts[0]), int(parts[1]))


def _choose_mood(turn: Turn, argument: str) -> list[Reply] | None:
    return mood_flow.record(turn, int(argument)) if argument.isdigit() else None


CHOICES: dict[str, Callable[[Turn, str], list[Reply] | None]] = {
    "lang": _choose_language,
    "role": _choose_role,
    "menu": _choose_menu,
    "ans": _choose_answer,
    "back": _choose_back,
    "resume": _choose_resume,
    "restart": _choose_restart,
    "focus": _choose_focus,
    "focusreg": _choose_focus_register,
    "card": _choose_card,
    "save": _choose_save,
    "clarify": _choose_clarify,
    "prepare": _choose_prepare,
    "prepsit": _choose_prepare_situation,
    "prepfeel": _choose_prepare_feeling,
    "prepskip": _choose_prepare_skip,
    "debrief": _choose_debrief,
    "mood": _choose_mood,
    **cohort_routes.CHOICES,
}


# --- helpers ----------------------------------------------------------------------------------


def _clean(raw: str) -> str:
    # Normalise Unicode so that typed labels match, drop control characters, cut very long input.
    text = unicodedata.normalize("NFC", raw[:MAX_TEXT_LENGTH])
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def _typed_option(turn: Turn, text: str) -> Option | None:
    """Find the option of the current prompt that the typed text names, by key or label."""
    if turn.flow == "assessment":
        return None  # the assessment reads digits and 'back' itself, with its own messages
    folded = _fold(text)
    offered = [option for reply in _prompt_for_matching(turn) for option in reply.options]
    for option in [*offered, *knowledge_flow.options_on_screen(turn)]:
        if folded in (_fold(option.key), _fold(option.label)):
            return option
    return None


def _prompt_for_matching(turn: Turn) -> list[Reply]:
    # Rebuilding the prompt must not change the state; keep and restore it.
    saved = dict(turn.user.state)
    try:
        return current_prompt(turn)
    finally:
        turn.user.state = saved
