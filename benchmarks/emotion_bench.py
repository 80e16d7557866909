"""Prints emotion analysis speed in a warm process, on every labelled message.

Run with `.venv/bin/python benchmarks/emotion_bench.py` (about half a minute on 2 cores).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Time the detector on each labelled message, three rounds."""
    from bot.adapters.emotion.data import load_labelled_messages
    from bot.bootstrap import open_emotion_detector
    from bot.config import load_settings

    settings = load_settings()
    detector = open_emotion_detector(settings)
    started = time.perf_counter()
    detector.analyze("warm up", "en")
    print(
        "detector start (model and prototypes, cached vectors): "
        f"{time.perf_counter() - started:.1f} s"
    )
    messages = [
        m
        for path in sorted((ROOT / "knowledge" / "eval").glob("emotions*.yaml"))
        for m in load_labelled_messages(path)
    ]
    timings: list[float] = []
    for round_number in range(3):
        for message in messages:
            text = f"{message.text} {'!' * round_number}"  # a new text each round
            begun = time.perf_counter()
            detector.analyze(text, message.language)
            timings.append((time.perf_counter() - begun) * 1000)
    ordered = sorted(timings)
    print(
        f"analysis per message ({len(timings)} analyses): "
        f"median {statistics.median(ordered):.1f} ms, "
        f"p95 {ordered[int(0.95 * len(ordered))]:.1f} ms"
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
