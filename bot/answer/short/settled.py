"""What code found for a short answer, and the quoted sentences it rests on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from bot.answer.evidence import Evidence
from bot.answer.extractive import balanced_span, quote_line
from bot.claims import DEFAULT_MAX_CHARS, clause_window
from bot.text.untrusted import looks_like_instruction
from bot.types import Citation
from vectorstore.models import ScoredChunk
from vectorstore.sentences import sentence_spans


@dataclass
class Settled:
    """What code found: the short answer (None when unsettled), its sentences and quotes."""

    short_answer: str | None
    text: str
    citations: list[Citation] = field(default_factory=list)
    used: list[ScoredChunk] = field(default_factory=list)


@dataclass(frozen=True)
class Sentence:
    passage: ScoredChunk
    start: int
    end: int
    score: float

    @property
    def text(self) -> str:
        assert self.passage.article is not None
        return self.passage.article.text[self.start : self.end]


def article_sentences(
    evidence: Sequence[Evidence], articles: int
) -> Iterator[tuple[Evidence, int, int]]:
    """Every sentence ``(evidence, start, end)`` of the whole articles behind the first
    ``articles`` passages, each article once: where an answer looks beyond the passage
    retrieval found (a speaker's other words, how the articles write a name)."""
    seen: set[str] = set()
    for ev in evidence[:articles]:
        article = ev.passage.article
        assert article is not None
        if article.id in seen:
            continue
        seen.add(article.id)
        for start, end in sentence_spans(article.text, 0, len(article.text)):
            yield ev, start, end


def best_sentences(evidence: Sequence[Evidence], passages: int = 8) -> list[Sentence]:
    """The sentences of the best passages, best bearing on the question first; injected
    instructions are never evidence."""
    out = []
    for ev in evidence[:passages]:
        article = ev.passage.article
        assert article is not None
        for start, end, score in ev.sentences:
            if not looks_like_instruction(article.text[start:end]):
                out.append(Sentence(ev.passage, start, end, score))
    out.sort(key=lambda s: -s.score)
    return out


def quotable_span(text: str, start: int, end: int, focus: str) -> tuple[int, int] | None:
    """A quote of ``text[start:end]`` at most ``DEFAULT_MAX_CHARS`` long (an over-long sentence
    cut to its clause window on ``focus``) with balanced quotation marks, or None."""
    if end - start > DEFAULT_MAX_CHARS:
        start, end = clause_window(text, start, end, focus, DEFAULT_MAX_CHARS)
    span = balanced_span(text, start, end)
    if span is None or span[1] - span[0] > DEFAULT_MAX_CHARS:
        return None
    return span


def quote_lines(
    picks: Sequence[Sentence], limit: int = 2, focus: str = ""
) -> tuple[str, list[Citation], list]:
    """Lines ``Source: “…” [n]`` for the picked sentences (balanced marks, distinct spans)."""
    lines: list[str] = []
    citations: list[Citation] = []
    used: list[ScoredChunk] = []
    seen: set[tuple[str, int, int]] = set()
    for pick in picks:
        if len(citations) >= limit:
            break
        article = pick.passage.article
        assert article is not None
        span = quotable_span(article.text, pick.start, pick.end, focus or pick.text)
        if span is None or (article.id, *span) in seen:
            continue
        if any(a == article.id and s < span[1] and span[0] < e for a, s, e in seen):
            continue
        line, citation = quote_line(len(citations) + 1, pick.passage, *span)
        if not citation.verified:
            continue
        seen.add((article.id, *span))
        lines.append(line)
        citations.append(citation)
        used.append(pick.passage)
    return "\n".join(lines), citations, used


def _lead(short: str | None, body: str) -> str:
    """The answer's sentences (the short answer is a field of its own, shown first)."""
    return body
