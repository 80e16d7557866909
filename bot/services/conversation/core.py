"""Setting up (language, then side), the main menu, help, and switching language or side.

What someone asks before the setup is done (a command, a question) is kept and carried out as
soon as the language and side are known. Switching language or side later keeps the step on
screen and shows it again at once in the new words.
"""

from __future__ import annotations

import re

from bot.domain.dialogue import Reply
from bot.domain.framework import LANGUAGES, ROLES, Language, Role, as_language, as_role
from bot.domain.text import fold

from .options import LanguageChoice, MenuDoor, RoleChoice
from .protocol import Flow
from .routes import Choose, Command, Feature, Step
from .turn import Turn

LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "fr": "Français"}
# Words people type for a language or a side at those questions (folded).
LANGUAGE_WORDS: dict[str, Language] = {
    "english": "en", "anglais": "en", "en": "en", "eng": "en",
    "francais": "fr", "french": "fr", "fr": "fr", "fra": "fr",
}  # fmt: skip
ROLE_WORDS: dict[str, Role] = {
    "buyer": "buyer", "acheteur": "buyer", "acheteuse": "buyer", "achats": "buyer",
    "achat": "buyer", "purchasing": "buyer", "procurement": "buyer",
    "supplier": "supplier", "fournisseur": "supplier", "fournisseuse": "supplier",
    "seller": "supplier", "vendeur": "supplier", "vendeuse": "supplier", "vendor": "supplier",
    "trainer": "trainer", "formateur": "trainer", "formatrice": "trainer",
    "formation": "trainer", "coach": "trainer",
}  # fmt: skip
# Greetings that need no answer of their own once the setup is done.
SMALL_TALK = frozenset(
    "hello hi hey hiya yo bonjour salut coucou bonsoir hello? start test ok okay "
    "ca va how are you merci thanks thank".split()
)
YES_WORDS = frozenset(
    "yes|y|yep|yeah|ok|okay|sure|accept|i accept|agreed|oui|ouais|ok d'accord|d'accord|dac|"
    "j'accepte|accepte|volontiers|bien sur|oui merci|yes please".split("|")
)
NO_WORDS = frozenset(
    "no|n|nope|no thanks|not now|later|non|nan|non merci|pas maintenant|plus tard|"
    "je refuse|refuse|decline".split("|")
)
MENU_DOORS = ("check", "prepare", "ask", "mood", "assess", "progress", "help")
# Doors a menu may offer beyond the common ones (the trainer space, for trainers).
TRAINER_DOORS = ("trainer",)


def in_setup(turn: Turn) -> bool:
    """Whether the language or the side is still to be asked."""
    return not turn.user.language_confirmed or turn.user.role is None


def ask_language(turn: Turn) -> list[Reply]:
    """Ask which language to use (worded in both, since it is not known yet)."""
    if in_setup(turn):
        turn.go(Flow.LANGUAGE)
    options = tuple(
        turn.option(LanguageChoice(code), LANGUAGE_NAMES[code], str(index))
        for index, code in enumerate(LANGUAGES, start=1)
    )
    key = "ask_language_kept" if turn.conversation.pending else "ask_language"
    return [turn.reply(key, options=options)]


def ask_role(turn: Turn) -> list[Reply]:
    """Ask whether the user buys, sells or trains."""
    if in_setup(turn):
        turn.go(Flow.ROLE)
    options = tuple(
        turn.option(RoleChoice(role), turn.t(f"role_{role}"), str(index))
        for index, role in enumerate(ROLES, start=1)
    )
    key = "ask_role_kept" if turn.conversation.pending and in_setup(turn) else "ask_role"
    return [turn.reply(key, options=options)]


def setup_prompt(turn: Turn) -> list[Reply]:
    """The setup question still open: the language, else the side."""
    if not turn.user.language_confirmed:
        return ask_language(turn)
    return ask_role(turn)


def menu(turn: Turn, lead_key: str = "menu_prompt") -> list[Reply]:
    """Offer the main doors; nothing is mandatory and free text stays welcome.

    Before the language and side are known, the setup question comes instead.
    """
    if in_setup(turn):
        return setup_prompt(turn)
    turn.go(Flow.MENU)
    doors = (*MENU_DOORS, *TRAINER_DOORS) if turn.user.role == "trainer" else MENU_DOORS
    options = tuple(
        turn.option(MenuDoor(door), turn.t(f"menu_{door}"), str(index))
        for index, door in enumerate(doors, start=1)
    )
    return [turn.reply(lead_key, options=options)]


def keep_for_later(turn: Turn, text: str) -> list[Reply]:
    """Keep what was asked during the setup, and ask the setup question again."""
    if not is_small_talk(text):
        turn.conversation.pending = text
    return setup_prompt(turn)


def is_small_talk(text: str) -> bool:
    """A greeting, a test message or only symbols and emojis: nothing to answer on its own."""
    words = re.findall(r"[a-z0-9']+", fold(text))
    return not words or all(word in SMALL_TALK for word in words)


