"""A digest: what is new in a collection, as stories with their outlets and one verified quote."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.types import Citation


@dataclass(frozen=True)
class DigestSource:
    """One article of a story."""

    article_id: str
    title: str
    outlet: str
    published_at: str | None
    ingested_at: str | None
    url: str | None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Story:
    """Articles reporting the same news: syndicated copies and near-duplicates folded."""

    headline: str
    sources: list[DigestSource]
    outlets: list[str]
    """Distinct publishers, in order of first appearance."""
    quote: Citation | None
    """The story's best sentence, ``article.text[start:end] == quote`` checked (None when no
    article has a quotable sentence)."""
    first_seen: str
    last_seen: str

    @property
    def outlet_count(self) -> int:
        return len(self.outlets)

    def to_dict(self) -> dict:
        return {
            "headline": self.headline,
            "outlet_count": self.outlet_count,
            "outlets": self.outlets,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "quote": self.quote.to_dict() if self.quote else None,
            "sources": [s.to_dict() for s in self.sources],
        }


@dataclass
class Digest:
    collection: str
    since: str
    """The window's first moment (ISO, UTC)."""
    generated_at: str
    stories: list[Story] = field(default_factory=list)
    article_count: int = 0
    omitted_stories: int = 0
    """Stories beyond ``DigestSettings.max_stories`` (the least reported)."""

    @property
    def citations(self) -> list[Citation]:
        return [s.quote for s in self.stories if s.quote is not None]

    def to_dict(self) -> dict:
        return {
            "collection": self.collection,
            "since": self.since,
            "generated_at": self.generated_at,
            "articles": self.article_count,
            "stories": [s.to_dict() for s in self.stories],
            "omitted_stories": self.omitted_stories,
        }
