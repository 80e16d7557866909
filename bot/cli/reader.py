"""Command-line tools for the message reader: train it, and measure all it reads."""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli._registry import Commands, evaluations
from bot.domain.taxonomy import EMOTIONS

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.domain.emotions import EmotionReading, LabelledMessage
    from bot.domain.framework import Language
    from bot.services.evaluation import ReaderScorecard

SET_PATTERNS = ("messages*.yaml", "safety*.yaml", "emotions*.yaml")


def add_commands(commands: Commands) -> None:
    """Register `reader train` and `eval reader`."""
    reader = commands.group("reader", summary="the message reader's trained heads")
    train = reader.add(
        "train",
        train_reader,
        summary="train the reader on knowledge/reader/corpus (done by itself when it changes)",
        examples=["trustcoach reader train", "trustcoach reader train --force"],
    )
    train.add_argument("--force", action="store_true", help="train even if the cache matches")
    measure = evaluations(commands).add(
        "reader",
        eval_reader,
        summary="emotions, intent, meeting, situations and safety per set and language",
        examples=["trustcoach eval reader", "trustcoach eval reader --set my.yaml --errors"],
    )
    measure.add_argument(
        "--set",
        type=Path,
        action="append",
        help="labelled messages (default: knowledge/eval/messages*, safety*, emotions*.yaml)",
    )
    measure.add_argument("--errors", action="store_true", help="list the messages read wrongly")


def train_reader(settings: Settings, args: argparse.Namespace) -> int:
    """Train (or load) the reader's heads and say which, on how many messages, how fast."""
    from bot.adapters.nlp.encoders import open_encoder  # noqa: PLC0415 - keep --help fast
    from bot.adapters.reader.factory import open_reader  # noqa: PLC0415

    started = time.perf_counter()
    encoder = open_encoder(settings.embeddings, settings.model_path)
    loaded = time.perf_counter() - started
    _, report = open_reader(settings.knowledge_dir, settings.cache_root, encoder, args.force)
    print(
        f"reader {report.action} ({settings.embeddings} encoder, loaded in {loaded:.1f} s): "
        f"{report.messages} messages, {report.seconds:.1f} s"
    )
    return 0


def eval_reader(settings: Settings, args: argparse.Namespace) -> int:
    """Print every figure of the reader per labelled set and language, and its speed."""
    from bot.adapters.emotion.data import load_labelled_messages  # noqa: PLC0415 - keep --help fast
    from bot.bootstrap import open_emotion_detector  # noqa: PLC0415
    from bot.services.evaluation import TimedAnalysis, evaluate_reader  # noqa: PLC0415

    reader = open_emotion_detector(settings)
    reader.analyze("warm up", "en")
    print(f"reader: {reader.status().detail or reader.status().state.value}")
    timed = TimedAnalysis(reader.analyze)

    eval_dir = settings.knowledge_dir / "eval"
    sets = args.set or sorted(path for pattern in SET_PATTERNS for path in eval_dir.glob(pattern))
    for path in sets:
        messages = load_labelled_messages(path)
        print(f"\n{path.name}: {len(messages)} messages")
        cards = evaluate_reader(messages, timed, EMOTIONS)
        _print_table(cards)
        for card in cards:
            _print_emotions(card)
        if args.errors:
            _print_errors(messages, reader.analyze)
    print(f"\nspeed: median {timed.median:.2f} ms per message, warm")
    return 0


# What each column of the table shows, read off a scorecard.
COLUMNS: tuple[tuple[str, Callable[[ReaderScorecard], float]], ...] = (
    ("emotion", lambda c: c.emotions.accuracy),
    ("lenient", lambda c: c.lenient_accuracy),
    ("macroF1", lambda c: c.emotions.macro_f1),
    ("intens", lambda c: c.emotions.intensity_accuracy),
    ("intent", lambda c: c.intent_accuracy),
    ("meeting", lambda c: c.meeting_accuracy),
    ("sit-rec", lambda c: c.situation_recall),
    ("sit-prec", lambda c: c.situation_precision),
    ("safe-rec", lambda c: c.safety_recall),
    ("hand-off", lambda c: c.hand_off_recall),
    ("false-al", lambda c: c.false_alarms),
)


def _print_table(cards: list[ReaderScorecard]) -> None:
    print("  lang    n " + " ".join(f"{name:>8}" for name, _ in COLUMNS))
    for card in cards:
        figures = " ".join(_figure(value(card)) for _, value in COLUMNS)
        print(f"  {card.language:<4} {card.messages:>4} {figures}")
    distress = ", ".join(f"{c.language} {c.distress} distress/{c.ordinary} ordinary" for c in cards)
    print(f"  (safety figures on {distress})")


def _figure(value: float) -> str:
    return f"{'-':>8}" if math.isnan(value) else f"{value:>8.2f}"


def _print_emotions(card: ReaderScorecard) -> None:
    emotions = card.emotions
    print(f"  {card.language} F1: " + ", ".join(f"{e} {emotions.f1[e]:.2f}" for e in EMOTIONS))
    print("    expected \\ read " + " ".join(f"{label[:5]:>5}" for label in EMOTIONS))
    for expected in EMOTIONS:
        row = " ".join(f"{emotions.confusion[expected][read] or '.':>5}" for read in EMOTIONS)
        print(f"    {expected:<16} {row}")


def _print_errors(
    messages: list[LabelledMessage], analyze: Callable[[str, Language], EmotionReading]
) -> None:
    for message in messages:
        reading = analyze(message.text, message.language)
        wrong = []
        if reading.primary != message.emotion:
            wrong.append(f"emotion {message.emotion}->{reading.primary}")
        if (reading.safety is not None) != (message.safety is not None):
            wrong.append(f"safety {message.safety}->{reading.safety}")
        missed = set(message.situations) - set(reading.situations)
        if missed:
            wrong.append(f"missed {','.join(sorted(missed))}")
        if wrong:
            print(f"  [{message.language}] {'; '.join(wrong)}: {message.text}")
