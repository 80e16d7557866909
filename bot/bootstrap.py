"""Composition root: the one place that reads settings and wires adapters into services."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlalchemy import Engine

from bot.adapters.charts import ChartProcess, LazyCharts
from bot.adapters.content.loader import load_content
from bot.adapters.db import crypto, database
from bot.adapters.emotion.lazy import LazyEmotionDetector
from bot.adapters.nlp.shared import SharedEmbeddings
from bot.adapters.retrieval.lazy import LazyCardIndex
from bot.config import Settings
from bot.domain.content import Content
from bot.domain.health import ResourceState, ResourceStatus
from bot.services.cohorts.admin import CohortAdmin
from bot.services.cohorts.nudges import ReminderService
from bot.services.engine import DialogueEngine
from bot.services.ports import CardIndex, ChartRenderer, EmotionDetector, UnitOfWork
from bot.services.privacy.admin import PrivacyAdmin
from bot.services.privacy.retention import RetentionService

if TYPE_CHECKING:
    from bot.adapters.retrieval.index import HybridCardIndex, IndexReport


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


@runtime_checkable
class _Loading(Protocol):
    """A part that loads on demand (LazyCardIndex, LazyEmotionDetector, LazyCharts, ...)."""

    def warm_up(self) -> threading.Thread:
        """Start loading in the background."""

    def wait(self, timeout: float | None = None) -> ResourceStatus:
        """Block while loading."""

    def status(self) -> ResourceStatus:
        """Tell where the loading stands."""


@dataclass
class Services:
    """Everything a channel needs, built once per process."""

    settings: Settings
    content: Content
    engine: DialogueEngine
    database: Engine
    cards: CardIndex
    emotions: EmotionDetector
    reminders: ReminderService
    cohorts: CohortAdmin
    charts: ChartRenderer
    privacy: PrivacyAdmin
    retention: RetentionService

    def warm_up(self, wait: bool = False) -> None:
        """Load the knowledge base, the emotion model and the charts in the background.

        A bot serving many people waits (`wait=True`): a first message must not load the model
        inside its database transaction while everyone else's answers queue behind it.
        """
        threads = [part.warm_up() for part in self._loading().values()]
        if wait:
            for thread in threads:
                thread.join()

    def wait_ready(self, timeout: float | None = None) -> list[ResourceStatus]:
        """Block while any part is still loading (at most `timeout` seconds); return statuses."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for part in self._loading().values():
            part.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self.statuses()

    def statuses(self) -> list[ResourceStatus]:
        """Return the state of the card index, the emotion detector and the charts."""
        return [_status(name, part) for name, part in self._parts().items()]

    def database_status(self) -> ResourceStatus:
        """Check the database with `SELECT 1`; FAILED with the error's class name, never raises."""
        try:
            _select_one(self.database)
        except Exception as error:
            # The class name only: a driver's message may carry the host, user or password.
            return ResourceStatus("database", ResourceState.FAILED, type(error).__name__)
        return ResourceStatus("database", ResourceState.READY)

    def close(self) -> None:
        """Release database connections (and the chart process, if any)."""
        self.database.dispose()
        if isinstance(self.charts, ChartProcess):
            self.charts.close()

    def _parts(self) -> dict[str, object]:
        return {"cards": self.cards, "emotions": self.emotions, "charts": self.charts}

    def _loading(self) -> dict[str, _Loading]:
        # Parts given as overrides (fakes in tests) may be plain objects that never load.
        return {name: p for name, p in self._parts().items() if isinstance(p, _Loading)}


def _status(name: str, part: object) -> ResourceStatus:
    if isinstance(part, _Loading):
        return dataclasses.replace(part.status(), name=name)
    return ResourceStatus(name, ResourceState.READY)  # a plain object is there from the start


def _settled(parts: list[object]) -> Callable[[], None]:
    """Before a transaction: wait for parts still loading, so no lock is held meanwhile.

    Loading the reader or the card index takes seconds; inside a write transaction it would
    keep every other program on the same SQLite file waiting ("database is locked").
    """
    loading = [part for part in parts if isinstance(part, _Loading)]

    def ready() -> None:
        for part in loading:
            if part.status().state is ResourceState.IDLE:
                part.warm_up()
            part.wait()

    return ready


def _after(ready: Callable[[], None], opener: Callable[[], UnitOfWork]) -> Callable[[], UnitOfWork]:
    """A unit-of-work factory that first lets the models finish loading (outside any lock)."""

    def open_after_ready() -> UnitOfWork:
        ready()
        return opener()

    return open_after_ready


def _select_one(engine: Engine) -> None:
    """Run `SELECT 1` on a driver connection of the pool, outside SQLAlchemy's transactions."""
    # SQLAlchemy's transactions begin with SQLite's BEGIN IMMEDIATE (see database.make_engine):
    # a health probe must not take the write lock that every answer queues for.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT 1")
        cursor.fetchone()
        cursor.close()
    finally:
        connection.close()


