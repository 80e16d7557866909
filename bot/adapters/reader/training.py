"""Training the reader's heads on the labelled corpus, and keeping the result in the cache.

The weights are rebuilt whenever the corpus, the cue files, the encoder or the features change
(they are part of the key); a cache whose files do not match their manifest is rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.adapters.emotion.data import load_labelled_messages
from bot.domain.emotions import Intent, LabelledMessage, Meeting, SafetyConcern
from bot.domain.taxonomy import EMOTIONS, SITUATIONS

from .features import FEATURE_VERSION, WORD_BUCKETS, Featurizer
from .heads import Design, SigmoidHeads, SoftmaxHead, fit_together
from .model import ReaderModel, Thresholds

log = logging.getLogger(__name__)
INTENSITIES = ("low", "medium", "high")
NONE = "none"
# Files whose change retrains the reader, besides the corpus (relative to knowledge/).
CUE_FILES = ("emotions/cues.yaml", "emotions/safety.yaml", "emotions/meeting.yaml", "lexicon.yaml")


@dataclass(frozen=True)
class TrainingReport:
    """What opening the reader did."""

    action: str  # "trained" or "loaded"
    messages: int
    seconds: float


def corpus_files(knowledge_dir: Path) -> list[Path]:
    """The labelled training files, in a stable order."""
    return sorted((knowledge_dir / "reader" / "corpus").glob("*.yaml"))


def load_corpus(knowledge_dir: Path) -> list[LabelledMessage]:
    """Every labelled training message; a file without every label is refused."""
    messages: list[LabelledMessage] = []
    for path in corpus_files(knowledge_dir):
        loaded = load_labelled_messages(path)
        incomplete = [m for m in loaded if m.intent is None or m.meeting is None]
        if incomplete:
            raise ValueError(f"{path}: every message needs intent, safety and meeting labels")
        messages += loaded
    return messages


def weights_key(knowledge_dir: Path, fingerprint: str, thresholds: Thresholds) -> str:
    """The key of trained weights: corpus, cue files, encoder, features and thresholds."""
    digest = hashlib.sha256(f"{fingerprint}|{FEATURE_VERSION}|{thresholds}".encode())
    for path in [*corpus_files(knowledge_dir), *(knowledge_dir / name for name in CUE_FILES)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def train(
    messages: list[LabelledMessage], featurizer: Featurizer, thresholds: Thresholds
) -> ReaderModel:
    """Fit every head on the messages."""
    features = featurizer.many([m.text for m in messages], [m.language for m in messages])
    return fit(features, messages, thresholds)


def fit(
    features: np.ndarray, messages: list[LabelledMessage], thresholds: Thresholds
) -> ReaderModel:
    """Fit every head on messages whose features are computed."""
    safety = tuple([NONE, *(concern.value for concern in SafetyConcern)])
    tasks = {
        "emotion": SoftmaxHead.task([m.emotion for m in messages], EMOTIONS),
        "intensity": SoftmaxHead.task([m.intensity for m in messages], INTENSITIES),
        "intent": SoftmaxHead.task(
            [str(m.intent) for m in messages], tuple(i.value for i in Intent)
        ),
        "safety": SoftmaxHead.task(
            [m.safety.value if m.safety else NONE for m in messages], safety, 0.7
        ),
        "meeting": SoftmaxHead.task(
            [str(m.meeting) for m in messages], tuple(x.value for x in Meeting)
        ),
        "situations": SigmoidHeads.task([m.situations for m in messages], SITUATIONS),
    }
    design = Design(features, features.shape[1] - WORD_BUCKETS)
    fitted = fit_together(design, list(tasks.values()))
    heads = {
        name: (SigmoidHeads if name == "situations" else SoftmaxHead)(task.labels, w, b)
        for (name, task), (w, b) in zip(tasks.items(), fitted, strict=True)
    }
    return ReaderModel(**heads, thresholds=thresholds)  # type: ignore[arg-type]


def open_model(
    knowledge_dir: Path,
    cache_dir: Path,
    featurizer: Featurizer,
    thresholds: Thresholds | None = None,
    force: bool = False,
    trainer: Callable[[], None] | None = None,
) -> tuple[ReaderModel, TrainingReport]:
    """The trained heads from the cache when they match, else trained now and cached.

    A `trainer` trains elsewhere (a child process: a long-running bot keeps none of the
    training's memory) and publishes into the cache; training here is the fallback.
    """
    started = time.perf_counter()
    chosen = thresholds or Thresholds()
    key = weights_key(knowledge_dir, featurizer.encoder.fingerprint(), chosen)
    folder = cache_dir / "reader" / key
    # First the cache as it is, then after training apart; never the cache when forced.
    attempts: list[Callable[[], None] | None] = [] if force else [None]
    if trainer is not None and not force:
        attempts.append(trainer)
    for attempt in attempts:
        if attempt is not None:
            attempt()
        try:
            model = ReaderModel.load(folder)
            action = "loaded" if attempt is None else "trained apart"
            return model, TrainingReport(action, 0, time.perf_counter() - started)
        except (OSError, ValueError, KeyError) as error:
            log.info("no trained reader in the cache yet: %s", type(error).__name__)
    messages = load_corpus(knowledge_dir)
    model = train(messages, featurizer, chosen)
    _publish(model, folder)
    return model, TrainingReport("trained", len(messages), time.perf_counter() - started)


def _publish(model: ReaderModel, folder: Path) -> None:
    # Written beside the cache, then swapped in, so that a crash never leaves half a model.
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="reader-", dir=folder.parent))
    model.save(staging)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        staging.rename(folder)
    except OSError:  # another process published first; ours is just as good in memory
        shutil.rmtree(staging, ignore_errors=True)