def yes_or_no(text: str) -> int | None:
    """0 for a typed yes ("oui", "ok", "I accept"), 1 for a no ("non merci", "not now")."""
    said = " ".join(re.findall(r"[a-z']+", fold(text)))
    if said in YES_WORDS:
        return 0
    return 1 if said in NO_WORDS else None


def door_named(turn: Turn, text: str) -> str | None:
    """The menu door whose label (in the user's language) is exactly what was typed."""
    said = " ".join(fold(text).split())
    for door in (*MENU_DOORS, *TRAINER_DOORS):
        if said == " ".join(fold(turn.t(f"menu_{door}")).split()):
            return door
    return None


def setup_text(turn: Turn, text: str) -> list[Reply]:
    """Typed text at a setup question: a language or side named in words, or kept for later."""
    word = fold(text).strip(" .!")
    if turn.flow is Flow.LANGUAGE or not turn.user.language_confirmed:
        language = LANGUAGE_WORDS.get(word)
        return set_language(turn, language) if language else keep_for_later(turn, text)
    role = ROLE_WORDS.get(word)
    return set_role(turn, role) if role else keep_for_later(turn, text)


def finish_setup(turn: Turn, lead: list[Reply]) -> list[Reply]:
    """The setup is done: carry out what was asked meanwhile, or open the menu."""
    pending, turn.conversation.pending = turn.conversation.pending, None
    turn.go(Flow.MENU)
    if pending:
        return [*lead, *turn.navigator.dispatch(turn, pending)]
    return [*lead, *menu(turn)]


def set_language(turn: Turn, language: Language) -> list[Reply]:
    """Speak a language from now on; the step on screen carries on in it."""
    first_time = not turn.user.language_confirmed
    turn.user.language = language
    turn.user.language_confirmed = True
    if first_time or turn.flow is Flow.LANGUAGE:
        if turn.user.role is None:
            return [turn.reply("welcome"), *ask_role(turn)]
        lead = [turn.reply("welcome" if first_time else "language_set")]
        return finish_setup(turn, lead)
    return [turn.reply("language_set"), *turn.navigator.prompt(turn)]


def set_role(turn: Turn, role: Role) -> list[Reply]:
    """Record the user's side; the step on screen carries on, worded for it."""
    first_time = turn.user.role is None
    turn.user.role = role
    lead = [turn.reply("role_set", role=turn.t(f"role_{role}_short"))]
    if first_time or turn.flow is Flow.ROLE:
        if not turn.user.language_confirmed:
            return [*lead, *ask_language(turn)]
        return finish_setup(turn, lead)
    return [*lead, *turn.navigator.prompt(turn)]


def help_replies(turn: Turn) -> list[Reply]:
    """The commands and what the coach does, then the step on screen if one is waiting."""
    if in_setup(turn):
        return [turn.reply("help"), *setup_prompt(turn)]
    position = turn.navigator.position(turn)
    if position is None:
        return [turn.reply("help")]
    return [
        turn.reply("help"),
        turn.reply("help_in_assessment", position=position),
        *turn.navigator.prompt(turn),
    ]


def _cmd_help(turn: Turn, _argument: str) -> list[Reply]:
    return help_replies(turn)


def _cmd_menu(turn: Turn, _argument: str) -> list[Reply]:
    return menu(turn)


def _cmd_language(turn: Turn, argument: str) -> list[Reply]:
    language = as_language(argument)
    return set_language(turn, language) if language else ask_language(turn)


def _cmd_role(turn: Turn, argument: str) -> list[Reply]:
    role = as_role(argument) or ROLE_WORDS.get(fold(argument).strip())
    return set_role(turn, role) if role else ask_role(turn)


def _choose_language(turn: Turn, choice: LanguageChoice) -> list[Reply]:
    return set_language(turn, choice.language)


def _choose_role(turn: Turn, choice: RoleChoice) -> list[Reply]:
    return set_role(turn, choice.role)


# The setup's own commands: they keep the step and run before the language and side are known.
SETUP_COMMAND = {"pauses": False, "before_setup": True, "before_language": True}

FEATURE = Feature(
    name="conversation",
    commands=(
        Command("help", _cmd_help, aliases=("aide",), **SETUP_COMMAND),
        Command("menu", _cmd_menu),
        Command("language", _cmd_language, aliases=("langue", "lang"), **SETUP_COMMAND),
        Command("role", _cmd_role, aliases=("rôle", "cote", "côté"), **SETUP_COMMAND),
    ),
    choices=(Choose(LanguageChoice, _choose_language), Choose(RoleChoice, _choose_role)),
    steps=(
        Step(Flow.LANGUAGE, ask_language, read=setup_text, idle=True, setup=True),
        Step(Flow.ROLE, ask_role, read=setup_text, idle=True, setup=True),
        Step(Flow.MENU, menu, idle=True),
    ),
)
