"""HybridRetriever on a store ingested from a subset of the MultiHop-RAG articles, in both Chroma
modes, plus the pure parts (tokenizer, question analysis, fusion) on hand-made cases."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from bot.retrieval import HybridRetriever
from bot.retrieval.fusion import RankedList, diversify, greedy_coverage, order_by_score, rrf
from bot.retrieval.query import SourceMatcher, analyse, source_aliases
from bot.settings import Settings
from bot.text.dates import find_question_dates as find_dates
from bot.text.words import tokenize
from bot.types import SearchFilters
from tests.helpers import MULTIHOP
from vectorstore.chunking import chunk_article
from vectorstore.embeddings import default_embeddings
from vectorstore.ingest import build_article
from vectorstore.models import Article, ParsedDocument
from vectorstore.store import ArticleStore

# Evidence of a few dev queries (Google antitrust, SBF trial, AFLW) plus the first lines of the
# file as distractors: small enough to embed in seconds, varied enough to need ranking.
QUERY_IDS = {"0", "10", "12", "16", "38", "114"}
FIRST_LINES = 30
WIRED_DEALS = "54 Best Apple Black Friday Deals (2023): iPad, Apple Watch, AirPods"


def _subset() -> list[dict]:
    queries = json.loads((MULTIHOP / "queries_dev.json").read_text())
    wanted = {e["url"] for q in queries if q["id"] in QUERY_IDS for e in q["evidence_list"]}
    lines = (MULTIHOP / "articles.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    return [r for i, r in enumerate(rows) if i < FIRST_LINES or r["url"] in wanted]


class _SharedEmbeddings(Embeddings):
    """The packaged MiniLM with a text cache, so both Chroma modes embed the subset once."""

    def __init__(self) -> None:
        self.inner = default_embeddings()
        self.cache: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed_documents(missing), strict=True))
        return [self.cache[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


_EMBEDDINGS: _SharedEmbeddings | None = None


def _embeddings() -> _SharedEmbeddings:
    global _EMBEDDINGS
    if _EMBEDDINGS is None:
        _EMBEDDINGS = _SharedEmbeddings()
    return _EMBEDDINGS


def _put(store: ArticleStore, row: dict, chunk_chars: int = 900) -> Article:
    article = build_article(
        ParsedDocument(
            text=row["body"],
            title=row["title"],
            source=row["source"],
            published_at=row["published_at"],
            url=row["url"],
        )
    )
    chunks = chunk_article(article.id, article.text, chunk_chars)
    article = Article(**{**article.to_dict(), "chunk_count": len(chunks)})
    store.put(article, chunks)
    return article


@pytest.fixture(scope="module", params=["embedded", "server"])
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Settings, ArticleStore]]:
    """One store per Chroma mode holding the subset (built once per module)."""
    home = tmp_path_factory.mktemp(f"retrieval-{request.param}")
    collection = "r" + uuid.uuid4().hex[:10]
    if request.param == "server":
        url = request.getfixturevalue("chroma_url")
        settings = Settings(home=home, chroma_url=url, collection=collection)
    else:
        settings = Settings(home=home, collection=collection)
    store = ArticleStore(settings.store_config(), embeddings=_embeddings())
    for row in _subset():
        _put(store, row)
    yield settings, store


@pytest.fixture
def retriever(corpus: tuple[Settings, ArticleStore]) -> HybridRetriever:
    settings, store = corpus
    return HybridRetriever(store=store, settings=settings)


# ---- against a store -------------------------------------------------------------------------


def test_hybrid_finds_a_number_that_dense_alone_misses(retriever: HybridRetriever) -> None:
    # "... delivered an additional 64 percent the second time" (a Wired deals list)
    query = "64 percent"
    dense_titles = [s.article.title for s in retriever.store.dense_search(query, 3)]
    assert WIRED_DEALS not in dense_titles  # the embedding barely sees the number
    results = retriever.retrieve(query, k=3)
    assert results and results[0].article is not None
    assert results[0].article.title == WIRED_DEALS
    assert "64 percent" in results[0].chunk.text


def test_results_have_articles_spans_and_a_deterministic_order(
    retriever: HybridRetriever,
) -> None:
    query = "Google antitrust trial default search engine deals"
    first = retriever.retrieve(query, k=6)
    assert len(first) == 6
    for passage in first:
        assert passage.article is not None
        assert passage.article.text[passage.chunk.start : passage.chunk.end] == passage.chunk.text
    assert [p.score for p in first] == sorted((p.score for p in first), reverse=True)
    again = retriever.retrieve(query, k=6)
    assert [p.chunk.id for p in again] == [p.chunk.id for p in first]


def test_source_filter_restricts_results(retriever: HybridRetriever) -> None:
    query = "Google antitrust"
    results = retriever.retrieve(query, k=6, filters=SearchFilters(sources=("TechCrunch",)))
    assert results
    assert {p.article.source for p in results if p.article} == {"TechCrunch"}
    # names resolve case-insensitively and through aliases ("the verge" → "The Verge")
    results = retriever.retrieve(query, k=6, filters=SearchFilters(sources=("the verge",)))
    assert results
    assert {p.article.source for p in results if p.article} == {"The Verge"}
    assert retriever.retrieve(query, k=6, filters=SearchFilters(sources=("Nowhere Gazette",))) == []


def test_date_filters_restrict_results(retriever: HybridRetriever) -> None:
    query = "Google antitrust"
    since, until = date(2023, 10, 1), date(2023, 10, 31)
    results = retriever.retrieve(query, k=6, filters=SearchFilters(since=since, until=until))
    assert results
    for passage in results:
        assert passage.article is not None and passage.article.published_at
        day = date.fromisoformat(passage.article.published_at[:10])
        assert since <= day <= until, passage.article.published_at
    # until is inclusive of its whole day (articles published at 17:56 UTC count)
    day_only = SearchFilters(since=date(2023, 12, 15), until=date(2023, 12, 15))
    results = retriever.retrieve(query, k=6, filters=day_only)
    assert results and all(p.article.published_at.startswith("2023-12-15") for p in results)  # type: ignore[union-attr]
    # combined with a source, and an empty range gives nothing
    both = SearchFilters(sources=("TechCrunch",), since=date(2023, 12, 1))
    assert all(
        p.article.source == "TechCrunch" and p.article.published_at >= "2023-12"  # type: ignore[union-attr,operator]
        for p in retriever.retrieve(query, k=6, filters=both)
    )
    assert retriever.retrieve(query, filters=SearchFilters(since=date(2030, 1, 1))) == []


def test_question_naming_three_sources_gets_passages_from_each(
    retriever: HybridRetriever,
) -> None:
    query = (
        "Does 'The Verge' article suggest that Google's deals with companies like Apple are "
        "unnecessary due to a plethora of alternatives, while 'The Age' and 'TechCrunch' "
        "articles imply Google's actions are primarily driven by profit maximization and "
        "anticompetitive behavior, respectively?"
    )
    analysis = retriever.analyse(query)
    assert [m.sources for m in analysis.sources] == [("The Verge",), ("The Age",), ("TechCrunch",)]
    results = retriever.retrieve(query, k=4)
    sources = {p.article.source for p in results if p.article}
    assert {"The Verge", "The Age", "TechCrunch"} <= sources


def test_question_naming_a_date_prefers_that_day(retriever: HybridRetriever) -> None:
    query = (
        "Has the status of Richelle Cranston's AFLW career as reported by 'The Age' remained the "
        "same between the article published on 2023-10-20 and the one on 2023-11-03?"
    )
    top = retriever.retrieve_articles(query, k=2)
    articles = retriever.store.get_articles([a for a, _ in top])
    days = sorted((articles[a].published_at or "")[:10] for a, _ in top)
    assert days == ["2023-10-20", "2023-11-03"]


def test_one_unfiltered_chroma_query_per_question(
    corpus: tuple[Settings, ArticleStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Source-, date- and clause-restricted lists come from one Chroma query (ids and distances
    only): Chroma's filtered kNN never runs for a question. With a pool smaller than a scope
    needs, restricted dense lists hold only in-scope passages; explicit filters the pool does
    not fill are still answered exactly."""
    from chromadb.api.models.Collection import Collection

    settings, store = corpus
    retriever = HybridRetriever(store=store, settings=settings)
    queries: list[dict] = []
    real = Collection.query

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        queries.append(kwargs)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "query", spy)
    question = (
        "Does 'The Verge' say Google's deals are unnecessary, while 'TechCrunch' reported on "
        "2023-10-20 that they are anticompetitive?"
    )
    assert retriever.retrieve(question, k=4)
    assert len(queries) == 1
    assert queries[0].get("where") is None and queries[0]["include"] == ["distances"]

    queries.clear()
    # far fewer than the store holds: scopes find few of theirs in the pool
    small = HybridRetriever(store=store, settings=settings).with_params(pool_k=5)
    for passage in small.search(question, k=6):
        assert passage.article.text[passage.chunk.start : passage.chunk.end] == passage.chunk.text
        for found in passage.found_by:
            if found.startswith("source=TechCrunch") and found.endswith(":dense"):
                assert passage.article.source == "TechCrunch"
    assert all(q.get("where") is None for q in queries)
    only = small.retrieve("Google antitrust", k=6, filters=SearchFilters(sources=("TechCrunch",)))
    exact = retriever.retrieve(
        "Google antitrust", k=6, filters=SearchFilters(sources=("TechCrunch",))
    )
    assert only and [p.chunk.id for p in only] == [p.chunk.id for p in exact]


