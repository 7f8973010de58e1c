"""The Chroma store: passages (embedded, searchable) and articles (clean text + metadata).

Two collections, ``<name>_chunks`` through ``langchain-chroma`` and ``<name>_articles`` holding
each article's clean text as its document. Write order is chunks first, article record last: the
article record is the commit marker. A chunk whose article record is missing, or whose
``content_hash`` differs from its article's, is an unfinished write and is never returned.

Chunk record ids carry the article version (``<article_id>:<index>@<hash[:12]>``), so replacing an
article writes the new version's chunks beside the old ones, switches the commit marker, and only
then deletes the old version: a crash at any point leaves one complete version visible.

Process safety (embedded mode): every read runs under a shared and every write under an exclusive
``flock`` on ``BRIEFBOT_HOME/store.lock``, and a process reopens its Chroma client whenever another
process has written since it last looked (see ``vectorstore/locking.py``). A writer that finds the
previous writer died mid-write sweeps its leftovers first. Against a Chroma server the server
serialises and the lock is a no-op; a lost connection is retried once on a fresh client, then
reported as ``StoreUnavailable``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from vectorstore.config import StoreConfig
from vectorstore.errors import StoreBusy, StoreUnavailable
from vectorstore.locking import StoreLock, lock_for
from vectorstore.models import Article, Chunk, ScoredChunk
from vectorstore.repair import (
    RESCUE_NAME,
    RepairImpossible,
    looks_damaged,
    read_records,
    read_rescue,
    set_aside,
    write_rescue,
)

__all__ = ["ArticleStore", "StoreBusy", "StoreHealth", "StoreUnavailable", "published_ts"]

log = logging.getLogger(__name__)
T = TypeVar("T")

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
# Terminal control characters (C0 but tab/newline, DEL, C1): never stored, so never printed.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_RETRY_BACKOFF_S = 0.5
# HNSW settings of new chunk collections (tests lower sync_threshold to make Chroma persist often).
HNSW_CONFIG: dict[str, Any] = {"space": "cosine"}
_WRITE_METHODS = frozenset(
    {
        "add",
        "upsert",
        "update",
        "delete",
        "modify",
        "add_texts",
        "add_documents",
        "add_images",
        "update_document",
        "update_documents",
        "delete_collection",
        "reset_collection",
    }
)


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


def _unreachable(exc: BaseException) -> bool:
    """Is this the Chroma server being down or restarting (as opposed to a bad request)?"""
    import httpx

    if isinstance(exc, (httpx.TransportError, ConnectionError)):
        return True
    return isinstance(exc, ValueError) and "could not connect" in str(exc).lower()


def _unreachable_message(url: str, exc: BaseException | None = None) -> str:
    reason = ""
    if exc is not None:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        reason = f" ({text[:160]})"
    return f"cannot reach the Chroma server at {url}{reason}"


def make_client(config: StoreConfig) -> chromadb.ClientAPI:
    """Embedded persistent client under ``config.home``, or an HTTP client for ``chroma_url``."""
    settings = ChromaSettings(anonymized_telemetry=False)
    if config.chroma_url:
        parsed = urlparse(config.chroma_url)
        try:
            return chromadb.HttpClient(
                host=parsed.hostname or "localhost",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except Exception as exc:  # chromadb raises ValueError("Could not connect ...") here
            raise StoreUnavailable(_unreachable_message(config.chroma_url, exc)) from exc
    try:
        config.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=_system_id(config), settings=settings)
    except Exception as exc:
        raise StoreUnavailable(
            f"cannot open the Chroma store at {config.chroma_dir}: {exc}"
        ) from exc


def _system_id(config: StoreConfig) -> str:
    """The key of chromadb's per-process system cache for an embedded store."""
    return str(config.chroma_dir.resolve())


