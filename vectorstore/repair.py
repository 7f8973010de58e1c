"""Rebuilding an embedded store whose vector index a crash left unreadable.

Chroma's embedded mode keeps records in SQLite (transactional: a ``kill -9`` cannot tear it) and
vectors in HNSW files that are rewritten in place every ``sync_threshold`` writes (not atomic:
a kill during that rewrite leaves files that fail every later call with errors such as "Error
deserializing pickle file" or "Failed to apply logs to the hnsw segment writer").

Everything Briefbot needs survives in SQLite: article records (text + metadata) and passage
records (text + metadata); passage vectors are recomputed. The rescue is itself crash-safe: the
records are first written to ``BRIEFBOT_HOME/store.repair.jsonl`` (fsync + atomic rename); while
that file exists, the store is rebuilt from it (again, after another crash) and the damaged
Chroma directory is kept once as ``chroma.damaged`` for inspection.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

RESCUE_NAME = "store.repair.jsonl"
DAMAGED_NAME = "chroma.damaged"


class RepairImpossible(RuntimeError):
    """The SQLite records could not be read (not a Chroma store we know how to read)."""


# Errors about the request or the moment, never about the files: a request too large for
# SQLite's variable limit, a timeout, a lock held by another process, a server that is down.
_TRANSIENT = (
    "too many sql variables",
    "too many terms",
    "timed out",
    "timeout",
    "deadline",
    "database is locked",
    "database table is locked",
    "locked",
    "busy",
    "connection refused",
    "could not connect",
    "connection reset",
    "connection aborted",
    "broken pipe",
    "unavailable",
    "no route to host",
    "name or service not known",
    "temporary failure",
    "out of memory",
    "cannot allocate memory",
)
# What Chroma says when its on-disk vector index cannot be loaded or updated.
_DAMAGE = (
    "hnsw",
    "pickle",
    "deserializ",
    "segment",
    "compactor",
    "backfill",
    "corrupt",
    "malformed",
    "error finding id",
)


def looks_damaged(exc: BaseException) -> bool:
    """Could this exception be Chroma failing to load or update its on-disk vector index?

    Only a Chroma error naming the vector index (HNSW files, segments, their loading) counts,
    and never one caused by the request's size, a timeout, a lock or an unreachable server,
    whatever else its message says ("Error sending backfill request to compactor: too many SQL
    variables" is a request too large, not damage). Python-level errors (``TimeoutError``,
    ``ConnectionError``, ``OSError``, ``sqlite3.OperationalError``, ...) never count. This is a
    *signal*: ``ArticleStore`` still reopens, probes and checks the records before it moves
    anything (see ``docs/reliability.md``)."""
    try:
        from chromadb.errors import ChromaError
    except ImportError:  # pragma: no cover
        return False
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, (TimeoutError, ConnectionError)) for e in chain):
        return False
    if any(word in text for word in _TRANSIENT):
        return False
    if not isinstance(exc, ChromaError):
        return False
    return any(word in text for word in _DAMAGE)


def read_records(chroma_dir: Path, collections: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """``{collection: [{"id", "document", "metadata"}]}`` straight from ``chroma.sqlite3``."""
    db = chroma_dir / "chroma.sqlite3"
    if not db.is_file():
        return {name: [] for name in collections}
    try:
        # Not read-only: a kill mid-transaction leaves a hot journal that must be rolled back
        # (the caller holds the store lock, so nobody else is using the file).
        con = sqlite3.connect(db, timeout=60)
    except sqlite3.Error as exc:
        raise RepairImpossible(f"cannot open {db}: {exc}") from exc
    try:
        out: dict[str, list[dict[str, Any]]] = {}
        for name in collections:
            segment = con.execute(
                "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
                "WHERE c.name = ? AND s.scope = 'METADATA'",
                (name,),
            ).fetchone()
            records: dict[int, dict[str, Any]] = {}
            if segment is not None:
                rows = con.execute(
                    "SELECT e.id, e.embedding_id, m.key, m.string_value, m.int_value, "
                    "m.float_value, m.bool_value FROM embeddings e "
                    "LEFT JOIN embedding_metadata m ON m.id = e.id "
                    "WHERE e.segment_id = ? ORDER BY e.id",
                    (segment[0],),
                )
                for rowid, record_id, key, text, integer, real, boolean in rows:
                    record = records.setdefault(
                        rowid, {"id": record_id, "document": None, "metadata": {}}
                    )
                    if key is None:
                        continue
                    value: Any = text
                    if value is None:
                        value = integer if integer is not None else real
                    if value is None and boolean is not None:
                        value = bool(boolean)
                    if key == "chroma:document":
                        record["document"] = value
                    elif not key.startswith("chroma:"):
                        record["metadata"][key] = value
            out[name] = list(records.values())
        return out
    except sqlite3.Error as exc:
        raise RepairImpossible(f"cannot read records from {db}: {exc}") from exc
    finally:
        con.close()


def count_records(chroma_dir: Path, collections: Sequence[str]) -> dict[str, int]:
    """How many records each collection's metadata segment holds, counted by SQLite itself."""
    db = chroma_dir / "chroma.sqlite3"
    if not db.is_file():
        return {name: 0 for name in collections}
    try:
        con = sqlite3.connect(db, timeout=60)
    except sqlite3.Error as exc:
        raise RepairImpossible(f"cannot open {db}: {exc}") from exc
    try:
        out = {}
        for name in collections:
            row = con.execute(
                "SELECT COUNT(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id "
                "JOIN collections c ON s.collection = c.id "
                "WHERE c.name = ? AND s.scope = 'METADATA'",
                (name,),
            ).fetchone()
            out[name] = int(row[0]) if row else 0
        return out
    except sqlite3.Error as exc:
        raise RepairImpossible(f"cannot count records in {db}: {exc}") from exc
    finally:
        con.close()


