"""The one-page briefing as data: sections whose items point at numbered, verified quotes.

Every quote shown in a briefing is a ``Citation`` (``verified`` True, ``article.text[start:end]
== quote``); sections refer to citations by ``marker`` and the bottom line carries ``[n]``
markers. ``Briefing.select`` makes a smaller briefing (for fitting a page) with markers
renumbered 1..N in reading order.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from bot.types import Citation
from vectorstore.models import Article

NO_DEVELOPMENTS = "The sources describe no dated developments on this topic."
NO_POSITIONS = "The sources attribute no statements to named actors on this topic."
NO_DISAGREEMENTS = "No direct contradiction between sources was found."
NO_WATCH = "The sources name no upcoming events."
NO_SOURCES = "No stored article covers this topic."

MARKER = re.compile(r"\[(\d+)\]")


_OPENING = ("“", '"', "«", "‘", "„")
_CLOSING = ("”", '"', "»", "’")


def inline_quote(text: str) -> str:
    """A quote in curly quotation marks, without doubling marks the quote already starts or
    ends with (a sentence that opens a longer quotation keeps its own “)."""
    text = text.strip()
    opening = "" if text.startswith(_OPENING) else "“"
    closing = "" if text.endswith(_CLOSING) else "”"
    return f"{opening}{text}{closing}"


@dataclass(frozen=True)
class Development:
    """A dated event, told by one quoted sentence."""

    when: str
    """Display label of the date ("2019", "18 June", "Wednesday", "2023-09-26")."""
    sort_key: tuple[int, int, int, int]
    """(year, month, day, order) with 9999/99 for unknown parts: chronological order."""
    marker: int
    date_iso: str | None = None
    """The date resolved to ISO form where the text and article date allow (``YYYY[-MM[-DD]]``)."""
    rank: int = 0
    """Importance (0 = most relevant): what a shortened briefing keeps first."""
    support: tuple[int, ...] = ()
    """Markers of other independent sources' quotes that support it (``corroboration``)."""
    sources: tuple[str, ...] = ()
    """The independent sources that support it, its own first."""
    confidence: str = "low"
    """ICD 203 confidence level (``low``/``moderate``/``high``, ``corroboration.confidence``)."""
    confidence_note: str = ""
    """The confidence phrase shown ("moderate confidence: 2 independent sources")."""
    text: str | None = None
    """A model-written sentence that passed the claim checker; None: the quote is the text."""

    @property
    def corroboration(self) -> int:
        """How many independent sources support it."""
        return max(1, len(self.sources))

    @property
    def markers(self) -> tuple[int, ...]:
        return (self.marker, *self.support)


@dataclass(frozen=True)
class Position:
    """What one actor said, as quotes of their attributed sentences."""

    actor: str
    markers: tuple[int, ...]
    role: str | None = None


@dataclass(frozen=True)
class Disagreement:
    """Two independent sources giving conflicting values for the same attribute of the same
    thing (the claim checker found one ``contradicted`` by the other), quoted side by side."""

    attribute: str
    """What they disagree about, in a few words taken from both sentences."""
    left: int
    right: int
    kind: str = "figure"
    """``figure``, ``date`` or ``yes or no`` (``disagreements.conflict_kind``)."""
    detail: str = ""
    """The conflicting values as each side gives them ("12 vs 40")."""


@dataclass(frozen=True)
class WatchItem:
    """An upcoming event or risk the sources name (a forward-looking sentence)."""

    cue: str
    """The future marker found ("plans to", "may", "next week", "Thursday")."""
    marker: int


@dataclass(frozen=True)
class SourceEntry:
    """One cited article."""

    article_id: str
    publisher: str
    title: str
    published_at: str | None
    url: str | None
    state_affiliated: bool
    markers: tuple[int, ...] = ()
    state_outlet: str | None = None


