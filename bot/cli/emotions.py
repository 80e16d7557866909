"""Command-line tools for emotions: analyze a message, evaluate the detector."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli._registry import EXIT_USAGE, Commands, evaluations
from bot.domain.emotions import EmotionReading, LabelledMessage
from bot.domain.taxonomy import EMOTIONS

if TYPE_CHECKING:
    from bot.config import Settings


def add_commands(commands: Commands) -> None:
    """Register `analyze` and `eval emotions`."""
    analyze_parser = commands.add(
        "analyze",
        analyze,
        summary="read the emotion, intensity and situations of a message (or of each stdin line)",
        examples=[
            'trustcoach analyze "third late delivery, I am furious" --json',
            "trustcoach analyze --lang fr < messages.txt",
        ],
    )
    analyze_parser.add_argument(
        "text", nargs="?", metavar="TEXT", help="the message (omit to read one per line from stdin)"
    )
    analyze_parser.add_argument(
        "--lang", choices=["en", "fr"], help="language when the message does not tell"
    )
    analyze_parser.add_argument("--json", action="store_true", help="one JSON object per message")
    emotions = evaluations(commands).add(
        "emotions",
        eval_emotions,
        summary="accuracy, macro-F1 and confusion table per language",
        examples=[
            "trustcoach eval emotions",
            "trustcoach eval emotions --errors",
        ],
    )
    emotions.add_argument(
        "--set", type=Path, help="labelled messages (default: every knowledge/eval/emotions*.yaml)"
    )
    emotions.add_argument("--errors", action="store_true", help="list the messages read wrongly")


def analyze(settings: Settings, args: argparse.Namespace) -> int:
    """Print the reading of one message, or one line per message of standard input."""
    from bot.bootstrap import open_emotion_detector  # noqa: PLC0415 - keep --help fast

    if args.text is not None and not args.text.strip():
        print("trustcoach: the message is empty", file=sys.stderr)
        return EXIT_USAGE
    detector = open_emotion_detector(settings)
    default = args.lang or settings.default_language
    messages = [args.text] if args.text is not None else (line.rstrip("\n") for line in sys.stdin)
    for message in messages:
        reading = detector.analyze(message, default)
        print(
            json.dumps(reading.as_json(), ensure_ascii=False) if args.json else describe(reading),
            flush=True,
        )
    return 0


def describe(reading: EmotionReading) -> str:
    """One human-readable line for a reading."""
    others = ", ".join(f"{e.label} {e.score:.2f}" for e in reading.emotions[1:3])
    situations = ", ".join(reading.situations) or "-"
    line = f"[{reading.language}] {reading.primary} ({reading.intensity.value}); "
    line += f"also {others or '-'}; situations: {situations}"
    if reading.safety is not None:
        line += f"; SAFETY: {reading.safety.category} ({reading.safety.level})"
    return line


def eval_emotions(settings: Settings, args: argparse.Namespace) -> int:
    """Print accuracy, macro-F1, per-label F1 and the confusion table per language, and speed."""
    from bot.adapters.emotion.data import load_labelled_messages  # noqa: PLC0415 - keep --help fast
    from bot.bootstrap import open_emotion_detector  # noqa: PLC0415
    from bot.services.evaluation import TimedAnalysis  # noqa: PLC0415

    detector = open_emotion_detector(settings)
    detector.analyze("warm up", "en")
    timed = TimedAnalysis(detector.analyze)

    sets = (
        [args.set] if args.set else sorted((settings.knowledge_dir / "eval").glob("emotions*.yaml"))
    )
    for path in sets:
        messages = load_labelled_messages(path)
        print(f"{path.name}: {len(messages)} messages")
        _print_scorecards(messages, timed)
        if args.errors:
            for message in messages:
                reading = detector.analyze(message.text, message.language)
                if reading.primary != message.emotion:
                    expected = f"expected {message.emotion}, read {reading.primary}"
                    print(f"  [{message.language}] {expected}: {message.text}")
    print(
        f"speed: median {timed.median:.1f} ms per message "
        f"over {len(timed.milliseconds)} messages (warm process)"
    )
    return 0


def _print_scorecards(
    messages: list[LabelledMessage], analyze: Callable[[str, Any], EmotionReading]
) -> None:
    from bot.services.evaluation import evaluate_emotions  # noqa: PLC0415

    for card in evaluate_emotions(messages, analyze, EMOTIONS):
        print(
            f"{card.language}: {card.messages} messages, accuracy {card.accuracy:.2f}, "
            f"macro-F1 {card.macro_f1:.2f}, intensity accuracy {card.intensity_accuracy:.2f}"
        )
        print("  F1: " + ", ".join(f"{label} {card.f1[label]:.2f}" for label in EMOTIONS))
        _print_confusion(card.confusion)


def _print_confusion(confusion: dict[str, dict[str, int]]) -> None:
    short = {label: label[:5] for label in EMOTIONS}
    print("  expected \\ read " + " ".join(f"{short[label]:>5}" for label in EMOTIONS))
    for expected in EMOTIONS:
        row = " ".join(f"{confusion[expected][read] or '.':>5}" for read in EMOTIONS)
        print(f"  {expected:<16} {row}")
