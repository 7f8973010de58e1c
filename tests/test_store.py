"""ArticleStore against a real embedded Chroma and a real `chroma run` server."""

from __future__ import annotations

from vectorstore.chunking import chunk_article
from vectorstore.ingest import build_article
from vectorstore.models import Article, ParsedDocument
from vectorstore.store import ArticleStore


def _article(
    text: str, url: str | None = None, source: str = "Daily Test", date: str = "2023-11-24"
) -> tuple[Article, list]:
    article = build_article(
        ParsedDocument(
            text=text, title=text.split(".")[0], source=source, url=url, published_at=date
        )
    )
    chunks = chunk_article(article.id, article.text, max_chars=120)
    return Article(**{**article.to_dict(), "chunk_count": len(chunks)}), chunks


ALPHA = (
    "The central bank raised interest rates by half a point on Tuesday. "
    "Governor Maria Lopez said inflation remained stubbornly high. "
    "Markets fell sharply after the announcement. Analysts expect another rise in March."
)
BETA = (
    "A new bridge opened across the river in Riverton. The mayor cut the ribbon on Friday. "
    "Traffic is expected to ease across the city centre."
)


def test_put_get_list_remove(store: ArticleStore) -> None:
    article, chunks = _article(ALPHA)
    store.put(article, chunks)
    got = store.get_article(article.id)
    assert got is not None
    assert got.text == ALPHA
    assert got.source == "Daily Test"
    assert got.chunk_count == len(chunks) > 1
    assert [a.id for a in store.list_articles()] == [article.id]
    assert store.chunk_count() == len(chunks)
    assert store.remove(article.id) is True
    assert store.get_article(article.id) is None
    assert store.chunk_count() == 0
    assert store.remove(article.id) is False


def test_dense_search_returns_exact_spans(store: ArticleStore) -> None:
    for text in (ALPHA, BETA):
        store.put(*_article(text))
    hits = store.dense_search("Who opened the bridge?", k=3)
    assert hits, "no results"
    top = hits[0]
    assert top.article is not None and "bridge" in top.article.text
    assert top.article.text[top.chunk.start : top.chunk.end] == top.chunk.text
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_where_filter_by_source(store: ArticleStore) -> None:
    store.put(*_article(ALPHA, source="Paper A"))
    store.put(*_article(BETA, source="Paper B"))
    hits = store.dense_search("interest rates", k=5, where={"source": "Paper B"})
    assert hits and {h.article.source for h in hits} == {"Paper B"}
    assert store.sources() == ["Paper A", "Paper B"]


def test_batched_writes_under_max_batch_size(store: ArticleStore) -> None:
    store._batch = 2  # force several batches for one article
    article, chunks = _article(ALPHA + " " + BETA)
    assert len(chunks) > 2
    store.put(article, chunks)
    assert store.chunk_count() == len(chunks)
    assert len(store.all_chunks()) == len(chunks)


def test_replace_same_id_leaves_no_stale_chunks(store: ArticleStore) -> None:
    first, chunks = _article(ALPHA, url="https://example.test/story")
    store.put(first, chunks)
    second, chunks2 = _article(BETA, url="https://example.test/story")
    assert second.id == first.id
    store.put(second, chunks2)
    assert store.chunk_count() == len(chunks2)
    assert store.get_article(first.id).text == BETA


def test_uncommitted_chunks_are_invisible_and_swept(store: ArticleStore) -> None:
    """Chunks written without their article record (a crash mid-write) are never returned."""
    article, chunks = _article(ALPHA)
    store.chunks.add_texts(
        [c.text for c in chunks],
        metadatas=[
            {
                "article_id": article.id,
                "content_hash": article.content_hash,
                "index": c.index,
                "start": c.start,
                "end": c.end,
            }
            for c in chunks
        ],
        ids=[c.id for c in chunks],
    )
    assert store.dense_search("interest rates", k=3) == []
    assert store.all_chunks() == []
    assert store.sweep_orphans() == len(chunks)
    assert store.chunk_count() == 0


def test_fingerprint_changes_with_content(store: ArticleStore) -> None:
    before = store.fingerprint()
    store.put(*_article(ALPHA))
    assert store.fingerprint() != before
