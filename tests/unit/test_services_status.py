"""Services report the state of their heavy parts and of the database, and warm them up."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from bot.adapters.charts import LazyCharts
from bot.adapters.db import database
from bot.adapters.emotion.detector import EmotionDetector
from bot.bootstrap import Services, build_services
from bot.config import load_settings
from bot.domain.cards import Card
from bot.domain.content import Content
from bot.domain.health import ResourceState, ResourceStatus
from tests.fakes import FakeCardIndex, FakeClock

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bot.adapters.charts.renderer import MatplotlibCharts


@pytest.fixture
def gate() -> threading.Event:
    """Holds the charts' loading until the test opens it."""
    return threading.Event()


@pytest.fixture
def services(
    tmp_path: Path,
    content: Content,
    all_cards: list[Card],
    cue_detector: EmotionDetector,
    gate: threading.Event,
) -> Iterator[Services]:
    """Services whose cards and emotions are plain objects and whose charts load on a gate."""

    def charts() -> MatplotlibCharts:
        assert gate.wait(10)
        return cast("MatplotlibCharts", object())

    built = build_services(
        load_settings(data_dir=tmp_path),
        content=content,
        cards=FakeCardIndex(all_cards),
        emotions=cue_detector,
        charts=LazyCharts(charts),
        clock=FakeClock(),
    )
    yield built
    gate.set()
    built.close()


def _states(statuses: list[ResourceStatus]) -> dict[str, ResourceState]:
    return {status.name: status.state for status in statuses}


def test_plain_parts_are_ready_and_loading_ones_say_where_they_stand(
    services: Services, gate: threading.Event
) -> None:
    assert _states(services.statuses()) == {
        "cards": ResourceState.READY,
        "emotions": ResourceState.READY,
        "charts": ResourceState.IDLE,
    }
    services.warm_up()
    assert _states(services.statuses())["charts"] is ResourceState.LOADING
    assert _states(services.wait_ready(timeout=0.05))["charts"] is ResourceState.LOADING
    gate.set()
    assert set(_states(services.wait_ready(timeout=10)).values()) == {ResourceState.READY}


def test_warm_up_can_wait_for_everything(services: Services, gate: threading.Event) -> None:
    gate.set()
    services.warm_up(wait=True)
    assert all(status.usable for status in services.statuses())


def test_the_database_check_tells_ready_or_failed_without_raising(
    services: Services, tmp_path: Path
) -> None:
    assert services.database_status() == ResourceStatus("database", ResourceState.READY)
    services.database.dispose()
    services.database = database.make_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    status = services.database_status()
    assert status.state is ResourceState.FAILED and status.detail == "OperationalError"
