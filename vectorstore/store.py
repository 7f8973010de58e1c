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
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from langchain_chroma import Chroma
from langchain_core.embeddings import Embeddings

from vectorstore.client import (
    cached_system,
    drop_system,
    is_unreachable,
    lexical_path,
    make_client,
    system_id,
    unreachable_message,
)
from vectorstore.config import StoreConfig
from vectorstore.errors import StoreBusy, StoreUnavailable
from vectorstore.lexical_index import (
    BM25Index,
    IndexedPassage,
    LexicalHit,
    LexicalQuery,
    PassageRef,
    ScopedTop,
    Tokenizer,
)
from vectorstore.locking import StoreLock, lock_for
from vectorstore.models import Article, Chunk, ScoredChunk
from vectorstore.records import (
    ARTICLE_VECTOR,
    article_from_record,
    article_metadata,
    chunk_from_record,
    chunk_metadata,
    chunk_record_id,
    indexed_article,
    no_nulls,
    published_ts,
    safe_article,
)
from vectorstore.repair import (
    RESCUE_NAME,
    RepairImpossible,
    check_rescue_complete,
    looks_damaged,
    read_records,
    read_rescue,
    set_aside,
    write_rescue,
)

__all__ = [
    "ArticleStore",
    "LexicalQuery",
    "Nearest",
    "PassageRef",
    "ScopedTop",
    "StoreBusy",
    "StoreHealth",
    "StoreUnavailable",
    "published_ts",
    "scope_where",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

_RETRY_BACKOFF_S = 0.5
# Every whole-collection read goes page by page: one ``get`` of more than ~32k records exceeds
# SQLite's variable limit inside Chroma ("too many SQL variables").
PAGE_SIZE = 5000
_IDS_PER_GET = 1000  # ids per ``get(ids=...)``
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


@functools.cache
def _background() -> ThreadPoolExecutor:
    """Threads for reads a query overlaps with its own CPU work (``submit_lexical_hits``)."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="briefbot-lexical")


def scope_where(
    sources: Sequence[str] | None, since_ts: int | None, until_ts: int | None
) -> dict | None:
    """A source/date restriction as a Chroma ``where`` on chunk metadata."""
    clauses: list[dict] = []
    if sources is not None:
        clauses.append({"source": {"$in": list(sources)}})
    if since_ts is not None:
        clauses.append({"published_ts": {"$gte": since_ts}})
    if until_ts is not None:
        clauses.append({"published_ts": {"$lte": until_ts}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


@dataclass(frozen=True)
class Nearest:
    """Per request of ``ArticleStore.nearest``, passages closest first with their cosine
    similarity; ``complete`` when the pool they were taken from is the whole store."""

    lists: list[list[tuple[PassageRef, float]]]
    complete: bool


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

    def __init__(
        self,
        config: StoreConfig,
        embeddings: Embeddings | None = None,
        tokenize: Tokenizer | None = None,
        tokenizer_id: str | None = None,
    ) -> None:
        """``tokenize`` defines a word for the lexical index (default ``vectorstore.text``);
        ``tokenizer_id`` names it: an index built with another tokenizer is rebuilt."""
        if embeddings is None:
            from vectorstore.embeddings import default_embeddings

            embeddings = default_embeddings()
        if tokenize is None:
            from vectorstore import text

            tokenize, tokenizer_id = text.tokenize, tokenizer_id or text.TOKENIZER_ID
        self.config = config
        self.embeddings = embeddings
        self._lock: StoreLock | None = None if config.chroma_url else lock_for(config.home)
        self._system_key = None if config.chroma_url else system_id(config)
        self._epoch = -1
        self._client: Any = None
        self._system: Any = None  # the chromadb System our client was opened on (embedded)
        self._lc: Chroma | None = None
        self._chunk_col: Any = None
        self._articles_col: Any = None
        self._removed_col: Any = None
        self._batch = 1000
        self.lexical = BM25Index(
            lexical_path(config),
            tokenize,
            tokenizer_id or f"{tokenize.__module__}.{tokenize.__qualname__}",
        )
        self._lex_seen: str | None = None  # generation (embedded) the lexical view was checked at
        self._lex_synced_at = -1e9  # monotonic time of the last sync (server)
        self._lex_mutex = threading.RLock()
        if self._lock is None:
            self._call(lambda: None)  # connect, retrying once
        else:
            with self._lock.hold():  # opening may create the collections: a write
                self._ensure_fresh(creating=True)

    @property
    def _names(self) -> tuple[str, str]:
        return f"{self.config.collection}_chunks", f"{self.config.collection}_articles"

    @property
    def _removed_name(self) -> str:
        return f"{self.config.collection}_removed"

    # ---- connection ------------------------------------------------------------------------

    def _connect(self, creating: bool = False) -> None:
        client = make_client(self.config)
        created = False
        chunks_name, articles_name = self._names
        try:
            if creating and self._lock is not None:
                names = {getattr(c, "name", c) for c in client.list_collections()}
                created = not {chunks_name, articles_name, self._removed_name} <= names
            lc = Chroma(
                collection_name=chunks_name,
                embedding_function=self.embeddings,
                client=client,
                collection_configuration={"hnsw": dict(HNSW_CONFIG)},
            )
            articles = client.get_or_create_collection(articles_name, embedding_function=None)
            removed = client.get_or_create_collection(self._removed_name, embedding_function=None)
            batch = max(1, min(client.get_max_batch_size(), 1000))
        except Exception as exc:
            if self.config.chroma_url and is_unreachable(exc):
                raise StoreUnavailable(unreachable_message(self.config.chroma_url, exc)) from exc
            where = self.config.chroma_url or str(self.config.chroma_dir)
            raise StoreUnavailable(f"cannot open the Chroma store at {where}: {exc}") from exc
        self._client, self._lc, self._articles_col = client, lc, articles
        self._removed_col = removed
        self._chunk_col = lc._collection
        self._batch = batch
        if self._lock is not None:
            self._system = cached_system(self._system_key)  # type: ignore[arg-type]
            self._epoch = self._lock.epoch
            if created:
                self._lock.bump_generation()  # other processes must see the new collections

    def _forget_client(self) -> None:
        """Drop this process's Chroma system for the store (every ArticleStore reconnects)."""
        assert self._lock is not None
        drop_system(self._system_key)  # type: ignore[arg-type]
        self._lock.epoch += 1
        self._client = self._system = self._lc = self._chunk_col = self._articles_col = None
        self._removed_col = None

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
        current = cached_system(self._system_key)  # type: ignore[arg-type]
        fresh = self._client is not None and current is not None and current is self._system
        if self._epoch != lock.epoch or not fresh:
            self._connect(creating=creating)

    # ---- paged reads -----------------------------------------------------------------------

    @staticmethod
    def _pages(
        collection: Any,
        where: dict | None = None,
        include: Sequence[str] = ("metadatas",),
        page: int = PAGE_SIZE,
    ) -> Iterator[dict]:
        """``collection.get`` page by page (``limit``/``offset``), never the whole collection
        in one call. Call inside a store section (embedded: with the lock, so pages agree)."""
        offset = 0
        while True:
            found = collection.get(where=where, limit=page, offset=offset, include=list(include))
            if not found["ids"]:
                return
            yield found
            if len(found["ids"]) < page:
                return
            offset += len(found["ids"])

    def _get_by_ids(self, collection: Any, ids: Sequence[str], include: Sequence[str]) -> dict:
        """``collection.get(ids=...)`` in slices of ``_IDS_PER_GET``, results concatenated."""
        out: dict[str, list] = {"ids": [], **{key: [] for key in include}}
        for begin in range(0, len(ids), _IDS_PER_GET):
            found = collection.get(
                ids=list(ids[begin : begin + _IDS_PER_GET]), include=list(include)
            )
            out["ids"].extend(found["ids"])
            for key in include:
                out[key].extend(
                    found[key] if found[key] is not None else [None] * len(found["ids"])
                )
        return out

    # ---- the lexical index: kept in step with the committed article records ----------------

    def _lexical_identity(self) -> str:
        """The Chroma collection the index mirrors (a rebuilt or recreated store has a new id)."""
        return str(self._articles_col.id)

    def _lexical_ready(self, force: bool = False) -> None:
        """Bring the lexical index up to date with Chroma (inside a store section).

        Embedded: every write updates the index in its own locked step, so this reads Chroma
        only when the generation moved since this object last looked (another process wrote,
        or a writer was killed between committing to Chroma and to the index). Server: at most
        every ``config.lexical_sync_s`` seconds (always when ``force``)."""
        with self._lex_mutex:
            if self._lock is not None:
                generation = self._lock.generation()
                if not force and generation == self._lex_seen:
                    return
                self._sync_lexical()
                self._lex_seen = self._lock.generation()
                return
            now = time.monotonic()
            if not force and now - self._lex_synced_at < self.config.lexical_sync_s:
                return
            self._sync_lexical()
            self._lex_synced_at = now

    def _sync_lexical(self) -> None:
        index = self.lexical
        identity = self._lexical_identity()
        if not index.matches(identity):
            self._rebuild_lexical(identity)
            return
        state = index.state()
        window = 0 if self._lock is not None else int(self.config.lexical_window_s * 1e6)
        since = state.watermark - window
        where = {"seq": {"$gt": since}}
        changed: dict[str, dict] = {}
        top = state.watermark
        for page in self._pages(self._articles_col, where=where):
            for article_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                changed[article_id] = meta or {}
                top = max(top, int((meta or {}).get("seq") or 0))
        removed: set[str] = set()
        for page in self._pages(self._removed_col, where=where):
            for meta in page["metadatas"]:
                removed.add(str((meta or {}).get("article_id")))
                top = max(top, int((meta or {}).get("seq") or 0))
        removed -= changed.keys()
        if removed:  # a tombstone is a hint: the article record, if present, is the truth
            found = self._get_by_ids(self._articles_col, sorted(removed), ["metadatas"])
            for article_id, meta in zip(found["ids"], found["metadatas"], strict=True):
                changed[article_id] = meta or {}
                removed.discard(article_id)
        known = index.known(sorted(changed.keys() | removed))
        todo = [
            article_id
            for article_id, meta in changed.items()
            if known.get(article_id, ("", 0))[0] != meta.get("content_hash")
        ]
        deletes = [article_id for article_id in removed if article_id in known]
        if todo or deletes:
            log.info(
                "lexical index: catching up %d changed and %d removed articles",
                len(todo),
                len(deletes),
            )
        self._index_articles({i: changed[i] for i in todo}, deletes)
        index.apply(watermark=top)
        # Nothing new, yet the counts differ: something was missed (a write slower than the
        # window, or tombstones older than it): reconcile with every record, paged.
        if (
            self._lock is None
            and not changed
            and not removed
            and index.article_count() != self._articles_col.count()
        ):
            self._reconcile_lexical()

    def _index_articles(self, metas: dict[str, dict], deletes: Sequence[str] = ()) -> None:
        """Index these committed article versions (their chunks read from Chroma, paged)."""
        ids = list(metas)
        if not ids and deletes:
            self.lexical.apply(deletes=deletes)
        for begin in range(0, len(ids), 200):
            part = ids[begin : begin + 200]
            passages: dict[str, list[IndexedPassage]] = {i: [] for i in part}
            where = {"article_id": part[0]} if len(part) == 1 else {"article_id": {"$in": part}}
            for page in self._pages(
                self._chunk_col, where=where, include=("documents", "metadatas")
            ):
                for cid, doc, meta in zip(
                    page["ids"], page["documents"], page["metadatas"], strict=True
                ):
                    meta = meta or {}
                    owner = str(meta.get("article_id"))
                    if doc is None or metas.get(owner, {}).get("content_hash") != meta.get(
                        "content_hash"
                    ):
                        continue  # another version's chunk, or an unfinished write
                    passages[owner].append(
                        IndexedPassage(
                            cid, int(meta["index"]), int(meta["start"]), int(meta["end"]), doc
                        )
                    )
            self.lexical.apply(
                upserts=[indexed_article(i, metas[i], passages[i]) for i in part],
                deletes=deletes if begin == 0 else (),
            )

    def _rebuild_lexical(self, identity: str) -> None:
        """Build the index from every committed record, page by page (first use of a store
        written before the index existed, a rebuilt Chroma store, another tokenizer)."""
        index = self.lexical
        if self._articles_col.count():
            log.warning(
                "building the lexical index of %s", self.config.chroma_url or self.config.home
            )
        index.reset(identity)
        top = 0
        for page in self._pages(self._articles_col, page=1000):
            metas = {i: m or {} for i, m in zip(page["ids"], page["metadatas"], strict=True)}
            top = max([top, *(int(m.get("seq") or 0) for m in metas.values())])
            self._index_articles(metas)
        index.mark_built(top)

    def _reconcile_lexical(self) -> None:
        """Compare every article record (paged) with the index and fix the differences."""
        metas: dict[str, dict] = {}
        for page in self._pages(self._articles_col):
            metas.update(zip(page["ids"], (m or {} for m in page["metadatas"]), strict=True))
        known = self.lexical.known(sorted(set(self.lexical.article_ids()) | metas.keys()))
        stale = [i for i, m in metas.items() if known.get(i, ("", 0))[0] != m.get("content_hash")]
        gone = [i for i in known if i not in metas]
        log.warning("lexical index: reconciled %d stale, %d removed", len(stale), len(gone))
        self._index_articles({i: metas[i] for i in stale}, gone)

    def _next_seq(self) -> int:
        """A write sequence number above every committed one this client knows of: the time
        in microseconds, or one more than the index's watermark (a hybrid logical clock)."""
        return max(time.time_ns() // 1000, self.lexical.state().watermark + 1)

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
                        with self._lock.hold():
                            if not self._proven_unreadable():
                                raise
                            self._repair(str(exc))
                    continue
                if not is_unreachable(exc):
                    raise
                if attempt:
                    raise StoreUnavailable(
                        unreachable_message(self.config.chroma_url or "", exc)
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
            self._removed_col = None

    # ---- repair ----------------------------------------------------------------------------

    def repair(self, reason: str = "requested") -> int:
        """Rebuild an embedded store from its SQLite records (see ``vectorstore/repair.py``).

        Keeps every committed article and passage; returns the number of passages re-embedded.
        """
        if self._lock is None:
            raise StoreUnavailable("repair works on embedded stores; repair a server on its host")
        with self._lock.hold():
            return self._repair(reason)

    def _proven_unreadable(self) -> bool:
        """Proof that the store's files cannot be read (lock held): on a freshly opened
        client, counting the passages, reading one record of each collection and one
        nearest-neighbour query must fail with a vector-index error (``looks_damaged``). Any
        other outcome — the probe succeeds, or fails for another reason — is no proof."""
        self._forget_client()
        try:
            self._connect()
            self._chunk_col.count()
            self._articles_col.get(limit=1, include=["metadatas"])
            sample = self._chunk_col.get(limit=1, include=["embeddings"])
            if sample["ids"]:
                self._chunk_col.query(
                    query_embeddings=[list(map(float, sample["embeddings"][0]))], n_results=1
                )
        except StoreUnavailable as exc:
            return looks_damaged(exc.__cause__ or exc)
        except Exception as exc:
            return looks_damaged(exc)
        return False

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
                check_rescue_complete(chroma_dir, records, chunks_name, articles_name)
                write_rescue(home, records)
            except RepairImpossible as exc:
                raise StoreUnavailable(
                    f"the store at {chroma_dir} is damaged and cannot be copied whole, so it was "
                    f"left in place: {exc}"
                ) from exc
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
                    metadatas=[no_nulls(r["metadata"]) for r in batch],
                    embeddings=self.embeddings.embed_documents([r["document"] for r in batch]),
                )
            for begin in range(0, len(articles), self._batch):
                batch = articles[begin : begin + self._batch]
                self._articles_col.upsert(
                    ids=[r["id"] for r in batch],
                    documents=[r["document"] for r in batch],
                    metadatas=[no_nulls(r["metadata"]) for r in batch],
                    embeddings=[ARTICLE_VECTOR] * len(batch),
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
        found = self._get_by_ids(self._articles_col, ids, ["documents", "metadatas"])
        return {
            i: article_from_record(i, doc, meta)
            for i, doc, meta in zip(
                found["ids"], found["documents"], found["metadatas"], strict=True
            )
        }

    def iter_articles(self, page_size: int = PAGE_SIZE) -> Iterator[Article]:
        """Every article, metadata only (``text`` empty), in Chroma's order, one page of
        ``page_size`` records per store operation (other processes may write in between)."""
        offset = 0
        while True:
            page = self._call(functools.partial(self._article_page, page_size, offset))
            for article_id, meta in zip(page["ids"], page["metadatas"], strict=True):
                yield article_from_record(article_id, None, meta)
            if len(page["ids"]) < page_size:
                return
            offset += len(page["ids"])

    def _article_page(self, limit: int, offset: int) -> dict:
        return self._articles_col.get(limit=limit, offset=offset, include=["metadatas"])

    def list_articles(self, limit: int | None = None, offset: int = 0) -> list[Article]:
        """Articles, metadata only (``text`` empty), newest first (``published_at``, then
        title). With ``limit``: one page of that order, read through the lexical index's
        article table (no full read); without: all of them, read page by page inside one store
        operation (``iter_articles`` streams them instead)."""
        if limit is None:  # every page inside one store operation: a consistent snapshot
            ids, metas = self._call(self._all_article_meta)
            articles = [article_from_record(i, None, m) for i, m in zip(ids, metas, strict=True)]
            ordered = sorted(articles, key=lambda a: (a.published_at or "", a.title), reverse=True)
            return ordered[offset:]

        def read() -> list[Article]:
            self._lexical_ready()
            ids = self.lexical.article_ids_page(limit, offset)
            found = self._get_by_ids(self._articles_col, ids, ["metadatas"])
            by_id = dict(zip(found["ids"], found["metadatas"], strict=True))
            return [article_from_record(i, None, by_id[i]) for i in ids if i in by_id]

        return self._call(read)

    def find_by_hash(self, content_hash: str) -> Article | None:
        """The committed article with this content hash, if any (found through the lexical
        index: no scan of Chroma's metadata; at most one record read)."""

        def read() -> Article | None:
            self._lexical_ready()
            article_id = self.lexical.article_with_hash(content_hash)
            if article_id is None:
                return None
            found = self._articles_col.get(ids=[article_id], include=["metadatas"])
            if not found["ids"]:
                return None
            return article_from_record(found["ids"][0], None, found["metadatas"][0])

        return self._call(read)

    def committed_versions(
        self, content_hashes: Sequence[str], article_ids: Sequence[str]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """``find_by_hash`` and ``committed_hashes`` for many documents in one store operation:
        ``({content_hash: article_id}, {article_id: content_hash})`` of the committed articles
        among ``content_hashes`` and ``article_ids``. As in ``find_by_hash``, an article the
        lexical index holds counts only when its Chroma record exists (one read for all)."""

        def read() -> tuple[dict[str, str], dict[str, str]]:
            self._lexical_ready()
            candidates = self.lexical.articles_with_hashes(sorted(set(content_hashes)))
            wanted = sorted({i for ids in candidates.values() for i in ids})
            present = set(self._get_by_ids(self._articles_col, wanted, [])["ids"])
            by_hash = {
                h: next(i for i in ids if i in present)
                for h, ids in candidates.items()
                if any(i in present for i in ids)
            }
            by_id = {i: h for i, (h, _) in self.lexical.known(sorted(set(article_ids))).items()}
            return by_hash, by_id

        return self._call(read)

    def committed_hashes(self, article_ids: Sequence[str]) -> dict[str, str]:
        """``{article_id: content_hash}`` of the committed articles among ``article_ids``
        (the lexical index's view: no Chroma read)."""

        def read() -> dict[str, str]:
            self._lexical_ready()
            return {i: h for i, (h, _) in self.lexical.known(list(article_ids)).items()}

        return self._call(read)

    def article_count(self) -> int:
        return self._call(lambda: self._articles_col.count())

    def passage_count(self) -> int:
        """Committed passages (what searches can return), from the lexical index: O(1)."""

        def read() -> int:
            self._lexical_ready()
            return self.lexical.state().docs

        return self._call(read)

    def warm(self) -> None:
        """Load both collections' vector indexes now, side by side.

        Embedded Chroma reads a collection's HNSW index from disk on its first use, even for a
        ``get`` (at a million passages 1.7 GiB and over 3 s for the passages, 0.6 s for the
        article records); the first question after open would pay both, one after the other.
        Callers run this in the background when the store opens (``Briefbot.warm_in_background``).
        A server keeps its own indexes loaded: nothing to do."""
        if self._lock is None:
            return

        def touch() -> None:
            self._lexical_ready()
            ids = self.lexical.article_ids_page(1, 0)
            if not ids:
                return
            collections = (self._articles_col, self._chunk_col)
            with ThreadPoolExecutor(len(collections), thread_name_prefix="warm") as pool:
                list(pool.map(lambda col: col.get(ids=ids, include=[]), collections))

        self._call(touch)

    def chunk_count(self) -> int:
        """Stored passage records (committed or not; see ``verify`` for the split)."""
        return self._call(lambda: self._chunk_col.count())

    def sources(self) -> list[str]:
        """Distinct publisher names, for matching names in questions and filters."""

        def read() -> list[str]:
            self._lexical_ready()
            return self.lexical.sources()

        return self._call(read)

    def years(self) -> list[int]:
        """Publication years (UTC) of the articles that have passages, ascending."""

        def read() -> list[int]:
            self._lexical_ready()
            return self.lexical.years()

        return self._call(read)

    def simhashes(self) -> list[tuple[str, str]]:
        """``(article_id, simhash hex)`` of every article (near-duplicate detection)."""

        def read() -> list[tuple[str, str]]:
            self._lexical_ready()
            return list(self.lexical.simhashes())

        return self._call(read)

    # ---- writes ----------------------------------------------------------------------------

    def put(self, article: Article, chunks: Sequence[Chunk]) -> None:
        """Store an article and its chunks, replacing any earlier version with the same id.

        Crash-safe by ordering: this version's chunks, then the article record (the commit
        marker), then removal of other versions' chunks. Embedding happens before the lock.
        """
        self.put_many([(article, chunks)])

    def put_many(
        self,
        items: Sequence[tuple[Article, Sequence[Chunk]]],
        vectors: Sequence[Sequence[float]] | None = None,
    ) -> None:
        """``put`` for several articles in one write (fewer Chroma commits; ingest uses it).

        Same order for the batch as a whole: every chunk, then every article record (each with
        the batch's write sequence number ``seq``), then old versions' chunks, then the lexical
        index (one SQLite transaction). A crash commits all of the batch's records or some of
        them, each article whole or not at all; committed records the index missed are indexed
        by the next operation (``_lexical_ready``). Article ids must be distinct.

        Passages are embedded in one call for the whole batch, before the lock; ``vectors``
        (one per chunk, in order) skips embedding (benchmarks and tests with precomputed
        vectors).
        """
        prepared = [(safe_article(article), list(chunks)) for article, chunks in items]
        if not prepared:
            return
        if len({a.id for a, _ in prepared}) != len(prepared):
            raise ValueError("put_many needs distinct article ids")
        docs = [c.text for _, chunks in prepared for c in chunks]
        if vectors is None:
            vectors = self.embeddings.embed_documents(docs) if docs else []
        vectors = [list(map(float, v)) for v in vectors]
        if len(vectors) != len(docs):
            raise ValueError(f"put_many got {len(vectors)} vectors for {len(docs)} passages")
        ids = [chunk_record_id(c, a.content_hash) for a, chunks in prepared for c in chunks]
        metas = [chunk_metadata(a, c) for a, chunks in prepared for c in chunks]
        articles = [a for a, _ in prepared]
        indexed = [
            (
                a,
                [
                    IndexedPassage(
                        chunk_record_id(c, a.content_hash), c.index, c.start, c.end, c.text
                    )
                    for c in chunks
                ],
            )
            for a, chunks in prepared
        ]

        def write() -> None:
            self._lexical_ready(force=self._lock is not None)
            seq = self._next_seq()
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
                    metadatas=[{**article_metadata(a), "seq": seq} for a in batch],
                    embeddings=[ARTICLE_VECTOR] * len(batch),
                )
            self._delete_chunks([a.id for a in articles], keep=set(ids))
            self.lexical.apply(
                upserts=[
                    indexed_article(a.id, {**article_metadata(a), "seq": seq}, passages)
                    for a, passages in indexed
                ],
                watermark=seq if self._lock is not None else None,
            )
            if self._lock is not None:
                self._lex_seen = self._lock.generation()

        what = f"put {articles[0].id}" + (
            f" and {len(articles) - 1} more" if len(articles) > 1 else ""
        )
        self._call(write, write=True, what=what)

    def remove(self, article_id: str) -> bool:
        """Delete an article and its chunks; False when there was no such article.

        Order: a tombstone (``<name>_removed``, with a write sequence number, so that every
        client of a shared server drops the article from its lexical index), the article
        record (the commit marker), its chunks, then the local lexical index."""

        def write() -> bool:
            self._lexical_ready(force=self._lock is not None)
            existed = bool(self._articles_col.get(ids=[article_id], include=[])["ids"])
            if existed:
                seq = self._next_seq()
                self._removed_col.upsert(
                    ids=[f"{article_id}@{seq}"],
                    metadatas=[{"article_id": article_id, "seq": seq}],
                    embeddings=[ARTICLE_VECTOR],
                )
            self._articles_col.delete(ids=[article_id])  # commit marker first
            self._delete_chunks([article_id], keep=set())
            self.lexical.apply(
                deletes=[article_id],
                watermark=seq if existed and self._lock is not None else None,
            )
            if self._lock is not None:
                self._lex_seen = self._lock.generation()
            return existed

        return self._call(write, write=True, what=f"remove {article_id}")

    def sweep_orphans(self) -> int:
        """Delete chunks left by an interrupted write (no article, or another version's hash).

        Embedded stores do this by themselves after a crash. Against a shared server, run it only
        when no other client is writing: an in-flight write's chunks look exactly like orphans.
        """
        return self._call(self._sweep, write=True, what="sweep")

    def _sweep(self) -> int:
        hashes = {i: m.get("content_hash") for i, m in zip(*self._all_article_meta(), strict=True)}
        orphans = [
            cid
            for page in self._pages(self._chunk_col)
            for cid, meta in zip(page["ids"], page["metadatas"], strict=True)
            if hashes.get((meta or {}).get("article_id")) != (meta or {}).get("content_hash")
        ]
        for begin in range(0, len(orphans), self._batch):
            self._chunk_col.delete(ids=orphans[begin : begin + self._batch])
        return len(orphans)

    def _all_article_meta(self) -> tuple[list[str], list[dict]]:
        ids: list[str] = []
        metas: list[dict] = []
        for page in self._pages(self._articles_col):
            ids.extend(page["ids"])
            metas.extend(m or {} for m in page["metadatas"])
        return ids, metas

    def _delete_chunks(self, article_ids: Sequence[str], keep: set[str]) -> None:
        """Delete the chunks of these articles whose record ids are not in ``keep``."""
        if not article_ids:
            return
        where = (
            {"article_id": article_ids[0]}
            if len(article_ids) == 1
            else {"article_id": {"$in": list(article_ids)}}
        )
        doomed = [
            cid
            for page in self._pages(self._chunk_col, where=where, include=())
            for cid in page["ids"]
            if cid not in keep
        ]
        for begin in range(0, len(doomed), self._batch):
            self._chunk_col.delete(ids=doomed[begin : begin + self._batch])

    # ---- reads of passages -----------------------------------------------------------------

    def dense_search(self, query: str, k: int, where: dict | None = None) -> list[ScoredChunk]:
        """Nearest passages by cosine similarity (score in [0, 1], higher is closer), joined
        with their committed articles."""
        vector = self.embeddings.embed_query(query)  # outside the lock
        return self._call(lambda: self._attach(self._by_vector(vector, k, where)))

    def search_by_vector(
        self,
        vector: Sequence[float],
        k: int,
        where: dict | None = None,
        *,
        sources: Sequence[str] | None = None,
        since_ts: int | None = None,
        until_ts: int | None = None,
        exact_max: int = 2000,
    ) -> list[ScoredChunk]:
        """Nearest passages to ``vector`` (cosine, in [0, 1]); articles not attached.

        ``sources`` / ``since_ts`` / ``until_ts`` restrict the search like a ``where`` on chunk
        metadata: a scope of at most ``exact_max`` passages (known from the lexical index) is
        scored exactly against their stored vectors; a larger one costs a filtered Chroma query
        (slow on large stores: the retriever answers its restricted searches from ``nearest``)."""
        if k <= 0:
            return []
        scoped = sources is not None or since_ts is not None or until_ts is not None

        def read() -> list[ScoredChunk]:
            if scoped:
                self._lexical_ready()
                ids = self.lexical.scope_docs(sources, since_ts, until_ts, limit=exact_max)
                if ids is not None and where is None:
                    return self._exact(vector, k, ids)
                clauses = [c for c in (where, scope_where(sources, since_ts, until_ts)) if c]
                return self._by_vector(
                    vector, k, clauses[0] if len(clauses) == 1 else {"$and": clauses}
                )
            return self._by_vector(vector, k, where)

        return self._call(read)

    def nearest(
        self, vector: Sequence[float], pool_k: int, requests: Sequence[ScopedTop]
    ) -> Nearest:
        """Per request, the nearest committed passages to ``vector`` within its scope, from the
        ``pool_k`` nearest passages of the store.

        One unfiltered Chroma query that returns ids and distances only (reading records'
        documents and metadata costs Chroma far more than the search: 10x at 1000 hits);
        sources, dates and spans come from the lexical index, which holds committed versions
        only. A restricted list is the exact head of the restricted ranking (every passage
        outside the pool is farther than every one in it), shorter than ``k`` when the pool
        holds fewer in scope; ``complete`` when the pool is the whole store."""
        if pool_k <= 0 or not requests:
            return Nearest([[] for _ in requests], complete=False)

        def read() -> Nearest:
            found = self._chunk_col.query(
                query_embeddings=[list(map(float, vector))],
                n_results=pool_k,
                include=["distances"],
            )
            ids, distances = found["ids"][0], found["distances"][0]
            self._lexical_ready()
            picked = self.lexical.first_in_scope(ids, requests)
            return Nearest(
                [
                    [(ref, max(0.0, 1.0 - float(distances[i]))) for i, ref in hits]
                    for hits in picked
                ],
                complete=len(ids) < pool_k,
            )

        return self._call(read)

    def _by_vector(
        self, vector: Sequence[float], k: int, where: dict | None = None
    ) -> list[ScoredChunk]:
        if k <= 0:
            return []
        found = self._chunk_col.query(  # n_results past the count is fine: no count() needed
            query_embeddings=[list(map(float, vector))],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            ScoredChunk(
                chunk=chunk_from_record(cid, doc, meta or {}),
                score=max(0.0, 1.0 - float(distance)),
            )
            for cid, doc, meta, distance in zip(
                found["ids"][0],
                found["documents"][0],
                found["metadatas"][0],
                found["distances"][0],
                strict=True,
            )
        ]

    def _exact(self, vector: Sequence[float], k: int, ids: Sequence[str]) -> list[ScoredChunk]:
        if not ids:
            return []
        import numpy as np

        found = self._get_by_ids(self._chunk_col, ids, ["embeddings", "documents", "metadatas"])
        if not found["ids"]:
            return []
        matrix = np.asarray(found["embeddings"], dtype=np.float32)
        q = np.asarray(vector, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(q)) or 1.0)
        similarity = (matrix @ q) / np.where(norms > 0, norms, 1.0)
        order = sorted(
            range(len(found["ids"])), key=lambda i: (-float(similarity[i]), found["ids"][i])
        )
        return [
            ScoredChunk(
                chunk=chunk_from_record(
                    found["ids"][i], found["documents"][i], found["metadatas"][i] or {}
                ),
                score=max(0.0, float(similarity[i])),
            )
            for i in order[:k]
        ]

    def vectors(self, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors of these passages (absent ids are left out)."""
        ids = list(dict.fromkeys(chunk_ids))
        if not ids:
            return {}

        def read() -> dict[str, list[float]]:
            found = self._get_by_ids(self._chunk_col, ids, ["embeddings"])
            return {
                cid: [float(x) for x in vector]
                for cid, vector in zip(found["ids"], found["embeddings"], strict=True)
                if vector is not None
            }

        return self._call(read)

    def lexical_search(
        self,
        query: str | Sequence[str],
        k: int,
        sources: Sequence[str] | None = None,
        since_ts: int | None = None,
        until_ts: int | None = None,
        k1: float = 0.9,
        b: float = 0.4,
    ) -> list[ScoredChunk]:
        """Top ``k`` passages by BM25 (title + passage; a query string or its tokens), best
        first, under the filters; articles not attached. Scores like the former in-memory
        bm25s index (``vectorstore/lexical_index.py``)."""
        if k <= 0:
            return []

        def read() -> list[ScoredChunk]:
            self._lexical_ready()
            hits = self.lexical.search(query, k, sources, since_ts, until_ts, k1=k1, b=b)
            if not hits:
                return []
            found = self._get_by_ids(self._chunk_col, [h.chunk_id for h in hits], ["documents"])
            text = dict(zip(found["ids"], found["documents"], strict=True))
            return [
                ScoredChunk(
                    chunk=Chunk(
                        h.chunk_id, h.article_id, h.index, h.start, h.end, text[h.chunk_id]
                    ),
                    score=h.score,
                )
                for h in hits
                if text.get(h.chunk_id) is not None
            ]

        return self._call(read)

    def lexical_hits(
        self, requests: Sequence[LexicalQuery], k1: float = 0.9, b: float = 0.4
    ) -> list[list[LexicalHit]]:
        """Several BM25 searches in one snapshot of the lexical index (``search_many``): where
        each hit is and its score, no text (no Chroma read)."""
        if not requests:
            return []

        def read() -> list[list[LexicalHit]]:
            self._lexical_ready()
            return self.lexical.search_many(requests, k1=k1, b=b)

        return self._call(read)

    def submit_lexical_hits(
        self, requests: Sequence[LexicalQuery], k1: float = 0.9, b: float = 0.4
    ) -> Future[list[list[LexicalHit]]]:
        """``lexical_hits`` started on a background thread, so that a caller overlaps it with
        work that needs no store (embedding the question): BM25 runs in numpy and SQLite, which
        release the GIL. Runs inline (a finished future) when this thread holds the store's
        lock, which the background thread would wait for."""
        if self._lock is not None and self._lock.held:
            done: Future[list[list[LexicalHit]]] = Future()
            try:
                done.set_result(self.lexical_hits(requests, k1=k1, b=b))
            except Exception as exc:  # delivered by ``result()``, as from the thread
                done.set_exception(exc)
            return done
        return _background().submit(self.lexical_hits, requests, k1, b)

    def join(
        self, refs: Sequence[PassageRef], with_text: bool = True
    ) -> dict[str, tuple[Chunk, Article]]:
        """Committed passages among ``refs`` with their articles, by chunk id: one read of the
        article records. A passage's text is its span of the article's text (``with_text``;
        else articles carry metadata only and chunks empty text); a passage whose version is
        not the article's committed one (an unfinished or replaced write) is left out."""
        wanted = list(dict.fromkeys(r.article_id for r in refs))
        if not wanted:
            return {}

        def read() -> dict[str, Article]:
            include = ["documents", "metadatas"] if with_text else ["metadatas"]
            found = self._get_by_ids(self._articles_col, wanted, include)
            docs = found.get("documents") or [None] * len(found["ids"])
            return {
                i: article_from_record(i, doc, meta)
                for i, doc, meta in zip(found["ids"], docs, found["metadatas"], strict=True)
            }

        articles = self._call(read)
        out: dict[str, tuple[Chunk, Article]] = {}
        for ref in refs:
            article = articles.get(ref.article_id)
            if article is None or not ref.chunk_id.endswith(
                f"@{article.content_hash[:12] or 'v0'}"
            ):
                continue
            if with_text and not 0 <= ref.start <= ref.end <= len(article.text):
                continue
            text = article.text[ref.start : ref.end] if with_text else ""
            chunk = Chunk(ref.chunk_id, ref.article_id, ref.index, ref.start, ref.end, text)
            out[ref.chunk_id] = (chunk, article)
        return out

    def generation(self) -> str:
        """A token that changes whenever the stored content changes, at O(1) cost (cache key
        for anything derived from the store). Embedded: the store's generation (every write of
        any process bumps it) and the lexical index version; server: the index version after
        catching up with the server (at most every ``config.lexical_sync_s``)."""

        def read() -> str:
            self._lexical_ready()
            head = self._lock.generation() if self._lock is not None else "server"
            return f"{head}/{self.lexical.state().version}"

        return self._call(read)

    def all_chunks(self, where: dict | None = None) -> list[Chunk]:
        """Every committed passage, in stable id order (reads the whole store, page by page)."""
        return self._call(lambda: self._committed_chunks(where))

    def _committed_chunks(self, where: dict | None = None) -> list[Chunk]:
        live = dict(zip(*self._all_article_meta(), strict=True))
        chunks = [
            chunk_from_record(cid, doc, meta)
            for page in self._pages(
                self._chunk_col, where=where, include=("documents", "metadatas")
            )
            for cid, doc, meta in zip(
                page["ids"], page["documents"], page["metadatas"], strict=True
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
        """Changes whenever the stored content changes; the same O(1) token as
        ``generation()`` (it used to list every article)."""
        return self.generation()

    # ---- integrity -------------------------------------------------------------------------

    def verify(self, query: str = "news") -> StoreHealth:
        """Check every invariant: spans, commit markers, chunk counts, and that search works."""
        vector = self.embeddings.embed_query(query)

        def read() -> StoreHealth:
            health = StoreHealth()
            found: dict[str, list] = {"ids": [], "documents": [], "metadatas": []}
            for page in self._pages(self._chunk_col, include=("documents", "metadatas")):
                for key in found:
                    found[key].extend(page[key])
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
            self._lexical_ready(force=True)
            lexical = self.lexical.state()
            if lexical.docs != health.committed_chunks:
                health.problems.append(
                    f"the lexical index holds {lexical.docs} passages, the store "
                    f"{health.committed_chunks} committed ones"
                )
            if self.lexical.article_count() != health.articles:
                health.problems.append("the lexical index disagrees on the article count")
            return health

        return self._call(read)