@dataclass
class Briefing:
    title: str
    topic: str
    earliest: str | None
    latest: str | None
    source_count: int
    bottom_line: str
    developments: list[Development] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)
    watch: list[WatchItem] = field(default_factory=list)
    sources: list[SourceEntry] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    bottom_line_origin: str = "extractive"
    """``model`` when model prose passed the checks, ``code`` when the bottom line is built by
    code from the best-corroborated developments, ``extractive`` when only quotes remained."""
    generated_at: str = ""
    notes: list[str] = field(default_factory=list)
    """What the checks did (e.g. why the model's bottom line was rejected)."""
    timings: dict[str, float] = field(default_factory=dict)
    articles: dict[str, Article] = field(default_factory=dict, repr=False, compare=False)
    """The cited articles (not serialised): lets exports re-verify and renumber quotes."""

    # ---- lookups ---------------------------------------------------------------------------

    def citation(self, marker: int) -> Citation:
        for c in self.citations:
            if c.marker == marker:
                return c
        raise KeyError(marker)

    @property
    def date_span(self) -> tuple[str | None, str | None]:
        return self.earliest, self.latest

    def quote_dict(self, marker: int) -> dict:
        c = self.citation(marker)
        return {
            "marker": c.marker,
            "quote": c.quote,
            "article_id": c.article_id,
            "start": c.start,
            "end": c.end,
        }

    def source_name(self, marker: int) -> str:
        for s in self.sources:
            if marker in s.markers:
                return s.publisher
        return self.citation(marker).source or "Unknown publisher"

    def bottom_line_sentences(self) -> list[str]:
        """The bottom line's sentences, each ending with its ``[n]`` markers."""
        return split_marked_sentences(self.bottom_line)

    def to_dict(self) -> dict:
        """The whole briefing (``briefbot brief --json``): every section with its quotes."""
        return {
            "title": self.title,
            "topic": self.topic,
            "earliest": self.earliest,
            "latest": self.latest,
            "source_count": self.source_count,
            "bottom_line": [
                {
                    "text": MARKER.sub("", sentence).strip(),
                    "citations": [self.quote_dict(int(m)) for m in MARKER.findall(sentence)],
                }
                for sentence in self.bottom_line_sentences()
            ],
            "bottom_line_origin": self.bottom_line_origin,
            "developments": [
                {
                    "when": d.when,
                    "date": d.date_iso,
                    "text": d.text or self.citation(d.marker).quote,
                    "text_origin": "model" if d.text else "quote",
                    "citations": [self.quote_dict(m) for m in d.markers],
                    "sources": list(d.sources),
                    "corroboration": d.corroboration,
                    "confidence": d.confidence,
                    "confidence_note": d.confidence_note,
                }
                for d in self.developments
            ],
            "positions": [
                {
                    "actor": p.actor,
                    "role": p.role,
                    "quotes": [self.quote_dict(m) for m in p.markers],
                }
                for p in self.positions
            ],
            "disagreements": [
                {
                    "attribute": d.attribute,
                    "kind": d.kind,
                    "detail": d.detail,
                    "sides": [
                        {"source": self.source_name(m), **self.quote_dict(m)}
                        for m in (d.left, d.right)
                    ],
                }
                for d in self.disagreements
            ],
            "watch": [{"cue": w.cue, **self.quote_dict(w.marker)} for w in self.watch],
            "sources": [dataclasses.asdict(s) for s in self.sources],
            "citations": [c.to_dict() for c in self.citations],
            "generated_at": self.generated_at,
            "notes": list(self.notes),
            "timings": dict(self.timings),
        }

    # ---- shrinking for a page ----------------------------------------------------------------

    def select(
        self,
        *,
        developments: int | None = None,
        positions: int | None = None,
        quotes_per_position: int | None = None,
        disagreements: int | None = None,
        watch: int | None = None,
        max_quote_chars: int | None = None,
        bottom_line_sentences: int | None = None,
    ) -> Briefing:
        """A smaller briefing: at most so many items per section, only quotes up to
        ``max_quote_chars`` (whole sentences are never cut: longer quotes are left out), and
        citation markers renumbered 1..N in reading order. ``None`` keeps a section whole."""

        def short(marker: int) -> bool:
            return max_quote_chars is None or len(self.citation(marker).quote) <= max_quote_chars

        def take(items: list, limit: int | None) -> list:
            return items if limit is None else items[:limit]

        bottom = self.bottom_line
        if bottom_line_sentences is not None:
            parts = split_marked_sentences(bottom)
            bottom = " ".join(parts[: max(1, bottom_line_sentences)])
        by_rank = sorted(self.developments, key=lambda d: d.rank)
        devs = take([d for d in by_rank if short(d.marker)], developments)
        devs = sorted(devs, key=lambda d: d.sort_key)
        pos = []
        for p in self.positions:
            kept = [m for m in p.markers if short(m)]
            if quotes_per_position is not None:
                kept = kept[:quotes_per_position]
            if kept:
                pos.append(dataclasses.replace(p, markers=tuple(kept)))
        pos = take(pos, positions)
        dis = take(
            [d for d in self.disagreements if short(d.left) and short(d.right)], disagreements
        )
        wat = take([w for w in self.watch if short(w.marker)], watch)

        # Reading order: bottom line, developments, positions, disagreements, watch.
        order: list[int] = []

        def see(m: int) -> None:
            if m not in order:
                order.append(m)

        for m in MARKER.findall(bottom):
            see(int(m))
        for d in devs:
            for m in d.markers:
                see(m)
        for p in pos:
            for m in p.markers:
                see(m)
        for d in dis:
            see(d.left)
            see(d.right)
        for w in wat:
            see(w.marker)
        renumber = {old: new for new, old in enumerate(order, start=1)}
        citations = [
            _renumbered(self.citation(old), new, self.articles) for old, new in renumber.items()
        ]

        def rn(m: int) -> int:
            return renumber[m]

        sources = []
        for s in self.sources:
            markers = tuple(sorted(rn(m) for m in s.markers if m in renumber))
            if markers:
                sources.append(dataclasses.replace(s, markers=markers))
        sources.sort(key=lambda s: s.markers[0])
        return dataclasses.replace(
            self,
            bottom_line=MARKER.sub(lambda mo: f"[{rn(int(mo.group(1)))}]", bottom),
            developments=[
                dataclasses.replace(d, marker=rn(d.marker), support=tuple(rn(m) for m in d.support))
                for d in devs
            ],
            positions=[
                dataclasses.replace(p, markers=tuple(rn(m) for m in p.markers)) for p in pos
            ],
            disagreements=[dataclasses.replace(d, left=rn(d.left), right=rn(d.right)) for d in dis],
            watch=[dataclasses.replace(w, marker=rn(w.marker)) for w in wat],
            sources=sources,
            citations=citations,
            source_count=len(sources),
            earliest=_min_date(s.published_at for s in sources),
            latest=_max_date(s.published_at for s in sources),
            notes=list(self.notes),
            timings=dict(self.timings),
        )