def check_rescue_complete(
    chroma_dir: Path,
    records: dict[str, list[dict[str, Any]]],
    chunks_name: str,
    articles_name: str,
) -> None:
    """Raise ``RepairImpossible`` unless ``records`` is a complete copy of the store.

    Complete: every collection holds as many records as SQLite counts for it, every record has
    an id, every article record has its text, and every article has as many passages of its
    version as its record's ``chunk_count`` says."""
    counts = count_records(chroma_dir, list(records))
    for name, rows in records.items():
        if len(rows) != counts.get(name, 0):
            raise RepairImpossible(
                f"read {len(rows)} of {counts.get(name, 0)} records of {name}; not a complete copy"
            )
        if any(not row.get("id") for row in rows):
            raise RepairImpossible(f"a record of {name} has no id")
    articles = records.get(articles_name, [])
    if any(row.get("document") is None for row in articles):
        raise RepairImpossible("an article record has no text; not a complete copy")
    version = {row["id"]: row["metadata"].get("content_hash") for row in articles}
    passages: dict[str, int] = {}
    for row in records.get(chunks_name, []):
        meta = row.get("metadata") or {}
        owner = meta.get("article_id")
        if row.get("document") is not None and version.get(owner) == meta.get("content_hash"):
            passages[owner] = passages.get(owner, 0) + 1
    for row in articles:
        expected = row["metadata"].get("chunk_count")
        if expected is not None and passages.get(row["id"], 0) != int(expected):
            raise RepairImpossible(
                f"article {row['id']} has {passages.get(row['id'], 0)} readable passages, its "
                f"record says {expected}; not a complete copy"
            )


def write_rescue(home: Path, records: dict[str, list[dict[str, Any]]]) -> Path:
    """Write the records durably (fsync, atomic rename) before anything is deleted, and read
    the file back: the copy on disk must hold every record."""
    path = home / RESCUE_NAME
    tmp = path.with_name(path.name + ".tmp")
    expected = sum(len(rows) for rows in records.values())
    with tmp.open("w", encoding="utf-8") as handle:
        for collection, rows in records.items():
            for row in rows:
                handle.write(json.dumps({"collection": collection, **row}, ensure_ascii=False))
                handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    if sum(1 for _ in read_rescue(tmp)) != expected:
        tmp.unlink()
        raise RepairImpossible("the rescue copy did not read back whole")
    os.replace(tmp, path)
    _fsync_dir(home)
    return path


def read_rescue(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def set_aside(chroma_dir: Path, keep_damaged: bool) -> None:
    """Move the damaged directory to ``chroma.damaged`` (or delete a half-rebuilt one).

    Only after a complete rescue copy exists (``store.repair.jsonl`` next to it): refuses
    otherwise, whatever the caller believes."""
    if not chroma_dir.exists():
        return
    if not (chroma_dir.parent / RESCUE_NAME).is_file():
        raise RepairImpossible(f"no rescue copy of {chroma_dir}; refusing to move it")
    if keep_damaged:
        damaged = chroma_dir.with_name(DAMAGED_NAME)
        if damaged.exists():
            shutil.rmtree(damaged, ignore_errors=True)
        os.replace(chroma_dir, damaged)
    else:
        shutil.rmtree(chroma_dir)
    _fsync_dir(chroma_dir.parent)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
