"""MultiHop-RAG evaluation: article-level retrieval metrics and answer metrics.

Retrieval (``evaluate_retrieval``): the articles are ingested into a fresh temporary store and
every non-null query is run. An article counts as relevant when its URL is one of the query's
gold evidence URLs. Article-level @k: articles ranked by their best passage, top ``k`` distinct.

- ``any_hit@k``: at least one gold article in the top k;
- ``all_evidence@k``: every gold article in the top k (what a multi-hop answer needs);
- ``recall@k``: share of gold articles in the top k;
- ``mrr@10``: 1 / rank of the first gold article (0 when none in the top 10).

The baseline is what a tutorial builds: ``langchain_chroma.Chroma`` over the same passages with
the same embedding model, ``similarity_search`` until 10 distinct articles are found.

Answers (``evaluate_answers``): MultiHop-RAG's accuracy rule (the prediction contains the gold
answer, case-insensitively), abstention on null queries, false abstention on answerable ones,
quote fidelity (the quote equals the stored text at its span), citation precision (quotes that
overlap a gold fact) and recall (gold facts quoted).
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

if TYPE_CHECKING:
    from bot.service import Briefbot
    from bot.settings import Settings
    from vectorstore.store import ArticleStore

RETRIEVAL_METRICS = (
    "any_hit@4",
    "any_hit@10",
    "all_evidence@4",
    "all_evidence@10",
    "recall@4",
    "recall@10",
    "mrr@10",
)
ANSWER_METRICS = (
    "accuracy",
    "abstention_on_null",
    "false_abstention",
    "quote_fidelity",
    "citation_precision",
    "citation_recall",
)
NULL_TYPE = "null_query"

Progress = Callable[[int, int], None]


# ---- data -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvalQuery:
    id: str
    query: str
    question_type: str
    answer: str
    evidence_urls: tuple[str, ...]
    facts: tuple[str, ...]

    @property
    def is_null(self) -> bool:
        return self.question_type == NULL_TYPE or not self.evidence_urls


def load_queries(path: str | Path) -> list[EvalQuery]:
    """MultiHop-RAG query records (``id, query, question_type, answer, evidence_list``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for i, item in enumerate(data):
        evidence = item.get("evidence_list") or []
        out.append(
            EvalQuery(
                id=str(item.get("id", i)),
                query=item["query"],
                question_type=item.get("question_type") or "unknown",
                answer=str(item.get("answer") or ""),
                evidence_urls=tuple(dict.fromkeys(e["url"] for e in evidence if e.get("url"))),
                facts=tuple(e["fact"] for e in evidence if e.get("fact")),
            )
        )
    return out


# ---- retrieval metrics ----------------------------------------------------------------------


def retrieval_metrics(
    ranked: Sequence[str], gold: Sequence[str], ks: Sequence[int] = (4, 10)
) -> dict[str, float]:
    """Metrics of one query: ``ranked`` are distinct article keys (URLs) best first."""
    gold_set = set(gold)
    if not gold_set:
        raise ValueError("retrieval metrics need at least one gold article")
    ranked = list(dict.fromkeys(ranked))
    out: dict[str, float] = {}
    for k in ks:
        top = set(ranked[:k])
        found = len(top & gold_set)
        out[f"any_hit@{k}"] = float(found > 0)
        out[f"all_evidence@{k}"] = float(found == len(gold_set))
        out[f"recall@{k}"] = found / len(gold_set)
    rr = 0.0
    for rank, key in enumerate(ranked[:10], start=1):
        if key in gold_set:
            rr = 1.0 / rank
            break
    out["mrr@10"] = rr
    return out


def mean_metrics(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Per-metric mean over queries (empty input gives an empty dict)."""
    if not rows:
        return {}
    return {name: sum(r[name] for r in rows) / len(rows) for name in rows[0]}


# ---- answer metrics -------------------------------------------------------------------------


def answer_correct(prediction: str, gold: str) -> bool:
    """MultiHop-RAG's rule: the prediction contains the gold answer (case-insensitive)."""
    gold = gold.strip().lower()
    return bool(gold) and gold in prediction.lower()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def quote_overlaps_fact(quote: str, fact: str) -> bool:
    """A quote supports a gold fact when one contains the other (whitespace ignored), or they
    share a run of at least 40 characters (quotes are whole sentences, facts may be longer)."""
    q, f = _squash(quote), _squash(fact)
    if not q or not f:
        return False
    if q in f or f in q:
        return True
    window = 40
    if len(q) < window or len(f) < window:
        return False
    grams = {f[i : i + window] for i in range(0, len(f) - window + 1)}
    return any(q[i : i + window] in grams for i in range(0, len(q) - window + 1))


@dataclass
class AnswerRecord:
    """One query's answer outcome (the ``--json`` per-query shape of ``eval answers``)."""

    id: str
    question_type: str
    correct: bool | None
    abstained: bool
    quotes: int
    quotes_faithful: int
    quotes_on_gold: int
    facts: int
    facts_quoted: int
    seconds: float
    answer: str = ""
    error: str | None = None


def score_answer(query: EvalQuery, answer: Any, articles: dict[str, Any]) -> AnswerRecord:
    """Score one ``bot.types.Answer`` against the gold record; ``articles`` maps id → Article."""
    citations = list(getattr(answer, "citations", []) or [])
    faithful = 0
    on_gold = 0
    quoted_facts: set[int] = set()
    for cit in citations:
        article = articles.get(cit.article_id)
        if article is not None and article.text[cit.start : cit.end] == cit.quote:
            faithful += 1
        hits = [i for i, fact in enumerate(query.facts) if quote_overlaps_fact(cit.quote, fact)]
        if hits:
            on_gold += 1
            quoted_facts.update(hits)
    abstained = bool(getattr(answer, "abstained", False))
    text = getattr(answer, "answer", "") or ""
    return AnswerRecord(
        id=query.id,
        question_type=query.question_type,
        correct=None if query.is_null else (not abstained and answer_correct(text, query.answer)),
        abstained=abstained,
        quotes=len(citations),
        quotes_faithful=faithful,
        quotes_on_gold=on_gold,
        facts=len(query.facts),
        facts_quoted=len(quoted_facts),
        seconds=0.0,
        answer=text,
    )


def summarise_answers(records: Sequence[AnswerRecord]) -> dict[str, float | int | None]:
    """Aggregate answer metrics (None where a metric has no denominator)."""

    def ratio(num: float, den: float) -> float | None:
        return num / den if den else None

    answerable = [r for r in records if r.correct is not None]
    null = [r for r in records if r.correct is None]
    quotes = sum(r.quotes for r in answerable) + sum(r.quotes for r in null)
    return {
        "accuracy": ratio(sum(bool(r.correct) for r in answerable), len(answerable)),
        "abstention_on_null": ratio(sum(r.abstained for r in null), len(null)),
        "false_abstention": ratio(sum(r.abstained for r in answerable), len(answerable)),
        "quote_fidelity": ratio(
            sum(r.quotes_faithful for r in records), sum(r.quotes for r in records)
        ),
        "citation_precision": ratio(
            sum(r.quotes_on_gold for r in answerable), sum(r.quotes for r in answerable)
        ),
        "citation_recall": ratio(
            sum(r.facts_quoted for r in answerable), sum(r.facts for r in answerable)
        ),
        "quotes": quotes,
        "errors": sum(r.error is not None for r in records),
        "answerable": len(answerable),
        "null": len(null),
        "mean_seconds": ratio(sum(r.seconds for r in records), len(records)),
    }


# ---- a fresh store --------------------------------------------------------------------------


class CachingEmbeddings(Embeddings):
    """Remembers vectors by text, so the baseline re-uses the vectors Briefbot computed
    (same model, same texts) and timing of ``embed_documents`` can be read off."""

    def __init__(
        self,
        inner: Embeddings,
        cache: dict[str, list[float]] | None = None,
        cache_queries: bool = True,
    ) -> None:
        self.inner = inner
        self._cache: dict[str, list[float]] = {} if cache is None else cache
        self.cache_queries = cache_queries
        self.seconds = 0.0
        self.computed = 0

    def documents_only(self) -> CachingEmbeddings:
        """The same document cache, but every query embedded afresh (fair query timing)."""
        return CachingEmbeddings(self.inner, cache=self._cache, cache_queries=False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            t0 = time.perf_counter()
            vectors = self.inner.embed_documents(missing)
            self.seconds += time.perf_counter() - t0
            self.computed += len(missing)
            self._cache.update(zip(missing, vectors, strict=True))
        return [self._cache[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        if not self.cache_queries:
            return self.inner.embed_query(text)
        key = "\x00query\x00" + text
        if key not in self._cache:
            self._cache[key] = self.inner.embed_query(text)
        return self._cache[key]


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


# ---- retrieval evaluation -------------------------------------------------------------------


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


# ---- answer evaluation ----------------------------------------------------------------------


def _default_answer_fn() -> Callable[..., Any]:
    from bot.answer import answer_question

    return answer_question


def run_answers(
    env: EvalEnvironment,
    queries: Sequence[EvalQuery],
    progress: Progress | None = None,
    answer_fn: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Answer every query (null ones included) with ``bot.answer.answer_question``."""
    answer_fn = answer_fn or _default_answer_fn()
    articles = env.store.get_articles(list(env.url_of))
    records: list[AnswerRecord] = []
    for done, q in enumerate(queries):
        t0 = time.perf_counter()
        try:
            answer = answer_fn(env.bot, q.query)
            record = score_answer(q, answer, articles)
        except Exception as exc:  # one failing question must not lose the run
            record = AnswerRecord(
                id=q.id,
                question_type=q.question_type,
                correct=None if q.is_null else False,
                abstained=False,
                quotes=0,
                quotes_faithful=0,
                quotes_on_gold=0,
                facts=len(q.facts),
                facts_quoted=0,
                seconds=0.0,
                error=f"{type(exc).__name__}: {exc}",
            )
        record.seconds = time.perf_counter() - t0
        records.append(record)
        if progress:
            progress(done + 1, len(queries))
    groups: dict[str, list[AnswerRecord]] = {}
    for r in records:
        groups.setdefault(r.question_type, []).append(r)
    return {
        "briefbot": summarise_answers(records),
        "by_type": {t: summarise_answers(rs) for t, rs in sorted(groups.items())},
        "queries": len(records),
        "model": f"{env.bot.settings.provider}:{env.bot.settings.llm_model or 'default'}",
        "per_query": [r.__dict__ for r in records],
    }


def evaluate_answers(
    articles_path: str | Path,
    queries_path: str | Path,
    limit: int | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
    llm: Any = None,
    answer_fn: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Ingest into a fresh store, then answer and score every query (``limit``: first N)."""
    queries = load_queries(queries_path)
    if limit is not None:
        queries = queries[:limit]
    with fresh_environment(articles_path, settings) as env:
        if llm is not None:
            env.bot.__dict__["llm"] = llm
        return run_answers(env, queries, progress=progress, answer_fn=answer_fn)
