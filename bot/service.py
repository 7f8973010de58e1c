"""The one entry point the CLI and the web app share: settings in, store/retriever/model wired.

Everything is built lazily so that listing articles does not load a language model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from bot.settings import Settings, load_settings
from vectorstore.ingest import Progress, ingest
from vectorstore.models import Article, IngestReport
from vectorstore.store import ArticleStore

log = logging.getLogger(__name__)

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

    def warm_in_background(self) -> threading.Thread | None:
        """Start loading the store's vector indexes (``ArticleStore.warm``) on a daemon thread,
        so a large store's first question does not wait for them when the user is still typing
        (the web app at start) and waits once, not twice, when it asks at once (the CLI).
        A failure here is only logged: the question path opens what it needs itself."""

        try:
            store = self.store  # opened here, not raced for by two threads
        except Exception as exc:  # noqa: BLE001 - the caller's own use reports it
            log.info("not warming the store: %s", exc)
            return None

        def warm() -> None:
            try:
                store.warm()
            except Exception as exc:  # noqa: BLE001 - warming is an optimisation only
                log.info("warming the store failed: %s", exc)

        thread = threading.Thread(target=warm, name="briefbot-warm", daemon=True)
        thread.start()
        return thread

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