def prepare_storage(settings: Settings) -> Engine:
    """Create the data folder and the database engine, and migrate the schema if needed.

    A SQLite file that was created here before and is now missing stops the start-up
    (DatabaseMissingError) instead of becoming a new, empty database.
    """
    if settings.database_url is None:
        private_folder(settings.data_dir)
    url = settings.sqlalchemy_url
    database.check_sqlite_file(url)
    key = settings.encryption_key
    crypto.use_keys(key.get_secret_value() if key is not None else None)
    engine = database.make_engine(url, timeouts(settings), pool(settings))
    database.ensure_schema(engine)
    database.mark_sqlite_file(url)
    database.check_encryption(engine)  # a missing or wrong key stops the start, nothing shown
    return engine


def timeouts(settings: Settings) -> database.Timeouts:
    """The database time-outs the settings give."""
    return database.Timeouts(
        connect=settings.db_connect_timeout,
        statement=settings.db_statement_timeout,
        lock=settings.db_lock_timeout,
    )


def pool(settings: Settings) -> database.Pool:
    """The connection pool the settings give (PostgreSQL)."""
    return database.Pool(
        size=settings.db_pool_size,
        overflow=settings.db_max_overflow,
        wait=settings.db_pool_timeout,
        recycle=settings.db_pool_recycle,
    )


def private_folder(folder: Path) -> None:
    """Create the data folder readable by its owner only (0700): it holds people's answers."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder.chmod(0o700)


class ModelHolder(SharedEmbeddings):
    """The process's one sentence encoder, as the settings name it; loaded on first use."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.model_path, engine=settings.embeddings)


def open_card_index(
    settings: Settings, rebuild: bool = False, model: ModelHolder | None = None
) -> tuple[HybridCardIndex, IndexReport]:
    """Open the card index from the cache, building it when content, model or settings changed."""
    from bot.adapters.nlp.encoders import open_encoder  # noqa: PLC0415 - numpy and the weights
    from bot.adapters.retrieval.index import open_index  # noqa: PLC0415 - heavy: numpy, faiss

    # Without a holder (a one-shot command) the model loads directly and its own error surfaces.
    encoder = (
        model.get() if model is not None else open_encoder(settings.embeddings, settings.model_path)
    )
    knowledge = settings.knowledge_dir
    return open_index(
        knowledge / "cards", knowledge / "lexicon.yaml", settings.cache_root, encoder, force=rebuild
    )


def open_emotion_detector(
    settings: Settings, model: ModelHolder | None = None
) -> LazyEmotionDetector:
    """Build the message reader on the shared encoder (cues only while it cannot load)."""
    from bot.adapters.emotion.factory import open_detector  # noqa: PLC0415 - numpy, stemmers
    from bot.adapters.reader.factory import open_reader, train_apart  # noqa: PLC0415 - numpy

    holder = model or ModelHolder(settings)
    knowledge, cache = settings.knowledge_dir, settings.cache_root

    def apart() -> None:
        train_apart(knowledge, cache, settings.embeddings, settings.model_path)

    def full() -> EmotionDetector:
        return open_reader(knowledge, cache, holder.get(), trainer=apart)[0]

    def cues_only() -> EmotionDetector:
        return open_detector(settings.knowledge_dir, settings.cache_root, None)

    return LazyEmotionDetector(full, cues_only)


def build_services(settings: Settings, server: bool = False, **overrides: Any) -> Services:
    """Wire content, storage, card index, emotions and dialogue engine; overrides replace parts.

    A `server` (the Telegram bot) draws charts in a child process, so that drawing never pauses
    other people's conversations.
    """
    content = overrides.get("content") or load_content(settings.knowledge_dir, settings.prompts_dir)
    if "emotions" not in overrides:
        from bot.adapters.emotion.factory import check_reading_files  # noqa: PLC0415 - numpy

        check_reading_files(settings.knowledge_dir)  # no safety without them: stop at start
    db_engine = overrides.get("database") or prepare_storage(settings)
    model = ModelHolder(settings)
    cards = overrides.get("cards") or LazyCardIndex(
        lambda: open_card_index(settings, model=model)[0]
    )
    emotions = overrides.get("emotions") or open_emotion_detector(settings, model)
    unit_of_work = database.unit_of_work_factory(db_engine)
    charts = overrides.get("charts") or (ChartProcess() if server else LazyCharts())
    clock = overrides.get("clock") or SystemClock()
    ready = _settled([cards, emotions])
    engine = DialogueEngine(
        ready=ready,
        unit_of_work=unit_of_work,
        content=content,
        clock=clock,
        default_language=settings.default_language,
        cards=cards,
        emotions=emotions,
        charts=charts,
        trainer_allowlist=settings.trainer_allowlist,
    )
    return Services(
        settings=settings,
        content=content,
        engine=engine,
        database=db_engine,
        cards=cards,
        emotions=emotions,
        # Both may word cards inside their transaction: the index loads before it begins.
        reminders=ReminderService(_after(ready, unit_of_work), content, clock, cards),
        cohorts=CohortAdmin(_after(ready, unit_of_work), content, clock, cards),
        charts=charts,
        privacy=PrivacyAdmin(unit_of_work, content, clock),
        retention=RetentionService(
            unit_of_work,
            clock,
            free_text=timedelta(days=settings.retention_free_text_days),
            abandoned=timedelta(days=settings.retention_abandoned_days),
        ),
    )