def test_per_article_cap_and_distinct_articles_first(
    corpus: tuple[Settings, ArticleStore],
) -> None:
    settings, store = corpus
    row = {
        "title": "Quantum widget maker Zorblax expands",
        "source": "Test Wire",
        "published_at": "2023-11-02T10:00:00+00:00",
        "url": f"https://example.test/zorblax-{uuid.uuid4().hex[:6]}",
        "body": " ".join(
            f"Zorblax quantum widgets shipment number {i} left the Zorblax factory on time."
            for i in range(12)
        ),
    }
    article = _put(store, row, chunk_chars=120)
    try:
        assert article.chunk_count >= 6
        query = "Zorblax quantum widgets shipment"
        results = HybridRetriever(store, settings).retrieve(query, k=6)
        own = [p for p in results if p.chunk.article_id == article.id]
        assert len(own) == settings.max_per_article == 2
        assert len({p.chunk.article_id for p in results}) == len(results) - 1
        assert results[0].chunk.article_id == article.id
        strict = settings.model_copy(update={"max_per_article": 1})
        results = HybridRetriever(store, strict).retrieve(query, k=6)
        assert sum(p.chunk.article_id == article.id for p in results) == 1
    finally:
        store.remove(article.id)
    # the BM25 index follows the store: the removed article is gone at once
    results = HybridRetriever(store, settings).retrieve("Zorblax quantum widgets", k=6)
    assert all(p.chunk.article_id != article.id for p in results)


