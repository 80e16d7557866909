"""The card index, emotion detector and chart holders on Lazy: failures are retried, not kept."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from bot.adapters.charts import ChartProcess, LazyCharts
from bot.adapters.emotion.detector import EmotionDetector
from bot.adapters.emotion.lazy import LazyEmotionDetector
from bot.adapters.nlp.shared import SharedEmbeddings
from bot.adapters.retrieval.lazy import LazyCardIndex
from bot.domain.cards import Card
from bot.domain.charts import RadarChart, Series
from bot.domain.emotions import EmotionReading
from bot.domain.health import ResourceState, ResourceUnavailableError
from bot.domain.retrieval import SearchUnavailableError
from tests.fakes import FakeCardIndex

if TYPE_CHECKING:
    from bot.adapters.charts.renderer import MatplotlibCharts
    from bot.adapters.retrieval.index import HybridCardIndex


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Flaky:
    """Fails a number of times, then returns what it was given."""

    def __init__(self, result: object, failures: int) -> None:
        self.result = result
        self.failures = failures
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        if self.calls <= self.failures:
            raise FileNotFoundError("model folder /nowhere does not exist")
        return self.result


def test_the_card_index_is_retried_after_the_back_off(all_cards: list[Card]) -> None:
    clock = Clock()
    opener = Flaky(FakeCardIndex(all_cards), failures=1)
    cards = LazyCardIndex(lambda: cast("HybridCardIndex", opener()), clock=clock)
    with pytest.raises(SearchUnavailableError, match="FileNotFoundError"):
        cards.search("late delivery", "en")
    assert cards.get(all_cards[0].id) is None
    status = cards.status()
    assert status.name == "cards" and status.state is ResourceState.FAILED
    assert status.detail.startswith("FileNotFoundError")
    clock.now = 5.0
    assert cards.search("late delivery supplier", "en")
    assert cards.get(all_cards[0].id) == all_cards[0]
    assert cards.status().state is ResourceState.READY and opener.calls == 2


class Full:
    """Stands for the detector with the model: recognisable by its readings."""

    def __init__(self, cues: EmotionDetector) -> None:
        self.cues = cues
        self.analyzed: list[str] = []

    def analyze(self, text: str, default_language: str = "en") -> EmotionReading:
        """Read with the cues, remembering that the full detector did it."""
        self.analyzed.append(text)
        return self.cues.analyze(text, "en")


def test_emotions_read_cues_only_until_the_model_loads(cue_detector: EmotionDetector) -> None:
    clock = Clock()
    full = Full(cue_detector)
    opener = Flaky(full, failures=2)
    emotions = LazyEmotionDetector(
        lambda: cast(EmotionDetector, opener()), lambda: cue_detector, clock=clock
    )
    assert emotions.analyze("I'm furious").primary == "anger"
    status = emotions.status()
    assert (status.name, status.state, status.detail) == (
        "emotions",
        ResourceState.DEGRADED,
        "cues only",
    )
    assert status.usable
    clock.now = 5.0
    emotions.analyze("still furious")  # the retry fails: cues again, next try in 30 s
    assert opener.calls == 2 and full.analyzed == []
    clock.now = 34.0
    emotions.analyze("calm")
    assert opener.calls == 2
    clock.now = 35.0
    assert emotions.analyze("I'm furious").primary == "anger"
    assert full.analyzed == ["I'm furious"]
    assert emotions.status().state is ResourceState.READY
    assert emotions.wait().state is ResourceState.READY


def test_charts_load_in_the_background_and_report_it() -> None:
    charts = LazyCharts(lambda: cast("MatplotlibCharts", object()))
    assert charts.status().state is ResourceState.IDLE
    charts.warm_up().join(10)
    assert charts.wait().state is ResourceState.READY


def test_charts_that_cannot_load_fail_with_a_reason() -> None:
    def broken() -> MatplotlibCharts:
        raise ImportError("No module named 'matplotlib'")

    charts = LazyCharts(broken)
    with pytest.raises(ResourceUnavailableError):
        charts.renderer()
    status = charts.status()
    assert status.state is ResourceState.FAILED and status.detail.startswith("ImportError")


def test_a_chart_process_that_died_is_replaced_on_the_next_chart() -> None:
    chart = RadarChart("R", ("a", "b", "c"), Series("now", (1.0, 2.0, 3.0)))
    child = ChartProcess()
    try:
        child.warm_up().join(120)
        assert child.status().state is ResourceState.READY
        assert child.radar(chart).startswith(b"\x89PNG")
        pool = child._pool.peek()
        assert pool is not None
        for process in list(pool._processes.values()):  # what an out-of-memory kill does
            assert process.pid is not None
            os.kill(process.pid, signal.SIGKILL)
            process.join(10)
        with pytest.raises(BrokenProcessPool):
            child.radar(chart)
        assert child.status().state is ResourceState.IDLE
        assert child.radar(chart).startswith(b"\x89PNG")
    finally:
        child.close()


def test_a_missing_embedding_model_is_tried_again_after_the_back_off(tmp_path: Path) -> None:
    clock = Clock()
    shared = SharedEmbeddings(
        str(tmp_path / "no-model"), engine="sentence-transformers", clock=clock
    )
    with pytest.raises(ResourceUnavailableError, match="ModelNotFoundError"):
        shared.get()
    assert shared.status().state is ResourceState.FAILED
    (tmp_path / "no-model").mkdir()  # a folder, but still no model in it
    clock.now = 5.0
    with pytest.raises(ResourceUnavailableError, match="not a sentence-transformers model"):
        shared.get()
