"""Hybrid retrieval: dense (Chroma) + lexical (BM25), source/date-aware, facet-covering.

For one question (embedded once, plus once per clause):

1. global dense and BM25 searches under the explicit ``SearchFilters``;
2. per publication the question names (``bot.retrieval.query``): dense + BM25 restricted to it, so
   that every named source contributes its best passages;
3. per day or month the question names: dense + BM25 restricted to that range (with a day of
   slack for time zones) — a preference, not a filter;
4. per clause of a multi-part question ("…, is accused of X as per 'TechCrunch', …"): dense +
   BM25 of the clause alone, restricted to the sources the clause (or else the question) names.

All lists are fused by weighted reciprocal rank fusion. Then, by default, articles are ordered by
greedy facet coverage (``fusion.greedy_coverage``): each next article is the one that serves the
most not-yet-served lists, so every clause's, source's and date's best article comes before
any list gets its second one — a multi-hop question needs every piece of evidence. The passage
set is diversified: at most ``settings.max_per_article`` per article, distinct articles first.

Cost at scale (the lists above run on one Chroma query and one lexical snapshot):

- dense: ONE unfiltered Chroma query per question (``ArticleStore.nearest``: the ``pool_k``
  nearest passages, ids and distances only, placed by the lexical index). Every restricted
  dense list is that pool's in-scope part: the exact head of the restricted ranking (every
  passage outside the pool is farther than every passage in it), shorter than ``k`` when the
  scope holds few of the question's ``pool_k`` nearest passages. Chroma's filtered queries
  (seconds at 1M passages) are used only for explicit filters (``SearchFilters``) whose scope
  the pool does not fill;
- lexical: every BM25 list in one ``ArticleStore.lexical_hits`` call (the store's persistent
  index; each distinct term scored once, each restricted list a mask); hits carry where the
  passage is, not its text;
- the passages finally returned are joined with their article records (text = the article's
  span), the only other Chroma read; the source names and years the question analysis matches
  against are re-read only when ``ArticleStore.generation()`` changes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.retrieval.fusion import (
    RankedList,
    diversify,
    greedy_coverage,
    interleave_repeats,
    order_by_score,
    rrf,
)
from bot.retrieval.query import QueryAnalysis, SourceMatcher, analyse, source_aliases
from bot.settings import RetrievalSettings, Settings
from bot.text.dates import DateMention
from bot.types import SearchFilters
from vectorstore.models import Article, Chunk, ScoredChunk
from vectorstore.store import ArticleStore, LexicalQuery, PassageRef, ScopedTop

if TYPE_CHECKING:
    from langchain_core.retrievers import BaseRetriever


@dataclass
class Candidate:
    """A passage found by at least one search, with what each search said about it."""

    ref: PassageRef
    """Where the passage is (its text is read only if it is returned)."""
    dense_similarity: float | None = None
    """Cosine similarity to the question (best over the searches that returned it)."""
    lexical_score: float = 0.0
    """Best BM25 score over the searches that returned it."""
    fused: float = 0.0
    """Weighted RRF over all lists."""
    score: float = 0.0
    """Final score ``1 / (rrf_k + position)``: monotone with the final order."""
    found_by: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class RetrievedPassage:
    """A returned passage with its article and the evidence for its rank."""

    chunk: Chunk
    article: Article
    score: float
    dense_similarity: float | None
    """Cosine similarity of passage and question (in [0, 1]); None if not computable."""
    lexical_score: float
    """BM25 score (0 when no query term matched)."""
    found_by: tuple[str, ...]
    """Which lists returned it, e.g. ``all:dense``, ``source=TechCrunch:lexical``."""

    def scored(self) -> ScoredChunk:
        return ScoredChunk(chunk=self.chunk, score=self.score, article=self.article)


@dataclass
class Ranking:
    """All candidates of one question, best first, and how the question was read."""

    analysis: QueryAnalysis
    candidates: list[Candidate]
    query_vector: list[float] | None = None


def _ts(day: date, end_of_day: bool = False) -> int:
    if isinstance(day, datetime):  # a moment (``--since 24h``), not a whole day
        return int((day if day.tzinfo else day.replace(tzinfo=UTC)).timestamp())
    moment = datetime.combine(day + timedelta(days=1) if end_of_day else day, datetime.min.time())
    return int(moment.replace(tzinfo=UTC).timestamp()) - (1 if end_of_day else 0)


@dataclass(frozen=True)
class _Scope:
    """A restriction: stored sources (None = any) and inclusive epoch-second bounds."""

    sources: tuple[str, ...] | None = None
    since_ts: int | None = None
    until_ts: int | None = None

    def narrow(
        self,
        sources: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> _Scope | None:
        """The intersection with another restriction, or None when it is empty."""
        new_sources = self.sources
        if sources is not None:
            new_sources = tuple(s for s in sources if self.sources is None or s in self.sources)
            if not new_sources:
                return None
        bounds_lo = [x for x in (self.since_ts, since) if x is not None]
        bounds_hi = [x for x in (self.until_ts, until) if x is not None]
        lo = max(bounds_lo) if bounds_lo else None
        hi = min(bounds_hi) if bounds_hi else None
        if lo is not None and hi is not None and lo > hi:
            return None
        return _Scope(new_sources, lo, hi)


@dataclass(frozen=True)
class _Search:
    """One facet of a question: a dense and a BM25 list under one scope."""

    name: str
    scope: _Scope
    text: str
    vector: int
    """Which vector: 0 the question's, i the i-th clause's."""
    k: int
    weight_dense: float
    weight_lexical: float


class HybridRetriever:
    """Dense + BM25 retrieval over an ``ArticleStore`` with source/date awareness."""

    def __init__(
        self,
        store: ArticleStore,
        settings: Settings | None = None,
        params: RetrievalSettings | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.params = params or self.settings.retrieval
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._sources: tuple[str, ...] = ()
        self._matcher: SourceMatcher | None = None
        self._years: tuple[int, ...] = ()

    # ---- what the store's lexical index says about its content ---------------------------

    def invalidate(self) -> None:
        """Forget the cached source matcher and years (re-read on the next query)."""
        with self._lock:
            self._generation = None

    def _refresh(self) -> None:
        """Source matcher and publication years of the store's current content, re-read only
        when the store's generation token changed (O(1) to check)."""
        with self._lock:
            generation = self.store.generation()
            if generation == self._generation and self._matcher is not None:
                return
            self._sources = tuple(self.store.sources())
            self._matcher = SourceMatcher({s: i for i, s in enumerate(self._sources)})
            self._years = tuple(self.store.years())
            self._generation = generation

    # ---- reading the question --------------------------------------------------------------

    def analyse(self, query: str) -> QueryAnalysis:
        """Publications, dates and clauses of ``query`` (sources matched to the store's)."""
        self._refresh()
        return analyse(query, self._matcher, self._years)

    def resolve_sources(self, names: Sequence[str]) -> tuple[str, ...]:
        """Stored source names for user-given names: exact, case-insensitive, or an alias
        ("the verge", "FOX News" → every "FOX News - …" feed). Unknown names stay as given
        (and then match nothing)."""
        self._refresh()
        stored = list(self._sources)
        out: list[str] = []
        for name in names:
            wanted = name.strip()
            found = [s for s in stored if s == wanted]
            found = found or [s for s in stored if s.lower() == wanted.lower()]
            found = found or [s for s in stored if wanted.lower() in source_aliases(s)]
            out.extend(found or [wanted])
        return tuple(dict.fromkeys(out))

    def _base_scope(self, filters: SearchFilters | None) -> _Scope:
        if filters is None or filters.is_empty():
            return _Scope()
        return _Scope(
            sources=self.resolve_sources(filters.sources) if filters.sources else None,
            since_ts=_ts(filters.since) if filters.since else None,
            until_ts=_ts(filters.until, end_of_day=True) if filters.until else None,
        )

    # ---- searching -------------------------------------------------------------------------

    def _plan(
        self, analysis: QueryAnalysis, query: str, base: _Scope, fetch_k: int, sub_k: int
    ) -> list[_Search]:
        """The searches of one question, in fusion order (see the module docstring)."""
        p = self.params
        plan = [_Search("all", base, query, 0, fetch_k, p.dense_weight, p.lexical_weight)]
        if p.source_weight > 0:
            w = p.source_weight
            for group in dict.fromkeys(m.sources for m in analysis.sources):
                label = next(m.text for m in analysis.sources if m.sources == group)
                scope = base.narrow(sources=group)
                if scope is not None:
                    plan.append(_Search(f"source={label}", scope, query, 0, sub_k, w, w))
        if p.date_weight > 0:
            w = p.date_weight
            ranges = {d.ts_range(p.date_slack_days): d.text for d in analysis.dates}
            for (lo, hi), label in ranges.items():
                scope = base.narrow(since=lo, until=hi)
                if scope is not None:
                    plan.append(_Search(f"date={label}", scope, query, 0, sub_k, w, w))
        if p.clause_weight > 0:
            named = analysis.named_sources()
            w = p.clause_weight
            for number, clause in enumerate(analysis.clauses, 1):
                sources = clause.sources or (named if p.clause_inherit_sources else ())
                scope = base.narrow(sources=sources) if sources else base
                scope = self._date_scope(scope, clause.dates)
                if scope is not None:
                    plan.append(
                        _Search(
                            f"clause{number}",
                            scope,
                            clause.text,
                            number if p.clause_dense else 0,
                            sub_k,
                            w if p.clause_dense else 0,
                            w,
                        )
                    )
        return plan

    def _dense_lists(
        self, plan: Sequence[_Search], vectors: Sequence[list[float]], pool_k: int
    ) -> dict[int, list[tuple[PassageRef, float]]]:
        """Every dense list of the plan (by position): one ``nearest`` call per vector."""
        out: dict[int, list[tuple[PassageRef, float]]] = {}
        for vector in sorted({s.vector for s in plan if s.weight_dense > 0}):
            slots = [i for i, s in enumerate(plan) if s.weight_dense > 0 and s.vector == vector]
            requests = [
                ScopedTop(plan[i].k, plan[i].scope.sources, plan[i].scope.since_ts,
                          plan[i].scope.until_ts)
                for i in slots
            ]  # fmt: skip
            near = self.store.nearest(vectors[vector], pool_k, requests)
            for i, hits in zip(slots, near.lists, strict=True):
                search = plan[i]
                if len(hits) < search.k and not near.complete and search.name == "all":
                    hits = self._exact(vectors[vector], search)
                out[i] = hits
        return out

    def _exact(self, vector: list[float], search: _Search) -> list[tuple[PassageRef, float]]:
        """Explicit filters the pool does not fill: exact, at the price of Chroma's filter."""
        scope = search.scope
        hits = self.store.search_by_vector(
            vector, search.k, sources=scope.sources, since_ts=scope.since_ts,
            until_ts=scope.until_ts,
        )  # fmt: skip
        return [
            (PassageRef(c.id, c.article_id, c.index, c.start, c.end, None, None), h.score)
            for h in hits
            for c in (h.chunk,)
        ]

    def rank(self, query: str, filters: SearchFilters | None = None) -> Ranking:
        """Every candidate passage for ``query``, best first (see the module docstring)."""
        p = self.params
        self._refresh()
        analysis = analyse(query, self._matcher, self._years)
        n = self.store.passage_count()
        if n == 0 or not query.strip():
            return Ranking(analysis, [])
        base = self._base_scope(filters)
        fetch_k = max(1, min(self.settings.fetch_k, n))
        sub_k = max(1, min(p.sub_fetch_k, n))
        plan = self._plan(analysis, query, base, fetch_k, sub_k)
        # BM25 needs no vector: it runs on a background thread while the question is embedded
        # (numpy, SQLite and onnxruntime release the GIL) and Chroma is queried.
        lexical = [s for s in plan if s.weight_lexical > 0]
        requests = [
            LexicalQuery(s.text, s.k, s.scope.sources, s.scope.since_ts, s.scope.until_ts)
            for s in lexical
        ]
        if p.lexical_in_background:
            pending = self.store.submit_lexical_hits(requests, k1=p.bm25_k1, b=p.bm25_b)
        else:
            pending = Future()
            pending.set_result(self.store.lexical_hits(requests, k1=p.bm25_k1, b=p.bm25_b))
        clauses = analysis.clauses if p.clause_weight > 0 else ()
        embeddings = self.store.embeddings
        if clauses and p.clause_dense:
            # One batch for the question and its clauses (MiniLM is symmetric: a query is
            # embedded like a document).
            vectors = embeddings.embed_documents([query, *(c.text for c in clauses)])
        else:
            vectors = [embeddings.embed_query(query)]
        dense_lists = self._dense_lists(plan, vectors, max(self.params.pool_k, fetch_k))
        found = pending.result()
        lexical_hits = {id(s): hits for s, hits in zip(lexical, found, strict=True)}

        candidates: dict[str, Candidate] = {}
        lists: list[RankedList] = []
        for position, search in enumerate(plan):
            if search.weight_dense > 0:
                ids = []
                for ref, similarity in dense_lists[position]:
                    cand = candidates.setdefault(ref.chunk_id, Candidate(ref))
                    if search.name == "all" or cand.dense_similarity is None:
                        # the similarity reported is to the whole question where known
                        cand.dense_similarity = similarity
                    cand.found_by.add(f"{search.name}:dense")
                    ids.append(ref.chunk_id)
                lists.append(RankedList(f"{search.name}:dense", ids, search.weight_dense))
            if search.weight_lexical > 0:
                ids = []
                for hit in lexical_hits[id(search)]:
                    ref = PassageRef(
                        hit.chunk_id, hit.article_id, hit.index, hit.start, hit.end, None, None
                    )
                    cand = candidates.setdefault(hit.chunk_id, Candidate(ref))
                    cand.lexical_score = max(cand.lexical_score, hit.score)
                    cand.found_by.add(f"{search.name}:lexical")
                    ids.append(hit.chunk_id)
                lists.append(RankedList(f"{search.name}:lexical", ids, search.weight_lexical))

        fused = rrf(lists, p.rrf_k)
        order = order_by_score(fused)
        article_of = {cid: c.ref.article_id for cid, c in candidates.items()}
        best_of: dict[str, str] = {}
        for cid in order:
            best_of.setdefault(article_of[cid], cid)
        firsts = list(best_of.values())
        if p.merge == "coverage":
            firsts = greedy_coverage(
                {ranked.name: ranked.ids for ranked in lists},
                article_of,
                order,
                k0=p.coverage_k0,
                depth=p.coverage_depth,
                tiebreak=fused,
            )
        seen = set(firsts)
        order = interleave_repeats(
            firsts, [cid for cid in order if cid not in seen], fused, article_of, p.repeat_penalty
        )
        for position, chunk_id in enumerate(order):
            cand = candidates[chunk_id]
            cand.fused = fused.get(chunk_id, 0.0)
            cand.score = 1.0 / (p.rrf_k + position + 1)
        return Ranking(analysis, [candidates[i] for i in order], vectors[0])

    def _date_scope(self, scope: _Scope | None, dates: Sequence[DateMention]) -> _Scope | None:
        if scope is None or not dates:
            return scope
        ranges = [d.ts_range(self.params.date_slack_days) for d in dates]
        return scope.narrow(since=min(r[0] for r in ranges), until=max(r[1] for r in ranges))

    def _committed(
        self, candidates: Sequence[Candidate], with_text: bool = True
    ) -> list[tuple[Candidate, Chunk, Article]]:
        """Candidates joined with their committed article (unfinished writes dropped)."""
        joined = self.store.join([c.ref for c in candidates], with_text=with_text)
        return [(c, *joined[c.ref.chunk_id]) for c in candidates if c.ref.chunk_id in joined]

    def _fill_similarity(self, passages: list[Candidate], vector: list[float] | None) -> None:
        """Cosine to the question for passages only BM25 found (their stored vectors)."""
        missing = [c for c in passages if c.dense_similarity is None]
        if not missing or vector is None:
            return
        import numpy as np

        by_id = self.store.vectors([c.ref.chunk_id for c in missing])
        q = np.asarray(vector, dtype=np.float32)
        for cand in missing:
            stored = by_id.get(cand.ref.chunk_id)
            if stored is not None:
                v = np.asarray(stored, dtype=np.float32)
                denom = float(np.linalg.norm(v) * np.linalg.norm(q)) or 1.0
                cand.dense_similarity = max(0.0, float(v @ q) / denom)

    def search(
        self, query: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> list[RetrievedPassage]:
        """The ``k`` best passages with ranking details (``k`` defaults to settings.top_k)."""
        k = self.settings.top_k if k is None else k
        if k <= 0:
            return []
        ranking = self.rank(query, filters)
        picked = diversify(
            [(c.ref.chunk_id, c.ref.article_id) for c in ranking.candidates],
            k=len(ranking.candidates),
            max_per_group=self.settings.max_per_article,
            repeat_penalty=1.0,  # the ranking already placed repeats (interleave_repeats)
            scores={c.ref.chunk_id: c.score for c in ranking.candidates},
        )
        by_id = {c.ref.chunk_id: c for c in ranking.candidates}
        chosen: list[tuple[Candidate, Chunk, Article]] = []
        position = 0
        while len(chosen) < k and position < len(picked):
            # Join in slices: passages of unfinished writes drop out and the next move up.
            batch = [by_id[i] for i in picked[position : position + max(k, 8)]]
            position += len(batch)
            chosen.extend(self._committed(batch)[: k - len(chosen)])
        self._fill_similarity([c for c, _, _ in chosen], ranking.query_vector)
        return [
            RetrievedPassage(
                chunk=chunk,
                article=article,
                score=cand.score,
                dense_similarity=cand.dense_similarity,
                lexical_score=cand.lexical_score,
                found_by=tuple(sorted(cand.found_by)),
            )
            for cand, chunk, article in chosen
        ]

    def retrieve(
        self, query: str, k: int | None = None, filters: SearchFilters | None = None
    ) -> list[ScoredChunk]:
        """The ``k`` (default ``settings.top_k``) best passages, articles attached, best first:
        at most ``settings.max_per_article`` per article, distinct articles first."""
        return [p.scored() for p in self.search(query, k, filters)]

    def retrieve_articles(
        self, query: str, k: int = 10, filters: SearchFilters | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` best distinct articles as ``(article_id, score)``, each ranked by its best
        passage in the same ranking ``retrieve`` uses."""
        if k <= 0:
            return []
        best: dict[str, Candidate] = {}
        for cand in self.rank(query, filters).candidates:
            best.setdefault(cand.ref.article_id, cand)
        ordered = list(best.values())
        out: list[tuple[str, float]] = []
        position = 0
        while len(out) < k and position < len(ordered):
            batch = ordered[position : position + max(k, 8)]
            position += len(batch)
            out.extend(
                (c.ref.article_id, c.score) for c, _, _ in self._committed(batch, with_text=False)
            )
        return out[:k]

    # ---- composition -----------------------------------------------------------------------

    def as_langchain(
        self, k: int | None = None, filters: SearchFilters | None = None
    ) -> BaseRetriever:
        """This retriever as a LangChain ``BaseRetriever`` (``invoke(question)`` gives
        Documents whose metadata carries article id, span, source, date and score)."""
        from bot.retrieval.langchain import BriefbotRetriever

        return BriefbotRetriever(hybrid=self, k=k, filters=filters)

    def with_params(self, **changes: Any) -> HybridRetriever:
        """A retriever over the same store with some knobs changed (its own caches)."""
        return HybridRetriever(self.store, self.settings, self.params.model_copy(update=changes))
