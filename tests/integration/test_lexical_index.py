"""The persistent BM25 index (``vectorstore.lexical_index``) and how the store keeps it in step.

- it scores exactly like the in-memory bm25s index it replaces (same tokenizer, k1, b, fields),
  on the MultiHop-RAG articles and the dev questions, before and after incremental changes;
- source and date filters equal masking the bm25s scores;
- the store writes it in the same step as the passages, catches up after a write was killed
  between Chroma and the index, and rebuilds it when it mirrors another collection;
- two clients with their own homes on one ``chroma run`` server see the same lexical view.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import HashEmbeddings
from tests.helpers import MULTIHOP, REPO, chroma_server
from vectorstore.chunking import chunk_article
from vectorstore.config import StoreConfig
from vectorstore.ingest import build_article
from vectorstore.lexical_index import BM25Index, IndexedArticle, IndexedPassage, LexicalQuery
from vectorstore.models import Article, ParsedDocument
from vectorstore.store import ArticleStore, published_ts
from vectorstore.text import TOKENIZER_ID, tokenize

ARTICLES = MULTIHOP / "articles.jsonl"
QUERIES = MULTIHOP / "queries_dev.json"


def _multihop(limit: int | None = None) -> list[tuple[Article, list]]:
    rows = [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines() if line]
    out = []
    for row in rows[:limit]:
        article = build_article(
            ParsedDocument(
                text=row["body"],
                title=row["title"],
                source=row["source"],
                published_at=row["published_at"],
                url=row["url"],
            )
        )
        chunks = chunk_article(article.id, article.text, 300, 1)
        out.append((dataclasses.replace(article, chunk_count=len(chunks)), chunks))
    return out


def _indexed(article: Article, chunks: list, seq: int = 1) -> IndexedArticle:
    return IndexedArticle(
        article_id=article.id,
        content_hash=article.content_hash,
        seq=seq,
        title=article.title,
        source=article.source,
        published_at=article.published_at,
        published_ts=published_ts(article.published_at),
        passages=tuple(
            IndexedPassage(f"{c.id}@{article.content_hash[:12]}", c.index, c.start, c.end, c.text)
            for c in chunks
        ),
    )


class Reference:
    """What bot's former in-memory index computed: bm25s over ``title\\npassage``, masked;
    ties at the ``k``-th score go to the first passages in ``(article_id, index)`` order."""

    def __init__(self, items: list[tuple[Article, list]], k1: float = 0.9, b: float = 0.4):
        import bm25s

        rows = sorted(
            (
                (a.id, c.index, f"{c.id}@{a.content_hash[:12]}", a, c)
                for a, chunks in items
                for c in chunks
            ),
            key=lambda r: (r[0], r[1]),
        )
        self.ids = [r[2] for r in rows]
        self.source = np.array([r[3].source or "" for r in rows])
        self.ts = np.array(
            [published_ts(r[3].published_at) or np.iinfo(np.int64).min for r in rows],
            dtype=np.int64,
        )
        corpus = [tokenize(f"{r[3].title}\n{r[4].text}") for r in rows]
        self.bm25 = bm25s.BM25(k1=k1, b=b)
        self.bm25.index([t or ["\x00"] for t in corpus], show_progress=False)

    def search(self, query, k, sources=None, since=None, until=None):  # type: ignore[no-untyped-def]
        tokens = [t for t in dict.fromkeys(tokenize(query)) if t in self.bm25.vocab_dict]
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        keep = np.ones(len(scores), dtype=bool)
        if sources is not None:
            keep &= np.isin(self.source, list(sources))
        has = self.ts != np.iinfo(np.int64).min
        if since is not None:
            keep &= has & (self.ts >= since)
        if until is not None:
            keep &= has & (self.ts <= until)
        scores = np.where(keep, scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        # best first; passages tied at the k-th score in (article_id, index) order (rows' order)
        order = sorted(positive.tolist(), key=lambda i: (-float(scores[i]), i))[:k]
        return [(self.ids[i], float(scores[i])) for i in order]


def _same(got, want) -> None:  # type: ignore[no-untyped-def]
    assert [g[0] for g in got] == [w[0] for w in want]
    assert np.allclose([g[1] for g in got], [w[1] for w in want], rtol=0, atol=1e-6)


def _questions(n: int) -> list[str]:
    data = json.loads(QUERIES.read_text(encoding="utf-8"))
    return [q["query"] for q in data if q.get("question_type") != "null_query"][:n]


def _index(tmp_path: Path, name: str = "x") -> BM25Index:
    index = BM25Index(tmp_path / f"{name}.sqlite3", tokenize, TOKENIZER_ID)
    index.reset("test")
    return index


@pytest.mark.skipif(not ARTICLES.exists(), reason="MultiHop-RAG sample not present")
def test_scores_equal_bm25s_on_multihop_then_after_incremental_changes(tmp_path: Path) -> None:
    items = _multihop()
    index = _index(tmp_path)
    for begin in range(0, len(items), 40):  # incremental, in write-sized batches
        index.apply([_indexed(a, c) for a, c in items[begin : begin + 40]])
    questions = _questions(60)
    reference = Reference(items)
    for q in questions:
        _same([(h.chunk_id, h.score) for h in index.search(q, 40)], reference.search(q, 40))

    # remove a third, replace a third with a shorter version, and compare with a fresh bm25s
    rng = random.Random(7)
    rng.shuffle(items)
    gone, changed, kept = items[:100], items[100:200], items[200:]
    index.apply(deletes=[a.id for a, _ in gone])
    replaced = []
    for article, chunks in changed:
        new = dataclasses.replace(article, content_hash=article.content_hash[::-1])
        replaced.append((new, chunks[:1]))
    index.apply([_indexed(a, c) for a, c in replaced])
    reference = Reference(kept + replaced)
    for q in questions:
        _same([(h.chunk_id, h.score) for h in index.search(q, 20)], reference.search(q, 20))
    state = index.state()
    assert state.docs == sum(len(c) for _, c in kept + replaced)
    # other k1/b are query-time parameters
    other = Reference(kept + replaced, k1=1.5, b=0.75)
    for q in questions[:10]:
        got = index.search(q, 10, k1=1.5, b=0.75)
        _same([(h.chunk_id, h.score) for h in got], other.search(q, 10))


@pytest.mark.skipif(not ARTICLES.exists(), reason="MultiHop-RAG sample not present")
def test_filters_equal_masked_bm25s_scores(tmp_path: Path) -> None:
    items = _multihop(150)
    index = _index(tmp_path)
    index.apply([_indexed(a, c) for a, c in items])
    reference = Reference(items)
    sources = sorted({a.source for a, _ in items if a.source})
    stamps = sorted(published_ts(a.published_at) or 0 for a, _ in items)
    lo, hi = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    for q in _questions(15):
        for kwargs in (
            {"sources": sources[:2]},
            {"sources": ["No Such Paper"]},
            {"since": lo},
            {"until": hi},
            {"sources": sources[:3], "since": lo, "until": hi},
        ):
            got = index.search(
                q,
                15,
                sources=kwargs.get("sources"),
                since_ts=kwargs.get("since"),
                until_ts=kwargs.get("until"),
            )
            _same([(h.chunk_id, h.score) for h in got], reference.search(q, 15, **kwargs))
    assert index.sources() == sources
    assert index.years() == [2023]


@pytest.mark.skipif(not ARTICLES.exists(), reason="MultiHop-RAG sample not present")
def test_search_many_answers_each_search_as_search_does(tmp_path: Path) -> None:
    """One snapshot, shared term scores: the same hits as one ``search`` per request."""
    items = _multihop(120)
    index = _index(tmp_path)
    index.apply([_indexed(a, c) for a, c in items])
    sources = sorted({a.source for a, _ in items if a.source})
    stamps = sorted(published_ts(a.published_at) or 0 for a, _ in items)
    mid = stamps[len(stamps) // 2]
    for q in _questions(10):
        clause = " ".join(q.split()[: max(3, len(q.split()) // 2)])
        requests = [
            LexicalQuery(q, 20),
            LexicalQuery(q, 10, sources=sources[:2]),
            LexicalQuery(q, 10, since_ts=mid),
            LexicalQuery(clause, 10, sources=sources[1:4], until_ts=mid),
            LexicalQuery(q, 0),
            LexicalQuery("", 5),
        ]
        got = index.search_many(requests)
        want = [index.search(r.query, r.k, r.sources, r.since_ts, r.until_ts) for r in requests]
        assert got == want
        assert got[0] and got[4] == [] and got[5] == []


def test_ties_at_the_kth_score_go_to_the_first_passages_by_article_and_index(
    tmp_path: Path,
) -> None:
    """Copies of one text score the same: the ``k`` kept are the first by (article, index),
    whatever order they were indexed in."""
    index = _index(tmp_path)
    ids = [f"art{n:03d}" for n in range(60)]
    random.Random(3).shuffle(ids)
    for article_id in ids:
        index.apply(
            [
                IndexedArticle(
                    article_id,
                    f"h{article_id}",
                    1,
                    "Copy",
                    passages=tuple(
                        IndexedPassage(f"{article_id}:{i}@h", i, 0, 20, "the harbour bridge")
                        for i in range(2)
                    ),
                )
            ]
        )
    hits = index.search("harbour", 7)
    assert [h.chunk_id for h in hits] == [f"art{n // 2:03d}:{n % 2}@h" for n in range(7)]
    assert len({h.score for h in hits}) == 1
    [[one]] = [index.search_many([LexicalQuery("bridge harbour", 1)])[0]]
    assert one.chunk_id == "art000:0@h"


def test_lookup_places_committed_passages_and_skips_unknown_ids(tmp_path: Path) -> None:
    index = _index(tmp_path)
    index.apply(
        [
            IndexedArticle(
                "a",
                "h",
                1,
                "Bridge",
                source="Paper 1",
                published_ts=1_700_000_000,
                passages=(
                    IndexedPassage("a:0@h", 0, 0, 6, "opened"),
                    IndexedPassage("a:1@h", 1, 7, 13, "closed"),
                ),
            )
        ]
    )
    found = index.lookup(["a:1@h", "a:0@old", "nope"])
    assert set(found) == {"a:1@h"}
    ref = found["a:1@h"]
    assert (ref.article_id, ref.index, ref.start, ref.end) == ("a", 1, 7, 13)
    assert (ref.source, ref.published_ts) == ("Paper 1", 1_700_000_000)
    assert index.article_with_hash("h") == "a"
    index.apply(deletes=["a"])
    assert index.lookup(["a:1@h"]) == {}
    assert index.article_with_hash("h") is None


def test_an_index_written_before_the_lookup_indexes_gains_them_on_open(tmp_path: Path) -> None:
    """Files of the same schema written by the previous version (no ``chunk_id`` and
    ``content_hash`` indexes) are migrated in place when opened: nothing rebuilt or lost."""
    import sqlite3

    path = tmp_path / "old.sqlite3"
    index = BM25Index(path, tokenize, TOKENIZER_ID)
    index.reset("test")
    passages = (IndexedPassage("a:0@h", 0, 0, 6, "opened harbour"),)
    index.apply([IndexedArticle("a", "h", 1, "Bridge", passages=passages)])
    index.close()
    con = sqlite3.connect(path)
    con.execute("DROP INDEX passages_chunk")
    con.execute("DROP INDEX articles_hash")
    con.commit()
    con.close()

    reopened = BM25Index(path, tokenize, TOKENIZER_ID)
    assert reopened.state().docs == 1 and reopened.state().identity == "test"
    assert set(reopened.lookup(["a:0@h"])) == {"a:0@h"}
    assert reopened.article_with_hash("h") == "a"
    con = sqlite3.connect(path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    con.close()
    assert {"passages_chunk", "articles_hash"} <= names


def test_a_kill_inside_the_index_transaction_loses_nothing(tmp_path: Path) -> None:
    """``apply`` is one SQLite transaction: a process killed inside it leaves the old state."""
    path = tmp_path / "x.sqlite3"
    index = BM25Index(path, tokenize, TOKENIZER_ID)
    index.reset("test")
    index.apply(
        [
            IndexedArticle(
                "a", "h", 1, "Bridge", passages=(IndexedPassage("a:0@h", 0, 0, 5, "opened"),)
            )
        ]
    )
    script = f"""
