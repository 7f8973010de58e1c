"""One-page policy briefings: code gathers, dates, attributes and pairs verbatim quotes; the model
only writes the bottom line's prose, and that prose is checked against the quotes it cites.

Stages (reported through ``progress``):

1. **Gathering sources** — several retrieval queries derived from the topic (``topic``,
   ``topic said``, ``warned``, ``plans``, ``next``) fused by reciprocal rank; the passages' whole
   sentences become candidate quotes, ranked by embedding similarity to the topic plus word
   overlap. Headlines, fragments, over-long sentences and text addressed to an AI model are
   never candidates.
2. **Building timeline** — dates found in sentences (``bot.text.dates``), resolved against the
   article's publication date where it has one; each article's lead sentence dated by
   publication when it names no date itself.
3. **Selecting quotes** — disagreements between different publishers (differing figures on the
   same subject, or opposing framing words), the bottom line's reserved top quotes, actors'
   positions from the parsed attribution (``bot.briefing.positions``), forward-looking sentences for
   "what to watch", and dated developments. A sentence is used in one section only.
4. **Writing summary** — the model gets the reserved quotes, numbered, and writes 2–3 sentences
   with ``[n]`` markers. Every sentence must carry valid markers, contain no name, number or
   quotation absent from the quotes it cites, and be supported by the reserved quotes according
   to the claim checker (``bot.claims.check``), whose quotes become its markers; a sentence that
   fails is replaced by a reserved quote, and when none passes the bottom line is the quotes
   themselves (extractive). ``Briefing.notes`` says why.
5. **Checking quotes** — every citation is re-verified (``article.text[start:end] == quote``);
   an item whose quote fails is dropped. Markers are renumbered 1..N in reading order.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.briefing.candidates import (
    CitationPool,
    candidate_sentences,
    gather_passages,
    sentence_date,
)
from bot.briefing.disagreements import select_disagreements
from bot.briefing.media import match_outlet
from bot.briefing.model import (
    MARKER,
    Briefing,
    Development,
    Disagreement,
    Position,
    SourceEntry,
    WatchItem,
)
from bot.briefing.positions import select_positions
from bot.briefing.publishers import publisher_name
from bot.briefing.sections import (
    select_bottom_line_quotes,
    select_developments,
    select_watch,
)
from bot.briefing.summary import extractive_bottom_line, write_bottom_line
from bot.claims import verify_citation
from bot.settings import BriefingSettings
from bot.types import SearchFilters

if TYPE_CHECKING:
    from bot.service import Briefbot

Progress = Callable[[str], None]

STAGES = (
    "Gathering sources",
    "Building timeline",
    "Selecting quotes",
    "Writing summary",
    "Checking quotes",
)

QUERY_SUFFIXES = ("", " said", " warned", " plans", " next")


def generate_briefing(
    bot: Briefbot,
    topic: str,
    filters: SearchFilters | None = None,
    progress: Progress | None = None,
    *,
    limits: BriefingSettings | None = None,
    use_model: bool = True,
) -> Briefing:
    """A briefing on ``topic`` from the stored articles (see the module docstring)."""
    limits = limits or bot.settings.briefing
    topic = " ".join(topic.split())
    if not topic:
        raise ValueError("a briefing needs a topic")
    timings: dict[str, float] = {}
    notes: list[str] = []

    def stage(name: str) -> None:
        if progress is not None:
            progress(name)

    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    # 1. Gathering sources
    stage(STAGES[0])
    passages = gather_passages(bot, topic, filters, limits)
    sentences = candidate_sentences(bot, topic, passages, limits)
    lap("gather")

    # 2. Building timeline
    stage(STAGES[1])
    dated = {s.key: sentence_date(s) for s in sentences}
    lap("timeline")

    # 3. Selecting quotes
    stage(STAGES[2])
    pool = CitationPool()
    used: set[tuple[str, int]] = set()
    relevant = [
        s
        for s in sentences
        if s.relevance >= limits.min_relevance and s.semantic >= limits.min_semantic
    ]
    # Statements need less on their own ("he insisted") when their article is on topic.
    top = sentences[0].relevance if sentences else 0.0
    article_best: dict[str, float] = {}
    for s in sentences:
        article_best.setdefault(s.article.id, s.relevance)
    on_topic = {
        a for a, best in article_best.items() if best >= max(limits.min_relevance, 0.6 * top)
    }
    attributable = [
        s
        for s in sentences
        if s.relevance >= limits.min_position_relevance and s.article.id in on_topic
    ]
    disagreements = select_disagreements(relevant, limits, pool, used)
    watch = select_watch(relevant, dated, limits, pool, used)
    reserved = select_bottom_line_quotes(relevant, limits, used)
    positions = select_positions(attributable, limits, pool, used)
    developments = select_developments(relevant, dated, limits, pool, used)
    lap("select")

    # 4. Writing summary
    stage(STAGES[3])
    bottom_markers = [pool.add(s) for s in reserved]
    bottom_line, origin = "", "extractive"
    if use_model and reserved:
        bottom_line, reasons = write_bottom_line(bot, topic, pool, bottom_markers, limits)
        if bottom_line:
            origin = "model"
            notes += reasons
        else:
            notes.append(f"model bottom line rejected: {reasons[0]}; extractive bottom line used")
    if not bottom_line:
        bottom_line = extractive_bottom_line(pool, bottom_markers)
    lap("summary")

    # 5. Checking quotes
    stage(STAGES[4])
    briefing = _assemble(
        topic,
        bottom_line,
        origin,
        developments,
        positions,
        disagreements,
        watch,
        pool,
        notes,
    )
    lap("check")
    briefing.timings = timings
    return briefing


def _assemble(
    topic: str,
    bottom_line: str,
    origin: str,
    developments: list[Development],
    positions: list[Position],
    disagreements: list[Disagreement],
    watch: list[WatchItem],
    pool: CitationPool,
    notes: list[str],
) -> Briefing:
    good = {
        m
        for m, c in pool.citations.items()
        if c.verified and verify_citation(c, pool.articles[c.article_id].text)
    }
    bad = set(pool.citations) - good
    if bad:
        notes.append(f"{len(bad)} quote(s) failed verification and were left out")
    developments = [d for d in developments if d.marker in good]
    positions = [
        Position(p.actor, tuple(m for m in p.markers if m in good), p.role)
        for p in positions
        if any(m in good for m in p.markers)
    ]
    disagreements = [d for d in disagreements if d.left in good and d.right in good]
    watch = [w for w in watch if w.marker in good]
    if any(int(m) in bad for m in MARKER.findall(bottom_line)):
        bottom_line = " ".join(
            part
            for part in re.split(r"(?<=\])\s+", bottom_line)
            if not any(int(m) in bad for m in MARKER.findall(part))
        )
    markers_by_article: dict[str, list[int]] = defaultdict(list)
    for m in sorted(good):
        markers_by_article[pool.citations[m].article_id].append(m)
    sources = []
    for article_id, markers in markers_by_article.items():
        article = pool.articles[article_id]
        outlet = match_outlet(article.source, article.url)
        sources.append(
            SourceEntry(
                article_id=article.id,
                publisher=publisher_name(article),
                title=article.title,
                published_at=article.published_at,
                url=article.url,
                state_affiliated=outlet is not None,
                markers=tuple(markers),
                state_outlet=outlet.name if outlet else None,
            )
        )
    draft = Briefing(
        title=f"Briefing: {topic}",
        topic=topic,
        earliest=None,
        latest=None,
        source_count=len(sources),
        bottom_line=bottom_line,
        developments=developments,
        positions=positions,
        disagreements=disagreements,
        watch=watch,
        sources=sources,
        citations=[pool.citations[m] for m in sorted(good)],
        bottom_line_origin=origin,
        generated_at=datetime.now(UTC).date().isoformat(),
        notes=notes,
        articles=dict(pool.articles),
    )
    # Renumber 1..N in reading order (and drop citations no section uses).
    return draft.select()