def test_cached_index_sees_new_articles(corpus: tuple[Settings, ArticleStore]) -> None:
    settings, store = corpus
    retriever = HybridRetriever(store, settings)
    assert not [
        p for p in retriever.retrieve("Xylophonic snorkel", k=3) if "Xylophonic" in p.chunk.text
    ]
    row = {
        "title": "Xylophonic snorkel unveiled",
        "source": "Test Wire",
        "published_at": "2023-11-03T10:00:00+00:00",
        "url": f"https://example.test/xylo-{uuid.uuid4().hex[:6]}",
        "body": "The Xylophonic snorkel plays a tune while you swim.",
    }
    article = _put(store, row)
    try:
        results = retriever.retrieve("Xylophonic snorkel", k=3)
        assert results and results[0].chunk.article_id == article.id
    finally:
        store.remove(article.id)


def test_retrieve_articles_and_langchain_view(retriever: HybridRetriever) -> None:
    query = "Sam Bankman-Fried fraud trial"
    articles = retriever.retrieve_articles(query, k=5)
    assert len(articles) == len({a for a, _ in articles}) == 5
    assert [s for _, s in articles] == sorted((s for _, s in articles), reverse=True)
    passages = retriever.retrieve(query, k=5)
    assert passages[0].chunk.article_id == articles[0][0]

    docs = retriever.as_langchain(k=3).invoke(query)
    assert [d.metadata["chunk_id"] for d in docs] == [p.chunk.id for p in passages[:3]]
    assert {"article_id", "start", "end", "source", "published_at", "url"} <= set(docs[0].metadata)
    filtered = retriever.as_langchain(k=3, filters=SearchFilters(sources=("Fortune",)))
    assert {d.metadata["source"] for d in filtered.invoke(query)} == {"Fortune"}


def test_search_reports_similarity_for_every_passage(retriever: HybridRetriever) -> None:
    for passage in retriever.search("Who paid $26.3 billion to be the default search engine?", k=5):
        assert passage.dense_similarity is not None and 0.0 <= passage.dense_similarity <= 1.0
        assert passage.found_by


def test_empty_store_and_empty_query(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "empty", collection="empty")
    store = ArticleStore(settings.store_config(), embeddings=_embeddings())
    retriever = HybridRetriever(store, settings)
    assert retriever.retrieve("anything") == []
    assert retriever.retrieve_articles("anything") == []


# ---- pure parts ------------------------------------------------------------------------------


def test_tokenize_keeps_names_numbers_and_hyphenated_words() -> None:
    tokens = tokenize("Sam Bankman-Fried's $14 billion, GPT-3.5 and the U.S. economy in 2023")
    assert "bankman-fried" in tokens and "bankman" in tokens and "fried" in tokens
    assert "14" in tokens and "2023" in tokens and "gpt-3.5" in tokens and "us" in tokens
    assert "the" not in tokens and "and" not in tokens
    assert tokenize("Beyoncé's concerts") == ["beyonce", "concert"]
    assert tokenize("14,000 fans") == ["14000", "fan"]


