"""Prints the message reader's figures against the understanding goals.

- reading plus card search for one message, warm (goal: median <= 5 ms);
- index and reader built from nothing, side by side as the bot's warm-up does (goal: <= 20 s);
- resident memory of a warm process holding the encoder, the index and the reader (goal for the
  whole Telegram bot: <= 300 MB; the bot adds the database and PTB, see telegram_bench.py).

Run with `.venv/bin/python benchmarks/reader_bench.py` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _resident_mib() -> float:
    """The process's resident memory now (not its peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_build() -> None:
    """Build the index and train the reader in an empty cache, in two threads, as at warm-up."""
    from bot.adapters.nlp.encoders import open_encoder
    from bot.adapters.reader.factory import open_reader
    from bot.adapters.retrieval.index import open_index

    knowledge = ROOT / "knowledge"
    encoder = open_encoder("use")
    with tempfile.TemporaryDirectory() as cache:
        took: dict[str, float] = {}

        def index() -> None:
            started = time.perf_counter()
            open_index(knowledge / "cards", knowledge / "lexicon.yaml", Path(cache), encoder)
            took["index"] = time.perf_counter() - started

        def reader() -> None:
            started = time.perf_counter()
            open_reader(knowledge, Path(cache), encoder)
            took["reader"] = time.perf_counter() - started

        started = time.perf_counter()
        threads = [threading.Thread(target=index), threading.Thread(target=reader)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    print(
        f"build from nothing, side by side: {wall:.1f} s wall clock "
        f"(index {took['index']:.1f} s, reader {took['reader']:.1f} s; goal 20 s)"
    )


def bench_read_and_search(settings: Any, rounds: int) -> None:
    """Time reading a message and searching the cards with it, each message new to the process."""
    from bot.adapters.emotion.data import load_labelled_messages
    from bot.bootstrap import ModelHolder, open_card_index, open_emotion_detector

    model = ModelHolder(settings)
    index, _ = open_card_index(settings, model=model)
    reader = open_emotion_detector(settings, model)
    reader.analyze("warm up", "en")
    index.search("warm up", k=3, language="en")
    messages = [
        message
        for name in ("messages_en.yaml", "messages_fr.yaml")
        for message in load_labelled_messages(ROOT / "knowledge" / "eval" / name)
    ]
    read_ms, both_ms = [], []
    for round_number in range(rounds):
        for message in messages:
            text = f"{message.text} {round_number}"  # new to the encoder's memory every time
            started = time.perf_counter()
            reading = reader.analyze(text, message.language)
            read = time.perf_counter()
            index.search(text, k=3, language=reading.language)
            done = time.perf_counter()
            read_ms.append((read - started) * 1000)
            both_ms.append((done - started) * 1000)
    quantiles = statistics.quantiles(both_ms, n=20)
    print(
        f"read + search, {len(both_ms)} new messages, warm: median {statistics.median(both_ms):.2f}"
        f" ms, p95 {quantiles[-1]:.2f} ms (reading alone median "
        f"{statistics.median(read_ms):.2f} ms; goal 5 ms)"
    )
    print(f"resident memory with encoder, index and reader: {_resident_mib():.0f} MiB")


def main() -> None:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="passes over the messages")
    args = parser.parse_args()
    from bot.config import load_settings

    settings = load_settings()
    bench_read_and_search(settings, args.rounds)
    bench_build()


if __name__ == "__main__":
    main()
