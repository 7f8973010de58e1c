"""Plain data records shared by ingestion, the store and everything above it.

Offsets are character offsets into ``Article.text`` (the stored clean text), so that any quote
can be checked with ``article.text[start:end] == quote``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ParsedDocument:
    """One article as a parser found it, before it has an id or chunks."""

    text: str
    title: str | None = None
    source: str | None = None
    author: str | None = None
    published_at: str | None = None  # ISO 8601 date or datetime
    url: str | None = None
    language: str | None = None
    origin: str = ""  # the path or URL it was read from


@dataclass(frozen=True)
class Article:
    """A stored article: clean text plus metadata. ``id`` is stable across re-ingests."""

    id: str
    title: str
    text: str
    content_hash: str
    source: str | None = None
    author: str | None = None
    published_at: str | None = None
    url: str | None = None
    language: str | None = None
    origin: str = ""
    simhash: str = ""  # 64-bit SimHash as 16 hex chars, for near-duplicate detection
    near_duplicate_of: str | None = None
    chunk_count: int = 0
    ingested_at: str = ""

    def to_dict(self, with_text: bool = True) -> dict:
        data = asdict(self)
        if not with_text:
            data.pop("text")
        return data


@dataclass(frozen=True)
class Chunk:
    """A passage of an article: ``article.text[start:end] == text``."""

    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ScoredChunk:
    """A chunk returned by a search, with the score of the search that found it."""

    chunk: Chunk
    score: float
    article: Article | None = None


@dataclass
class Failure:
    path: str
    error: str


@dataclass
class IngestReport:
    """What one ingest run did; ``to_dict`` is the CLI's ``--json`` shape."""

    added: int = 0
    skipped: int = 0
    replaced: int = 0
    chunks: int = 0
    failed: list[Failure] = field(default_factory=list)
    near_duplicates: list[dict] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "skipped": self.skipped,
            "replaced": self.replaced,
            "failed": [asdict(f) for f in self.failed],
            "chunks": self.chunks,
            "near_duplicates": self.near_duplicates,
            "article_ids": self.article_ids,
        }
