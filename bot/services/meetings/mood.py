"""The mood check-in: how the user feels about their business relationships today, over time."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.clock import start_of_local_day
from bot.domain.dialogue import Layout, Reply
from bot.domain.preparation import MoodCheckin
from bot.domain.text import fold, parse_number
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


# How people answer "how are your relationships today?" in words (folded): the word sets the score.
MOOD_WORDS: dict[int, tuple[str, ...]] = {
    5: ("super", "top", "genial", "excellent", "tres bien", "great", "awesome", "brilliant",
        "fantastic", "very good"),
    4: ("bien", "bon", "ca va", "pas mal", "correct", "good", "fine", "ok", "okay", "not bad",
        "alright"),
    3: ("bof", "moyen", "couci couca", "mitige", "so so", "meh", "mixed", "average"),
    2: ("pas terrible", "pas top", "pas bien", "bof bof", "tendu", "difficile", "mauvais",
        "not great", "not good", "bad", "tense", "rough", "hard"),
    1: ("horrible", "terrible", "nul", "catastrophe", "affreux", "awful", "dreadful"),
}  # fmt: skip
# Longer phrases first: "pas terrible" is not "terrible", "tres bien" not "bien".
_BY_LENGTH = sorted(
    ((phrase, score) for score, phrases in MOOD_WORDS.items() for phrase in phrases),
    key=lambda item: -len(item[0]),
)
MAX_RATING_WORDS = 4


def score_in(text: str) -> int | None:
    """The 1-5 mood a short typed answer gives ("4", "bof", "pas terrible", "great"), or None."""
    said = " ".join(fold(text).replace("-", " ").replace("'", " ").split()).strip(" .!?")
    number = parse_number(said, 1, 5)
    if number is not None:
        return number
    if len(said.split()) > MAX_RATING_WORDS:
        return None  # a sentence: the person is telling something, not rating the day
    for phrase, score in _BY_LENGTH:
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", said):
            return score
    return None


def read_typed(turn: Turn, text: str) -> list[Reply]:
    """A typed answer to the mood question: its score, or else what the person asks."""
    score = score_in(text)
    if score is not None:
        return record(turn, Mood(score))
    turn.go(Flow.MENU)  # not a rating: the question is left, the words are answered
    return turn.navigator.dispatch(turn, text)


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
