"""The mood check-in: how the user feels about their business relationships today, over time."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.clock import start_of_local_day
from bot.domain.dialogue import Layout, Reply
from bot.domain.preparation import MoodCheckin
from bot.services.conversation import core
from bot.services.conversation.options import Mood
from bot.services.conversation.protocol import Flow
from bot.services.conversation.turn import Turn

SCORES = (1, 2, 3, 4, 5)
FACES = {1: "😠", 2: "😟", 3: "😐", 4: "🙂", 5: "😄"}
SUMMARY_DAYS = 30
SUMMARY_SHOWN = 10


def ask(turn: Turn) -> list[Reply]:
    """Ask the day's mood on a five-step scale."""
    turn.go(Flow.MOOD)
    options = tuple(
        turn.option(Mood(score), f"{FACES[score]} {turn.t(f'mood_{score}')}", str(score))
        for score in SCORES
    )
    return [turn.reply("mood_question", options=options, layout=Layout.SCALE)]


def ask_on_return(turn: Turn) -> list[Reply]:
    """The day's question for someone coming back, once a day."""
    return [] if checked_in_today(turn) else ask(turn)


def record(turn: Turn, choice: Mood) -> list[Reply]:
    """Store the mood and answer it."""
    turn.uow.wellbeing.add_mood(MoodCheckin(turn.user_id, turn.now, choice.score))
    turn.go(Flow.MENU)
    if choice.score <= 2:
        return [turn.reply("mood_thanks_low")]  # an open door to talk, rather than a menu
    key = "mood_thanks_high" if choice.score >= 4 else "mood_thanks_mid"
    return [turn.reply(key), *core.menu(turn, "menu_next")]


def checked_in_today(turn: Turn) -> bool:
    """Tell whether the user already gave their mood today (their local day)."""
    start = start_of_local_day(turn.now, turn.zone)
    return bool(turn.uow.wellbeing.moods(turn.user_id, start))


def summary(turn: Turn) -> str | None:
    """One line for the progress report: the last check-ins and their average."""
    moods = turn.uow.wellbeing.moods(turn.user_id, turn.now - timedelta(days=SUMMARY_DAYS))
    if not moods:
        return None
    faces = " ".join(FACES[m.score] for m in moods[-SUMMARY_SHOWN:])
    average = sum(m.score for m in moods) / len(moods)
    return turn.t(
        "mood_summary", count=len(moods), days=SUMMARY_DAYS, faces=faces, average=f"{average:.1f}"
    )
