"""Composition root: the one place that reads settings and wires adapters into services."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from bot.adapters.charts import ChartProcess, LazyCharts
from bot.adapters.content.loader import load_content
from bot.adapters.db import database
from bot.adapters.emotion.lazy import LazyEmotionDetector
from bot.adapters.retrieval.lazy import LazyCardIndex
from bot.config import Settings
from bot.domain.content import Content
from bot.services.cohort_admin import CohortAdmin
from bot.services.engine import DialogueEngine
from bot.services.nudges import ReminderService
from bot.services.ports import EmotionDetector

if TYPE_CHECKING:
    from bot.adapters.emotion.detector import EmotionDetector as Detector
    from bot.adapters.nlp.embeddings import SharedEmbeddings
    from bot.adapters.retrieval.index import HybridCardIndex, IndexReport


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


@dataclass
class Services:
    """Everything a channel needs, built once per process."""

    settings: Settings
    content: Content
    engine: DialogueEngine
    database: Engine
    cards: LazyCardIndex
    emotions: EmotionDetector
    reminders: ReminderService
    cohorts: CohortAdmin
    charts: LazyCharts | ChartProcess

    def warm_up(self, wait: bool = False) -> None:
        """Load the knowledge base and the emotion model in the background.

        A bot serving many people waits (`wait=True`): a first message must not load the model
        inside its database transaction while everyone else's answers queue behind it.
        """
        threads = [self.cards.warm_up(), self.charts.warm_up()]
        if isinstance(self.emotions, LazyEmotionDetector):
            threads.append(self.emotions.warm_up())
        if wait:
            for thread in threads:
                thread.join()

    def close(self) -> None:
        """Release database connections (and the chart process, if any)."""
        self.database.dispose()
        if isinstance(self.charts, ChartProcess):
            self.charts.close()


def prepare_storage(settings: Settings) -> Engine:
    """Create the data folder and the database engine, and migrate the schema if needed."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = database.make_engine(settings.sqlalchemy_url)
    database.ensure_schema(engine)
    return engine


class ModelHolder:
    """Holds the one embedding model of the process, imported and loaded only when first needed."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._shared: SharedEmbeddings | None = None
        self._lock = threading.Lock()

    def shared(self) -> SharedEmbeddings:
        """Return the process's shared model holder."""
        from bot.adapters.nlp.embeddings import SharedEmbeddings  # noqa: PLC0415 - numpy, torch

        with self._lock:
            if self._shared is None:
                self._shared = SharedEmbeddings(self._settings.model_path)
            return self._shared


def open_card_index(
    settings: Settings, rebuild: bool = False, model: ModelHolder | None = None
) -> tuple[HybridCardIndex, IndexReport]:
    """Open the card index from the cache, building it when content, model or settings changed."""
    from bot.adapters.retrieval.index import open_index  # noqa: PLC0415 - heavy: numpy, faiss, torch

    shared = (model or ModelHolder(settings)).shared()
    knowledge = settings.knowledge_dir
    return open_index(
        knowledge / "cards",
        knowledge / "lexicon.yaml",
        settings.cache_root,
        settings.model_path,
        force=rebuild,
        embeddings_factory=shared.get,
    )


def open_emotion_detector(settings: Settings, model: ModelHolder | None = None) -> EmotionDetector:
    """Build the emotion detector with the shared model (cues only if it cannot load)."""
    from bot.adapters.emotion.factory import open_detector  # noqa: PLC0415 - numpy, torch

    def full() -> Detector:
        shared = (model or ModelHolder(settings)).shared()
        return open_detector(
            settings.knowledge_dir, settings.cache_root, shared.get(), shared.model
        )

    return LazyEmotionDetector(
        full, lambda: open_detector(settings.knowledge_dir, settings.cache_root, None, None)
    )


def build_services(settings: Settings, server: bool = False, **overrides: Any) -> Services:
    """Wire content, storage, card index, emotions and dialogue engine; overrides replace parts.

    A `server` (the Telegram bot) draws charts in a child process, so that drawing never pauses
    other people's conversations.
    """
    content = overrides.get("content") or load_content(settings.knowledge_dir, settings.prompts_dir)
    db_engine = overrides.get("database") or prepare_storage(settings)
    model = ModelHolder(settings)
    cards = overrides.get("cards") or LazyCardIndex(
        lambda: open_card_index(settings, model=model)[0]
    )
    emotions = overrides.get("emotions") or open_emotion_detector(settings, model)
    unit_of_work = database.unit_of_work_factory(db_engine)
    charts = overrides.get("charts") or (ChartProcess() if server else LazyCharts())
    clock = overrides.get("clock") or SystemClock()
    engine = DialogueEngine(
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
        reminders=ReminderService(unit_of_work, content, clock, cards),
        cohorts=CohortAdmin(unit_of_work, content, clock, cards),
        charts=charts,
    )
