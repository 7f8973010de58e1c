"""Records that leave ``bot``: answers, citations and the filters a question runs under."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from vectorstore.models import ScoredChunk


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions asked for explicitly (CLI flags, UI) or read from the question."""

    sources: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None

    def is_empty(self) -> bool:
        return not self.sources and self.since is None and self.until is None


@dataclass(frozen=True)
class Citation:
    """A verbatim quote: ``article.text[start:end] == quote`` was checked when ``verified``."""

    marker: int
    quote: str
    article_id: str
    title: str
    source: str | None
    published_at: str | None
    url: str | None
    start: int
    end: int
    verified: bool

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    """An answer whose ``[n]`` markers point at ``citations`` with the same marker."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    flagged_quotes: list[str] = field(default_factory=list)
    """Text the model put in quotation marks that no source contains: shown as a warning,
    never as a quote."""
    passages: list[ScoredChunk] = field(default_factory=list)
    """The passages the model saw, in marker order (not serialised)."""
    short_answer: str | None = None
    """The direct answer in a few words (a name, number, date, "Yes"/"No"), settled by code
    from the cited quotes; None when the evidence does not settle it (and on abstention)."""

    def to_dict(self) -> dict:
        return {
            "short_answer": self.short_answer,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "flagged_quotes": self.flagged_quotes,
        }
