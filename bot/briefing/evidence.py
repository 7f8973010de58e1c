"""The gathered evidence seen source by source: the retrieved passages grouped by independent
source (``publishers.IndependentSources``), so that a sentence of one source can be checked
against every *other* source — for corroboration and for disagreements alike."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from bot.briefing.publishers import IndependentSources
from bot.text.words import claim_stems
from vectorstore.models import Article, ScoredChunk


class Evidence:
    """Passages of each independent source (best retrieved first)."""

    def __init__(self, passages: Sequence[ScoredChunk], max_per_source: int = 8) -> None:
        self.articles: dict[str, Article] = {
            p.article.id: p.article for p in passages if p.article is not None
        }
        self.sources = IndependentSources(self.articles.values())
        grouped: dict[str, list[ScoredChunk]] = defaultdict(list)
        for p in passages:
            if p.article is None:
                continue
            key = self.sources.of(p.article.id)
            if len(grouped[key]) < max_per_source:
                grouped[key].append(p)
        self.by_source = dict(grouped)
        self._stems = {p.chunk.id: claim_stems(p.chunk.text) for ps in grouped.values() for p in ps}

    def passages_near(self, source: str, sentence: str, min_shared: int = 2) -> list[ScoredChunk]:
        """The source's passages sharing at least ``min_shared`` content stems with
        ``sentence`` (a cheap filter before the claim checker reads them)."""
        wanted = claim_stems(sentence)
        return [
            p
            for p in self.by_source.get(source, [])
            if len(wanted & self._stems[p.chunk.id]) >= min_shared
        ]
