"""A small FAISS vector store on langchain-core's interfaces, saved without pickle."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Self

import faiss
import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore

INDEX_FILE = "index.faiss"
DOCUMENTS_FILE = "documents.json"

MetadataFilter = dict[str, Any] | Callable[[dict[str, Any]], bool]


class CorruptIndexError(RuntimeError):
    """Saved index files are missing, unreadable or do not match each other."""


def _matches(metadata: dict[str, Any], wanted: MetadataFilter | None) -> bool:
    if wanted is None:
        return True
    if callable(wanted):
        return bool(wanted(metadata))
    return all(metadata.get(key) == value for key, value in wanted.items())


class FaissStore(VectorStore):
    """Exact inner-product search over normalised vectors (cosine similarity), with metadata."""

    def __init__(self, embedding: Embeddings, dimension: int, index: Any | None = None) -> None:
        self._embedding = embedding
        self._index = index if index is not None else faiss.IndexFlatIP(dimension)
        self._documents: list[Document] = []

    @property
    def embeddings(self) -> Embeddings:
        """The embeddings used for queries and new texts."""
        return self._embedding

    def __len__(self) -> int:
        return len(self._documents)

    def document(self, position: int) -> Document:
        """Return the document stored at a position of the index."""
        return self._documents[position]

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed texts and add them with their metadata; return their ids."""
        contents = list(texts)
        vectors = np.asarray(self._embedding.embed_documents(contents), dtype=np.float32)
        return self.add_vectors(vectors, contents, metadatas, ids)

    def add_vectors(
        self,
        vectors: np.ndarray,
        texts: list[str],
        metadatas: list[dict[str, Any]] | None = None,
        ids: list[str] | None = None,
    ) -> list[str]:
        """Add already computed, normalised vectors with their texts and metadata."""
        metadatas = metadatas or [{} for _ in texts]
        ids = ids or [str(uuid.uuid4()) for _ in texts]
        if not len(texts) == len(metadatas) == len(ids) == vectors.shape[0]:
            raise ValueError("texts, metadatas, ids and vectors must have the same length")
        self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        for text, metadata, doc_id in zip(texts, metadatas, ids, strict=True):
            self._documents.append(Document(page_content=text, metadata=dict(metadata), id=doc_id))
        return ids

    def search_vector(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return (position, cosine) of the k nearest documents to a normalised vector."""
        positions, scores = self.search_arrays(vector, k)
        return [(int(p), float(s)) for p, s in zip(positions, scores, strict=True)]

    def search_arrays(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest documents' positions and cosines, as arrays (no Python loop)."""
        if not self._documents:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        scores, positions = self._index.search(query, min(k, len(self._documents)))
        found = positions[0] >= 0
        return positions[0][found], scores[0][found]

    def similarity_search_with_score_by_vector(
        self,
        embedding: list[float],
        k: int = 4,
        filter: MetadataFilter | None = None,
        **kwargs: Any,
    ) -> list[tuple[Document, float]]:
        """Return the k most similar documents passing the metadata filter, with cosines."""
        vector = np.asarray(embedding, dtype=np.float32)
        ranked = self.search_vector(vector, len(self._documents))
        found = [
            (self._documents[p], s)
            for p, s in ranked
            if _matches(self._documents[p].metadata, filter)
        ]
        return found[:k]

    def similarity_search_with_score(
        self, query: str, k: int = 4, filter: MetadataFilter | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Return the k documents most similar to a query, with cosine similarity."""
        return self.similarity_search_with_score_by_vector(
            self._embedding.embed_query(query), k, filter
        )

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        """Return the k documents most similar to a query (LangChain interface)."""
        return [doc for doc, _ in self.similarity_search_with_score(query, k, **kwargs)]

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        # Cosine similarity in [-1, 1] mapped to [0, 1].
        return lambda score: (score + 1) / 2

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """Build a store from texts (LangChain interface)."""
        vectors = np.asarray(embedding.embed_documents(texts), dtype=np.float32)
        store = cls(embedding, vectors.shape[1])
        store.add_vectors(vectors, texts, metadatas, ids)
        return store

    def save_local(self, folder: Path) -> list[Path]:
        """Write the FAISS index and a JSON document store; return the files written."""
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / INDEX_FILE))
        records = [
            {"id": d.id, "text": d.page_content, "metadata": d.metadata} for d in self._documents
        ]
        (folder / DOCUMENTS_FILE).write_text(
            json.dumps(records, ensure_ascii=False), encoding="utf-8"
        )
        return [folder / INDEX_FILE, folder / DOCUMENTS_FILE]

    @classmethod
    def load_local(cls, folder: Path, embedding: Embeddings) -> Self:
        """Read a saved store (no pickle involved); CorruptIndexError when it is not sound."""
        try:
            index = faiss.read_index(str(folder / INDEX_FILE))
            records = json.loads((folder / DOCUMENTS_FILE).read_text(encoding="utf-8"))
        except (OSError, RuntimeError, ValueError) as error:
            raise CorruptIndexError(f"cannot read the saved index in {folder}: {error}") from error
        if not isinstance(records, list) or index.ntotal != len(records):
            raise CorruptIndexError(f"index and documents disagree in {folder}")
        store = cls(embedding, index.d, index)
        for record in records:
            store._documents.append(
                Document(page_content=record["text"], metadata=record["metadata"], id=record["id"])
            )
        return store