def _renumbered(citation: Citation, marker: int, articles: dict[str, Article]) -> Citation:
    """The same verified quote under a new marker (re-verified against the article when known)."""
    if citation.marker == marker:
        return citation
    article = articles.get(citation.article_id)
    if article is not None:
        from bot.claims import make_citation

        return make_citation(marker, article, citation.start, citation.end)
    return dataclasses.replace(citation, marker=marker)


def split_marked_sentences(text: str) -> list[str]:
    """Bottom-line sentences: each ends after its closing marker(s)."""
    text = text.strip()
    parts: list[str] = []
    cursor = 0
    for mo in re.finditer(r"\[\d+\](?:\s*\[\d+\])*[.!?]?(?=\s|$)", text):
        parts.append(text[cursor : mo.end()].strip())
        cursor = mo.end()
    tail = text[cursor:].strip()
    if tail:
        if parts:
            parts[-1] = f"{parts[-1]} {tail}"
        else:
            parts.append(tail)
    return [p for p in parts if p]


def _min_date(values) -> str | None:  # type: ignore[no-untyped-def]
    dates = sorted(v[:10] for v in values if v)
    return dates[0] if dates else None


def _max_date(values) -> str | None:  # type: ignore[no-untyped-def]
    dates = sorted(v[:10] for v in values if v)
    return dates[-1] if dates else None
