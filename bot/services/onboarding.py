"""First contact, language and role, the main menu and help."""

from __future__ import annotations

from bot.domain.dialogue import Option, Reply
from bot.domain.framework import LANGUAGES, ROLES, Language, Role
from bot.services.turn import Turn

LANGUAGE_NAMES: dict[Language, str] = {"en": "English", "fr": "Français"}
MENU_ACTIONS = ("check", "prepare", "ask", "mood", "assess", "progress", "help")
# Doors a menu may offer beyond the common ones (the trainer space, for trainers).
EXTRA_MENU_ACTIONS = ("trainer",)


def ask_language(turn: Turn) -> list[Reply]:
    """Ask which language to use (worded in both, since it is not known yet)."""
    turn.go("language")
    options = tuple(
        Option(id=f"lang:{code}", label=LANGUAGE_NAMES[code], key=str(index))
        for index, code in enumerate(LANGUAGES, start=1)
    )
    return [Reply(text=turn.t("ask_language"), options=options)]


def ask_role(turn: Turn) -> list[Reply]:
    """Ask whether the user buys, sells or trains."""
    turn.go("role")
    options = tuple(
        Option(id=f"role:{role}", label=turn.t(f"role_{role}"), key=str(index))
        for index, role in enumerate(ROLES, start=1)
    )
    return [Reply(text=turn.t("ask_role"), options=options)]


def menu(turn: Turn, lead_key: str = "menu_prompt") -> list[Reply]:
    """Offer the main doors; nothing is mandatory and free text stays welcome."""
    turn.go("menu")
    actions = (*MENU_ACTIONS, "trainer") if turn.user.role == "trainer" else MENU_ACTIONS
    options = tuple(
        Option(id=f"menu:{action}", label=turn.t(f"menu_{action}"), key=str(index))
        for index, action in enumerate(actions, start=1)
    )
    return [Reply(text=turn.t(lead_key), options=options)]


def set_language(turn: Turn, language: Language) -> list[Reply]:
    """Switch language, then carry on with onboarding or confirm."""
    first_time = not turn.user.language_confirmed
    turn.user.language = language
    turn.user.language_confirmed = True
    if turn.user.role is None:
        return [turn.reply("welcome"), *ask_role(turn)]
    if first_time:
        return [turn.reply("welcome"), *menu(turn)]
    return [turn.reply("language_set"), *menu(turn)]


def set_role(turn: Turn, role: Role) -> list[Reply]:
    """Record the user's role and open the menu."""
    turn.user.role = role
    return [turn.reply("role_set", role=turn.t(f"role_{role}_short")), *menu(turn)]


def help_text(turn: Turn) -> Reply:
    """Return the list of commands and what the coach does."""
    return turn.reply("help")
