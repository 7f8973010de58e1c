"""The feeds a collection follows, and what each refresh found: one small SQLite file per
collection (``collection_dir/feeds.sqlite3``), deleted with the collection.

Why SQLite rather than a JSON file: the web app, ``briefbot watch`` and a cron job may update the
registry at the same time. Each update here is one SQLite transaction (WAL journal, synchronous
FULL), so a kill leaves the previous or the next state and two writers never lose each other's
changes; a JSON file replaced atomically would still need a lock around every
read-modify-write. Refreshes themselves are serialised per collection by ``refresh_lock`` (the
store's own lock is held only for each store write, never across network fetches).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vectorstore.collections import collection_dir
from vectorstore.config import StoreConfig
from vectorstore.parsing import ParseError
from vectorstore.parsing.web import check_url

_DDL = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    added_at TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_refresh TEXT,
    last_error TEXT,
    last_new INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS entries (
    feed_url TEXT NOT NULL,
    key TEXT NOT NULL,
    ok INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (feed_url, key)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""
ENTRY_RETENTION = timedelta(days=30)
"""Entries gone from their feed are forgotten after this long (the store's content hash still
keeps a re-appearing article from being stored twice)."""


def now_iso(timespec: str = "seconds") -> str:
    """UTC now; ``timespec="microseconds"`` where the moment is compared with articles'
    ``ingested_at`` (a visit and an ingest can fall in the same second)."""
    return datetime.now(UTC).isoformat(timespec=timespec)


class FeedError(ValueError):
    """A feed URL that cannot be followed, or is (not) followed when it must (not) be."""


class RefreshBusy(RuntimeError):
    """Another refresh of the same collection is running."""


@dataclass(frozen=True)
class Feed:
    url: str
    added_at: str
    etag: str | None = None
    last_modified: str | None = None
    last_refresh: str | None = None
    last_error: str | None = None
    last_new: int = 0

    def to_dict(self) -> dict:
        return {
            "url": self.url,
            "added_at": self.added_at,
            "last_refresh": self.last_refresh,
            "last_error": self.last_error,
            "last_new": self.last_new,
        }


@dataclass(frozen=True)
class EntryState:
    ok: bool
    attempts: int


@dataclass(frozen=True)
class EntryOutcome:
    key: str
    ok: bool
    error: str | None = None


class FeedRegistry:
    """The followed feeds of one collection (``config.collection``)."""

    def __init__(self, config: StoreConfig) -> None:
        self.folder = collection_dir(config)
        self.path = self.folder / "feeds.sqlite3"
        self.collection = config.collection

    @contextlib.contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        if not write and not self.path.exists():
            con = sqlite3.connect(":memory:")
            con.executescript(_DDL)
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            con.executescript(_DDL)
        try:
            if write:
                con.execute("BEGIN IMMEDIATE")
                try:
                    yield con
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
            else:
                yield con
        finally:
            con.close()

    # ---- the list ------------------------------------------------------------------------

    def feeds(self) -> list[Feed]:
        with self._db() as con:
            rows = con.execute(
                "SELECT url, added_at, etag, last_modified, last_refresh, last_error, last_new "
                "FROM feeds ORDER BY added_at, url"
            ).fetchall()
        return [Feed(*row) for row in rows]

    def get(self, url: str) -> Feed | None:
        return next((f for f in self.feeds() if f.url == url.strip()), None)

    def add(self, url: str) -> Feed:
        """Follow ``url`` (http or https; checked when fetched, like any URL)."""
        try:
            url = check_url(url)
        except ParseError as exc:
            raise FeedError(str(exc)) from None
        with self._db(write=True) as con:
            if con.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone():
                raise FeedError(f"{url} is already followed in collection {self.collection}")
            con.execute("INSERT INTO feeds (url, added_at) VALUES (?, ?)", (url, now_iso()))
        return Feed(url=url, added_at=now_iso())

    def remove(self, url: str) -> None:
        """Stop following ``url``; the articles it brought stay in the collection."""
        url = url.strip()
        with self._db(write=True) as con:
            if con.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount == 0:
                raise FeedError(f"{url} is not followed in collection {self.collection}")
            con.execute("DELETE FROM entries WHERE feed_url = ?", (url,))

    # ---- refresh bookkeeping ---------------------------------------------------------------

    def entry_states(self, url: str) -> dict[str, EntryState]:
        with self._db() as con:
            rows = con.execute(
                "SELECT key, ok, attempts FROM entries WHERE feed_url = ?", (url,)
            ).fetchall()
        return {key: EntryState(bool(ok), attempts) for key, ok, attempts in rows}

    def record(
        self,
        url: str,
        *,
        error: str | None,
        new: int = 0,
        validators: tuple[str | None, str | None] | None = None,
        outcomes: Iterable[EntryOutcome] = (),
        current_keys: Iterable[str] | None = None,
    ) -> None:
        """One refresh of ``url``, in one transaction: entry outcomes, the validators for the
        next conditional GET (``None`` keeps them; ``(None, None)`` clears them), status."""
        stamp = now_iso()
        with self._db(write=True) as con:
            if not con.execute("SELECT 1 FROM feeds WHERE url = ?", (url,)).fetchone():
                return  # removed while it was being refreshed
            for outcome in outcomes:
                con.execute(
                    "INSERT INTO entries (feed_url, key, ok, attempts, error, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feed_url, key) DO UPDATE SET "
                    "ok = excluded.ok, attempts = entries.attempts + 1, error = excluded.error, "
                    "updated_at = excluded.updated_at",
                    (url, outcome.key, int(outcome.ok), 1, outcome.error, stamp),
                )
            if current_keys is not None:
                keep = set(current_keys)
                cutoff = (datetime.now(UTC) - ENTRY_RETENTION).isoformat(timespec="seconds")
                stale = con.execute(
                    "SELECT key FROM entries WHERE feed_url = ? AND updated_at < ?", (url, cutoff)
                ).fetchall()
                con.executemany(
                    "DELETE FROM entries WHERE feed_url = ? AND key = ?",
                    [(url, key) for (key,) in stale if key not in keep],
                )
            if validators is not None:
                con.execute(
                    "UPDATE feeds SET etag = ?, last_modified = ? WHERE url = ?",
                    (*validators, url),
                )
            con.execute(
                "UPDATE feeds SET last_refresh = ?, last_error = ?, last_new = ? WHERE url = ?",
                (stamp, error, new, url),
            )

    # ---- visits (the app marks articles new since the last one) ----------------------------

    def last_visit(self) -> str | None:
        with self._db() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'library_visit'").fetchone()
        return row[0] if row else None

    def mark_visit(self) -> str | None:
        """Record a visit now; returns the previous one."""
        with self._db(write=True) as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'library_visit'").fetchone()
            con.execute(
                "INSERT INTO meta (key, value) VALUES ('library_visit', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (now_iso("microseconds"),),
            )
        return row[0] if row else None

    # ---- one refresh at a time -------------------------------------------------------------

    @contextlib.contextmanager
    def refresh_lock(self) -> Iterator[None]:
        """Exclusive per collection, across processes and threads; RefreshBusy when taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / "refresh.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RefreshBusy(
                    f"a refresh of collection {self.collection} is already running"
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
