"""How many independent sources back a development, and how confident the briefing may be.

Corroboration: a development's sentence is checked by the claim checker (``bot.claims``)
against the gathered articles (whole, not only their retrieved passages) of every *other*
independent source (``publishers.IndependentSources``:
syndicated copies and one publisher's articles count once). ``supported`` adds that source and
its quote; ``contradicted`` marks the development as disputed.

Confidence follows the analytic-confidence language of ICD 203 (US Intelligence Community
Directive 203, "Analytic Standards": *low*, *moderate*, *high* confidence) and is decided by
:func:`confidence` from :data:`CONFIDENCE_RULES` alone — see docs/briefing.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.briefing.candidates import CitationPool, Sentence
from bot.briefing.evidence import Evidence
from bot.briefing.media import match_outlet
from bot.claims.checker import ClaimChecker, Verdict
from bot.text.words import claim_stems, claim_terms
from vectorstore.models import Chunk, ScoredChunk

HIGH, MODERATE, LOW = "high", "moderate", "low"

CONFIDENCE_RULES: tuple[tuple[int, int, str], ...] = (
    # (independent sources supporting >=, of them not state-affiliated >=, confidence)
    (3, 2, HIGH),
    (2, 1, MODERATE),
    (1, 0, LOW),
)
"""First matching row wins; a development another source contradicts is always ``low``."""


def confidence(independent: int, not_state: int, disputed: bool = False) -> str:
    """ICD 203 confidence level of a development from its corroboration (see the rules)."""
    if disputed:
        return LOW
    for min_sources, min_not_state, level in CONFIDENCE_RULES:
        if independent >= min_sources and not_state >= min_not_state:
            return level
    return LOW


def confidence_scale() -> str:
    """The scale in words, from :data:`CONFIDENCE_RULES` (shown under Key developments)."""
    rows = []
    for min_sources, min_not_state, level in CONFIDENCE_RULES:
        if min_sources <= 1:
            rows.append(f"{level} otherwise or when another source contradicts it")
        else:
            rows.append(
                f"{level} = {min_sources}+ independent sources, "
                f"{min_not_state}+ not state-affiliated"
            )
    return "Confidence (ICD 203 terms): " + "; ".join(rows) + "."


def confidence_phrase(level: str, independent: int, state: int, disputed: bool) -> str:
    """e.g. "moderate confidence: 2 independent sources, 1 state-affiliated"."""
    parts = [f"{independent} independent source{'s' if independent != 1 else ''}"]
    if state:
        parts.append(f"{state} state-affiliated")
    if disputed:
        parts.append("disputed by another source")
    return f"{level} confidence: {', '.join(parts)}"


@dataclass(frozen=True)
class Corroboration:
    sources: tuple[str, ...]
    """Names of the independent sources that support it (its own first)."""
    support: tuple[int, ...]
    """Markers of the other sources' supporting quotes."""
    state_affiliated: int
    """How many of those sources are state-affiliated media (``media.match_outlet``)."""
    disputed: bool

    @property
    def count(self) -> int:
        return len(self.sources)

    @property
    def level(self) -> str:
        return confidence(self.count, self.count - self.state_affiliated, self.disputed)

    @property
    def phrase(self) -> str:
        return confidence_phrase(self.level, self.count, self.state_affiliated, self.disputed)


def _state_source(evidence: Evidence, key: str) -> bool:
    """A source is state-affiliated when any of its copies comes from a listed outlet (the
    cautious reading: the story may originate there)."""
    return any(match_outlet(a.source, a.url) for a in evidence.sources.members(key))


def _whole_articles(evidence: Evidence, key: str, sentence: str) -> list[ScoredChunk]:
    """Source ``key``'s gathered articles, each whole as one passage, when it shares at least two
    content stems with ``sentence``. Whole articles, not only the retrieved passages: the
    development may come from a sentence retrieval did not reach in its own article, and the
    other source may say it where no topic query looked."""
    wanted = {t.stem for t in claim_terms(sentence)}
    return [
        ScoredChunk(Chunk(f"{a.id}:whole", a.id, -1, 0, len(a.text), a.text), 0.0, a)
        for a in evidence.sources.members(key)
        if len(wanted & _stems(a.text)) >= 2
    ]


@lru_cache(maxsize=64)
def _stems(text: str) -> frozenset[str]:
    """An article's stems, read once per briefing (every development asks again)."""
    return frozenset(claim_stems(text))


def corroborate(
    s: Sentence, evidence: Evidence, checker: ClaimChecker, pool: CitationPool
) -> Corroboration:
    """Which independent sources support (or contradict) sentence ``s``."""
    own = evidence.sources.of(s.article.id) if s.article.id in evidence.articles else None
    keys = [own] if own else []
    support: list[int] = []
    disputed = False
    for other in evidence.sources.source_keys():
        if other == own:
            continue
        passages = _whole_articles(evidence, other, s.text)
        if not passages:
            continue
        result = checker.check(s.text, passages)
        if result.verdict is Verdict.SUPPORTED and result.citations:
            keys.append(other)
            c = result.citations[0]
            support.append(pool.add_span(evidence.articles[c.article_id], c.start, c.end))
        elif result.verdict is Verdict.CONTRADICTED:
            disputed = True
    names = tuple(evidence.sources.name(k) for k in keys) or (s.article.source or "",)
    state = sum(1 for k in keys if _state_source(evidence, k))
    if own is None and match_outlet(s.article.source, s.article.url):
        state += 1
    return Corroboration(names, tuple(support), state, disputed)


def rank_for_bottom_line(items: Sequence[tuple[Corroboration, int]]) -> list[int]:
    """Indexes of (corroboration, rank) items, best-corroborated first, then most relevant."""
    order = {HIGH: 0, MODERATE: 1, LOW: 2}
    return sorted(
        range(len(items)),
        key=lambda i: (-items[i][0].count, order[items[i][0].level], items[i][1]),
    )
