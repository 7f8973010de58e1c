"""How an article and its passages are written as Chroma records, and read back.

Article records hold the clean text as their document and the fields below as metadata; passage
(chunk) records carry their article's id, version (``content_hash``), offsets and the fields the
retriever filters on (``source``, ``published_ts``). Metadata never holds ``None`` (Chroma refuses
it) nor terminal control characters (whatever reads the store never prints an escape sequence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from vectorstore.lexical_index import IndexedArticle, IndexedPassage
from vectorstore.models import Article, Chunk

# Articles need no vector search; Chroma still wants a vector per record.
ARTICLE_VECTOR = [1.0]
ARTICLE_FIELDS = (
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


def no_nulls(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if v is not None}


def _plain(value: Any) -> Any:
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def safe_article(article: Article) -> Article:
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
    fields = {name: _plain(getattr(article, name)) for name in ARTICLE_FIELDS if name != "text"}
    return replace(article, **fields)


def article_metadata(article: Article) -> dict:
    meta = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    ts = published_ts(article.published_at)
    if ts is not None:
        meta["published_ts"] = ts
    return {k: v for k, v in meta.items() if v is not None and v != ""}


def article_from_record(article_id: str, document: str | None, meta: dict | None) -> Article:
    meta = meta or {}
    fields = {name: meta.get(name) for name in ARTICLE_FIELDS}
    fields["title"] = fields["title"] or "(untitled)"
    fields["content_hash"] = fields["content_hash"] or ""
    fields["origin"] = fields["origin"] or ""
    fields["simhash"] = fields["simhash"] or ""
    fields["ingested_at"] = fields["ingested_at"] or ""
    fields["chunk_count"] = int(fields["chunk_count"] or 0)
    return Article(id=article_id, text=document or "", **fields)


def chunk_metadata(article: Article, chunk: Chunk) -> dict:
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


def chunk_from_record(chunk_id: str, document: str, meta: dict) -> Chunk:
    return Chunk(
        id=chunk_id,
        article_id=str(meta["article_id"]),
        index=int(meta["index"]),
        start=int(meta["start"]),
        end=int(meta["end"]),
        text=document,
    )


def indexed_article(
    article_id: str, meta: dict, passages: Sequence[IndexedPassage]
) -> IndexedArticle:
    return IndexedArticle(
        article_id=article_id,
        content_hash=str(meta.get("content_hash") or ""),
        seq=int(meta.get("seq") or 0),
        title=str(meta.get("title") or "(untitled)"),
        source=meta.get("source"),
        published_at=meta.get("published_at"),
        published_ts=published_ts(meta.get("published_at")),
        simhash=str(meta.get("simhash") or ""),
        passages=tuple(sorted(passages, key=lambda p: p.index)),
    )


def chunk_record_id(chunk: Chunk, content_hash: str) -> str:
    """Chroma id of a chunk of one article version: ``<chunk.id>@<hash[:12]>``."""
    suffix = f"@{content_hash[:12] or 'v0'}"
    return chunk.id if chunk.id.endswith(suffix) else f"{chunk.id}{suffix}"
