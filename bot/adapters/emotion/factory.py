"""Builds the emotion detector from knowledge/ files, with prototype vectors cached on disk."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bot.adapters.nlp.encoders import TextEncoder
from bot.adapters.nlp.lexicon import load_lexicon
from bot.adapters.nlp.tags import TagMatcher

from .data import (
    EmotionDataError,
    load_cues,
    load_insults,
    load_meeting_words,
    load_prototypes,
    load_safety,
)
from .detector import EmotionDetector

log = logging.getLogger(__name__)


def _prototype_vectors(
    path: Path, embeddings: TextEncoder, cache_dir: Path
) -> tuple[list[str], np.ndarray]:
    triples = load_prototypes(path)
    labels = [emotion for emotion, _, _ in triples]
    texts = [text for _, _, text in triples]
    key = hashlib.sha256(path.read_bytes() + embeddings.fingerprint().encode()).hexdigest()[:24]
    folder = cache_dir / "emotion"
    vectors_file, manifest_file = (
        folder / f"prototypes-{key}.npy",
        folder / f"prototypes-{key}.json",
    )
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        vectors = np.load(vectors_file, allow_pickle=False)
        if manifest.get("labels") == labels and vectors.shape[0] == len(labels):
            return labels, vectors.astype(np.float32)
    except (OSError, ValueError):
        pass  # no cache yet, or a damaged one: compute again
    vectors = embeddings.encode(texts)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(vectors_file, vectors, allow_pickle=False)
    manifest_file.write_text(json.dumps({"labels": labels}), encoding="utf-8")
    return labels, vectors


def check_reading_files(knowledge_dir: Path) -> None:
    """Read every cue, safety, meeting and lexicon file; EmotionDataError names a broken one.

    Run at start: without these files safety could not run, so the program must not either.
    """
    folder = knowledge_dir / "emotions"
    load_cues(folder / "cues.yaml")
    load_safety(folder / "safety.yaml")
    load_insults(folder / "safety.yaml")
    load_meeting_words(folder / "meeting.yaml")
    lexicon = knowledge_dir / "lexicon.yaml"
    try:
        load_lexicon(lexicon)
    except OSError as error:
        raise EmotionDataError(f"{lexicon}: file not found") from error
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        # A LexiconError names its file already; a malformed shape says what it tripped on.
        detail = str(error).splitlines()[0][:200]
        raise EmotionDataError(
            detail if str(lexicon) in detail else f"{lexicon}: {detail}"
        ) from error


def open_detector(
    knowledge_dir: Path,
    cache_dir: Path,
    embeddings: TextEncoder | None,
) -> EmotionDetector:
    """Build the detector; without embeddings it works on cues alone."""
    folder = knowledge_dir / "emotions"
    cues = load_cues(folder / "cues.yaml")
    safety = load_safety(folder / "safety.yaml")
    insults = load_insults(folder / "safety.yaml")
    situations = TagMatcher(load_lexicon(knowledge_dir / "lexicon.yaml"))
    meeting = load_meeting_words(folder / "meeting.yaml")
    if embeddings is None:
        return EmotionDetector(cues, safety, situations, meeting_words=meeting, insults=insults)
    prototypes = _prototype_vectors(folder / "prototypes.yaml", embeddings, cache_dir)
    return EmotionDetector(
        cues,
        safety,
        situations,
        prototypes,
        _queries(embeddings),
        meeting_words=meeting,
        insults=insults,
    )


def _queries(embeddings: TextEncoder) -> Callable[[list[str]], np.ndarray]:
    """Messages are encoded as queries, once: the search reuses the same vector."""
    return lambda texts: np.stack([embeddings.query_vector(text) for text in texts])
