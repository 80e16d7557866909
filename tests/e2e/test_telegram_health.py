"""The webhook's /health tells the database, the card index and the emotion reader apart."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from sqlalchemy import Engine

from bot.adapters.db import database
from bot.adapters.emotion.detector import EmotionDetector
from bot.channels.telegram.app import build_application, health_report, serve_webhook
from bot.domain.content import Content
from bot.domain.health import ResourceState, ResourceStatus
from bot.services.engine import DialogueEngine
from tests.fake_telegram import FakeBotApi
from tests.fakes import FakeCardIndex, FakeClock

READY = ResourceState.READY


@pytest.fixture
def engine(
    db: Engine, content: Content, card_index: FakeCardIndex, cue_detector: EmotionDetector
) -> DialogueEngine:
    """A dialogue engine over the test's SQLite database."""
    unit_of_work = database.unit_of_work_factory(db)
    return DialogueEngine(
        unit_of_work, content, FakeClock(), cards=card_index, emotions=cue_detector
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_report_names_each_part_and_is_not_ready_when_one_is_down() -> None:
    healthy = [ResourceStatus("database", READY), ResourceStatus("cards", READY)]
    assert health_report(healthy, running=True) == (
        {
            "status": "ok",
            "running": True,
            "parts": {
                "database": {"state": "ready", "detail": ""},
                "cards": {"state": "ready", "detail": ""},
            },
        },
        True,
    )
    cues_only = [*healthy, ResourceStatus("emotions", ResourceState.DEGRADED, "cues only")]
    body, ok = health_report(cues_only, running=True)
    assert ok and body["status"] == "degraded"
    down = [ResourceStatus("database", ResourceState.FAILED, "OperationalError")]
    body, ok = health_report([*down, *healthy[1:]], running=True)
    assert not ok and body["status"] == "unavailable"
    loading = [ResourceStatus("cards", ResourceState.LOADING)]
    assert health_report(loading, running=True)[1] is False
    assert health_report(healthy, running=False)[1] is False


async def _health(port: int) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session:
        for _ in range(50):  # the server may need a moment to bind
            try:
                async with session.get(f"http://127.0.0.1:{port}/health") as response:
                    return response.status, await response.json()
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
    raise AssertionError("the webhook server never answered")


def test_health_answers_503_with_the_part_that_is_down(engine: DialogueEngine) -> None:
    statuses = [
        ResourceStatus("database", READY),
        ResourceStatus("cards", ResourceState.FAILED, "ModelNotFoundError: no model"),
        ResourceStatus("emotions", ResourceState.DEGRADED, "cues only"),
    ]

    async def scenario() -> None:
        async with FakeBotApi() as fake:
            port = _free_port()
            stop = asyncio.Event()
            application = build_application(
                engine, fake.token, fake.base_url, fake.base_file_url, health=lambda: statuses
            )
            server = asyncio.create_task(
                serve_webhook(application, "127.0.0.1", port, "hook", "s3cret", None, stop)
            )
            status, body = await _health(port)
            assert status == 503 and body["status"] == "unavailable"
            parts = body["parts"]
            assert isinstance(parts, dict)
            assert parts["cards"] == {"state": "failed", "detail": "ModelNotFoundError: no model"}
            assert parts["emotions"]["state"] == "degraded"
            assert parts["database"]["state"] == "ready"
            statuses[1] = ResourceStatus("cards", READY)  # the index opened on a later try
            status, body = await _health(port)
            assert status == 200 and body["status"] == "degraded"
            stop.set()
            await server

    asyncio.run(scenario())
