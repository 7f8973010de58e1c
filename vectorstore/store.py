"""The Chroma store: passages (embedded, searchable) and articles (clean text + metadata).

Two collections, ``<name>_chunks`` through ``langchain-chroma`` and ``<name>_articles`` holding
each article's clean text as its document. Write order is chunks first, article record last: the
article record is the commit marker. A chunk whose article record is missing, or whose
``content_hash`` differs from its article's, is an unfinished write and is never returned
(and is swept by the next write of that article).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from filelock import FileLock
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from vectorstore.config import StoreConfig
from vectorstore.models import Article, Chunk, ScoredChunk

# Articles need no vector search; Chroma still wants a vector per record.
_ARTICLE_VECTOR = [1.0]
_ARTICLE_FIELDS = (
    "title",
    "content_hash",
    "source",
    "author",
    "published_at",
    "url",
    "language",
    "origin",
    "simhash",
    "near_duplicate_of",
    "chunk_count",
    "ingested_at",
)


class StoreUnavailable(RuntimeError):
    """The Chroma server cannot be reached (or the embedded store cannot be opened)."""


def published_ts(published_at: str | None) -> int | None:
    """Epoch seconds of an ISO date/datetime, for range filters in Chroma (numbers only)."""
    if not published_at:
        return None
    try:
        value = datetime.fromisoformat(published_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def make_client(config: StoreConfig) -> chromadb.ClientAPI:
    """Embedded persistent client under ``config.home``, or an HTTP client for ``chroma_url``."""
    settings = ChromaSettings(anonymized_telemetry=False)
    try:
        if config.chroma_url:
            parsed = urlparse(config.chroma_url)
            return chromadb.HttpClient(
                host=parsed.hostname or "localhost",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        config.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(config.chroma_dir), settings=settings)
    except Exception as exc:  # chromadb raises a mix of ValueError/ConnectionError here
        where = config.chroma_url or str(config.chroma_dir)
        raise StoreUnavailable(f"cannot open the Chroma store at {where}: {exc}") from exc


def _article_metadata(article: Article) -> dict:
    meta = {name: getattr(article, name) for name in _ARTICLE_FIELDS}
    ts = published_ts(article.published_at)
    if ts is not None:
        meta["published_ts"] = ts
    return {k: v for k, v in meta.items() if v is not None and v != ""}


def _article_from_record(article_id: str, document: str | None, meta: dict | None) -> Article:
    meta = meta or {}
    fields = {name: meta.get(name) for name in _ARTICLE_FIELDS}
    fields["title"] = fields["title"] or "(untitled)"
    fields["content_hash"] = fields["content_hash"] or ""
    fields["origin"] = fields["origin"] or ""
    fields["simhash"] = fields["simhash"] or ""
    fields["ingested_at"] = fields["ingested_at"] or ""
    fields["chunk_count"] = int(fields["chunk_count"] or 0)
    return Article(id=article_id, text=document or "", **fields)


def _chunk_metadata(article: Article, chunk: Chunk) -> dict:
    meta = {
        "article_id": article.id,
        "content_hash": article.content_hash,
        "index": chunk.index,
        "start": chunk.start,
        "end": chunk.end,
        "title": article.title,
        "source": article.source,
        "published_at": article.published_at,
        "published_ts": published_ts(article.published_at),
    }
    return {k: v for k, v in meta.items() if v is not None}


def _chunk_from_record(chunk_id: str, document: str, meta: dict) -> Chunk:
    return Chunk(
        id=chunk_id,
        article_id=str(meta["article_id"]),
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=document,
    )


class ArticleStore:
    """Articles and their passages in Chroma, embedded or client/server.

    Writes in embedded mode take an inter-process file lock: Chroma's embedded mode is not
    process-safe, so concurrent CLI and web-app writers are serialised.
    """

    def __init__(self, config: StoreConfig, embeddings: Embeddings | None = None) -> None:
        if embeddings is None:
            from vectorstore.embeddings import default_embeddings

            embeddings = default_embeddings()
        self.config = config
        self.embeddings = embeddings
        self.client = make_client(config)
        try:
            self.chunks = Chroma(
                collection_name=f"{config.collection}_chunks",
                embedding_function=embeddings,
                client=self.client,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
            self.articles = self.client.get_or_create_collection(
                f"{config.collection}_articles", embedding_function=None
            )
        except Exception as exc:
            raise StoreUnavailable(f"cannot reach the Chroma store: {exc}") from exc
        self._batch = max(1, min(self.client.get_max_batch_size(), 1000))

    # ---- locking ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Serialise writers across processes (embedded mode); a no-op against a server."""
        if self.config.chroma_url:
            yield
            return
        self.config.home.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.config.lock_path)):
            yield

    # ---- articles --------------------------------------------------------------------------

    def get_article(self, article_id: str) -> Article | None:
        return self.get_articles([article_id]).get(article_id)

    def get_articles(self, ids: Sequence[str]) -> dict[str, Article]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        found = self.articles.get(ids=ids, include=["documents", "metadatas"])
        return {
            i: _article_from_record(i, doc, meta)
            for i, doc, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            )
        }

    def list_articles(self) -> list[Article]:
        """All articles, metadata only (``text`` empty), newest first."""
        found = self.articles.get(include=["metadatas"])
        articles = [
            _article_from_record(i, None, meta)
            for i, meta in zip(found["ids"], found["metadatas"], strict=True)
        ]
        return sorted(articles, key=lambda a: (a.published_at or "", a.title), reverse=True)

    def find_by_hash(self, content_hash: str) -> Article | None:
        found = self.articles.get(where={"content_hash": content_hash}, include=["metadatas"])
        if not found["ids"]:
            return None
        return _article_from_record(found["ids"][0], None, found["metadatas"][0])

    def article_count(self) -> int:
        return self.articles.count()

    def chunk_count(self) -> int:
        return self.chunks._collection.count()

    def sources(self) -> list[str]:
        """Distinct publisher names, for matching names in questions and filters."""
        found = self.articles.get(include=["metadatas"])
        return sorted({m["source"] for m in found["metadatas"] if m and m.get("source")})

    # ---- writes ----------------------------------------------------------------------------

    def put(self, article: Article, chunks: Sequence[Chunk]) -> None:
        """Store an article and its chunks, replacing any earlier version with the same id.

        Crash-safe by ordering: stale chunks are removed and new ones upserted before the
        article record (the commit marker) is written.
        """
        with self.write_lock():
            self._delete_chunks(article.id, keep_hash=None)
            for begin in range(0, len(chunks), self._batch):
                batch = chunks[begin : begin + self._batch]
                self.chunks.add_texts(
                    texts=[c.text for c in batch],
                    metadatas=[_chunk_metadata(article, c) for c in batch],
                    ids=[c.id for c in batch],
                )
            self.articles.upsert(
                ids=[article.id],
                documents=[article.text],
                metadatas=[_article_metadata(article)],
                embeddings=[_ARTICLE_VECTOR],
            )

    def remove(self, article_id: str) -> bool:
        """Delete an article and its chunks; False when there was no such article."""
        with self.write_lock():
            existed = bool(self.articles.get(ids=[article_id])["ids"])
            self.articles.delete(ids=[article_id])  # commit marker first: chunks become invisible
            self._delete_chunks(article_id, keep_hash=None)
            return existed

    def sweep_orphans(self) -> int:
        """Delete chunks left by an interrupted write (no article, or another version's hash)."""
        with self.write_lock():
            found = self.chunks._collection.get(include=["metadatas"])
            hashes = {
                i: m.get("content_hash") for i, m in zip(*self._all_article_meta(), strict=True)
            }
            orphans = [
                cid
                for cid, meta in zip(found["ids"], found["metadatas"], strict=True)
                if hashes.get(meta.get("article_id")) != meta.get("content_hash")
            ]
            for begin in range(0, len(orphans), self._batch):
                self.chunks._collection.delete(ids=orphans[begin : begin + self._batch])
            return len(orphans)

    def _all_article_meta(self) -> tuple[list[str], list[dict]]:
        found = self.articles.get(include=["metadatas"])
        return found["ids"], [m or {} for m in found["metadatas"]]

    def _delete_chunks(self, article_id: str, keep_hash: str | None) -> None:
        where: dict = {"article_id": article_id}
        if keep_hash is not None:
            where = {"$and": [where, {"content_hash": {"$ne": keep_hash}}]}
        self.chunks._collection.delete(where=where)

    # ---- reads of passages -----------------------------------------------------------------

    def dense_search(self, query: str, k: int, where: dict | None = None) -> list[ScoredChunk]:
        """Nearest passages by cosine similarity (score in [0, 1], higher is closer)."""
        n = self.chunk_count()
        if n == 0:
            return []
        results = self.chunks.similarity_search_with_score(query, k=min(k, n), filter=where)
        scored = [
            ScoredChunk(
                chunk=_chunk_from_record(doc.id, doc.page_content, doc.metadata),
                score=max(0.0, 1.0 - float(distance)),
            )
            for doc, distance in results
        ]
        return self.attach_articles(scored)

    def all_chunks(self, where: dict | None = None) -> list[Chunk]:
        """Every committed passage (for the lexical index), in stable id order."""
        found = self.chunks._collection.get(where=where, include=["documents", "metadatas"])
        live = dict(zip(*self._all_article_meta(), strict=True))
        chunks = [
            _chunk_from_record(cid, doc, meta)
            for cid, doc, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            )
            if live.get(meta.get("article_id"), {}).get("content_hash") == meta.get("content_hash")
        ]
        return sorted(chunks, key=lambda c: (c.article_id, c.index))

    def attach_articles(self, scored: Sequence[ScoredChunk]) -> list[ScoredChunk]:
        """Join passages with their committed article; drop passages of unfinished writes."""
        articles = self.get_articles([s.chunk.article_id for s in scored])
        out = []
        for s in scored:
            article = articles.get(s.chunk.article_id)
            if article is None or article.text[s.chunk.start : s.chunk.end] != s.chunk.text:
                continue
            out.append(ScoredChunk(chunk=s.chunk, score=s.score, article=article))
        return out

    def fingerprint(self) -> str:
        """Changes whenever the stored content changes (cache key for derived indexes)."""
        ids, metas = self._all_article_meta()
        return json.dumps(
            [
                self.chunk_count(),
                sorted(zip(ids, (m.get("content_hash") for m in metas), strict=True)),
            ]
        )
