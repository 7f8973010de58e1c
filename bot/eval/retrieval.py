"""Retrieval evaluation: every non-null query against a fresh store, Briefbot's hybrid retriever
and, with ``baseline``, what a tutorial builds: ``langchain_chroma.Chroma`` over the same passages
with the same embedding model, ``similarity_search`` until 10 distinct articles are found.
An article counts as relevant when its URL is one of the query's gold evidence URLs; articles are
ranked by their best passage, top ``k`` distinct.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from bot.eval.environment import EvalEnvironment, fresh_environment
from bot.eval.metrics import EvalQuery, load_queries, mean_metrics, retrieval_metrics

if TYPE_CHECKING:
    from bot.settings import Settings
    from vectorstore.store import ArticleStore

Progress = Callable[[int, int], None]


class DenseBaseline:
    """Tutorial-style dense retrieval: ``Chroma.from_documents`` + ``similarity_search``."""

    def __init__(self, store: ArticleStore, embeddings: Embeddings, directory: Path) -> None:
        from langchain_chroma import Chroma
        from langchain_core.documents import Document

        articles = store.get_articles([a.id for a in store.list_articles()])
        docs = [
            Document(
                page_content=chunk.text,
                metadata={"url": articles[chunk.article_id].url or chunk.article_id},
            )
            for chunk in store.all_chunks()
        ]
        self.db = Chroma.from_documents(
            docs,
            embeddings,
            collection_name="baseline",
            persist_directory=str(directory),
        )
        self.size = len(docs)

    def ranked_urls(self, query: str, n: int = 10) -> list[str]:
        k = 4 * n
        while True:
            docs = self.db.similarity_search(query, k=min(k, self.size))
            urls = list(dict.fromkeys(d.metadata["url"] for d in docs))
            if len(urls) >= n or k >= self.size:
                return urls[:n]
            k *= 2


def _by_type(rows: Sequence[tuple[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict[str, float]]] = {}
    for qtype, metrics in rows:
        groups.setdefault(qtype, []).append(metrics)
    return {qtype: mean_metrics(group) for qtype, group in sorted(groups.items())}


def run_retrieval(
    env: EvalEnvironment,
    queries: Sequence[EvalQuery],
    baseline: bool = False,
    progress: Progress | None = None,
    retriever: Any = None,
) -> dict[str, Any]:
    """Article-level retrieval metrics over the non-null ``queries`` (see module docstring)."""
    from bot.retrieval import HybridRetriever

    retriever = retriever or HybridRetriever(store=env.store, settings=env.bot.settings)
    answerable = [q for q in queries if not q.is_null]
    dense = None
    base_dir = None
    if baseline:
        base_dir = tempfile.TemporaryDirectory(prefix="briefbot-baseline-")
        dense = DenseBaseline(env.store, env.embeddings.documents_only(), Path(base_dir.name))
    ours: list[tuple[str, dict[str, float]]] = []
    theirs: list[tuple[str, dict[str, float]]] = []
    per_query = []
    t_ours = t_theirs = 0.0
    try:
        for done, q in enumerate(answerable):
            t0 = time.perf_counter()
            ranked = [env.url_of.get(a, a) for a, _ in retriever.retrieve_articles(q.query, k=10)]
            t_ours += time.perf_counter() - t0
            m = retrieval_metrics(ranked, q.evidence_urls)
            ours.append((q.question_type, m))
            row: dict[str, Any] = {"id": q.id, "type": q.question_type, "briefbot": m}
            if dense is not None:
                t0 = time.perf_counter()
                base_ranked = dense.ranked_urls(q.query, 10)
                t_theirs += time.perf_counter() - t0
                bm = retrieval_metrics(base_ranked, q.evidence_urls)
                theirs.append((q.question_type, bm))
                row["baseline"] = bm
            per_query.append(row)
            if progress:
                progress(done + 1, len(answerable))
    finally:
        if base_dir is not None:
            base_dir.cleanup()
    result: dict[str, Any] = {"briefbot": mean_metrics([m for _, m in ours])}
    if dense is not None:
        result["baseline"] = mean_metrics([m for _, m in theirs])
    by_type: dict[str, dict[str, dict[str, float]]] = {}
    for qtype, metrics in _by_type(ours).items():
        by_type[qtype] = {"briefbot": metrics}
    for qtype, metrics in _by_type(theirs).items():
        by_type[qtype]["baseline"] = metrics
    result["by_type"] = by_type
    result["queries"] = len(answerable)
    result["skipped_null"] = len(queries) - len(answerable)
    result["corpus"] = {"articles": env.articles, "chunks": env.chunks}
    result["seconds"] = {
        "ingest": round(env.ingest_seconds, 2),
        "briefbot_per_query": round(t_ours / max(1, len(answerable)), 4),
        **({"baseline_per_query": round(t_theirs / max(1, len(answerable)), 4)} if dense else {}),
    }
    result["per_query"] = per_query
    return result


def evaluate_retrieval(
    articles_path: str | Path,
    queries_path: str | Path,
    baseline: bool = False,
    limit: int | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Ingest into a fresh store and run ``run_retrieval`` (``limit``: first N queries)."""
    queries = load_queries(queries_path)
    if limit is not None:
        queries = queries[:limit]
    with fresh_environment(articles_path, settings) as env:
        return run_retrieval(env, queries, baseline=baseline, progress=progress)
