"""The answer built by code alone: the best-supporting passage sentences, quoted with markers."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.answer.evidence import Evidence
from bot.answer.question import Question
from bot.claims import DEFAULT_MAX_CHARS, best_quote_span, make_citation, score_spans
from bot.text.words import claim_stems, coverage, with_capitals
from bot.types import Citation
from vectorstore.fingerprint import same_sentence
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


_OPEN, _CLOSE = "“", "”"
_SENTENCE_TAIL = re.compile(r"^[^\n.!?]{0,80}[.!?]")


def marks_balanced(text: str) -> bool:
    """Every curly opening mark closed in order, and straight double quotes paired."""
    depth = 0
    for ch in text:
        if ch == _OPEN:
            depth += 1
        elif ch == _CLOSE:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and text.count('"') % 2 == 0


def balanced_span(text: str, start: int, end: int, reach: int = 400) -> tuple[int, int] | None:
    """``text[start:end]`` widened, within its paragraph, to the quotation marks it opens or
    closes (a sentence cut out of a longer quotation: “We have no illusions … goal, ”he told
    reporters.), so that a quote shown in marks never leaves one dangling. None when it cannot
    be balanced nearby."""
    if marks_balanced(text[start:end]):
        return start, end
    lo = text.rfind("\n", 0, start) + 1
    hi = text.find("\n", end)
    hi = len(text) if hi < 0 else hi
    quote = text[start:end]
    if quote.count(_OPEN) > quote.count(_CLOSE):
        close = text.find(_CLOSE, end, min(hi, end + reach))
        if close < 0:
            return None
        end = close + 1
        tail = _SENTENCE_TAIL.match(text[end:hi])
        if tail:
            end += tail.end()
    elif quote.count(_CLOSE) > quote.count(_OPEN):
        opening = text.rfind(_OPEN, max(lo, start - reach), start)
        if opening < 0:
            return None
        start = opening
    return (start, end) if marks_balanced(text[start:end]) else None


def quote_line(marker: int, passage: ScoredChunk, start: int, end: int) -> tuple[str, Citation]:
    """One verbatim quote shown as ``Source: “…” [n]`` and its verified citation."""
    article = passage.article
    assert article is not None
    citation = make_citation(marker, article, start, end)
    shown = f"“{' '.join(citation.quote.split())}” [{citation.marker}]"
    source = " ".join((article.source or "").split())
    return (f"{source}: {shown}" if source and len(source) <= 60 else shown), citation


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


MIN_NAMES_IN_QUOTE = 0.5
"""Weighted share of the question's names and numbers an extractive quote (with its title and
publisher) must hold: the Kim sentence never answers a question about Biden."""


def _stems_around(passage: ScoredChunk, span: tuple[int, int]) -> set[str]:
    article = passage.article
    assert article is not None
    return with_capitals(
        claim_stems(f"{article.text[span[0] : span[1]]}\n{article.title}\n{article.source or ''}")
    )


def _text(passage: ScoredChunk, span: tuple[int, int]) -> str:
    assert passage.article is not None
    return passage.article.text[span[0] : span[1]]


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
    named = question.focus_named
    if named:  # a quote that holds few of the question's names does not bear on it
        picks = [
            pick
            for pick in picks
            if coverage(named, _stems_around(pick[1], pick[2])) >= MIN_NAMES_IN_QUOTE
        ]
    chosen: list[tuple[ScoredChunk, tuple[int, int]]] = []
    for score, passage, span in picks:
        if len(chosen) >= max_quotes or (chosen and score < extra_quote_ratio * picks[0][0]):
            break
        if any(
            p.chunk.article_id == passage.chunk.article_id and s[0] < span[1] and span[0] < s[1]
            for p, s in chosen
        ) or any(same_sentence(_text(p, s), _text(passage, span)) for p, s in chosen):
            continue  # the same sentence, or its syndicated copy, is shown once
        chosen.append((passage, span))
    parts, citations, used = [], [], []
    for passage, (start, end) in chosen:
        article = passage.article
        assert article is not None
        if end - start > DEFAULT_MAX_CHARS:
            start, end = best_quote_span(article, passage.chunk, focus, embeddings=embeddings)
        span = balanced_span(article.text, start, end)
        if span is None or span[1] - span[0] > DEFAULT_MAX_CHARS:
            continue
        line, citation = quote_line(len(citations) + 1, passage, *span)
        if not citation.verified:
            log.error("dropping unverified extractive citation of %s", article.id)
            continue
        parts.append(line)
        citations.append(citation)
        used.append(passage)
    return "\n".join(parts), citations, used
