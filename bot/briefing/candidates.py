"""Gathering a briefing's material: passages of several topic queries, their whole sentences as
candidate quotes ranked against the topic, each sentence's date, and the pool of provisional
citations every section draws its quotes from."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.claims import make_citation
from bot.settings import BriefingSettings
from bot.text.dates import DateMention, event_date, find_dates, future_cue, parse_article_date
from bot.text.similarity import dot, unit
from bot.text.untrusted import looks_like_instruction
from bot.text.words import claim_stems, claim_terms, coverage
from bot.types import Citation, SearchFilters
from vectorstore.models import Article, Chunk, ScoredChunk
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from bot.service import Briefbot

QUERY_SUFFIXES = ("", " said", " warned", " plans", " next")
"""Each topic is searched as is and with these words: statements, warnings, plans, next steps."""


@dataclass
class Sentence:
    """A candidate quote: one whole sentence of a retrieved passage."""

    article: Article
    start: int
    end: int
    relevance: float
    order: int
    """Position of the sentence within its article (sentence index)."""
    semantic: float = 0.0
    vector: list[float] = field(default_factory=list, repr=False)

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]

    @property
    def key(self) -> tuple[str, int]:
        return (self.article.id, self.start)


def retrieval_queries(topic: str) -> list[str]:
    return [f"{topic}{suffix}" for suffix in QUERY_SUFFIXES]


def gather_passages(
    bot: Briefbot,
    topic: str,
    filters: SearchFilters | None,
    limits: BriefingSettings,
) -> list[ScoredChunk]:
    """Passages of several topic queries fused by reciprocal rank, from the best articles."""
    fused: dict[str, float] = defaultdict(float)
    found: dict[str, ScoredChunk] = {}
    for weight, query in zip((1.0, 0.6, 0.6, 0.6, 0.6), retrieval_queries(topic), strict=False):
        for rank, scored in enumerate(
            bot.retriever.retrieve(query, k=limits.passages_per_query, filters=filters)
        ):
            if scored.article is None:
                continue
            found.setdefault(scored.chunk.id, scored)
            fused[scored.chunk.id] += weight / (60.0 + rank)
    article_score: dict[str, float] = defaultdict(float)
    for chunk_id, score in fused.items():
        article_id = found[chunk_id].chunk.article_id
        article_score[article_id] = max(article_score[article_id], score)
    best_articles = set(
        sorted(article_score, key=lambda a: -article_score[a])[: limits.max_articles]
    )
    ordered = sorted(fused, key=lambda c: -fused[c])
    return [
        ScoredChunk(chunk=found[c].chunk, score=fused[c], article=found[c].article)
        for c in ordered
        if found[c].chunk.article_id in best_articles
    ]


_TERMINAL = re.compile(r"[.!?…][\"'”’»)\]]*\s*$")


def quotable(text: str, article: Article, limits: BriefingSettings) -> bool:
    """A whole, self-standing sentence: not a headline, fragment, boilerplate or injection."""
    if len(text) > limits.max_quote_chars or len(text.split()) < limits.min_words:
        return False
    if not _TERMINAL.search(text):
        return False
    if text.strip() == article.title.strip():
        return False
    return not looks_like_instruction(text)


def candidate_sentences(
    bot: Briefbot,
    topic: str,
    passages: Sequence[ScoredChunk],
    limits: BriefingSettings,
) -> list[Sentence]:
    """Quotable sentences of the passages, best first, with a topic relevance in 0..1."""
    seen: set[tuple[str, int]] = set()
    sentences: list[Sentence] = []
    passage_rank: list[float] = []

    def consider(article: Article, start: int, end: int, prior: float) -> None:
        if (article.id, start) in seen or len(sentences) >= limits.max_sentences:
            return
        seen.add((article.id, start))
        if not quotable(article.text[start:end], article, limits):
            return
        spans = article_spans(article)
        order = spans.index((start, end)) if (start, end) in spans else len(spans)
        sentences.append(Sentence(article, start, end, 0.0, order))
        passage_rank.append(prior)

    # Sentences of the retrieved passages first, then the rest of those articles.
    for rank, scored in enumerate(passages):
        assert scored.article is not None
        for start, end in sentence_spans(scored.article.text, scored.chunk.start, scored.chunk.end):
            consider(scored.article, start, end, 1.0 / (1.0 + 0.15 * rank))
    articles = list({p.article.id: p.article for p in passages if p.article}.values())
    for article in articles:
        for start, end in article_spans(article):
            consider(article, start, end, 0.0)
    if not sentences:
        return []
    embeddings = bot.store.embeddings
    vectors = embeddings.embed_documents([topic] + [s.text for s in sentences])
    topic_vec = unit(vectors[0])
    topic_terms = claim_terms(topic)
    for s, vec, prior in zip(sentences, vectors[1:], passage_rank, strict=True):
        s.vector = unit(vec)
        semantic = max(0.0, dot(topic_vec, s.vector))
        lexical = coverage(topic_terms, claim_stems(s.text))
        s.semantic = round(semantic, 4)
        s.relevance = round(0.65 * semantic + 0.25 * lexical + 0.10 * prior, 4)
    sentences.sort(key=lambda s: (-s.relevance, s.article.id, s.start))
    return sentences


_SPAN_CACHE: dict[tuple[str, str], list[tuple[int, int]]] = {}


def article_spans(article: Article) -> list[tuple[int, int]]:
    key = (article.id, article.content_hash)
    if key not in _SPAN_CACHE:
        if len(_SPAN_CACHE) > 512:
            _SPAN_CACHE.clear()
        _SPAN_CACHE[key] = sentence_spans(article.text)
    return _SPAN_CACHE[key]


def similarity(a: Sentence, b: Sentence) -> float:
    """Cosine of two candidate sentences (their vectors are unit length)."""
    return dot(a.vector, b.vector)


def sentence_date(s: Sentence) -> DateMention | None:
    """The date of the event a sentence tells, resolved against its article's date."""
    published = parse_article_date(s.article.published_at)
    mentions = find_dates(s.text, published, future_hint=future_cue(s.text) is not None)
    return event_date(mentions)


class CitationPool:
    """Provisional citations, one per distinct sentence, verified as they are made."""

    def __init__(self) -> None:
        self.citations: dict[int, Citation] = {}
        self.articles: dict[str, Article] = {}
        self._by_key: dict[tuple[str, int], int] = {}

    def add(self, s: Sentence) -> int:
        if s.key in self._by_key:
            return self._by_key[s.key]
        marker = len(self.citations) + 1
        citation = make_citation(marker, s.article, s.start, s.end)
        self.citations[marker] = citation
        self.articles[s.article.id] = s.article
        self._by_key[s.key] = marker
        return marker

    def add_span(self, article: Article, start: int, end: int) -> int:
        """The marker of ``article.text[start:end]`` (a quote the claim checker chose)."""
        for marker, c in self.citations.items():
            if (c.article_id, c.start, c.end) == (article.id, start, end):
                return marker
        return self.add(Sentence(article, start, end, 0.0, 0))

    def passages(self, markers: Sequence[int]) -> list[ScoredChunk]:
        """The quotes of ``markers`` as passages (one each, in order) for the claim checker."""
        out = []
        for m in markers:
            c = self.citations[m]
            chunk = Chunk(f"{c.article_id}:{c.start}", c.article_id, m, c.start, c.end, c.quote)
            out.append(ScoredChunk(chunk, 1.0, self.articles[c.article_id]))
        return out
