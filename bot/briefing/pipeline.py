"""One-page policy briefings: code gathers, dates, attributes and checks verbatim quotes; a model
may only write prose that the claim checker then finds supported by the quotes it cites.

Stages (reported through ``progress``):

1. **Gathering sources** — several retrieval queries derived from the topic (``topic``,
   ``topic said``, ``warned``, ``plans``, ``next``) fused by reciprocal rank; the passages' whole
   sentences become candidate quotes, ranked by embedding similarity to the topic plus word
   overlap. Headlines, fragments, over-long sentences and text addressed to an AI model are
   never candidates.
2. **Building timeline** — dates found in sentences (``bot.text.dates``), resolved against the
   article's publication date where it has one; each article's lead sentence dated by
   publication when it names no date itself.
3. **Selecting quotes** — the passages are grouped by independent source
   (``publishers.IndependentSources``: one publisher's articles and syndicated copies count
   once). Disagreements: a top sentence the claim checker finds ``contradicted`` by another
   independent source (``disagreements``). Then what to watch, actors' positions and dated
   developments; each development is checked against every other source for corroboration
   and gets an ICD 203 confidence (``corroboration``). Actors' positions come from the parsed
   attribution (``positions``). A sentence is used in one section only.
4. **Writing summary** — the bottom line is built by code from the best-corroborated
   developments ("According to <publisher>, <sentence>", kept only when the checker supports
   it). A capable model (``drafting.is_capable``) drafts the bottom line and the developments'
   sentences; the embedded model only the bottom line. Each model sentence must pass the
   claim checker against the quotes it cites, else the code-built one takes its place.
   ``Briefing.notes`` says what was replaced and why.
5. **Checking quotes** — every citation is re-verified (``article.text[start:end] == quote``);
   an item whose quote fails is dropped. Markers are renumbered 1..N in reading order.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.briefing.candidates import (
    CitationPool,
    Sentence,
    candidate_sentences,
    gather_passages,
    sentence_date,
)
from bot.briefing.corroboration import corroborate
from bot.briefing.disagreements import select_disagreements
from bot.briefing.drafting import draft_sections, is_capable
from bot.briefing.evidence import Evidence
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
from bot.briefing.publishers import publisher_name, url_host
from bot.briefing.sections import (
    select_developments,
    select_watch,
)
from bot.briefing.summary import (
    code_bottom_line,
    extractive_bottom_line,
    join_sentences,
    write_bottom_line,
)
from bot.claims import verify_citation
from bot.claims.checker import ClaimChecker
from bot.settings import BriefingSettings
from bot.types import Citation, SearchFilters

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
    evidence = Evidence(passages, limits.passages_per_source)
    checker = ClaimChecker(bot.sentence_embeddings, bot.settings.claims)
    disagreements = select_disagreements(relevant, evidence, checker, limits, pool, used)
    watch = select_watch(relevant, dated, limits, pool, used)
    positions = select_positions(attributable, limits, pool, used)
    # twice as many candidates as shown, corroborated, the better-corroborated kept
    wide = limits.model_copy(update={"developments": 2 * limits.developments})
    considered = set(used)
    candidates = select_developments(relevant, dated, wide, pool, considered)
    candidates = [_corroborated(d, evidence, checker, pool) for d in candidates]
    kept = _one_per_event(
        sorted(
            candidates,
            # an event two sources tell is shown in the words of the one not state-affiliated
            key=lambda d: (-min(d.corroboration, 3), _state(pool, d.marker), d.rank),
        ),
        pool,
    )
    developments = sorted(
        (dataclasses.replace(d, rank=n) for n, d in enumerate(kept[: limits.developments])),
        key=lambda d: d.sort_key,
    )
    used.update(_key(pool, d.marker) for d in developments)
    lap("select")

    # 4. Writing summary
    stage(STAGES[3])
    # most independent sources, then confidence, then not state-affiliated, then relevance
    best = sorted(
        developments,
        key=lambda d: (-d.corroboration, _LEVELS[d.confidence], _state(pool, d.marker), d.rank),
    )
    items = [(d.marker, _publisher(pool, d.marker), d.support) for d in best]
    code_built = code_bottom_line(items, pool, checker, limits.bottom_line)
    bottom_line, origin = "", "code"
    if use_model and bot.llm is not None and best:
        if is_capable(bot.llm):
            draft = draft_sections(bot, topic, pool, developments, limits, checker, code_built)
            developments, bottom_line = draft.developments, draft.bottom_line
            notes += draft.notes
        else:
            reserved = [d.marker for d in best[: limits.bottom_line]]
            bottom_line, reasons = write_bottom_line(
                bot, topic, pool, reserved, limits, checker, code_built
            )
            if bottom_line:
                notes += reasons
            else:
                notes.append(
                    f"model bottom line rejected: {reasons[0]}; code-built bottom line used"
                )
        if bottom_line:
            origin = "model"
    if not bottom_line and code_built:
        bottom_line = join_sentences(code_built)
    if not bottom_line:
        bottom_line = extractive_bottom_line(pool, [d.marker for d in best[: limits.bottom_line]])
        origin = "extractive"
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


_LEVELS = {"high": 0, "moderate": 1, "low": 2}


def _key(pool: CitationPool, marker: int) -> tuple[str, int]:
    c = pool.citations[marker]
    return (c.article_id, c.start)


def _state(pool: CitationPool, marker: int) -> bool:
    article = pool.articles[pool.citations[marker].article_id]
    return match_outlet(article.source, article.url) is not None


def _publisher(pool: CitationPool, marker: int) -> str:
    """Who a code-built sentence names as its source: the publisher, or "a report"."""
    article = pool.articles[pool.citations[marker].article_id]
    return publisher_name(article) if article.source or url_host(article.url) else "a report"


def _one_per_event(developments: Sequence[Development], pool: CitationPool) -> list[Development]:
    """Each event once: a development whose own quote is the corroborating quote of one kept
    before it (two sources telling the same event in their own words) is that event again; it
    stays as the support it already is."""
    kept: list[Development] = []
    for d in developments:
        own = pool.citations[d.marker]
        if not any(_overlaps(own, pool.citations[m]) for k in kept for m in (k.marker, *k.support)):
            kept.append(d)
    return kept


def _overlaps(a: Citation, b: Citation) -> bool:
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end


def _corroborated(
    d: Development, evidence: Evidence, checker: ClaimChecker, pool: CitationPool
) -> Development:
    """The development with its supporting sources, their quotes and its confidence."""
    c = pool.citations[d.marker]
    found = corroborate(
        Sentence(pool.articles[c.article_id], c.start, c.end, 0.0, 0), evidence, checker, pool
    )
    return dataclasses.replace(
        d,
        support=found.support,
        sources=found.sources,
        confidence=found.level,
        confidence_note=found.phrase,
    )


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
    developments = [
        dataclasses.replace(d, support=tuple(m for m in d.support if m in good))
        for d in developments
        if d.marker in good
    ]
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
