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


# ---- repair only what is broken -----------------------------------------------------------


def _chroma_error(message: str, internal: bool = True) -> Exception:
    from chromadb.errors import ChromaError, InternalError

    return InternalError(message) if internal else ChromaError(message)


def test_size_timeout_lock_and_connection_errors_are_not_damage() -> None:
    import sqlite3

    import httpx

    from vectorstore.repair import looks_damaged

    not_damage = [
        _chroma_error(
            "Error executing plan: Error sending backfill request to compactor: error returned "
            "from database: (code: 1) too many SQL variables"
        ),
        _chroma_error("Error in compaction: hnsw segment reader: timed out after 30s"),
        _chroma_error("Error loading hnsw index: database is locked"),
        _chroma_error("error returned from database: (code: 5) database is locked"),
        _chroma_error("Could not connect to tenant default_tenant: connection refused"),
        TimeoutError("Error loading hnsw segment"),
        ConnectionRefusedError(111, "Connection refused"),
        httpx.ConnectError("[Errno 111] Connection refused"),
        sqlite3.OperationalError("too many SQL variables"),
        sqlite3.OperationalError("database is locked"),
        ValueError("Expected where to have exactly one operator"),
        OSError("Error finding id"),  # not a Chroma error at all
    ]
    for exc in not_damage:
        assert not looks_damaged(exc), exc
    chained = _chroma_error("Failed to apply logs to the hnsw segment writer")
    chained.__cause__ = TimeoutError("read timed out")
    assert not looks_damaged(chained)
    damage = [
        _chroma_error("Error deserializing pickle file: unexpected end of file"),
        _chroma_error("Failed to apply logs to the hnsw segment writer"),
        _chroma_error("Error constructing hnsw segment reader: Error loading hnsw index", False),
        _chroma_error("Error finding id"),
    ]
    for exc in damage:
        assert looks_damaged(exc), exc


def test_set_aside_needs_a_complete_rescue_copy(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from vectorstore.config import StoreConfig
    from vectorstore.repair import (
        RESCUE_NAME,
        RepairImpossible,
        check_rescue_complete,
        read_records,
        set_aside,
        write_rescue,
    )

    config = StoreConfig(home=tmp_path / "home", collection="c")
    store = ArticleStore(config)
    store.put(*_article(ALPHA))
    store.put(*_article(BETA))
    store.close()
    chroma = config.chroma_dir
    with pytest.raises(RepairImpossible):  # no copy: never moved
        set_aside(chroma, keep_damaged=True)
    assert chroma.is_dir()
    names = ("c_chunks", "c_articles")
    records = read_records(chroma, names)
    check_rescue_complete(chroma, records, *names)  # complete: passes
    incomplete = {**records, "c_chunks": records["c_chunks"][1:]}
    with pytest.raises(RepairImpossible, match="not a complete copy"):
        check_rescue_complete(chroma, incomplete, *names)
    textless = {
        **records,
        "c_articles": [{**records["c_articles"][0], "document": None}, *records["c_articles"][1:]],
    }
    with pytest.raises(RepairImpossible):
        check_rescue_complete(chroma, textless, *names)
    write_rescue(config.home, records)
    assert (config.home / RESCUE_NAME).is_file()
    set_aside(chroma, keep_damaged=True)
    assert (config.home / "chroma.damaged").is_dir()


def test_an_error_that_is_not_proven_damage_moves_nothing(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A damage-looking error the probe cannot reproduce (the store reads fine on a fresh
    client) is raised to the caller; the store stays where it is, untouched."""
    import pytest

    from vectorstore.config import StoreConfig

    config = StoreConfig(home=tmp_path / "home", collection="c")
    store = ArticleStore(config)
    store.put(*_article(ALPHA))
    calls = []

    def flaky() -> None:
        calls.append(1)
        raise _chroma_error("Failed to apply logs to the hnsw segment writer")

    with pytest.raises(Exception, match="hnsw segment writer"):
        store._call(flaky)
    assert len(calls) == 2  # tried, reopened and tried again, probed: no proof, no repair
    assert config.chroma_dir.is_dir()
    assert not (config.home / "chroma.damaged").exists()
    assert not (config.home / "store.repair.jsonl").exists()
    assert store.get_article(_article(ALPHA)[0].id) is not None


def test_pages_reads_never_ask_chroma_for_a_whole_collection(store: ArticleStore) -> None:
    """Every read of many records goes through ``limit``/``offset`` pages."""
    import vectorstore.store as store_module

    items = [_article(f"Story {i}. " + ALPHA, url=f"https://t.test/{i}") for i in range(7)]
    store.put_many(items)
    seen: list[dict] = []
    real = store_module.ArticleStore._pages

    def spy(collection, where=None, include=("metadatas",), page=store_module.PAGE_SIZE):  # type: ignore[no-untyped-def]
        seen.append({"page": page})
        return real(collection, where=where, include=include, page=3)

    store_module.ArticleStore._pages = staticmethod(spy)  # type: ignore[method-assign]
    try:
        assert len(store.list_articles()) == 7
        assert len(store.all_chunks()) == sum(len(c) for _, c in items)
        assert store.sweep_orphans() == 0
        assert store.verify().ok
    finally:
        store_module.ArticleStore._pages = staticmethod(real)  # type: ignore[method-assign]
    assert seen


def test_warm_loads_the_indexes_and_leaves_the_store_usable(store: ArticleStore) -> None:
    store.warm()  # an empty store: nothing to load, no error
    article, chunks = _article(ALPHA)
    store.put(article, chunks)
    reopened = ArticleStore(store.config)
    reopened.warm()
    hits = reopened.dense_search("Who raised interest rates?", k=2)
    assert hits and hits[0].article is not None and hits[0].article.id == article.id
    other, other_chunks = _article(BETA)
    reopened.put(other, other_chunks)  # warming released the store's lock
    assert {a.id for a in store.list_articles()} == {article.id, other.id}


def test_warm_in_background_finishes_and_never_raises(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.service import Briefbot
    from bot.settings import Settings

    bot = Briefbot(Settings(home=tmp_path / "home", collection="warm"))
    thread = bot.warm_in_background()
    assert thread is not None
    thread.join(timeout=60)
    assert not thread.is_alive()
    unreachable = Briefbot(
        Settings(home=tmp_path / "h2", chroma_url="http://127.0.0.1:9", collection="warm")
    )
    assert unreachable.warm_in_background() is None  # the caller's own use reports it
