"""The mood check-in: how the user feels about their business relationships today, over time."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.dialogue import Option, Reply
from bot.domain.preparation import MoodCheckin
from bot.services import onboarding
from bot.services.turn import Turn

SCORES = (1, 2, 3, 4, 5)
FACES = {1: "😠", 2: "😟", 3: "😐", 4: "🙂", 5: "😄"}
SUMMARY_DAYS = 30
SUMMARY_SHOWN = 10


def ask(turn: Turn) -> list[Reply]:
    """Ask the day's mood on a five-step scale."""
    turn.go("mood")
    options = tuple(
        Option(
            id=f"mood:{score}", label=f"{FACES[score]} {turn.t(f'mood_{score}')}", key=str(score)
        )
        for score in SCORES
    )
    return [Reply(text=turn.t("mood_question"), options=options, inline=True)]


def record(turn: Turn, score: int) -> list[Reply] | None:
    """Store the mood and answer it; None for a score outside the scale."""
    if score not in SCORES or turn.user.id is None:
        return None
    turn.uow.wellbeing.add_mood(MoodCheckin(turn.user.id, turn.now, score))
    turn.go("menu")
    key = (
        "mood_thanks_low" if score <= 2 else "mood_thanks_high" if score >= 4 else "mood_thanks_mid"
    )
    if score <= 2:
        return [turn.reply(key)]  # an open door to talk, rather than a menu
    return [turn.reply(key), *onboarding.menu(turn, "menu_next")]


def checked_in_today(turn: Turn) -> bool:
    """Tell whether the user already gave their mood today (UTC day)."""
    assert turn.user.id is not None
    start = turn.now.replace(hour=0, minute=0, second=0, microsecond=0)
    return bool(turn.uow.wellbeing.moods(turn.user.id, start))


def summary(turn: Turn) -> str | None:
    """One line for the progress report: the last check-ins and their average."""
    assert turn.user.id is not None
    moods = turn.uow.wellbeing.moods(turn.user.id, turn.now - timedelta(days=SUMMARY_DAYS))
    if not moods:
        return None
    faces = " ".join(FACES[m.score] for m in moods[-SUMMARY_SHOWN:])
    average = sum(m.score for m in moods) / len(moods)
    return turn.t(
        "mood_summary", count=len(moods), days=SUMMARY_DAYS, faces=faces, average=f"{average:.1f}"
    )
