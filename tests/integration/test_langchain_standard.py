"""LangChain's standard test suites (``langchain-tests``) for the interfaces Briefbot implements:
the embedded chat model (``bot.llm.LlamaCppChat``), the embeddings (``MiniLMEmbeddings``) and
the retriever (``bot.retrieval.BriefbotRetriever``).

The chat model runs the unit suite only (construction, standard parameters, streaming flags):
what it writes is covered by tests/test_llm.py and tests/test_answer.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests, RetrieversIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests, EmbeddingsUnitTests

from bot.llm import LlamaCppChat, bundled_model_path
from bot.retrieval import BriefbotRetriever, HybridRetriever
from bot.settings import Settings
from vectorstore.embeddings import MiniLMEmbeddings
from vectorstore.store import ArticleStore


class TestLlamaCppChatUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[LlamaCppChat]:
        return LlamaCppChat

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model_path": str(bundled_model_path()), "n_ctx": 512, "n_threads": 1}


class _MiniLM:
    @property
    def embeddings_class(self) -> type[MiniLMEmbeddings]:
        return MiniLMEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"threads": 1}


class TestMiniLMEmbeddingsUnit(_MiniLM, EmbeddingsUnitTests):
    pass


class TestMiniLMEmbeddingsIntegration(_MiniLM, EmbeddingsIntegrationTests):
    pass


class TestBriefbotRetrieverIntegration(RetrieversIntegrationTests):
    """Over the seeded store (tests/conftest.py)."""

    hybrid: HybridRetriever | None = None

    @pytest.fixture(autouse=True)
    def _seeded(self, seeded_settings: Settings, seeded_store: ArticleStore) -> None:
        type(self).hybrid = HybridRetriever(store=seeded_store, settings=seeded_settings)

    @property
    def retriever_constructor(self) -> type[BriefbotRetriever]:
        return BriefbotRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"hybrid": self.hybrid}

    @property
    def retriever_query_example(self) -> str:
        return "What did Kim Jong Un say about dialogue with the United States?"