def test_source_aliases_and_matching() -> None:
    assert "the verge" in source_aliases("The Verge") and "verge" in source_aliases("The Verge")
    assert "bbc news" in source_aliases("BBC News - Entertainment & Arts")
    assert "cnbc" in source_aliases("Cnbc | World Business News Leader")
    assert "cbs sports" in source_aliases("CBSSports.com")
    assert "age" not in source_aliases("The Age")
    matcher = SourceMatcher(
        ["The Verge", "The Age", "FOX News - Health", "FOX News - Lifestyle", "TechCrunch"]
    )
    expected = [("The Verge",), ("TechCrunch",), ("FOX News - Health", "FOX News - Lifestyle")]
    found = matcher.find("Did the Verge and TechCrunch agree, as Fox News reported?")
    assert [m.sources for m in found] == expected
    # an all-lowercase question is matched case-insensitively ...
    found = matcher.find("did the verge and techcrunch agree, as fox news reported?")
    assert [m.sources for m in found] == expected
    # ... but in a capitalised one a lowercase phrase is an ordinary phrase
    assert matcher.find("An athlete at the age of 16, according to The Verge") != []
    assert [m.text for m in matcher.find("An athlete at the age of 16")] == []


def test_find_dates() -> None:
    spans = {
        (d.text, d.first.isoformat(), d.last.isoformat())
        for d in find_dates(
            "after the report of 2023-11-24, published on October 5, 2023, and in November 2023"
        )
    }
    assert spans == {
        ("2023-11-24", "2023-11-24", "2023-11-24"),
        ("October 5, 2023", "2023-10-05", "2023-10-05"),
        ("November 2023", "2023-11-01", "2023-11-30"),
    }
    (mention,) = find_dates("the article published on October 1st", default_years=[2023])
    assert mention.first == date(2023, 10, 1)
    assert find_dates("published on October 1st") == []  # no year known: nothing to restrict
    lo, hi = mention.ts_range(slack_days=0)
    assert hi - lo == 86_399


def test_clauses_of_a_multi_part_question() -> None:
    matcher = SourceMatcher(["The Age", "The Verge", "TechCrunch"])
    query = (
        "What company is at the center of claims involving manipulation of search results "
        "according to 'The Age', ranking local search results based on relevance, distance, and "
        "prominence as reported by 'The Verge', and is accused by a news publisher in a class "
        "action antitrust suit covered by 'TechCrunch'?"
    )
    clauses = analyse(query, matcher).clauses
    assert [c.sources for c in clauses] == [("The Age",), ("The Verge",), ("TechCrunch",)]
    assert "distance" in clauses[1].text and "TechCrunch" not in clauses[2].text
    assert analyse("Who won the match?", matcher).clauses == ()


def test_rrf_and_coverage() -> None:
    fused = rrf([RankedList("a", ["x", "y", "z"]), RankedList("b", ["y", "x"], weight=2.0)], k0=1)
    assert order_by_score(fused) == ["y", "x", "z"]
    assert fused["z"] == pytest.approx(1 / 4)
    # facet A and B both prefer article 1; facet C's best (3) must come before 1's runner-up 2
    group = {"p1": "1", "p2": "2", "p3": "3"}
    facets = {"A": ["p1", "p2"], "B": ["p1", "p2"], "C": ["p3", "p1"]}
    assert greedy_coverage(facets, group, ["p1", "p2", "p3"], k0=1.0) == ["p1", "p3", "p2"]
    assert greedy_coverage(facets, group, ["p1", "p2", "p3"], depth=0) == ["p1", "p2", "p3"]


def test_diversify_caps_and_prefers_distinct_groups() -> None:
    ranked = [("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B"), ("c1", "C")]
    assert diversify(ranked, k=4, max_per_group=2) == ["a1", "b1", "c1", "a2"]
    assert diversify(ranked, k=10, max_per_group=1) == ["a1", "b1", "c1"]
    scores = {"a1": 1.0, "a2": 0.9, "a3": 0.8, "b1": 0.3, "c1": 0.2}
    assert diversify(ranked, k=3, max_per_group=2, repeat_penalty=0.5, scores=scores) == [
        "a1",
        "a2",
        "b1",
    ]


def test_bm25_in_the_background_gives_the_same_ranking_also_inside_the_store_lock(
    retriever: HybridRetriever,
) -> None:
    """BM25 on a background thread (the default) ranks as on the calling thread; a caller that
    holds the store's lock (a write section) gets it inline instead of a thread that would wait
    for that lock."""
    serial = retriever.with_params(lexical_in_background=False)
    assert retriever.params.lexical_in_background
    store = retriever.store
    for query in (
        "Google antitrust trial default search engine deals",
        "What did TechCrunch report about Sam Bankman-Fried's trial in November?",
    ):
        background = [(c.ref.chunk_id, c.score) for c in retriever.rank(query).candidates]
        inline = [(c.ref.chunk_id, c.score) for c in serial.rank(query).candidates]
        assert background and background == inline
        with store.write_lock():
            held = [(c.ref.chunk_id, c.score) for c in retriever.rank(query).candidates]
        assert held == background