import os, sys
sys.path.insert(0, {str(REPO)!r})
from pathlib import Path
from vectorstore.lexical_index import BM25Index, IndexedArticle, IndexedPassage, LexicalQuery
import vectorstore.lexical_index as li
from vectorstore.text import tokenize, TOKENIZER_ID
index = BM25Index(Path({str(path)!r}), tokenize, TOKENIZER_ID)
real = li.BM25Index._append_postings
def dying(con, tid, pairs):
    real(con, tid, pairs)
    os.kill(os.getpid(), 9)   # inside the transaction, after some rows were written
li.BM25Index._append_postings = staticmethod(dying)
index.apply([IndexedArticle("b", "h2", 2, "Harbour", passages=(IndexedPassage("b:0@h2", 0, 0, 6, "closed harbour"),))])
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    after = BM25Index(path, tokenize, TOKENIZER_ID)
    assert after.known(["a", "b"]) == {"a": ("h", 1)}
    assert [h.chunk_id for h in after.search("opened", 5)] == ["a:0@h"]
    assert after.search("harbour", 5) == []
    assert after.state().docs == 1


# ---- through the store ---------------------------------------------------------------------


def _story(i: int, version: int = 0) -> tuple[Article, list]:
    text = (
        f"Story {i} version {version}. The harbour authority of town{i} announced a plan. "
        f"Officials said the zeta{i} bridge would open in spring. Residents welcomed it."
    )
    article = build_article(
        ParsedDocument(
            text=text,
            title=f"Story {i}",
            source=f"Paper {i % 3}",
            published_at=f"2024-01-{1 + i % 28:02d}",
            url=f"https://example.test/{i}",
        )
    )
    chunks = chunk_article(article.id, text, 120, 0)
    return dataclasses.replace(article, chunk_count=len(chunks)), chunks


