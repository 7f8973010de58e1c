"""The answer built by code alone: the best-supporting passage sentences, quoted with markers."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.answer.evidence import Evidence
from bot.answer.question import Question
from bot.claims import DEFAULT_MAX_CHARS, best_quote_span, make_citation, score_spans
from bot.types import Citation
from vectorstore.models import ScoredChunk

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

_TIME = re.compile(
    r"\b(\d{1,2}(:\d{2})?\s*(a\.m\.|p\.m\.|am|pm)|\d{4}|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|today|tomorrow|yesterday|morning|evening|night|week|month|year|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"since|until|after|before|ago)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b(\d[\d.,]*|one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|"
    r"thousands?|millions?|billions?)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")


def answer_type_bonus(question: str, text: str) -> float:
    """A small preference for sentences holding the kind of thing the question asks for."""
    q = question.lower()
    if re.search(r"\bhow (many|much|often|long|far)\b|\bwhat (number|percentage|share)\b", q):
        return 0.1 if _NUMBER.search(text) else 0.0
    if re.search(r"\bwhen\b|\bwhat (time|day|date|year)\b", q):
        return 0.1 if _TIME.search(text) else 0.0
    if re.search(r"^\s*(who|whom|which (country|countries|leader|official|person))\b", q):
        return 0.05 if _NAME.search(text) else 0.0
    return 0.0


def extractive_answer(
    evidence: Sequence[Evidence],
    question: Question,
    embeddings: Embeddings | None,
    extra_quote_ratio: float,
    max_quotes: int = 2,
) -> tuple[str, list[Citation], list[ScoredChunk]]:
    """An answer made only of quoted source sentences: used when the model gave nothing usable.
    A second quote is added only when it scores ``extra_quote_ratio`` of the first or more."""
    focus = question.focus
    picks: list[tuple[float, ScoredChunk, tuple[int, int]]] = []
    for ev in evidence[:3]:
        article = ev.passage.article
        assert article is not None
        ranked = score_spans(
            article, ev.passage.chunk, focus, embeddings=embeddings, claim_read=question.focus_terms
        )
        if ranked:
            best = max(
                ranked,
                key=lambda r: r.score + answer_type_bonus(focus, article.text[r.start : r.end]),
            )
            score = best.score + answer_type_bonus(focus, article.text[best.start : best.end])
            picks.append((score, ev.passage, (best.start, best.end)))
    picks.sort(key=lambda x: -x[0])
    chosen: list[tuple[ScoredChunk, tuple[int, int]]] = []
    for score, passage, span in picks:
        if len(chosen) >= max_quotes or (chosen and score < extra_quote_ratio * picks[0][0]):
            break
        if any(
            p.chunk.article_id == passage.chunk.article_id and s[0] < span[1] and span[0] < s[1]
            for p, s in chosen
        ):
            continue
        chosen.append((passage, span))
    parts, citations, used = [], [], []
    for passage, (start, end) in chosen:
        article = passage.article
        assert article is not None
        if end - start > DEFAULT_MAX_CHARS:
            start, end = best_quote_span(article, passage.chunk, focus, embeddings=embeddings)
        citation = make_citation(len(citations) + 1, article, start, end)
        if not citation.verified:
            log.error("dropping unverified extractive citation of %s", article.id)
            continue
        shown = f"“{' '.join(citation.quote.split())}” [{citation.marker}]"
        source = " ".join((article.source or "").split())
        parts.append(f"{source}: {shown}" if source and len(source) <= 60 else shown)
        citations.append(citation)
        used.append(passage)
    return "\n".join(parts), citations, used
