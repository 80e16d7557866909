"""Prints retrieval figures: index build time, query latency in a warm process, memory.

Run with `.venv/bin/python benchmarks/retrieval_bench.py` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    """Build the index from scratch, then time every labelled query several times."""
    from bot.adapters.nlp.encoders import open_encoder
    from bot.adapters.retrieval.evalset import load_queries
    from bot.adapters.retrieval.index import open_index
    from bot.config import load_settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="times each query is searched")
    args = parser.parse_args()
    knowledge = ROOT / "knowledge"

    settings = load_settings()
    started = time.perf_counter()
    # The engine the coach uses (TRUSTCOACH_EMBEDDINGS; the multilingual USE by default).
    embeddings = open_encoder(settings.embeddings, settings.model_path)
    model_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as cache:
        index, report = open_index(
            knowledge / "cards", knowledge / "lexicon.yaml", Path(cache), embeddings
        )
        print(f"encoder ({settings.embeddings}) load: {model_seconds:.1f} s")
        print(
            f"index build ({report.cards} cards, {report.documents} documents): "
            f"{report.seconds:.1f} s"
        )
        _, again = open_index(
            knowledge / "cards", knowledge / "lexicon.yaml", Path(cache), embeddings
        )
        print(f"index load from cache: {again.seconds:.2f} s ({again.action})")

    queries = [
        q
        for path in sorted((knowledge / "eval").glob("retrieval*.yaml"))
        for q in load_queries(path)
    ]
    index.search("warm up the model", "en")
    timings: list[float] = []
    for round_number in range(args.rounds):
        for query in queries:
            # A new suffix each round keeps the query-embedding cache from flattering the figures.
            text = f"{query.text} {round_number}" if round_number else query.text
            begun = time.perf_counter()
            index.search(text, query.language, k=3)
            timings.append((time.perf_counter() - begun) * 1000)
    ordered = sorted(timings)
    print(
        f"query to ranked hits ({len(timings)} searches): "
        f"median {statistics.median(ordered):.1f} ms, "
        f"p95 {ordered[int(0.95 * len(ordered))]:.1f} ms, max {ordered[-1]:.1f} ms"
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