def _lexical_view(store: ArticleStore, query: str, k: int = 50) -> list[tuple[str, float]]:
    return [(s.chunk.id, round(s.score, 5)) for s in store.lexical_search(query, k)]


def test_store_keeps_the_index_in_step_with_writes(tmp_path: Path) -> None:
    store = ArticleStore(StoreConfig(home=tmp_path / "home"), embeddings=HashEmbeddings())
    items = [_story(i) for i in range(12)]
    store.put_many(items)
    [hit] = store.lexical_search("zeta5", 5)
    assert hit.chunk.article_id == items[5][0].id
    assert store.get_article(hit.chunk.article_id).text[hit.chunk.start : hit.chunk.end] == (
        hit.chunk.text
    )
    assert store.lexical_search("harbour", 50, sources=["Paper 1"])
    assert all(
        store.get_article(s.chunk.article_id).source == "Paper 1"
        for s in store.lexical_search("harbour", 50, sources=["Paper 1"])
    )
    store.remove(items[5][0].id)
    assert store.lexical_search("zeta5", 5) == []
    new, chunks = _story(6, version=1)
    store.put(new, chunks)
    assert {s.chunk.id for s in store.lexical_search("zeta6", 5)} == {
        f"{c.id}@{new.content_hash[:12]}" for c in chunks if "zeta6" in c.text
    }
    assert store.sources() == ["Paper 0", "Paper 1", "Paper 2"]
    assert store.years() == [2024]
    assert store.verify().ok, store.verify().problems
    generation = store.generation()
    assert store.generation() == generation
    store.put(*_story(40))
    assert store.generation() != generation
    # a second object (another process would see the same file) reads the same view
    other = ArticleStore(StoreConfig(home=tmp_path / "home"), embeddings=HashEmbeddings())
    assert _lexical_view(other, "harbour plan") == _lexical_view(store, "harbour plan")
    assert [a.id for a in other.list_articles(limit=3)] == [a.id for a in other.list_articles()][:3]


