"""Builds the message reader: the cues, the shared encoder, and the heads (cached or trained)."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.emotion.factory import open_detector
from bot.adapters.nlp.encoders import TextEncoder

from .features import Featurizer
from .reader import MessageReader
from .training import TrainingReport, open_model


def open_reader(
    knowledge_dir: Path, cache_dir: Path, encoder: TextEncoder, retrain: bool = False
) -> tuple[MessageReader, TrainingReport]:
    """The reader, with weights from the cache when they match the corpus and the encoder."""
    cues = open_detector(knowledge_dir, cache_dir, None)
    featurizer = Featurizer(encoder, cues)
    model, report = open_model(knowledge_dir, cache_dir, featurizer, force=retrain)
    return MessageReader(featurizer, model, cues), report
