"""The SIGKILL experiment in every run, shorter than the benchmark's twenty kills.

`benchmarks/kill_bench.py --kills 20` is the full one; the figures are in the README.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kill_harness import run

KILLS = 8


@pytest.mark.slow
@pytest.mark.timeout(1500)  # each restart loads the model before it polls
def test_sigkill_at_random_moments_loses_and_doubles_nothing(
    tmp_path: Path, index_cache: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    report = run(data, index_cache, kills=KILLS, users=3, seed=1301)
    assert report.kills == KILLS
    assert report.taps >= 30 and report.checks_done >= 3, report.line()
    assert (report.lost, report.doubled, report.wrong) == (0, 0, 0), report.notes
    assert report.unanswered == 0 and report.stale_notices == 0, report.notes
    assert report.users_done == 3
