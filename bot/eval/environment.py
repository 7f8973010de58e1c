"""A Briefbot over a fresh temporary store holding the evaluation articles."""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.text.similarity import CachingEmbeddings

if TYPE_CHECKING:
    from bot.service import Briefbot
    from bot.settings import Settings
    from vectorstore.store import ArticleStore


@dataclass
class EvalEnvironment:
    """A Briefbot over a fresh temporary store holding the evaluation articles."""

    bot: Briefbot
    store: ArticleStore
    embeddings: CachingEmbeddings
    ingest_seconds: float
    chunks: int
    articles: int
    url_of: dict[str, str] = field(default_factory=dict)
    """article id → URL (the key gold evidence uses)."""


@contextlib.contextmanager
def fresh_environment(
    articles_path: str | Path, settings: Settings | None = None
) -> Iterator[EvalEnvironment]:
    """Ingest ``articles_path`` into an embedded Chroma under a temporary BRIEFBOT_HOME."""
    from bot.service import Briefbot
    from bot.settings import Settings
    from vectorstore.embeddings import default_embeddings
    from vectorstore.ingest import ingest
    from vectorstore.store import ArticleStore

    with tempfile.TemporaryDirectory(prefix="briefbot-eval-") as home:
        base = settings or Settings()
        run_settings = base.model_copy(
            update={"home": Path(home), "chroma_url": None, "collection": "eval"}
        )
        embeddings = CachingEmbeddings(default_embeddings())
        store = ArticleStore(run_settings.store_config(), embeddings=embeddings)
        t0 = time.perf_counter()
        report = ingest([str(articles_path)], store)
        seconds = time.perf_counter() - t0
        if report.failed and not report.added:
            raise RuntimeError(f"could not ingest {articles_path}: {report.failed[0].error}")
        bot = Briefbot(settings=run_settings)
        bot.__dict__["store"] = store  # the facade's lazy store, pre-built with the cache
        url_of = {a.id: a.url or a.id for a in store.list_articles()}
        try:
            yield EvalEnvironment(
                bot=bot,
                store=store,
                embeddings=embeddings,
                ingest_seconds=seconds,
                chunks=store.chunk_count(),
                articles=len(url_of),
                url_of=url_of,
            )
        finally:
            # release Chroma's handles before the directory goes away
            close = getattr(store, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
