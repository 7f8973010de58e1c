"""Quotes are chosen by code, never written by the model.

A quote is one or two consecutive whole sentences of a passage (sentences as defined by
``vectorstore.sentences``), picked for how well they support a claim: content-word, number and
name overlap (``bot.text.words`` claim terms), plus embedding similarity when an ``Embeddings``
is given. Instruction-like sentences (prompt injection) are never candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from bot.text.similarity import cosine
from bot.text.untrusted import looks_like_instruction
from bot.text.words import Term, claim_stems, claim_terms, coverage
from vectorstore.models import Article, Chunk
from vectorstore.sentences import sentence_spans

DEFAULT_MAX_CHARS = 300


def _sentence_quality(text: str) -> float:
    """Headlines, bylines and link boilerplate make poor quotes; full sentences are preferred."""
    words = len(text.split())
    factor = 1.0
    if words < 5:
        factor *= 0.6
    if not re.search(r"[.!?…][\"'”’»)\]]*$", text):
        factor *= 0.7
    return factor


@dataclass(frozen=True)
class SpanScore:
    start: int
    end: int
    score: float
    lexical: float
    semantic: float


def score_spans(
    article: Article,
    chunk: Chunk,
    claim: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    embeddings: Embeddings | None = None,
    question: str | None = None,
    claim_read: Sequence[Term] | None = None,
    question_read: Sequence[Term] | None = None,
) -> list[SpanScore]:
    """Every candidate quote (one sentence, or two consecutive sentences that fit ``max_chars``)
    of ``chunk`` scored against ``claim`` (and, with less weight, ``question``); best first.

    ``claim_read`` / ``question_read``: the claim terms of ``claim`` / ``question`` when the
    caller has already read them (a question is read once per answer, not once per passage).
    Instruction-like sentences (prompt injection) are never candidates.
    """
    text = article.text
    spans = sentence_spans(text, chunk.start, chunk.end)
    usable = [not looks_like_instruction(text[s:e]) for s, e in spans]
    if not any(usable):
        return []
    wanted = claim_terms(claim) if claim_read is None else claim_read
    if question_read is not None:
        question_terms = question_read if question else []
    else:
        question_terms = claim_terms(question) if question else []
    candidates: list[tuple[int, int, int]] = [(i, i, 1) for i in range(len(spans)) if usable[i]]
    candidates += [
        (i, i + 1, 2)
        for i in range(len(spans) - 1)
        if usable[i] and usable[i + 1] and spans[i + 1][1] - spans[i][0] <= max_chars
    ]
    texts = [text[spans[i][0] : spans[j][1]] for i, j, _ in candidates]
    semantic = [0.0] * len(texts)
    if embeddings is not None:
        probes = [claim] + ([question] if question else [])
        vectors = embeddings.embed_documents(probes + texts)
        claim_vec = vectors[0]
        question_vec = vectors[1] if question else None
        for n, vec in enumerate(vectors[len(probes) :]):
            sim = cosine(claim_vec, vec)
            if question_vec is not None:
                sim = 0.75 * sim + 0.25 * cosine(question_vec, vec)
            semantic[n] = max(0.0, sim)
    scored = []
    for (i, j, n_sent), quote, sem in zip(candidates, texts, semantic, strict=True):
        quote_stems = claim_stems(quote)
        lexical = coverage(wanted, quote_stems)
        if question_terms:
            lexical = 0.75 * lexical + 0.25 * coverage(question_terms, quote_stems)
        score = (0.6 * lexical + 0.4 * sem) if embeddings is not None else lexical
        quality = min(_sentence_quality(text[s:e]) for s, e in spans[i : j + 1])
        score *= quality
        if n_sent == 2:
            score -= 0.06  # a second sentence must earn its place
        length = spans[j][1] - spans[i][0]
        if length > max_chars:  # only single sentences get here: prefer shorter good ones
            score -= 0.1 * min(1.0, (length - max_chars) / max_chars)
        scored.append(SpanScore(spans[i][0], spans[j][1], score, lexical, sem))
    scored.sort(key=lambda s: (-s.score, s.end - s.start, s.start))
    return scored


def best_quote_span(
    article: Article,
    chunk: Chunk,
    claim: str,
    max_chars: int = DEFAULT_MAX_CHARS,
    *,
    embeddings: Embeddings | None = None,
    question: str | None = None,
) -> tuple[int, int]:
    """(start, end) in ``article.text`` of the 1–2 consecutive sentences of ``chunk`` that best
    support ``claim``, at most ``max_chars`` long unless one sentence alone is longer (then the
    best clause window of that sentence, cut at a comma/semicolon/dash where possible).

    Raises ``ValueError`` when the chunk has no quotable sentence (empty, or only text addressed
    to an AI model).
    """
    ranked = score_spans(
        article, chunk, claim, max_chars=max_chars, embeddings=embeddings, question=question
    )
    if not ranked:
        raise ValueError(f"passage {chunk.id} has no quotable sentence")
    best = ranked[0]
    if best.end - best.start <= max_chars:
        return best.start, best.end
    return clause_window(article.text, best.start, best.end, claim, max_chars)


def clause_window(text: str, start: int, end: int, claim: str, max_chars: int) -> tuple[int, int]:
    """The part of one over-long sentence that best covers ``claim`` within ``max_chars``."""
    cuts = [start]
    cuts += [m.end() for m in re.finditer(r"[,;:—–]\s+|\s+[—–]\s+", text[start:end])]
    cuts = sorted({start} | {start + c for c in cuts[1:]} | {end})
    wanted = claim_terms(claim)
    best: tuple[float, int, int] | None = None
    for a in range(len(cuts) - 1):
        for b in range(a + 1, len(cuts)):
            s, e = cuts[a], cuts[b]
            if e - s > max_chars:
                break
            score = coverage(wanted, claim_stems(text[s:e])) - 0.0001 * (e - s)
            if best is None or score > best[0]:
                best = (score, s, e)
    if best is None:  # no clause fits: cut at the last word boundary before the cap
        cut = text.rfind(" ", start, start + max_chars)
        return start, cut if cut > start else start + max_chars
    _, s, e = best
    while e > s and (text[e - 1].isspace() or text[e - 1] in ",;:—–"):
        e -= 1
    while s < e and text[s].isspace():
        s += 1
    return s, e
