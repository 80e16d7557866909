"""Builds the message reader: the cues, the shared encoder, and the heads (cached or trained)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path

from bot.adapters.emotion.factory import open_detector
from bot.adapters.nlp.encoders import TextEncoder, open_encoder

from .features import Featurizer
from .reader import MessageReader
from .training import TrainingReport, open_model


def open_reader(
    knowledge_dir: Path,
    cache_dir: Path,
    encoder: TextEncoder,
    retrain: bool = False,
    trainer: Callable[[], None] | None = None,
) -> tuple[MessageReader, TrainingReport]:
    """The reader, with weights from the cache when they match the corpus and the encoder."""
    cues = open_detector(knowledge_dir, cache_dir, None)
    featurizer = Featurizer(encoder, cues)
    model, report = open_model(knowledge_dir, cache_dir, featurizer, force=retrain, trainer=trainer)
    return MessageReader(featurizer, model, cues), report


def train_apart(
    knowledge_dir: Path, cache_dir: Path, engine: str, model_setting: str | None
) -> None:
    """Train the reader in a child process that publishes the weights into the cache.

    A long-running bot then loads them and keeps none of the training's memory (about 150 MB).
    """
    context = multiprocessing.get_context("spawn")
    child = context.Process(
        target=_train_in_child,
        args=(str(knowledge_dir), str(cache_dir), engine, model_setting),
        name="trustcoach-reader-training",
        daemon=True,
    )
    child.start()
    child.join()


def _train_in_child(
    knowledge_dir: str, cache_dir: str, engine: str, model_setting: str | None
) -> None:
    encoder = open_encoder(engine, model_setting)
    open_reader(Path(knowledge_dir), Path(cache_dir), encoder, retrain=True)
