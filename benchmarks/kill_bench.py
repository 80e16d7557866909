"""The SIGKILL experiment of issue 13: the bot killed at random moments while people tap.

Prints answers lost, answers doubled or misplaced, taps never answered and stale notices
(all should be 0), over `--kills` SIGKILLs of the real `trustcoach telegram` process.
Run with `.venv/bin/python benchmarks/kill_bench.py --kills 20` (a few minutes: each restart
loads the model).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.kill_harness import run  # noqa: E402


def main() -> int:
    """Run the experiment once and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data, cache = Path(folder) / "data", Path(folder) / "cache"
        data.mkdir()
        started = time.perf_counter()
        report = run(data, cache, args.kills, args.users, args.seed)
        elapsed = time.perf_counter() - started
    print(f"SIGKILL experiment ({elapsed:.0f} s): {report.line()}")
    for note in report.notes[:10]:
        print(f"  {note}")
    failed = report.lost or report.doubled or report.wrong or report.unanswered
    return 1 if failed or report.stale_notices else 0


if __name__ == "__main__":
    raise SystemExit(main())
