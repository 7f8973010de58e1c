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


def looks_damaged(exc: BaseException) -> bool:
    """Is this exception Chroma failing to load or update its on-disk vector index?"""
    try:
        from chromadb.errors import ChromaError, InternalError
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, InternalError):
        return True
    text = str(exc).lower()
    return isinstance(exc, ChromaError) and any(
        word in text for word in ("hnsw", "compactor", "backfill", "pickle", "segment")
    )


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


def write_rescue(home: Path, records: dict[str, list[dict[str, Any]]]) -> Path:
    """Write the records durably (fsync, atomic rename) before anything is deleted."""
    path = home / RESCUE_NAME
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for collection, rows in records.items():
            for row in rows:
                handle.write(json.dumps({"collection": collection, **row}, ensure_ascii=False))
                handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(home)
    return path


def read_rescue(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def set_aside(chroma_dir: Path, keep_damaged: bool) -> None:
    """Move the damaged directory to ``chroma.damaged`` (or delete a half-rebuilt one)."""
    if not chroma_dir.exists():
        return
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