def test_a_write_killed_between_chroma_and_the_index_is_caught_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chroma committed the articles, the index did not (the process died in between): the
    next operation of any process indexes exactly the committed articles, once."""
    config = StoreConfig(home=tmp_path / "home")
    store = ArticleStore(config, embeddings=HashEmbeddings())
    store.put_many([_story(i) for i in range(3)])

    real = BM25Index.apply

    def die(self, upserts=(), deletes=(), watermark=None):  # type: ignore[no-untyped-def]
        if upserts:  # the write's own step, after Chroma committed
            raise KeyboardInterrupt("killed between the Chroma commit and the index")
        return real(self, upserts, deletes, watermark)

    monkeypatch.setattr(BM25Index, "apply", die)
    with pytest.raises(KeyboardInterrupt):
        store.put_many([_story(i) for i in range(3, 6)])
    monkeypatch.undo()
    assert (config.home / "store.intent").exists()  # the write never finished
    assert store.article_count() == 6  # committed in Chroma
    fresh = ArticleStore(config, embeddings=HashEmbeddings())
    assert [s.chunk.article_id for s in fresh.lexical_search("zeta4", 5)] == [_story(4)[0].id]
    assert fresh.verify().ok, fresh.verify().problems
    assert fresh.lexical.state().docs == len(fresh.all_chunks())


def test_an_index_of_another_collection_is_rebuilt(tmp_path: Path) -> None:
    config = StoreConfig(home=tmp_path / "home")
    store = ArticleStore(config, embeddings=HashEmbeddings())
    store.put_many([_story(i) for i in range(4)])
    store.lexical.reset("some other collection")  # as if Chroma had been recreated
    fresh = ArticleStore(config, embeddings=HashEmbeddings())
    assert len(fresh.lexical_search("harbour", 50)) == 4  # one passage per story says it
    assert fresh.lexical.state().built
    assert fresh.lexical.state().docs == len(fresh.all_chunks()) == 8


@pytest.mark.server
def test_two_clients_of_one_server_share_the_lexical_view(tmp_path: Path) -> None:
    """Two clients with their own BRIEFBOT_HOME (two machines) on one ``chroma run``: each
    keeps its own index in step with the server through the write sequence and tombstones."""
    with chroma_server(tmp_path / "server") as url:
        a = ArticleStore(
            StoreConfig(home=tmp_path / "a", chroma_url=url, lexical_sync_s=0),
            embeddings=HashEmbeddings(),
        )
        b = ArticleStore(
            StoreConfig(home=tmp_path / "b", chroma_url=url, lexical_sync_s=0),
            embeddings=HashEmbeddings(),
        )
        a.put_many([_story(i) for i in range(8)])
        assert _lexical_view(b, "harbour zeta3") == _lexical_view(a, "harbour zeta3")
        assert b.lexical_search("zeta3", 5)[0].chunk.article_id == _story(3)[0].id
        a.remove(_story(3)[0].id)
        assert b.lexical_search("zeta3", 5) == []
        new, chunks = _story(2, version=7)
        b.put(new, chunks)
        b.put_many([_story(i) for i in range(20, 24)])
        for query in ("version 7 zeta2", "harbour", "zeta21 bridge"):
            assert _lexical_view(a, query) == _lexical_view(b, query)
        assert a.sources() == b.sources()
        # a client that missed a removal (its watermark ran ahead, as a skewed clock would
        # make it) sees the counts disagree with nothing new to read, and reconciles
        a.lexical.apply(watermark=a.lexical.state().watermark + 10**12)
        b.remove(_story(21)[0].id)
        assert _lexical_view(a, "zeta21") == _lexical_view(b, "zeta21") == []
        assert a.verify().ok, a.verify().problems
        assert b.verify().ok, b.verify().problems


# ---- exactness on random corpora (hypothesis) ------------------------------------------------

_WORDS = ("harbour", "bridge", "court", "fraud", "apple", "search", "deal", "rain", "vote", "tax")


def _exhaustive(
    docs: list[tuple[str, int, list[str], str | None, int | None]],
    query: list[str],
    k: int,
    scope: tuple[list[str] | None, int | None, int | None],
    k1: float = 0.9,
    b: float = 0.4,
) -> list[tuple[str, int, float]]:
    """The documented scoring, spelled out passage by passage: idf and each term score rounded
    to float32, summed in float32 in query order; the ``k`` best under the scope, ties in
    ``(article_id, index)`` order. ``docs``: (article id, index, tokens, source, ts)."""
    lengths = [max(len(tokens), 1) for _, _, tokens, _, _ in docs]
    avgdl = np.float64(sum(lengths)) / np.float64(len(docs))
    terms = [t for t in dict.fromkeys(query) if any(t in d[2] for d in docs)]
    sources, since, until = scope
    out = []
    for (article_id, index, tokens, source, ts), dl in zip(docs, lengths, strict=True):
        if sources is not None and source not in sources:
            continue
        if (since is not None or until is not None) and ts is None:
            continue
        if (since is not None and ts < since) or (until is not None and ts > until):
            continue
        score = np.float32(0.0)
        for term in terms:
            tf = tokens.count(term)
            if not tf:
                continue
            df = sum(1 for d in docs if term in d[2])
            idf = np.float32(math.log(1 + (len(docs) - df + 0.5) / (df + 0.5)))
            norm = k1 * ((1 - b) + b * np.float64(dl) / avgdl)
            score = np.float32(score + np.float32(np.float64(tf) / (tf + norm) * np.float64(idf)))
        if score > 0:
            out.append((article_id, index, float(score)))
    out.sort(key=lambda r: (-r[2], r[0], r[1]))
    return out[:k]


@st.composite
def _corpus(draw: st.DrawFn) -> list[IndexedArticle]:
    texts = draw(
        st.lists(st.lists(st.sampled_from(_WORDS), min_size=0, max_size=8), min_size=1, max_size=6)
    )
    articles = []
    for n in range(draw(st.integers(1, 14))):
        picked = draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, max_size=3))
        ts = draw(st.one_of(st.none(), st.integers(0, 9).map(lambda d: 1_700_000_000 + d * 86_400)))
        articles.append(
            IndexedArticle(
                article_id=f"a{draw(st.integers(0, 99)):02d}-{n}",
                content_hash=f"h{n}",
                seq=1,
                title="",
                source=draw(st.sampled_from(["Alpha", "Beta", None])),
                published_ts=ts,
                passages=tuple(
                    IndexedPassage(f"a{n}:{i}", i, 0, 1, " ".join(texts[t]))
                    for i, t in enumerate(picked)
                ),
            )
        )
    return articles


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    articles=_corpus(),
    queries=st.lists(
        st.tuples(
            st.lists(st.sampled_from(_WORDS), min_size=1, max_size=5),
            st.integers(1, 12),
            st.sampled_from([None, ["Alpha"], ["Alpha", "Beta"], ["Nobody"]]),
            st.one_of(st.none(), st.integers(0, 9).map(lambda d: 1_700_000_000 + d * 86_400)),
            st.one_of(st.none(), st.integers(0, 9).map(lambda d: 1_700_000_000 + d * 86_400)),
        ),
        min_size=1,
        max_size=6,
    ),
    removed=st.integers(0, 3),
)
def test_search_many_equals_exhaustive_scoring_on_random_corpora(
    tmp_path_factory: pytest.TempPathFactory,
    articles: list[IndexedArticle],
    queries: list[tuple],
    removed: int,
) -> None:
    """Whatever the corpus (exact copies and ties are the rule here), the requests' mix (shared
    and distinct queries, scopes by source and date) and removals: every list is the exhaustive
    top ``k`` with its tie order, scores equal to the float32 bit."""
    articles = list({a.article_id: a for a in articles}.values())
    index = _index(tmp_path_factory.mktemp("random"))
    index.apply(articles)
    gone = {a.article_id for a in articles[:removed]}
    index.apply(deletes=sorted(gone))
    live = [a for a in articles if a.article_id not in gone]
    docs = [
        (a.article_id, p.index, tokenize(f"{a.title}\n{p.text}"), a.source, a.published_ts)
        for a in live
        for p in a.passages
    ]
    requests = [LexicalQuery(q, k, s, lo, hi) for q, k, s, lo, hi in queries]
    got = index.search_many(requests)
    for request, hits in zip(requests, got, strict=True):
        if not docs:
            assert hits == []
            continue
        want = _exhaustive(
            docs,
            list(request.query),
            request.k,
            (request.sources, request.since_ts, request.until_ts),
        )
        assert [(h.article_id, h.index, h.score) for h in hits] == want
