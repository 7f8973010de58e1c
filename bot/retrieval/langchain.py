"""``HybridRetriever`` as a LangChain ``BaseRetriever``: ``invoke(question)`` gives Documents whose
metadata carries the article id and the passage's span, so quotes can be checked against the
stored text. It passes LangChain's standard retriever tests (tests/test_langchain_standard.py).
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.types import SearchFilters
from vectorstore.models import ScoredChunk


def passage_document(passage: ScoredChunk) -> Document:
    """A LangChain ``Document`` for a passage; metadata carries the span to check quotes."""
    article = passage.article
    return Document(
        id=passage.chunk.id,
        page_content=passage.chunk.text,
        metadata={
            "chunk_id": passage.chunk.id,
            "article_id": passage.chunk.article_id,
            "start": passage.chunk.start,
            "end": passage.chunk.end,
            "score": passage.score,
            "title": article.title if article else None,
            "source": article.source if article else None,
            "published_at": article.published_at if article else None,
            "url": article.url if article else None,
        },
    )


class BriefbotRetriever(BaseRetriever):
    """LangChain view of a ``bot.retrieval.HybridRetriever``.

    ``k`` passages (default ``settings.top_k``) under ``filters``; both can also be given per call
    (``invoke(question, k=3)``).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    hybrid: Any
    """The ``HybridRetriever`` searched."""
    k: int | None = None
    """Passages returned (None: ``settings.top_k``)."""
    filters: SearchFilters | None = None
    """Sources and dates to restrict to."""

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        k: int | None = None,
        filters: SearchFilters | None = None,
    ) -> list[Document]:
        passages = self.hybrid.retrieve(
            query, self.k if k is None else k, self.filters if filters is None else filters
        )
        return [passage_document(p) for p in passages]
