"""A store past SQLite's variable limit (~32k records per ``get``) works and is never "repaired".

Before paging, a store of 40,000 passages destroyed itself on open: a whole-store ``get`` hit
"too many SQL variables", the repair path took that for corruption, moved the healthy store to
``chroma.damaged`` and began re-embedding everything. Here 40,200 passages are written with
precomputed 16-d vectors (seconds), then the store is opened afresh and used: lexical and dense
search, ``ask`` through the whole answer pipeline with a scripted model, ingest, remove and the
article listing. Nothing may be moved aside or rebuilt.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from bot.settings import Settings
from tests.fakes import grounded_reply, scripted
from vectorstore.ingest import build_article, ingest
from vectorstore.models import Article, Chunk, ParsedDocument
from vectorstore.repair import DAMAGED_NAME, RESCUE_NAME
from vectorstore.store import ArticleStore

DIM = 16
ARTICLES = 8_040
PASSAGES_PER_ARTICLE = 5  # 40,200 passages
WORDS = [
    "harbour",
    "bridge",
    "council",
    "budget",
    "minister",
    "election",
    "court",
    "ruling",
    "bank",
    "rates",
    "inflation",
    "energy",
    "grid",
    "storm",
    "flood",
    "school",
    "hospital",
    "rail",
    "port",
    "trade",
    "tariff",
    "union",
    "strike",
]


class TinyEmbeddings(Embeddings):
    """16-d bag-of-words vectors: cheap for Chroma's HNSW at 40k records."""

    def _one(self, text: str) -> list[float]:
        v = np.zeros(DIM, dtype=np.float32)
        for word in text.lower().split():
            v[int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
        norm = float(np.linalg.norm(v))
        return (v / norm if norm else v + DIM**-0.5).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._one(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._one(text)


def _article(i: int) -> tuple[Article, list[Chunk]]:
    rng = np.random.default_rng(i)
    sentences = [
        " ".join(rng.choice(WORDS, size=8)).capitalize() + f" in town{i % 500}." for _ in range(5)
    ]
    text = " ".join(sentences)
    article = build_article(
        ParsedDocument(
            text=text,
            title=f"Report {i}",
            source=f"Paper {i % 7}",
            published_at=f"202{i % 4}-0{1 + i % 9}-1{i % 10}",
            url=f"https://news.test/{i}",
        )
    )
    chunks = []
    at = 0
    for index, sentence in enumerate(sentences):
        start = text.index(sentence, at)
        at = start + len(sentence)
        chunks.append(Chunk(f"{article.id}:{index}", article.id, index, start, at, sentence))
    return Article(**{**article.to_dict(), "chunk_count": len(chunks)}), chunks


def _build(store: ArticleStore) -> None:
    rng = np.random.default_rng(0)
    batch: list[tuple[Article, list[Chunk]]] = []
    for i in range(ARTICLES):
        batch.append(_article(i))
        if len(batch) == 1000 or i == ARTICLES - 1:
            n = sum(len(c) for _, c in batch)
            vectors = rng.standard_normal((n, DIM)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            store.put_many(batch, vectors=vectors.tolist())
            batch = []


@pytest.mark.slow
def test_a_store_of_40k_passages_opens_answers_ingests_and_removes_with_nothing_moved(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.answer import answer_question
    from bot.service import Briefbot

    caplog.set_level(logging.INFO)
    settings = Settings(home=tmp_path / "home", collection="scale", chroma_url=None)
    config = settings.store_config()
    t0 = time.perf_counter()
    _build(ArticleStore(config, embeddings=TinyEmbeddings()))
    built_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    store = ArticleStore(config, embeddings=TinyEmbeddings())
    open_s = time.perf_counter() - t0
    print(f"built in {built_s:.1f} s, opened in {open_s:.2f} s")
    assert store.chunk_count() == ARTICLES * PASSAGES_PER_ARTICLE > 32_766
    assert store.article_count() == ARTICLES
    assert open_s < 5, f"opening took {open_s:.1f} s"

    # lexical and dense search, filtered and not
    t0 = time.perf_counter()
    hits = store.lexical_search("harbour bridge town123", 10)
    first_lexical_s = time.perf_counter() - t0
    assert hits and any("town123" in h.chunk.text for h in hits)
    assert first_lexical_s < 5
    scoped = store.lexical_search("harbour", 10, sources=["Paper 3"])
    assert scoped
    assert {store.get_article(h.chunk.article_id).source for h in scoped} == {"Paper 3"}
    vector = store.embeddings.embed_query("harbour bridge")
    assert len(store.search_by_vector(vector, 10)) == 10
    near = store.search_by_vector(vector, 5, sources=["Paper 2"], since_ts=1_640_995_200)
    assert near and all(store.get_article(h.chunk.article_id).source == "Paper 2" for h in near)
    assert len(store.sources()) == 7

    # ask, through retrieval and the answer pipeline, with a scripted model
    bot = Briefbot(settings=settings, llm=scripted(grounded_reply("town123")))
    bot.__dict__["store"] = store
    t0 = time.perf_counter()
    answer = answer_question(bot, "What happened to the harbour in town123?")
    print(f"ask {time.perf_counter() - t0:.1f} s")
    for citation in answer.citations:
        article = store.get_article(citation.article_id)
        assert article is not None
        assert article.text[citation.start : citation.end] == citation.quote

    # ingest a file (one embedding call per write batch), then remove it
    doc = tmp_path / "new.txt"
    doc.write_text(
        "A new harbour opened in Eastport on Monday. The council said ships would dock there.",
        encoding="utf-8",
    )
    report = ingest([str(doc)], store)
    assert report.added == 1, report.to_dict()
    [new_id] = report.article_ids
    assert store.lexical_search("eastport", 5)[0].chunk.article_id == new_id
    assert store.remove(new_id)
    assert store.lexical_search("eastport", 5) == []
    assert store.article_count() == ARTICLES

    # the article listing, whole (paged) and one page
    listed = store.list_articles()
    assert len(listed) == ARTICLES
    assert [a.id for a in store.list_articles(limit=20)] == [a.id for a in listed[:20]]
    assert [a.id for a in store.list_articles(limit=20, offset=20)] == [a.id for a in listed[20:40]]

    # nothing was taken for damage, moved or rebuilt
    home = config.home
    assert (home / "chroma").is_dir()
    assert not (home / DAMAGED_NAME).exists()
    assert not (home / RESCUE_NAME).exists()
    assert "rebuilding the Chroma store" not in caplog.text
    assert "building the lexical index" not in caplog.text  # written incrementally, never rebuilt
    print(
        f"built in {built_s:.1f} s, opened in {open_s:.2f} s, first lexical {first_lexical_s:.2f} s"
    )