def _drop_system(identifier: str) -> None:
    """Forget and stop this process's cached Chroma system for one path (its HNSW is stale)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    if system is not None:
        with contextlib.suppress(Exception):
            system.stop()


def _cached_system(identifier: str) -> Any:
    from chromadb.api.shared_system_client import SharedSystemClient

    return SharedSystemClient._identifier_to_system.get(identifier)


def _no_nulls(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if v is not None}


def _plain(value: Any) -> Any:
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def _safe_article(article: Article) -> Article:
    """Refuse text with terminal control characters; strip them from metadata fields.

    Parsers already remove them (``normalize_text``); this keeps the invariant for any caller, so
    whatever reads the store (CLI, exports) never prints an escape sequence. Text is refused, not
    altered, because chunk offsets point into it.
    """
    bad = _CONTROL.search(article.text)
    if bad:
        raise ValueError(
            f"article text contains control character U+{ord(bad.group()):04X} at offset "
            f"{bad.start()}; pass text through vectorstore.parsing.clean_text first"
        )
    fields = {name: _plain(getattr(article, name)) for name in _ARTICLE_FIELDS if name != "text"}
    return replace(article, **fields)


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


def chunk_record_id(chunk: Chunk, content_hash: str) -> str:
    """Chroma id of a chunk of one article version: ``<chunk.id>@<hash[:12]>``."""
    suffix = f"@{content_hash[:12] or 'v0'}"
    return chunk.id if chunk.id.endswith(suffix) else f"{chunk.id}{suffix}"


@dataclass
class StoreHealth:
    """What ``ArticleStore.verify()`` found; ``ok`` when every invariant holds."""

    articles: int = 0
    chunks: int = 0
    committed_chunks: int = 0
    orphan_chunks: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Guarded:
    """A Chroma object whose every call runs under the store's lock on a fresh client.

    ``ArticleStore.chunks`` (langchain ``Chroma``) and ``ArticleStore.articles`` are handed out
    through this, so code elsewhere that queries them directly is as process-safe as the store's
    own methods. ``.chunks._collection`` is guarded the same way.
    """

    __slots__ = ("_resolve", "_store")

    def __init__(self, store: ArticleStore, resolve: Callable[[], Any]) -> None:
        self._store = store
        self._resolve = resolve

    def __getattr__(self, name: str) -> Any:
        store = self._store
        if name == "_collection":
            return _Guarded(store, lambda: store._chunk_col)
        resolve = self._resolve
        value = store._call(lambda: getattr(resolve(), name))  # not mid-reconnect
        if not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            return store._call(
                lambda: getattr(resolve(), name)(*args, **kwargs),
                write=name in _WRITE_METHODS,
                what=name,
            )

        return call

    def __repr__(self) -> str:
        return f"<guarded {self._resolve()!r}>"


class ArticleStore:
    """Articles and their passages in Chroma, embedded or client/server.

    Safe to use from several processes (CLI, web app, scripts) on one embedded store, and from
    several threads of one process.
    """

    def __init__(self, config: StoreConfig, embeddings: Embeddings | None = None) -> None:
        if embeddings is None:
            from vectorstore.embeddings import default_embeddings

            embeddings = default_embeddings()
        self.config = config
        self.embeddings = embeddings
        self._lock: StoreLock | None = None if config.chroma_url else lock_for(config.home)
        self._system_key = None if config.chroma_url else _system_id(config)
        self._epoch = -1
        self._client: Any = None
        self._system: Any = None  # the chromadb System our client was opened on (embedded)
        self._lc: Chroma | None = None
        self._chunk_col: Any = None
        self._articles_col: Any = None
        self._batch = 1000
        if self._lock is None:
            self._call(lambda: None)  # connect, retrying once
        else:
            with self._lock.hold():  # opening may create the collections: a write
                self._ensure_fresh(creating=True)

    @property
    def _names(self) -> tuple[str, str]:
        return f"{self.config.collection}_chunks", f"{self.config.collection}_articles"

    # ---- connection ------------------------------------------------------------------------

    def _connect(self, creating: bool = False) -> None:
        client = make_client(self.config)
        created = False
        chunks_name, articles_name = self._names
        try:
            if creating and self._lock is not None:
                names = {getattr(c, "name", c) for c in client.list_collections()}
                created = not {chunks_name, articles_name} <= names
            lc = Chroma(
                collection_name=chunks_name,
                embedding_function=self.embeddings,
                client=client,
                collection_configuration={"hnsw": dict(HNSW_CONFIG)},
            )
            articles = client.get_or_create_collection(articles_name, embedding_function=None)
            batch = max(1, min(client.get_max_batch_size(), 1000))
        except Exception as exc:
            if self.config.chroma_url and _unreachable(exc):
                raise StoreUnavailable(_unreachable_message(self.config.chroma_url, exc)) from exc
            where = self.config.chroma_url or str(self.config.chroma_dir)
            raise StoreUnavailable(f"cannot open the Chroma store at {where}: {exc}") from exc
        self._client, self._lc, self._articles_col = client, lc, articles
        self._chunk_col = lc._collection
        self._batch = batch
        if self._lock is not None:
            self._system = _cached_system(self._system_key)  # type: ignore[arg-type]
            self._epoch = self._lock.epoch
            if created:
                self._lock.bump_generation()  # other processes must see the new collections

    def _forget_client(self) -> None:
        """Drop this process's Chroma system for the store (every ArticleStore reconnects)."""
        assert self._lock is not None
        _drop_system(self._system_key)  # type: ignore[arg-type]
        self._lock.epoch += 1
        self._client = self._system = self._lc = self._chunk_col = self._articles_col = None

    def _ensure_fresh(self, creating: bool = False) -> None:
        """Reopen Chroma when another process wrote since this process opened it (lock held)."""
        lock = self._lock
        if lock is None:
            if self._client is None:
                self._connect()
            return
        if (lock.home / RESCUE_NAME).exists():
            self._repair("finishing an interrupted repair")
            return
        generation = lock.generation()
        if lock.seen_generation != generation:
            if lock.seen_generation is not None:
                log.debug("store changed by another process; reopening %s", self._system_key)
                self._forget_client()
            lock.seen_generation = generation
        current = _cached_system(self._system_key)  # type: ignore[arg-type]
        fresh = self._client is not None and current is not None and current is self._system
        if self._epoch != lock.epoch or not fresh:
            self._connect(creating=creating)

    # ---- lock sections ---------------------------------------------------------------------

    @contextlib.contextmanager
    def _section(self, write: bool = False, what: str = "") -> Iterator[None]:
        """One store operation: the inter-process lock, a fresh client, and for writes the
        generation bump and write intent (plus a sweep when the previous writer crashed)."""
        lock = self._lock
        if lock is None:
            self._ensure_fresh()
            yield
            return
        with lock.hold():
            self._ensure_fresh()
            if not write or lock.write_depth:
                yield
                return
            crashed = lock.previous_writer_crashed()
            lock.bump_generation()
            lock.write_depth += 1
            try:
                with lock.write_intent(what):
                    if crashed:
                        swept = self._sweep()
                        log.warning(
                            "a write to %s was interrupted; removed %d unfinished passages",
                            self.config.home,
                            swept,
                        )
                    yield
            finally:
                lock.write_depth -= 1

    def _call(self, fn: Callable[[], T], write: bool = False, what: str = "") -> T:
        """Run ``fn`` as one store operation.

        Embedded: when Chroma fails as if its files were damaged, reopen it and retry; if that
        fails the same way, rebuild the vector index from SQLite (``repair``) and retry.
        Server: a lost connection is retried once on a fresh client after a short pause.
        Every operation is idempotent, so rerunning one is safe.
        """
        recovery = ["reopen", "repair"]
        for attempt in range(3):
            try:
                with self._section(write, what):
                    return fn()
            except StoreUnavailable:
                raise
            except Exception as exc:
                if self._lock is not None:
                    if self._lock.held or not recovery or not looks_damaged(exc):
                        raise
                    if recovery.pop(0) == "reopen":
                        log.info("Chroma failed (%s); reopening the store", exc)
                        with self._lock.hold():
                            self._forget_client()
                    else:
                        self.repair(reason=str(exc))
                    continue
                if not _unreachable(exc):
                    raise
                if attempt:
                    raise StoreUnavailable(
                        _unreachable_message(self.config.chroma_url or "", exc)
                    ) from exc
                log.info("lost the Chroma server at %s; reconnecting", self.config.chroma_url)
                time.sleep(_RETRY_BACKOFF_S)
                with contextlib.suppress(StoreUnavailable):
                    self._connect()
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the store's lock (embedded mode) across several calls, as one write."""
        with self._section(write=True, what="write_lock"):
            yield

    def close(self) -> None:
        """Release this process's Chroma handles for the store (reopened on the next call)."""
        if self._lock is not None:
            with self._lock.hold():
                self._forget_client()
        else:
            self._client = self._lc = self._chunk_col = self._articles_col = None

    # ---- repair ----------------------------------------------------------------------------

    def repair(self, reason: str = "requested") -> int:
        """Rebuild an embedded store from its SQLite records (see ``vectorstore/repair.py``).

        Keeps every committed article and passage; returns the number of passages re-embedded.
        """
        if self._lock is None:
            raise StoreUnavailable("repair works on embedded stores; repair a server on its host")
        with self._lock.hold():
            return self._repair(reason)

    def _repair(self, reason: str) -> int:
        lock = self._lock
        assert lock is not None and lock.held
        home, chroma_dir = self.config.home, self.config.chroma_dir
        chunks_name, articles_name = self._names
        rescue = home / RESCUE_NAME
        resuming = rescue.exists()
        log.warning("rebuilding the Chroma store at %s (%s)", chroma_dir, reason[:300])
        if not resuming:
            try:
                records = read_records(chroma_dir, (chunks_name, articles_name))
            except RepairImpossible as exc:
                raise StoreUnavailable(f"the store at {chroma_dir} is damaged: {exc}") from exc
            write_rescue(home, records)
        rows = list(read_rescue(rescue))
        self._forget_client()
        set_aside(chroma_dir, keep_damaged=not resuming)
        self._connect(creating=True)
        articles = [r for r in rows if r["collection"] == articles_name and r["document"]]
        committed = {r["id"]: r["metadata"].get("content_hash") for r in articles}
        passages = [
            r
            for r in rows
            if r["collection"] == chunks_name
            and r["document"] is not None
            and committed.get(r["metadata"].get("article_id")) == r["metadata"].get("content_hash")
        ]
        lock.write_depth += 1
        try:
            for begin in range(0, len(passages), self._batch):
                batch = passages[begin : begin + self._batch]
                self._chunk_col.upsert(
                    ids=[r["id"] for r in batch],
                    documents=[r["document"] for r in batch],
                    metadatas=[_no_nulls(r["metadata"]) for r in batch],
                    embeddings=self.embeddings.embed_documents([r["document"] for r in batch]),
                )
            for begin in range(0, len(articles), self._batch):
                batch = articles[begin : begin + self._batch]
                self._articles_col.upsert(
                    ids=[r["id"] for r in batch],
                    documents=[r["document"] for r in batch],
                    metadatas=[_no_nulls(r["metadata"]) for r in batch],
                    embeddings=[_ARTICLE_VECTOR] * len(batch),
                )
        finally:
            lock.write_depth -= 1
        lock.bump_generation()
        with contextlib.suppress(FileNotFoundError):
            lock.intent_path.unlink()  # the rebuild kept committed records only
        rescue.unlink()
        log.warning(
            "rebuilt %s: %d articles, %d passages", chroma_dir, len(articles), len(passages)
        )
        return len(passages)

    # ---- public handles --------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The chromadb client; calls on it are locked and fresh like ``chunks``."""
        return _Guarded(self, lambda: self._client)

    @property
    def chunks(self) -> Any:
        """The langchain ``Chroma`` of passages; every call on it is locked and fresh."""
        return _Guarded(self, lambda: self._lc)

    @property
    def articles(self) -> Any:
        """The Chroma collection of article records, guarded like ``chunks``."""
        return _Guarded(self, lambda: self._articles_col)

    # ---- articles --------------------------------------------------------------------------

    def get_article(self, article_id: str) -> Article | None:
        return self.get_articles([article_id]).get(article_id)

    def get_articles(self, ids: Sequence[str]) -> dict[str, Article]:
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        return self._call(lambda: self._get_articles(ids))

    def _get_articles(self, ids: list[str]) -> dict[str, Article]:
        found = self._articles_col.get(ids=ids, include=["documents", "metadatas"])
        return {
            i: _article_from_record(i, doc, meta)
            for i, doc, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            )
        }

    def list_articles(self) -> list[Article]:
        """All articles, metadata only (``text`` empty), newest first."""
        ids, metas = self._call(self._all_article_meta)
        articles = [_article_from_record(i, None, meta) for i, meta in zip(ids, metas, strict=True)]
        return sorted(articles, key=lambda a: (a.published_at or "", a.title), reverse=True)

    def find_by_hash(self, content_hash: str) -> Article | None:
        found = self._call(
            lambda: self._articles_col.get(
                where={"content_hash": content_hash}, include=["metadatas"]
            )
        )
        if not found["ids"]:
            return None
        return _article_from_record(found["ids"][0], None, found["metadatas"][0])

    def article_count(self) -> int:
        return self._call(lambda: self._articles_col.count())

    def chunk_count(self) -> int:
        """Stored passage records (committed or not; see ``verify`` for the split)."""
        return self._call(lambda: self._chunk_col.count())

    def sources(self) -> list[str]:
        """Distinct publisher names, for matching names in questions and filters."""
        _, metas = self._call(self._all_article_meta)
        return sorted({m["source"] for m in metas if m.get("source")})

    # ---- writes ----------------------------------------------------------------------------

    def put(self, article: Article, chunks: Sequence[Chunk]) -> None:
        """Store an article and its chunks, replacing any earlier version with the same id.

        Crash-safe by ordering: this version's chunks, then the article record (the commit
        marker), then removal of other versions' chunks. Embedding happens before the lock.
        """
        self.put_many([(article, chunks)])

    def put_many(self, items: Sequence[tuple[Article, Sequence[Chunk]]]) -> None:
        """``put`` for several articles in one write (fewer Chroma commits; ingest uses it).

        Same order for the batch as a whole: every chunk, then every article record, then old
        versions' chunks. A crash commits all of the batch's records or some of them, each
        article whole or not at all. Article ids must be distinct.
        """
        prepared = []
        for article, chunks in items:
            article = _safe_article(article)
            chunks = list(chunks)
            vectors = self.embeddings.embed_documents([c.text for c in chunks]) if chunks else []
            prepared.append((article, chunks, vectors))
        if not prepared:
            return
        if len({a.id for a, _, _ in prepared}) != len(prepared):
            raise ValueError("put_many needs distinct article ids")
        ids = [chunk_record_id(c, a.content_hash) for a, chunks, _ in prepared for c in chunks]
        docs = [c.text for _, chunks, _ in prepared for c in chunks]
        metas = [_chunk_metadata(a, c) for a, chunks, _ in prepared for c in chunks]
        vectors = [v for _, _, vs in prepared for v in vs]
        articles = [a for a, _, _ in prepared]

        def write() -> None:
            for begin in range(0, len(ids), self._batch):
                end = begin + self._batch
                self._chunk_col.upsert(
                    ids=ids[begin:end],
                    embeddings=vectors[begin:end],
                    documents=docs[begin:end],
                    metadatas=metas[begin:end],
                )
            for begin in range(0, len(articles), self._batch):
                batch = articles[begin : begin + self._batch]
                self._articles_col.upsert(
                    ids=[a.id for a in batch],
                    documents=[a.text for a in batch],
                    metadatas=[_article_metadata(a) for a in batch],
                    embeddings=[_ARTICLE_VECTOR] * len(batch),
                )
            self._delete_chunks([a.id for a in articles], keep=set(ids))

        what = f"put {articles[0].id}" + (
            f" and {len(articles) - 1} more" if len(articles) > 1 else ""
        )
        self._call(write, write=True, what=what)

    def remove(self, article_id: str) -> bool:
        """Delete an article and its chunks; False when there was no such article."""

        def write() -> bool:
            existed = bool(self._articles_col.get(ids=[article_id], include=[])["ids"])
            self._articles_col.delete(ids=[article_id])  # commit marker first
            self._delete_chunks([article_id], keep=set())
            return existed

        return self._call(write, write=True, what=f"remove {article_id}")

    def sweep_orphans(self) -> int:
        """Delete chunks left by an interrupted write (no article, or another version's hash).

        Embedded stores do this by themselves after a crash. Against a shared server, run it only
        when no other client is writing: an in-flight write's chunks look exactly like orphans.
        """
        return self._call(self._sweep, write=True, what="sweep")

    def _sweep(self) -> int:
        found = self._chunk_col.get(include=["metadatas"])
        ids, metas = self._all_article_meta()
        hashes = {i: m.get("content_hash") for i, m in zip(ids, metas, strict=True)}
        orphans = [
            cid
            for cid, meta in zip(found["ids"], found["metadatas"], strict=True)
            if hashes.get((meta or {}).get("article_id")) != (meta or {}).get("content_hash")
        ]
        for begin in range(0, len(orphans), self._batch):
            self._chunk_col.delete(ids=orphans[begin : begin + self._batch])
        return len(orphans)

    def _all_article_meta(self) -> tuple[list[str], list[dict]]:
        found = self._articles_col.get(include=["metadatas"])
        return found["ids"], [m or {} for m in found["metadatas"]]

    def _delete_chunks(self, article_ids: Sequence[str], keep: set[str]) -> None:
        """Delete the chunks of these articles whose record ids are not in ``keep``."""
        if not article_ids:
            return
        where = (
            {"article_id": article_ids[0]}
            if len(article_ids) == 1
            else {"article_id": {"$in": list(article_ids)}}
        )
        found = self._chunk_col.get(where=where, include=[])
        doomed = [cid for cid in found["ids"] if cid not in keep]
        for begin in range(0, len(doomed), self._batch):
            self._chunk_col.delete(ids=doomed[begin : begin + self._batch])

    # ---- reads of passages -----------------------------------------------------------------

    def dense_search(self, query: str, k: int, where: dict | None = None) -> list[ScoredChunk]:
        """Nearest passages by cosine similarity (score in [0, 1], higher is closer)."""
        vector = self.embeddings.embed_query(query)  # outside the lock

        def read() -> list[ScoredChunk]:
            n = self._chunk_col.count()
            if n == 0 or k <= 0:
                return []
            results = self._lc.similarity_search_by_vector_with_relevance_scores(  # type: ignore[union-attr]
                vector, k=min(k, n), filter=where
            )
            scored = [
                ScoredChunk(
                    chunk=_chunk_from_record(doc.id, doc.page_content, doc.metadata),
                    score=max(0.0, 1.0 - float(distance)),
                )
                for doc, distance in results
            ]
            return self._attach(scored)

        return self._call(read)

    def all_chunks(self, where: dict | None = None) -> list[Chunk]:
        """Every committed passage (for the lexical index), in stable id order."""
        return self._call(lambda: self._committed_chunks(where))

    def _committed_chunks(self, where: dict | None = None) -> list[Chunk]:
        found = self._chunk_col.get(where=where, include=["documents", "metadatas"])
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
        return self._call(lambda: self._attach(scored))

    def _attach(self, scored: Sequence[ScoredChunk]) -> list[ScoredChunk]:
        articles = self._get_articles(list(dict.fromkeys(s.chunk.article_id for s in scored)))
        out = []
        for s in scored:
            article = articles.get(s.chunk.article_id)
            if article is None or article.text[s.chunk.start : s.chunk.end] != s.chunk.text:
                continue
            out.append(ScoredChunk(chunk=s.chunk, score=s.score, article=article))
        return out

    def fingerprint(self) -> str:
        """Changes whenever the stored content changes (cache key for derived indexes)."""

        def read() -> str:
            ids, metas = self._all_article_meta()
            return json.dumps(
                [
                    self._chunk_col.count(),
                    sorted(zip(ids, (m.get("content_hash") for m in metas), strict=True)),
                ]
            )

        return self._call(read)

    # ---- integrity -------------------------------------------------------------------------

    def verify(self, query: str = "news") -> StoreHealth:
        """Check every invariant: spans, commit markers, chunk counts, and that search works."""
        vector = self.embeddings.embed_query(query)

        def read() -> StoreHealth:
            health = StoreHealth()
            found = self._chunk_col.get(include=["documents", "metadatas"])
            ids, metas = self._all_article_meta()
            health.articles, health.chunks = len(ids), len(found["ids"])
            if self._articles_col.count() != health.articles:
                health.problems.append("article count disagrees with the article records")
            if self._chunk_col.count() != health.chunks:
                health.problems.append("chunk count disagrees with the chunk records")
            articles = self._get_articles(ids)
            per_article: dict[str, int] = {}
            for cid, doc, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            ):
                meta = meta or {}
                article = articles.get(meta.get("article_id"))
                if article is None or article.content_hash != meta.get("content_hash"):
                    health.orphan_chunks += 1
                    continue
                health.committed_chunks += 1
                per_article[article.id] = per_article.get(article.id, 0) + 1
                if article.text[int(meta["start"]) : int(meta["end"])] != doc:
                    health.problems.append(f"chunk {cid} is not the span it claims to be")
            for article in articles.values():
                if per_article.get(article.id, 0) != article.chunk_count:
                    health.problems.append(
                        f"article {article.id} has {per_article.get(article.id, 0)} passages, "
                        f"its record says {article.chunk_count}"
                    )
            if health.chunks:
                try:
                    hits = self._lc.similarity_search_by_vector_with_relevance_scores(  # type: ignore[union-attr]
                        vector, k=min(5, health.chunks)
                    )
                    if not hits:
                        health.problems.append("search returned nothing from a non-empty store")
                except Exception as exc:  # noqa: BLE001 - reported, not raised
                    health.problems.append(f"search failed: {exc}")
            return health

        return self._call(read)
