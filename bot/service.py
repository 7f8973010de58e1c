"""The one entry point the CLI and the web app share: settings in, store/retriever/model wired.

Everything is built lazily so that listing articles does not load a language model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from bot.settings import Settings, load_settings
from vectorstore.ingest import Progress, ingest
from vectorstore.models import Article, IngestReport
from vectorstore.store import ArticleStore

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from bot.feeds import FeedRegistry, RefreshReport
    from bot.llm import ModelProfile
    from bot.retrieval import HybridRetriever
    from bot.text.similarity import CachingEmbeddings


class Briefbot:
    """Facade over store, retrieval, model, answers and briefings."""

    def __init__(self, settings: Settings | None = None, llm: BaseChatModel | None = None) -> None:
        self.settings = settings or load_settings()
        if llm is not None:
            self.__dict__["llm"] = llm

    @cached_property
    def store(self) -> ArticleStore:
        return ArticleStore(self.settings.store_config())

    @cached_property
    def retriever(self) -> HybridRetriever:
        from bot.retrieval import HybridRetriever

        return HybridRetriever(store=self.store, settings=self.settings)

    @cached_property
    def llm(self) -> BaseChatModel:
        from bot.llm import make_chat_model

        return make_chat_model(self.settings)

    @property
    def model_profile(self) -> ModelProfile:
        """What the model can read, as its provider declared it (``bot.llm.profile_of``)."""
        from bot.llm import profile_of

        return profile_of(self.llm)

    @cached_property
    def sentence_embeddings(self) -> CachingEmbeddings:
        """The store's embeddings with document vectors remembered (20,000 at most): answers
        judge the same articles' sentences again and again."""
        from bot.text.similarity import CachingEmbeddings

        return CachingEmbeddings(self.store.embeddings, cache_queries=False, max_items=20_000)

    # ---- library ---------------------------------------------------------------------------

    def ingest(self, sources: Sequence[str], progress: Progress | None = None) -> IngestReport:
        return ingest(sources, self.store, progress=progress)

    def articles(self) -> list[Article]:
        return self.store.list_articles()

    def article(self, article_id: str) -> Article | None:
        return self.store.get_article(article_id)

    def remove(self, article_id: str) -> bool:
        return self.store.remove(article_id)

    # ---- feeds -----------------------------------------------------------------------------

    @cached_property
    def feeds(self) -> FeedRegistry:
        """The feeds this collection follows."""
        from bot.feeds import FeedRegistry

        return FeedRegistry(self.settings.store_config())

    def refresh(self, progress: ProgressCallback | None = None) -> RefreshReport:
        """Fetch every followed feed and ingest its new entries (``bot.feeds.refresh``)."""
        from bot.feeds import refresh_feeds

        return refresh_feeds(self.store, self.feeds, self.settings.feeds, progress)


ProgressCallback = Callable[[str], None]
