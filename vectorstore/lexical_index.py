"""A persistent, incremental BM25 index of the committed passages (stdlib SQLite + numpy).

It replaces an in-memory ``bm25s`` index that every process rebuilt from a full read of Chroma,
and scores exactly like it: bm25s' default "lucene" variant, ``idf = ln(1 + (N - df + .5) /
(df + .5))`` and ``tf / (tf + k1 · (1 - b + b · dl / avgdl))``, each term's per-passage score
rounded to float32 and summed in float32 in query-term order; a passage with no terms counts as
length 1 (bm25s needs a placeholder token). Of the passages tied at the ``k``-th score, the first
in ``(article_id, index)`` order are kept (bm25s leaves that choice to ``np.argpartition``; here it
is deterministic, and only the tied passages are sorted), then the ``k`` are sorted by score and
that order. ``k1`` and ``b`` are query-time parameters: the index stores raw term frequencies
and lengths. ``search_many`` answers several searches in one snapshot, scoring each distinct term
once (a question's restricted lists cost a mask each, not a search).

Schema (one SQLite file per collection, WAL mode):

* ``meta(key, value)``: schema, tokenizer id, the Chroma collection id it mirrors (``identity``),
  ``watermark`` (highest write sequence applied), ``version`` (bumped by every change), ``docs``
  and ``total_len`` (live passages and the sum of their lengths), next ids.
* ``articles(article_id, content_hash, seq, title, source, published_at, published_ts, year,
  simhash)``: the committed article versions the index holds (also found by content hash:
  ingest's duplicate check reads no Chroma record).
* ``passages(doc, chunk_id, article_id, idx, start, end, length, tids)``: one row per passage;
  ``doc`` is a never-reused integer id; ``tids`` is its term ids (forward index, for removal);
  indexed by ``chunk_id`` too, so that the hits of a Chroma query (ids only) are placed without
  reading their records from Chroma (``lookup``).
* ``terms(term, id, df)`` and ``postings(term_id, first_doc, docs, tfs)``: postings lists as
  blocks of at most ``BLOCK`` ``(doc, tf)`` pairs (int32/uint16 blobs) keyed by their first doc,
  so a term with 300k passages is read in a few hundred rows. New passages always get higher
  ids, so adding appends to (at most) each term's last block; removing rewrites the one block
  holding the passage: postings never hold dead passages.
* ``attrs(block, version, length, source, ts, akey, idx)``: per-passage length, source id,
  publication time and sort key (article id prefix, passage index) as columnar blobs of
  ``ATTR_BLOCK`` passages (length 0 = removed). Searches keep them in
  memory and re-read only blocks changed since (``version``): the filters (source, date) are numpy
  masks over the candidates, and opening costs nothing until the first search.
* ``sources(name, id, articles)``, ``years(year, articles)``: what the question analysis needs.

Every change (``apply``) is one SQLite transaction: a kill leaves the previous or the next state.
The index is *derived*: ``ArticleStore`` keeps it in step with Chroma's committed article records
through their write sequence (see ``vectorstore/store.py``) and rebuilds it when its identity or
tokenizer no longer match.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

SCHEMA = "2"
BLOCK = 512  # postings per block
ATTR_BLOCK = 4096  # passages per attribute block
KEY_BYTES = 32  # article id prefix kept per passage for bm25s' tie order (longer ids: SQL)
NO_TS = np.iinfo(np.int64).min
_TF_MAX = np.iinfo(np.uint16).max

Tokenizer = Callable[[str], list[str]]


@dataclass(frozen=True)
class IndexedPassage:
    """One committed passage as the index needs it (``text`` is tokenized, not stored)."""

    chunk_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class IndexedArticle:
    """One committed article version and its passages."""

    article_id: str
    content_hash: str
    seq: int = 0
    title: str = ""
    source: str | None = None
    published_at: str | None = None
    published_ts: int | None = None
    simhash: str = ""
    passages: tuple[IndexedPassage, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class LexicalHit:
    """A passage found by BM25, best first."""

    chunk_id: str
    article_id: str
    index: int
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class LexicalQuery:
    """One search of ``BM25Index.search_many``: a query (text or tokens), ``k``, filters."""

    query: str | Sequence[str]
    k: int
    sources: Sequence[str] | None = None
    since_ts: int | None = None
    until_ts: int | None = None


@dataclass(frozen=True)
class ScopedTop:
    """The best ``k`` passages within a source/date scope (None = any)."""

    k: int
    sources: Sequence[str] | None = None
    since_ts: int | None = None
    until_ts: int | None = None


@dataclass(frozen=True)
class PassageRef:
    """Where a committed passage is, with its article's source and date (no text)."""

    chunk_id: str
    article_id: str
    index: int
    start: int
    end: int
    source: str | None
    published_ts: int | None


@dataclass(frozen=True)
class IndexState:
    identity: str
    tokenizer: str
    watermark: int
    version: int
    docs: int
    total_len: int
    built: bool


_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, seq INTEGER NOT NULL,
    title TEXT, source TEXT, published_at TEXT, published_ts INTEGER, year INTEGER,
    simhash TEXT, passages INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS articles_order ON articles (published_at, title);
