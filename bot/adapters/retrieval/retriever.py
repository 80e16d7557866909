"""The hybrid card search as a LangChain retriever, for any LangChain component to use."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.domain.framework import Language
from bot.domain.retrieval import TagFilter

from .index import HybridCardIndex


class CardRetriever(BaseRetriever):
    """Returns the best cards for a query as Documents: text in one language, tags in metadata."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: HybridCardIndex
    language: Language = "en"
    k: int = 3
    filters: tuple[str, ...] = ()

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.index.search(query, self.language, k=self.k, tags=TagFilter.parse(self.filters))
        documents = []
        for hit in hits:
            text = hit.card.text(hit.language)
            metadata: dict[str, Any] = {
                "id": hit.card.id,
                "title": text.title,
                "score": hit.score,
                "lang": hit.language,
                "kind": hit.card.kind,
                "tags": list(hit.card.tags),
                "sources": list(hit.card.sources),
            }
            content = f"{text.title}\n\n{text.body}"
            documents.append(Document(page_content=content, metadata=metadata, id=hit.card.id))
        return documents
