"""The real services warmed up in their threads while people already ask and talk, as at start-up."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.bootstrap import Services, build_services
from bot.config import load_settings
from bot.domain.framework import Language
from bot.domain.health import ResourceState
from bot.domain.retrieval import SearchUnavailableError

pytestmark = pytest.mark.slow

THREADS = 4
CALLS_PER_THREAD = 50  # 4 x 50 = 200 searches and 200 readings

MESSAGES: list[tuple[str, Language]] = [
    ("my supplier is late again and I see them tomorrow", "en"),
    ("the supplier wants a 9% price increase because of energy costs", "en"),
    ("third late delivery this month, I'm furious!!!", "en"),
    ("I don't trust their capacity figures anymore", "en"),
    ("how do I prepare a tough negotiation with a key account?", "en"),
    ("they found a quality defect in our parts, I feel guilty", "en"),
    ("mon fournisseur demande +9 % à cause de l'énergie, je le vois demain", "fr"),
    ("encore un retard de livraison, la ligne est à l'arrêt", "fr"),
    ("je suis furieux contre ce fournisseur, troisième retard", "fr"),
    ("les pièces sont non conformes, on a ouvert un 8D", "fr"),
    ("comment traiter tous les candidats pareil dans un appel d'offres ?", "fr"),
    ("j'ai peur de la réunion de demain avec leur directeur", "fr"),
]


def _clean_environment(monkeypatch: pytest.MonkeyPatch, data_dir: Path, cache: Path) -> None:
    # As the command line tests do: nothing of the developer's own settings leaks in.
    for name in [name for name in os.environ if name.startswith("TRUSTCOACH_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRUSTCOACH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TRUSTCOACH_CACHE_DIR", str(cache))


@pytest.fixture(scope="module")
def index_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One card index cache for the module: each test has its own data, not its own build."""
    return tmp_path_factory.mktemp("index-cache")


@pytest.fixture
def real_services(
    tmp_path: Path, index_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], Services]]:
    """Builds the real services (real model, index, detector, charts) in a temporary folder."""
    built: list[Services] = []
    _clean_environment(monkeypatch, tmp_path, index_cache)

    def build() -> Services:
        built.append(build_services(load_settings()))
        return built[-1]

    yield build
    for services in built:
        services.wait_ready(timeout=120)  # never leave a loading thread behind
        services.close()


def _run_in_threads(work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []

    def guarded(number: int) -> None:
        try:
            work(number)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(280)
    return errors


def test_searches_and_readings_during_and_after_the_warm_up_all_succeed(
    real_services: Callable[[], Services],
) -> None:
    services = real_services()
    empty: list[str] = []
    readings: dict[tuple[str, Language], set[str]] = {}

    def work(number: int) -> None:
        for call in range(CALLS_PER_THREAD):
            text, language = MESSAGES[(number * CALLS_PER_THREAD + call) % len(MESSAGES)]
            # A number makes each query new, so that every search really ranks the cards.
            query = f"{text} {number * CALLS_PER_THREAD + call}"
            if not services.cards.search(query, language, k=3):
                empty.append(query)
            reading = services.emotions.analyze(text, language)
            readings.setdefault((text, language), set()).add(reading.primary)

    services.warm_up()  # card index, emotion detector and charts load in their own threads
    errors = _run_in_threads(work)

    assert errors == []
    assert empty == []
    assert {status.name: status.state for status in services.wait_ready(timeout=120)} == {
        "cards": ResourceState.READY,
        "emotions": ResourceState.READY,
        "charts": ResourceState.READY,
    }
    # Every thread read each message the same way, and as a single thread does now.
    for (text, language), primaries in readings.items():
        assert primaries == {services.emotions.analyze(text, language).primary}, text


def test_a_missing_model_leaves_the_cards_failed_and_the_emotions_on_their_cues(
    real_services: Callable[[], Services],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    monkeypatch.setenv("TRUSTCOACH_EMBEDDINGS", "sentence-transformers")
    monkeypatch.setenv("TRUSTCOACH_MODEL_PATH", str(tmp_path / "no-model"))
    services = real_services()
    services.warm_up(wait=True)

    states = {status.name: status for status in services.statuses()}
    assert states["cards"].state is ResourceState.FAILED
    assert states["cards"].detail and "\n" not in states["cards"].detail
    assert "ModelNotFoundError" in states["cards"].detail
    assert states["emotions"].state is ResourceState.DEGRADED
    assert states["emotions"].detail == "cues only"
    assert states["charts"].state is ResourceState.READY
    with pytest.raises(SearchUnavailableError):
        services.cards.search("late delivery", "en")
    assert services.emotions.analyze("I'm furious", "en").primary == "anger"

    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert all(record.exc_info is None for record in caplog.records)
