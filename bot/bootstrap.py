"""Composition root: the one place that reads settings and wires adapters into services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from bot.adapters.content.loader import load_content
from bot.adapters.db import database
from bot.adapters.retrieval.lazy import LazyCardIndex
from bot.config import Settings
from bot.domain.content import Content
from bot.services.engine import DialogueEngine

if TYPE_CHECKING:
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

    def close(self) -> None:
        """Release database connections."""
        self.database.dispose()


def prepare_storage(settings: Settings) -> Engine:
    """Create the data folder and the database engine, and migrate the schema if needed."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = database.make_engine(settings.sqlalchemy_url)
    database.ensure_schema(engine)
    return engine


def open_card_index(
    settings: Settings, rebuild: bool = False
) -> tuple[HybridCardIndex, IndexReport]:
    """Open the card index from the cache, building it when content, model or settings changed."""
    from bot.adapters.retrieval.index import open_index  # noqa: PLC0415 - heavy: numpy, faiss, torch

    knowledge = settings.knowledge_dir
    return open_index(
        knowledge / "cards",
        knowledge / "lexicon.yaml",
        settings.cache_root,
        settings.model_path,
        force=rebuild,
    )


def build_services(settings: Settings, **overrides: Any) -> Services:
    """Wire content, storage, card index and dialogue engine; overrides replace parts (tests)."""
    content = overrides.get("content") or load_content(settings.knowledge_dir, settings.prompts_dir)
    db_engine = overrides.get("database") or prepare_storage(settings)
    cards = overrides.get("cards") or LazyCardIndex(lambda: open_card_index(settings)[0])
    engine = DialogueEngine(
        unit_of_work=database.unit_of_work_factory(db_engine),
        content=content,
        clock=overrides.get("clock") or SystemClock(),
        default_language=settings.default_language,
        cards=cards,
    )
    return Services(
        settings=settings, content=content, engine=engine, database=db_engine, cards=cards
    )