CREATE INDEX IF NOT EXISTS articles_hash ON articles (content_hash);
CREATE TABLE IF NOT EXISTS passages (
    doc INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, article_id TEXT NOT NULL,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    length INTEGER NOT NULL, tids BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS passages_article ON passages (article_id);
CREATE INDEX IF NOT EXISTS passages_chunk ON passages (chunk_id);
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE,
    df INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS postings (term_id INTEGER NOT NULL, first_doc INTEGER NOT NULL,
    docs BLOB NOT NULL, tfs BLOB NOT NULL, PRIMARY KEY (term_id, first_doc)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attrs (block INTEGER PRIMARY KEY, version INTEGER NOT NULL,
    length BLOB NOT NULL, source BLOB NOT NULL, ts BLOB NOT NULL, akey BLOB NOT NULL,
    idx BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS attrs_version ON attrs (version);
CREATE TABLE IF NOT EXISTS sources (name TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE,
    articles INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS years (year INTEGER PRIMARY KEY, articles INTEGER NOT NULL);
"""

_META_DEFAULTS = {
    "schema": SCHEMA,
    "tokenizer": "",
    "identity": "",
    "watermark": "0",
    "version": "0",
    "docs": "0",
    "total_len": "0",
    "next_doc": "0",
    "next_term": "0",
    "next_source": "0",
    "built": "0",
}


def _sort_key(article_id: str) -> bytes:
    """The first ``KEY_BYTES`` bytes of the id: byte order is ``str`` order for UTF-8."""
    return article_id.encode("utf-8")[:KEY_BYTES]


def _year(ts: int | None) -> int | None:
    return None if ts is None else datetime.fromtimestamp(int(ts), UTC).year


class BM25Index:
    """The BM25 index in ``path``; ``tokenize`` defines a word (``tokenizer_id`` names it)."""

    def __init__(self, path: Path, tokenize: Tokenizer, tokenizer_id: str) -> None:
        self.path = Path(path)
        self.tokenize = tokenize
        self.tokenizer_id = tokenizer_id
        self._mutex = threading.RLock()
        self._con: sqlite3.Connection | None = None
        # in-memory attribute arrays (per passage), refreshed by version
        self._attr_version = -1
        self._identity_seen = ""
        self._length = np.zeros(0, dtype=np.int32)
        self._source = np.zeros(0, dtype=np.int32)
        self._ts = np.zeros(0, dtype=np.int64)
        self._akey = np.zeros(0, dtype=f"S{KEY_BYTES}")
        self._idx = np.zeros(0, dtype=np.int32)
        self._source_ids: dict[str, int] = {}
        self._source_version = -1
        self._norm = np.zeros(0, dtype=np.float64)  # BM25 length norm per passage (_norms)
        self._norm_key: tuple | None = None
        self._scratch = np.zeros(0, dtype=np.float32)  # per-passage scores of one query
        self._orders: tuple[np.ndarray, ...] = ()  # passages by date and by source
        self._orders_key: tuple | None = None
        self._term_ids: dict[str, int] = {}  # term -> id, valid while reset_id is unchanged
        self._term_cache_key: str | None = None

    # ---- connection ------------------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self._con is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(
                self.path, timeout=60, isolation_level=None, check_same_thread=False
            )
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")  # durable across process kills
            tables = [
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            if "meta" in tables:
                row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
                if row is None or row[0] != SCHEMA:  # derived data of another layout: start again
                    for table in tables:
                        con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.executescript(_DDL)  # idempotent statements, each atomic
            con.execute("BEGIN IMMEDIATE")
            con.executemany(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", _META_DEFAULTS.items()
            )
            con.execute("COMMIT")
            self._con = con
        return self._con

    def close(self) -> None:
        with self._mutex:
            if self._con is not None:
                self._con.close()
                self._con = None

    @staticmethod
    def _meta(con: sqlite3.Connection) -> dict[str, str]:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())

    def state(self) -> IndexState:
        with self._mutex:
            meta = self._meta(self._db())
        return IndexState(
            identity=meta["identity"],
            tokenizer=meta["tokenizer"],
            watermark=int(meta["watermark"]),
            version=int(meta["version"]),
            docs=int(meta["docs"]),
            total_len=int(meta["total_len"]),
            built=meta["built"] == "1",
        )

    def matches(self, identity: str) -> bool:
        """Does this index mirror ``identity`` with this tokenizer, completely built?"""
        state = self.state()
        return state.built and state.identity == identity and state.tokenizer == self.tokenizer_id

    # ---- writing ---------------------------------------------------------------------------

    def reset(self, identity: str) -> None:
        """Empty the index and mark it as (not yet built) for ``identity``."""
        with self._mutex:
            con = self._db()
            con.execute("BEGIN IMMEDIATE")
            try:
                for table in ("articles", "passages", "terms", "postings", "attrs", "sources"):
                    con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
                con.execute("DELETE FROM years")
                version = int(self._meta(con)["version"]) + 1
                con.execute("DELETE FROM meta")
                values = {
                    **_META_DEFAULTS,
                    "reset_id": uuid.uuid4().hex,
                    "identity": identity,
                    "tokenizer": self.tokenizer_id,
                    "version": str(version),
                }
                con.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", values.items())
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            self._attr_version = -1
            self._source_version = -1

    def mark_built(self, watermark: int) -> None:
        with self._mutex:
            con = self._db()
            con.execute("BEGIN IMMEDIATE")
            try:
                meta = self._meta(con)
                wm = max(int(meta["watermark"]), watermark)
                self._set(con, built="1", watermark=str(wm), version=str(int(meta["version"]) + 1))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def known(self, article_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        """``{article_id: (content_hash, seq)}`` of the indexed versions among ``article_ids``."""
        with self._mutex:
            return self._known(self._db(), article_ids)

    @staticmethod
    def _known(con: sqlite3.Connection, article_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        for begin in range(0, len(article_ids), 500):
            part = list(article_ids[begin : begin + 500])
            marks = ",".join("?" * len(part))
            rows = con.execute(
                f"SELECT article_id, content_hash, seq FROM articles "  # noqa: S608
                f"WHERE article_id IN ({marks})",
                part,
            )
            out.update({a: (h, int(s)) for a, h, s in rows})
        return out

    def apply(
        self,
        upserts: Iterable[IndexedArticle] = (),
        deletes: Iterable[str] = (),
        watermark: int | None = None,
    ) -> int:
        """Make the index hold these article versions and not these articles, in one
        transaction; returns how many articles were (re)indexed or removed.

        Idempotent: an article already indexed at the same ``content_hash`` only has its
        ``seq`` updated. ``watermark`` (if given) raises the stored watermark."""
        upserts = list(upserts)
        deletes = [d for d in dict.fromkeys(deletes) if d not in {a.article_id for a in upserts}]
        # tokenize outside the transaction
        prepared = []
        for article in upserts:
            docs = []
            for p in article.passages:
                tokens = self.tokenize(f"{article.title}\n{p.text}")
                docs.append((p, Counter(tokens), max(len(tokens), 1)))
            prepared.append((article, docs))
        with self._mutex:
            con = self._db()
            con.execute("BEGIN IMMEDIATE")
            try:
                changed = self._apply(con, prepared, deletes, watermark)
                con.execute("COMMIT")
            except BaseException:
                self._term_ids = {}  # ids handed out in the rolled-back transaction
                con.execute("ROLLBACK")
                raise
            if len(self._term_ids) > 200_000:
                self._term_ids = {}  # bounded memory in long-lived writers
        return changed

    def _apply(
        self,
        con: sqlite3.Connection,
        prepared: list[tuple[IndexedArticle, list[tuple[IndexedPassage, Counter, int]]]],
        deletes: list[str],
        watermark: int | None,
    ) -> int:
        meta = self._meta(con)
        state = {
            "docs": int(meta["docs"]),
            "total_len": int(meta["total_len"]),
            "next_doc": int(meta["next_doc"]),
            "next_term": int(meta["next_term"]),
            "next_source": int(meta["next_source"]),
        }
        version = int(meta["version"]) + 1
        known = self._known(con, [a.article_id for a, _ in prepared] + deletes)
        attr_blocks: dict[int, list[np.ndarray]] = {}
        removed_postings: dict[int, list[int]] = {}  # term id -> docs to drop
        df_delta: Counter = Counter()
        changed = 0

        def attrs(block: int) -> list[np.ndarray]:
            if block not in attr_blocks:
                row = con.execute(
                    "SELECT length, source, ts, akey, idx FROM attrs WHERE block = ?", (block,)
                ).fetchone()
                if row is None:
                    attr_blocks[block] = [
                        np.zeros(ATTR_BLOCK, dtype=np.int32),
                        np.full(ATTR_BLOCK, -1, dtype=np.int32),
                        np.full(ATTR_BLOCK, NO_TS, dtype=np.int64),
                        np.zeros(ATTR_BLOCK, dtype=f"S{KEY_BYTES}"),
                        np.zeros(ATTR_BLOCK, dtype=np.int32),
                    ]
                else:
                    attr_blocks[block] = [
                        np.frombuffer(row[0], dtype="<i4").astype(np.int32),
                        np.frombuffer(row[1], dtype="<i4").astype(np.int32),
                        np.frombuffer(row[2], dtype="<i8").astype(np.int64),
                        np.frombuffer(row[3], dtype=f"S{KEY_BYTES}").copy(),
                        np.frombuffer(row[4], dtype="<i4").astype(np.int32),
                    ]
            return attr_blocks[block]

        def drop_article(article_id: str) -> None:
            row = con.execute(
                "SELECT source, year, passages FROM articles WHERE article_id = ?", (article_id,)
            ).fetchone()
            if row is None:
                return
            source, year, n_passages = row
            for doc, length, tids in con.execute(
                "SELECT doc, length, tids FROM passages WHERE article_id = ?", (article_id,)
            ).fetchall():
                for tid in np.frombuffer(tids, dtype="<i4").tolist():
                    removed_postings.setdefault(tid, []).append(doc)
                    df_delta[tid] -= 1
                attrs(doc // ATTR_BLOCK)[0][doc % ATTR_BLOCK] = 0
                state["docs"] -= 1
                state["total_len"] -= int(length)
            con.execute("DELETE FROM passages WHERE article_id = ?", (article_id,))
            con.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))
            if source is not None:
                con.execute("UPDATE sources SET articles = articles - 1 WHERE name = ?", (source,))
            if year is not None and n_passages:
                con.execute("UPDATE years SET articles = articles - 1 WHERE year = ?", (year,))

        # Term ids are never reassigned until ``reset`` (which changes ``reset_id``), so ids
        # learnt earlier (in this process) stay valid; unknown terms are looked up in bulk.
        if self._term_cache_key != meta.get("reset_id", ""):
            self._term_ids = {}
            self._term_cache_key = meta.get("reset_id", "")
        cache = self._term_ids
        wanted = {t for _, docs in prepared for _, counts, _ in docs for t in counts}
        unknown = [t for t in wanted if t not in cache]
        for begin in range(0, len(unknown), 500):
            part = unknown[begin : begin + 500]
            cache.update(
                (t, int(i))
                for t, i in con.execute(
                    f"SELECT term, id FROM terms WHERE term IN ({','.join('?' * len(part))})",  # noqa: S608
                    part,
                )
            )

        def term_id(term: str) -> int:
            tid = cache.get(term)
            if tid is not None:
                return tid
            tid = state["next_term"]
            state["next_term"] += 1
            con.execute("INSERT INTO terms (term, id, df) VALUES (?, ?, 0)", (term, tid))
            cache[term] = tid
            return tid

        def source_id(name: str | None) -> int:
            if name is None:
                return -1
            row = con.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
            if row is not None:
                con.execute("UPDATE sources SET articles = articles + 1 WHERE name = ?", (name,))
                return int(row[0])
            sid = state["next_source"]
            state["next_source"] += 1
            con.execute("INSERT INTO sources (name, id, articles) VALUES (?, ?, 1)", (name, sid))
            return sid

        for article_id in deletes:
            if article_id in known:
                drop_article(article_id)
                changed += 1
        added: dict[int, list[tuple[int, int]]] = {}  # term id -> [(doc, tf)] in doc order
        for article, docs in prepared:
            old = known.get(article.article_id)
            if old is not None and old[0] == article.content_hash:
                if old[1] != article.seq:
                    con.execute(
                        "UPDATE articles SET seq = ? WHERE article_id = ?",
                        (article.seq, article.article_id),
                    )
                continue
            if old is not None:
                drop_article(article.article_id)
            changed += 1
            sid = source_id(article.source)
            year = _year(article.published_ts)
            con.execute(
                "INSERT INTO articles (article_id, content_hash, seq, title, source, "
                "published_at, published_ts, year, simhash, passages) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.article_id,
                    article.content_hash,
                    article.seq,
                    article.title,
                    article.source,
                    article.published_at,
                    article.published_ts,
                    year,
                    article.simhash,
                    len(docs),
                ),
            )
            if year is not None and docs:
                con.execute(
                    "INSERT INTO years (year, articles) VALUES (?, 1) "
                    "ON CONFLICT (year) DO UPDATE SET articles = articles + 1",
                    (year,),
                )
            for passage, counts, length in docs:
                doc = state["next_doc"]
                state["next_doc"] += 1
                tids = []
                for term, tf in counts.items():
                    tid = term_id(term)
                    tids.append(tid)
                    added.setdefault(tid, []).append((doc, min(tf, _TF_MAX)))
                    df_delta[tid] += 1
                con.execute(
                    'INSERT INTO passages (doc, chunk_id, article_id, idx, start, "end", '
                    "length, tids) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        doc,
                        passage.chunk_id,
                        article.article_id,
                        passage.index,
                        passage.start,
                        passage.end,
                        length,
                        np.asarray(tids, dtype="<i4").tobytes(),
                    ),
                )
                block = attrs(doc // ATTR_BLOCK)
                block[0][doc % ATTR_BLOCK] = length
                block[1][doc % ATTR_BLOCK] = sid
                block[2][doc % ATTR_BLOCK] = (
                    NO_TS if article.published_ts is None else int(article.published_ts)
                )
                block[3][doc % ATTR_BLOCK] = _sort_key(article.article_id)
                block[4][doc % ATTR_BLOCK] = passage.index
                state["docs"] += 1
                state["total_len"] += length

        for tid, docs in removed_postings.items():
            self._remove_postings(con, tid, sorted(set(docs)))
        for tid, pairs in added.items():
            self._append_postings(con, tid, pairs)
        for tid, delta in df_delta.items():
            if delta:
                con.execute("UPDATE terms SET df = df + ? WHERE id = ?", (delta, tid))
        for block, (length, source, ts, akey, idx) in attr_blocks.items():
            con.execute(
                "INSERT OR REPLACE INTO attrs (block, version, length, source, ts, akey, idx) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    block,
                    version,
                    length.astype("<i4").tobytes(),
                    source.astype("<i4").tobytes(),
                    ts.astype("<i8").tobytes(),
                    akey.tobytes(),
                    idx.astype("<i4").tobytes(),
                ),
            )
        values = {k: str(v) for k, v in state.items()}
        if watermark is not None:
            values["watermark"] = str(max(int(meta["watermark"]), int(watermark)))
        if (
            not changed
            and not attr_blocks
            and values.get("watermark", meta["watermark"]) == (meta["watermark"])
        ):
            return 0  # nothing changed: the version (a cache key above) stays
        values["version"] = str(version)
        self._set(con, **values)
        return changed

    @staticmethod
    def _set(con: sqlite3.Connection, **values: str) -> None:
        con.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(values.items())
        )

    @staticmethod
    def _append_postings(con: sqlite3.Connection, tid: int, pairs: list[tuple[int, int]]) -> None:
        docs = np.fromiter((d for d, _ in pairs), dtype=np.int32, count=len(pairs))
        tfs = np.fromiter((t for _, t in pairs), dtype=np.uint16, count=len(pairs))
        last = con.execute(
            "SELECT first_doc, docs, tfs FROM postings WHERE term_id = ? "
            "ORDER BY first_doc DESC LIMIT 1",
            (tid,),
        ).fetchone()
        if last is not None and len(last[1]) // 4 < BLOCK:
            docs = np.concatenate([np.frombuffer(last[1], dtype="<i4"), docs])
            tfs = np.concatenate([np.frombuffer(last[2], dtype="<u2"), tfs])
            con.execute("DELETE FROM postings WHERE term_id = ? AND first_doc = ?", (tid, last[0]))
        for begin in range(0, len(docs), BLOCK):
            part = docs[begin : begin + BLOCK]
            con.execute(
                "INSERT INTO postings (term_id, first_doc, docs, tfs) VALUES (?, ?, ?, ?)",
                (
                    tid,
                    int(part[0]),
                    part.astype("<i4").tobytes(),
                    tfs[begin : begin + BLOCK].astype("<u2").tobytes(),
                ),
            )

    @staticmethod
    def _remove_postings(con: sqlite3.Connection, tid: int, doomed: list[int]) -> None:
        blocks: dict[int, tuple[bytes, bytes]] = {}
        for doc in doomed:
            row = con.execute(
                "SELECT first_doc, docs, tfs FROM postings WHERE term_id = ? AND first_doc <= ? "
                "ORDER BY first_doc DESC LIMIT 1",
                (tid, doc),
            ).fetchone()
            if row is not None:
                blocks[row[0]] = (row[1], row[2])
        gone = np.asarray(doomed, dtype=np.int32)
        for first, (raw_docs, raw_tfs) in blocks.items():
            docs = np.frombuffer(raw_docs, dtype="<i4")
            tfs = np.frombuffer(raw_tfs, dtype="<u2")
            keep = ~np.isin(docs, gone)
            con.execute("DELETE FROM postings WHERE term_id = ? AND first_doc = ?", (tid, first))
            if keep.any():
                docs, tfs = docs[keep], tfs[keep]
                con.execute(
                    "INSERT INTO postings (term_id, first_doc, docs, tfs) VALUES (?, ?, ?, ?)",
                    (tid, int(docs[0]), docs.tobytes(), tfs.tobytes()),
                )

    # ---- reading ---------------------------------------------------------------------------

    def _refresh(self, con: sqlite3.Connection, version: int, identity: str) -> None:
        """Bring the in-memory attribute arrays up to ``version`` (changed blocks only)."""
        if identity != self._identity_seen:
            self._attr_version = -1
            self._source_version = -1
            self._identity_seen = identity
        if self._attr_version == version:
            return
        if self._attr_version < 0:
            self._length = np.zeros(0, dtype=np.int32)
            self._source = np.zeros(0, dtype=np.int32)
            self._ts = np.zeros(0, dtype=np.int64)
            self._akey = np.zeros(0, dtype=f"S{KEY_BYTES}")
            self._idx = np.zeros(0, dtype=np.int32)
        rows = con.execute(
            "SELECT block, length, source, ts, akey, idx FROM attrs WHERE version > ?",
            (max(self._attr_version, -1),),
        ).fetchall()
        if rows:
            top = (max(r[0] for r in rows) + 1) * ATTR_BLOCK
            if top > len(self._length):
                grow = top - len(self._length)
                self._length = np.concatenate([self._length, np.zeros(grow, dtype=np.int32)])
                self._source = np.concatenate([self._source, np.full(grow, -1, dtype=np.int32)])
                self._ts = np.concatenate([self._ts, np.full(grow, NO_TS, dtype=np.int64)])
                self._akey = np.concatenate([self._akey, np.zeros(grow, dtype=f"S{KEY_BYTES}")])
                self._idx = np.concatenate([self._idx, np.zeros(grow, dtype=np.int32)])
            for block, length, source, ts, akey, idx in rows:
                at = slice(block * ATTR_BLOCK, (block + 1) * ATTR_BLOCK)
                self._length[at] = np.frombuffer(length, dtype="<i4")
                self._source[at] = np.frombuffer(source, dtype="<i4")
                self._ts[at] = np.frombuffer(ts, dtype="<i8")
                self._akey[at] = np.frombuffer(akey, dtype=f"S{KEY_BYTES}")
                self._idx[at] = np.frombuffer(idx, dtype="<i4")
        if self._source_version != version:
            self._source_ids = dict(con.execute("SELECT name, id FROM sources").fetchall())
            self._source_version = version
        self._attr_version = version

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot even while another process writes."""
        con = self._db()
        con.execute("BEGIN")
        try:
            yield con
        finally:
            con.execute("COMMIT")

    def _snapshot(self, con: sqlite3.Connection) -> dict[str, str]:
        """The index's metadata, with the in-memory per-passage arrays brought up to it."""
        meta = self._meta(con)
        self._refresh(con, int(meta["version"]), meta["identity"])
        return meta

    def search(
        self,
        query: str | Sequence[str],
        k: int,
        sources: Sequence[str] | None = None,
        since_ts: int | None = None,
        until_ts: int | None = None,
        k1: float = 0.9,
        b: float = 0.4,
    ) -> list[LexicalHit]:
        """Top ``k`` passages with a positive BM25 score under the filters, best first."""
        request = LexicalQuery(query, k, sources, since_ts, until_ts)
        return self.search_many([request], k1=k1, b=b)[0]

    def search_many(
        self, requests: Sequence[LexicalQuery], k1: float = 0.9, b: float = 0.4
    ) -> list[list[LexicalHit]]:
        """Several BM25 searches in one read snapshot, each as ``search`` answers it.

        Work is shared: every distinct term's postings are read and scored once, every distinct
        query's scores are summed once, and each request only masks them by its filters (a
        question's source- and date-restricted lists cost a mask, not a search)."""
        tokens_of = [self._query_tokens(r.query) for r in requests]
        out: list[list[LexicalHit]] = [[] for _ in requests]
        if not any(r.k > 0 and t for r, t in zip(requests, tokens_of, strict=True)):
            return out
        with self._mutex, self._read() as con:
            meta = self._snapshot(con)
            n_docs, total_len = int(meta["docs"]), int(meta["total_len"])
            if n_docs == 0:
                return out
            wanted = list(dict.fromkeys(t for tokens in tokens_of for t in tokens))
            stats = self._term_stats(con, wanted)
            norm = self._norms(int(meta["version"]), n_docs, total_len, k1, b)
            contributions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            picks: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(requests)
            by_query: dict[tuple[str, ...], list[int]] = {}
            for position, (request, tokens) in enumerate(zip(requests, tokens_of, strict=True)):
                present = tuple(t for t in tokens if t in stats)
                if request.k > 0 and present:
                    by_query.setdefault(present, []).append(position)
            for present, positions in by_query.items():
                # One distinct query at a time in one reused buffer (a fresh 4 MB array per
                # query at 1M passages costs its page faults), serving all its requests.
                for term in present:
                    if term not in contributions:
                        contributions[term] = self._contribution(con, *stats[term], n_docs, norm)
                dense = self._sum([contributions[t] for t in present], len(self._length))
                everywhere = None
                for position in positions:
                    request = requests[position]
                    scope = self._scope_docs(request.sources, request.since_ts, request.until_ts)
                    if scope is None:  # scores are >= 0: nonzero is positive
                        if everywhere is None:
                            everywhere = np.flatnonzero(dense)
                        cand = everywhere
                    else:
                        cand = scope[dense[scope] > 0]
                    if cand.size:
                        picks[position] = self._top(con, cand, dense[cand], request.k)
            docs = sorted({d for pick in picks if pick is not None for d in pick[0].tolist()})
            rows = self._passage_rows(con, docs)
        for position, pick in enumerate(picks):
            if pick is None:
                continue
            ranked = sorted(
                (-float(score), rows[doc][1], int(rows[doc][2]), doc)
                for doc, score in zip(pick[0].tolist(), pick[1].tolist(), strict=True)
                if doc in rows
            )
            out[position] = [
                LexicalHit(
                    chunk_id=rows[doc][0],
                    article_id=article_id,
                    index=index,
                    start=int(rows[doc][3]),
                    end=int(rows[doc][4]),
                    score=-neg,
                )
                for neg, article_id, index, doc in ranked
            ]
        return out

    def _query_tokens(self, query: str | Sequence[str]) -> list[str]:
        tokens = self.tokenize(query) if isinstance(query, str) else list(query)
        return list(dict.fromkeys(tokens))

    @staticmethod
    def _term_stats(con: sqlite3.Connection, terms: Sequence[str]) -> dict[str, tuple[int, int]]:
        """``{term: (term id, df)}`` of the terms some live passage holds."""
        out: dict[str, tuple[int, int]] = {}
        for begin in range(0, len(terms), 500):
            part = list(terms[begin : begin + 500])
            marks = ",".join("?" * len(part))
            out.update(
                (term, (int(tid), int(df)))
                for term, tid, df in con.execute(
                    f"SELECT term, id, df FROM terms WHERE df > 0 AND term IN ({marks})",  # noqa: S608
                    part,
                )
            )
        return out

    def _norms(self, version: int, n_docs: int, total_len: int, k1: float, b: float) -> np.ndarray:
        """``k1 · (1 - b + b · dl / avgdl)`` per passage (float64), cached per index version."""
        key = (version, n_docs, total_len, k1, b, len(self._length))
        if self._norm_key != key:
            avgdl = np.float64(total_len) / np.float64(n_docs)
            self._norm = k1 * ((1 - b) + b * self._length.astype(np.float64) / avgdl)
            self._norm_key = key
        return self._norm

    @staticmethod
    def _contribution(
        con: sqlite3.Connection, tid: int, df: int, n_docs: int, norm: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One term's passages and its float32 BM25 term score in each (bm25s' arithmetic:
        float64 ``idf · tf / (tf + norm)`` rounded to float32)."""
        rows = con.execute(
            "SELECT docs, tfs FROM postings WHERE term_id = ? ORDER BY first_doc", (tid,)
        ).fetchall()
        docs = np.frombuffer(b"".join(r[0] for r in rows), dtype="<i4")
        tfs = np.frombuffer(b"".join(r[1] for r in rows), dtype="<u2")
        if docs.size and docs[-1] >= len(norm):  # ascending ids; never past the arrays
            inside = docs < len(norm)
            docs, tfs = docs[inside], tfs[inside]
        tf = tfs.astype(np.float64)  # exact, as bm25s' float32 tf promoted to float64
        idf = np.float32(math.log(1 + (n_docs - df + 0.5) / (df + 0.5)))
        value = norm[docs]
        value += tf
        np.divide(tf, value, out=value)
        value *= idf
        return docs, value.astype(np.float32)

    def _sum(self, terms: Sequence[tuple[np.ndarray, np.ndarray]], size: int) -> np.ndarray:
        """Scores of every passage (0 = no term): term scores summed in float32 in query-term
        order from 0.0, as bm25s sums them (dense accumulation: no sort of the postings).

        The array is this index's scratch buffer, valid until the next call (under the mutex)."""
        if self._scratch.size != size:
            self._scratch = np.zeros(size, dtype=np.float32)
        else:
            self._scratch.fill(0)
        scores = self._scratch
        for docs, values in terms:
            scores[docs] += values
        return scores

    def _source_table(self, sources: Sequence[str]) -> np.ndarray:
        """``table[source id + 1]``: is that source one of ``sources`` (id -1: no source)."""
        table = np.zeros(max(self._source_ids.values(), default=-1) + 2, dtype=bool)
        table[[self._source_ids[s] + 1 for s in sources if s in self._source_ids]] = True
        return table

    def _in_scope(
        self,
        docs: np.ndarray,
        sources: Sequence[str] | None,
        since_ts: int | None,
        until_ts: int | None,
    ) -> np.ndarray | None:
        """Which of ``docs`` are in the source/date scope (None: no restriction)."""
        if sources is None and since_ts is None and until_ts is None:
            return None
        keep = np.ones(len(docs), dtype=bool)
        if sources is not None:
            keep &= self._source_table(sources)[self._source[docs] + 1]
        if since_ts is not None or until_ts is not None:
            ts = self._ts[docs]
            keep &= ts != NO_TS
            if since_ts is not None:
                keep &= ts >= since_ts
            if until_ts is not None:
                keep &= ts <= until_ts
        return keep

    def _scope_docs(
        self, sources: Sequence[str] | None, since_ts: int | None, until_ts: int | None
    ) -> np.ndarray | None:
        """Every passage number in the scope (removed ones included; None: no restriction),
        from per-version orders by date and by source: a date range is a slice, a source a
        few slices, so a restricted search never scans every passage."""
        if sources is None and since_ts is None and until_ts is None:
            return None
        key = (self._attr_version, self._identity_seen, len(self._length))
        if self._orders_key != key:
            by_ts = np.argsort(self._ts, kind="stable").astype(np.int32)
            by_source = np.argsort(self._source, kind="stable").astype(np.int32)
            self._orders = (by_ts, self._ts[by_ts], by_source, self._source[by_source])
            self._orders_key = key
        by_ts, ts_sorted, by_source, source_sorted = self._orders
        if since_ts is not None or until_ts is not None:
            lo = np.searchsorted(
                ts_sorted,
                NO_TS if since_ts is None else since_ts,
                side="right" if since_ts is None else "left",
            )
            hi = (
                len(ts_sorted)
                if until_ts is None
                else np.searchsorted(ts_sorted, until_ts, "right")
            )
            docs = by_ts[lo:hi]
            if sources is not None:
                docs = docs[self._source_table(sources)[self._source[docs] + 1]]
            return docs
        assert sources is not None
        parts = []
        for name in dict.fromkeys(sources):
            sid = self._source_ids.get(name)
            if sid is not None:
                # bounds in the array's dtype (mixed dtypes would copy the whole array per call)
                bounds = np.array([sid, sid + 1], dtype=source_sorted.dtype)
                lo, hi = np.searchsorted(source_sorted, bounds)
                parts.append(by_source[lo:hi])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)

    def _top(
        self, con: sqlite3.Connection, cand: np.ndarray, scores: np.ndarray, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best candidates; among passages tied at the ``k``-th score, the first in
        ``(article_id, index)`` order (only the tied ones are sorted)."""
        if cand.size <= k:
            return cand, scores
        kth = np.partition(scores, cand.size - k)[cand.size - k]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)
        need = k - above.size
        if tied.size > need:
            tied = tied[self._key_order(con, cand[tied])[:need]]
        sel = np.concatenate([above, tied])
        return cand[sel], scores[sel]

    def _key_order(self, con: sqlite3.Connection, docs: np.ndarray) -> np.ndarray:
        """Positions of ``docs`` in ``(article_id, index)`` order."""
        keys, idx = self._akey[docs], self._idx[docs]
        if not np.any(np.char.str_len(keys) >= KEY_BYTES):
            return np.lexsort((idx, keys))
        doc_list = docs.tolist()  # an id longer than the key: exact ids from SQL
        ids = {doc: row[1] for doc, row in self._passage_rows(con, doc_list).items()}
        return np.array(
            sorted(range(len(doc_list)), key=lambda i: (ids[doc_list[i]], int(idx[i]))),
            dtype=np.int64,
        )

    @staticmethod
    def _passage_rows(con: sqlite3.Connection, docs: Sequence[int]) -> dict[int, tuple]:
        """``{doc: (chunk_id, article_id, idx, start, end)}`` of these passages."""
        rows: dict[int, tuple] = {}
        for begin in range(0, len(docs), 500):
            part = list(docs[begin : begin + 500])
            rows.update(
                (r[0], r[1:])
                for r in con.execute(
                    'SELECT doc, chunk_id, article_id, idx, start, "end" FROM passages '  # noqa: S608
                    f"WHERE doc IN ({','.join('?' * len(part))})",
                    part,
                )
            )
        return rows

    def lookup(self, chunk_ids: Sequence[str]) -> dict[str, PassageRef]:
        """Where these passages are and their source and date; ids the index does not hold
        (not committed, or removed) are left out."""
        [found] = self.first_in_scope(chunk_ids, [ScopedTop(len(chunk_ids))])
        return {ref.chunk_id: ref for _, ref in found}

    def first_in_scope(
        self, ranked: Sequence[str], requests: Sequence[ScopedTop]
    ) -> list[list[tuple[int, PassageRef]]]:
        """Per request, the first ``k`` of the chunk ids ``ranked`` (best first, e.g. a Chroma
        query's hits) that the index holds within the request's scope, with their positions.

        The ids are placed through the ``chunk_id`` index alone (it carries the passage number)
        and filtered by the in-memory source/date arrays; only the passages picked are read."""
        out: list[list[tuple[int, PassageRef]]] = [[] for _ in requests]
        if not ranked or not requests:
            return out
        with self._mutex, self._read() as con:
            self._snapshot(con)
            # Placed slice by slice, best first, until every request has its k (often the
            # unrestricted and the broad scopes are served by the first slice).
            doc_of: dict[str, int] = {}
            placed = 0
            while placed < len(ranked):
                part = list(dict.fromkeys(ranked[placed : placed + 250]))
                placed += 250
                doc_of.update(
                    con.execute(
                        f"SELECT chunk_id, doc FROM passages "  # noqa: S608
                        f"WHERE chunk_id IN ({','.join('?' * len(part))})",
                        part,
                    ).fetchall()
                )
                positions = np.array(
                    [i for i, cid in enumerate(ranked[:placed]) if cid in doc_of], dtype=np.int64
                )
                docs = np.array([doc_of[ranked[i]] for i in positions.tolist()], dtype=np.int64)
                inside = docs < len(self._length)
                positions, docs = positions[inside], docs[inside]
                picks: list[np.ndarray] = []
                for request in requests:
                    keep = self._in_scope(docs, request.sources, request.since_ts, request.until_ts)
                    chosen = np.arange(len(docs)) if keep is None else np.flatnonzero(keep)
                    picks.append(chosen[: max(request.k, 0)])
                if all(len(pick) >= r.k for pick, r in zip(picks, requests, strict=True)):
                    break
            wanted = sorted({int(docs[i]) for pick in picks for i in pick.tolist()})
            rows = self._passage_rows(con, wanted)
            names = {i: name for name, i in self._source_ids.items()}
            for slot, pick in enumerate(picks):
                for i in pick.tolist():
                    doc = int(docs[i])
                    if doc not in rows:
                        continue
                    chunk_id, article_id, idx, start, end = rows[doc]
                    ts = int(self._ts[doc])
                    ref = PassageRef(
                        chunk_id=chunk_id,
                        article_id=article_id,
                        index=int(idx),
                        start=int(start),
                        end=int(end),
                        source=names.get(int(self._source[doc])),
                        published_ts=None if ts == NO_TS else ts,
                    )
                    out[slot].append((int(positions[i]), ref))
        return out

    # ---- metadata reads --------------------------------------------------------------------

    def sources(self) -> list[str]:
        with self._mutex:
            rows = (
                self._db()
                .execute("SELECT name FROM sources WHERE articles > 0 ORDER BY name")
                .fetchall()
            )
        return [r[0] for r in rows]

    def years(self) -> list[int]:
        with self._mutex:
            rows = (
                self._db()
                .execute("SELECT year FROM years WHERE articles > 0 ORDER BY year")
                .fetchall()
            )
        return [int(r[0]) for r in rows]

    def article_with_hash(self, content_hash: str) -> str | None:
        """The id of an indexed (committed) article with this content hash, if any."""
        with self._mutex:
            row = (
                self._db()
                .execute(
                    "SELECT article_id FROM articles WHERE content_hash = ? LIMIT 1",
                    (content_hash,),
                )
                .fetchone()
            )
        return None if row is None else str(row[0])

    def articles_with_hashes(self, content_hashes: Sequence[str]) -> dict[str, list[str]]:
        """``{content_hash: [article_id, ...]}`` of the indexed articles among ``content_hashes``
        (one query per 500 hashes: ingest checks a whole batch of documents at once)."""
        out: dict[str, list[str]] = {}
        with self._mutex:
            con = self._db()
            for begin in range(0, len(content_hashes), 500):
                part = list(content_hashes[begin : begin + 500])
                marks = ",".join("?" * len(part))
                rows = con.execute(
                    f"SELECT content_hash, article_id FROM articles "  # noqa: S608
                    f"WHERE content_hash IN ({marks}) ORDER BY article_id",
                    part,
                )
                for content_hash, article_id in rows:
                    out.setdefault(str(content_hash), []).append(str(article_id))
        return out

    def article_count(self) -> int:
        with self._mutex:
            return int(self._db().execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def passage_count(self) -> int:
        return self.state().docs

    def article_ids_page(self, limit: int, offset: int) -> list[str]:
        """Article ids newest first (``published_at``, then title, descending)."""
        with self._mutex:
            rows = (
                self._db()
                .execute(
                    "SELECT article_id FROM articles ORDER BY COALESCE(published_at, '') DESC, "
                    "title DESC LIMIT ? OFFSET ?",
                    (limit, offset),
                )
                .fetchall()
            )
        return [r[0] for r in rows]

    def chunk_ids(self) -> list[str]:
        """Every indexed passage's chunk id (checks and tests; reads the whole table)."""
        with self._mutex:
            return [r[0] for r in self._db().execute("SELECT chunk_id FROM passages")]

    def article_ids(self) -> list[str]:
        with self._mutex:
            return [r[0] for r in self._db().execute("SELECT article_id FROM articles")]

    def simhashes(self) -> Iterator[tuple[str, str]]:
        with self._mutex:
            rows = (
                self._db()
                .execute(
                    "SELECT article_id, simhash FROM articles WHERE simhash IS NOT NULL "
                    "AND simhash != ''"
                )
                .fetchall()
            )
        yield from rows

    def scope_docs(
        self,
        sources: Sequence[str] | None = None,
        since_ts: int | None = None,
        until_ts: int | None = None,
        limit: int = 2000,
    ) -> list[str] | None:
        """Chunk ids of every live passage in scope, or None when there are more than
        ``limit`` (or no restriction at all)."""
        if sources is None and since_ts is None and until_ts is None:
            return None
        with self._mutex, self._read() as con:
            self._snapshot(con)
            live = np.flatnonzero(self._length > 0)
            keep = self._in_scope(live, sources, since_ts, until_ts)
            assert keep is not None
            docs = live[keep]
            if docs.size > limit:
                return None
            out: list[str] = []
            doc_list = docs.tolist()
            for begin in range(0, len(doc_list), 500):
                part = doc_list[begin : begin + 500]
                out.extend(
                    r[0]
                    for r in con.execute(
                        f"SELECT chunk_id FROM passages WHERE doc IN ({','.join('?' * len(part))}) "  # noqa: S608
                        "ORDER BY doc",
                        part,
                    )
                )
        return out
