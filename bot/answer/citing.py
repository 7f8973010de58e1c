"""Which quotes an answer shows: per clause of the question, the one sentence that bears on it.

A multi-part question ("…, as reported by TechCrunch, … and according to The Verge, …") asks
about several facets, often each in its own publication. The quotes shown are chosen per facet
(``HybridRetriever.analyse`` cuts the question into clauses and finds the publications each
names): for each facet, the sentence of that facet's sources that bears most on it (MiniLM
similarity plus the share of the facet's words it holds). So a two-source question gets a
quote per source; a quote that bears on no facet is not shown; a source is quoted twice only
when two facets need it; a syndicated sentence (the same words in two articles) is quoted once.

The short answer's own quotes stay first candidates: a quote holding the answer (its name,
figure or date) is preferred for each facet, and when no chosen quote holds it, the quote the
answer was read from is kept, so an answer is never shown without the quote it comes from.
A yes/no answer keeps all its per-side quotes (its verdict rests on them); a clause's sentence
is only added beside them when it bears strongly on the clause (``cite_min_added``).

A clause naming no source of its own quotes only what clears ``cite_min_inherited``, a higher
floor than a clause's own (its best sentence is more often another clause's source's).

Figures (MultiHop-RAG dev, docs/bench/short-answers.md): citation precision 0.774 → 0.828,
recall 0.479 → 0.612; inherited floor 0.55 → 0.62: precision 0.824 → 0.832, recall 0.606.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from bot.answer.evidence import Evidence
from bot.answer.extractive import quote_line
from bot.answer.question import Question
from bot.retrieval.query import QueryAnalysis
from bot.settings import AnswerSettings
from bot.text.dates import DateMention, parse_article_date
from bot.text.untrusted import looks_like_instruction
from bot.text.words import Term, claim_stems, claim_terms, coverage, with_capitals
from bot.types import Citation
from vectorstore.fingerprint import same_sentence
from vectorstore.models import ScoredChunk
from vectorstore.sentences import sentence_spans

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from bot.answer.short import Settled
    from bot.service import Briefbot

MIN_FACET_TERMS = 2
"""A clause with fewer content words ("as reported by X") says nothing of its own to quote for."""


@dataclass(frozen=True)
class Facet:
    """One part of the question a quote should bear on, and the sources it is asked of."""

    text: str
    terms: tuple[Term, ...]
    sources: tuple[str, ...] = ()
    """Stored source names; empty means any source."""
    own: bool = False
    """The clause names its sources itself (else it is asked of the question's, or any)."""
    dates: tuple[DateMention, ...] = ()
    """Days or months the clause names ("the report published on October 13, 2023")."""


@dataclass(frozen=True)
class Candidate:
    """A sentence that may be quoted: a span of one passage's article."""

    passage: ScoredChunk
    start: int
    end: int
    answer: bool = False
    """Holds the short answer (its name, figure or date) or is the quote it was read from."""

    @property
    def text(self) -> str:
        assert self.passage.article is not None
        return self.passage.article.text[self.start : self.end]

    @property
    def source(self) -> str:
        assert self.passage.article is not None
        return self.passage.article.source or ""


_ASKED_FOR = re.compile(
    r"^\s*(?:who|whom|which|what)\b(?:\s+(?:is|are|was|were)\s+(?:the|an?)\b)?"
    r"(?:\s+(?:type|kind|sort)s?\s+of\b)?"
    r"(?:(?:\s+[\w'’-]+){1,2}(?=\s*,|\s+(?:is|are|was|were|has|have|had|that|who|whose|which)\b))?"
    r"(?:\s+(?:that|who|whose|which)\b)?\s*,?",
    re.IGNORECASE,
)


def clause_content(text: str) -> str:
    """A clause without the question's opening ("Who is the individual that", "Which company,"):
    what a quote must bear on is the rest."""
    return _ASKED_FOR.sub("", text, count=1).strip(" ,") or text


def facets(analysis: QueryAnalysis, question: Question) -> list[Facet]:
    """The question's clauses that say something, each with the sources it names (a clause
    naming none is asked of every source the question names); a one-part question is one
    facet."""
    named = analysis.named_sources()
    out = []
    for clause in analysis.clauses:
        text = clause_content(clause.text)
        terms = tuple(claim_terms(text))
        if len(terms) >= MIN_FACET_TERMS:
            out.append(
                Facet(
                    text,
                    terms,
                    clause.sources or named,
                    bool(clause.sources),
                    clause.dates,
                )
            )
        elif out and clause.sources:  # "… as reported by X": X is asked about the clause before
            last = out[-1]
            sources = tuple(dict.fromkeys((last.sources if last.own else ()) + clause.sources))
            out[-1] = replace(last, sources=sources, own=True, dates=last.dates + clause.dates)
    if not out:
        text = clause_content(analysis.topic or question.focus)
        out.append(Facet(text, tuple(claim_terms(text)) or question.focus_terms, named))
    return out


def candidates(
    evidence: Sequence[Evidence],
    anchors: Sequence[tuple[ScoredChunk, Citation]] = (),
    passages: int = 10,
) -> list[Candidate]:
    """The short answer's own quotes (marked ``answer``), then the sentences of their passages
    and of the best retrieved passages (injected instructions are never evidence)."""
    out = [Candidate(p, c.start, c.end, answer=True) for p, c in anchors if p.article is not None]
    seen = {(c.passage.chunk.article_id, c.start, c.end) for c in out}
    chunks = list({p.chunk.id: p for p, _ in anchors}.values())
    chunks += [ev.passage for ev in evidence[:passages]]
    for passage in chunks:
        article = passage.article
        assert article is not None
        for start, end in sentence_spans(article.text, passage.chunk.start, passage.chunk.end):
            key = (article.id, start, end)
            if key in seen or looks_like_instruction(article.text[start:end]):
                continue
            seen.add(key)
            out.append(Candidate(passage, start, end))
    return out


@lru_cache(maxsize=4096)
def _stems(text: str) -> frozenset[str]:
    return frozenset(with_capitals(claim_stems(text)))


def _holds(text: str, answer: Sequence[Term]) -> bool:
    """Does the sentence name the short answer ("Bankman-Fried" names "Sam Bankman-Fried")?"""
    return bool(answer) and coverage(answer, set(_stems(text))) >= 0.5


def published_on(passage: ScoredChunk, dates: Sequence[DateMention]) -> bool:
    """Was the passage's article published on a day (or in a month) the clause names?"""
    article = passage.article
    day = parse_article_date(article.published_at) if article else None
    if day is None:
        return False
    for mention in dates:
        if mention.kind not in ("date", "month") or mention.month != day.month:
            continue
        if mention.year not in (None, day.year):
            continue
        if mention.kind == "month" or mention.day == day.day:
            return True
    return False


def _copies(a: Candidate, b: Candidate) -> bool:
    """The same sentence twice: overlapping spans of one article, or syndicated copies."""
    if a.passage.chunk.article_id == b.passage.chunk.article_id and (
        a.start < b.end and b.start < a.end
    ):
        return True
    return same_sentence(a.text, b.text)


def _unit_rows(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms == 0, 1.0, norms)


def choose(
    question_facets: Sequence[Facet],
    pool: Sequence[Candidate],
    embeddings: Embeddings,
    short_answer: str | None,
    thresholds: AnswerSettings,
    floor: float = 0.0,
) -> list[Candidate]:
    """One sentence per facet, best pairs first: each facet's best sentence of its sources
    (similarity + half the share of its words held, plus ``thresholds.cite_answer_bonus`` when
    the sentence holds the short answer), at least ``thresholds.cite_min_score``; a sentence
    (or its syndicated copy) serves one facet; in question order. ``floor`` raises the minimum
    score."""
    if not question_facets or not pool:
        return []
    answer_words = (
        claim_terms(short_answer) if short_answer and short_answer not in ("Yes", "No") else []
    )
    facet_vectors = _unit_rows(embeddings.embed_documents([f.text for f in question_facets]))
    vectors = _unit_rows(embeddings.embed_documents([c.text for c in pool]))
    similarity = facet_vectors @ vectors.T
    stems = [set(_stems(c.text)) for c in pool]
    holds = [c.answer or _holds(c.text, answer_words) for c in pool]
    scored: list[tuple[float, int, int]] = []
    for fi, facet in enumerate(question_facets):
        for ci, cand in enumerate(pool):
            if facet.sources and cand.source not in facet.sources:
                continue
            score = float(similarity[fi, ci]) + 0.5 * coverage(facet.terms, stems[ci])
            if holds[ci]:
                score += thresholds.cite_answer_bonus
            if facet.dates and published_on(cand.passage, facet.dates):
                score += thresholds.cite_date_bonus
            minimum = thresholds.cite_min_score if facet.own else thresholds.cite_min_inherited
            if score >= max(minimum, floor):
                scored.append((score, fi, ci))
    scored.sort(key=lambda x: -x[0])
    chosen: dict[int, Candidate] = {}
    for _score, fi, ci in scored:
        cand = pool[ci]
        if fi in chosen or any(_copies(cand, other) for other in chosen.values()):
            continue
        chosen[fi] = cand
        log.debug(
            "facet %d %r: %.3f %r %s %s",
            fi,
            question_facets[fi].text,
            _score,
            cand.text,
            question_facets[fi].own,
            published_on(cand.passage, question_facets[fi].dates),
        )
    picks = [chosen[fi] for fi in sorted(chosen)]
    anchor = next((c for c in pool if c.answer), None)
    if anchor is not None and not any(c.answer or _holds(c.text, answer_words) for c in picks):
        picks.insert(0, anchor)  # the quote the short answer was read from is always shown
    return picks


def quote_lines(
    picks: Sequence[Candidate], focus: str, limit: int
) -> tuple[str, list[Citation], list[ScoredChunk]]:
    """``Source: “…” [n]`` lines for the picks (balanced marks, verified), at most ``limit``."""
    from bot.answer.short import quotable_span

    lines: list[str] = []
    citations: list[Citation] = []
    used: list[ScoredChunk] = []
    for pick in picks:
        if len(citations) >= limit:
            break
        article = pick.passage.article
        assert article is not None
        span = quotable_span(article.text, pick.start, pick.end, focus)
        if span is None or any(
            c.article_id == article.id and c.start < span[1] and span[0] < c.end for c in citations
        ):
            continue
        line, citation = quote_line(len(citations) + 1, pick.passage, *span)
        if citation.verified:
            lines.append(line)
            citations.append(citation)
            used.append(pick.passage)
    return "\n".join(lines), citations, used


def cite_facets(
    question_facets: Sequence[Facet],
    question: Question,
    evidence: Sequence[Evidence],
    anchors: Sequence[tuple[ScoredChunk, Citation]],
    short_answer: str | None,
    embeddings: Embeddings,
    thresholds: AnswerSettings,
    keep_anchors: bool = False,
) -> tuple[str, list[Citation], list[ScoredChunk]] | None:
    """The answer's quote lines chosen per facet of the question (see the module), or None when
    no facet finds a sentence (the caller keeps its own quotes). With ``keep_anchors`` the
    anchors (a yes/no answer's per-side quotes, which its verdict rests on) all stay, and a
    facet's sentence is added only when it scores ``thresholds.cite_min_added``."""
    pool = candidates(evidence, anchors)
    floor = thresholds.cite_min_added if keep_anchors else 0.0
    picks = choose(question_facets, pool, embeddings, short_answer, thresholds, floor)
    if keep_anchors:
        kept = [c for c in pool if c.answer]
        picks = kept + [p for p in picks if not any(_copies(p, k) for k in kept)]
    if not picks:
        return None
    text, citations, used = quote_lines(picks, question.focus, thresholds.cite_max_quotes)
    return (text, citations, used) if citations else None


REQUOTED_KINDS = ("who", "which", "how_many", "when")
"""Kinds whose settled quotes are re-chosen per facet; "what X said" keeps X's own words."""
SIDED_KINDS = ("yes_no", "compare", "order")
"""Kinds whose settled quotes (one per side, checked) stay, completed per facet."""


def requote(
    bot: Briefbot, question: Question, evidence: Sequence[Evidence], settled: Settled
) -> Settled:
    """``settled`` with its quotes chosen per facet of the question (:func:`cite_facets`); the
    short answer is unchanged, and kept as it was when no facet finds a sentence."""
    if question.kind not in REQUOTED_KINDS + SIDED_KINDS:
        return settled
    question_facets = facets(bot.retriever.analyse(question.text), question)
    chosen = cite_facets(
        question_facets,
        question,
        evidence,
        list(zip(settled.used, settled.citations, strict=False)),
        settled.short_answer,
        bot.sentence_embeddings,
        bot.settings.answer,
        keep_anchors=question.kind in SIDED_KINDS,
    )
    if chosen is None:
        return settled
    text, citations, used = chosen
    return replace(settled, text=text, citations=citations, used=used)
