"""How well the retrieved passages bear on a question, decided by code before any model call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from bot.answer.question import Question
from bot.settings import AnswerSettings
from bot.text.similarity import cosine
from bot.text.untrusted import looks_like_instruction
from bot.text.words import claim_stems, coverage
from vectorstore.models import ScoredChunk
from vectorstore.sentences import sentence_spans

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings


@dataclass
class Evidence:
    """How well one retrieved passage bears on the question."""

    passage: ScoredChunk
    similarity: float  # best sentence similarity to the query
    coverage: float  # weighted share of the focus terms found in the passage (+ metadata)
    stems: set[str] = field(default_factory=set)
    sentences: list[tuple[int, int, float]] = field(default_factory=list)
    """(start, end, score) of each sentence of the passage: similarity + word overlap."""

    @property
    def relevance(self) -> float:
        return 0.5 * self.similarity + 0.5 * self.coverage


def metadata_text(passage: ScoredChunk) -> str:
    article = passage.article
    if article is None:
        return ""
    parts = [article.title, article.source or "", article.published_at or ""]
    if article.published_at:
        try:
            day = date.fromisoformat(article.published_at[:10])
            parts.append(f"{day:%B} {day.day} {day.year}")
        except ValueError:
            pass
    return " ".join(parts)


def assess(
    passages: Sequence[ScoredChunk], question: Question, embeddings: Embeddings
) -> list[Evidence]:
    """Evidence per passage, most relevant first. ``embeddings`` should cache document vectors
    (``Briefbot.sentence_embeddings``): the same sentences are judged again and again."""
    focus_terms = question.focus_terms
    sentences: list[tuple[int, int, int, str]] = []
    for n, p in enumerate(passages):
        assert p.article is not None
        for s, e in sentence_spans(p.article.text, p.chunk.start, p.chunk.end):
            if not looks_like_instruction(p.article.text[s:e]):  # injected text is no evidence
                sentences.append((n, s, e, p.article.text[s:e]))
    vectors = [
        embeddings.embed_query(question.query),
        *embeddings.embed_documents([x[3] for x in sentences]),
    ]
    best = [0.0] * len(passages)
    per_passage: list[list[tuple[int, int, float]]] = [[] for _ in passages]
    for (n, s, e, text), vec in zip(sentences, vectors[1:], strict=True):
        sim = cosine(vectors[0], vec)
        best[n] = max(best[n], sim)
        per_passage[n].append((s, e, sim + 0.5 * coverage(focus_terms, claim_stems(text))))
    out = []
    for n, p in enumerate(passages):
        passage_stems = claim_stems(p.chunk.text + "\n" + metadata_text(p))
        cov = coverage(focus_terms, passage_stems)
        out.append(Evidence(p, best[n], cov, passage_stems, per_passage[n]))
    out.sort(key=lambda ev: -ev.relevance)
    return out


@dataclass
class Decision:
    answerable: bool
    reason: str
    similarity: float = 0.0
    coverage: float = 0.0
    names: float = 1.0


def decide(
    evidence: Sequence[Evidence],
    question: Question,
    thresholds: AnswerSettings,
    min_similarity: float,
) -> Decision:
    """Whether the passages can answer at all, before any model call. Below ``min_similarity``
    (``Settings.min_relevance``) best-sentence similarity the sources are taken not to answer
    unless a sentence is strongly similar."""
    if not evidence:
        return Decision(False, "nothing retrieved")
    all_stems = set().union(*(ev.stems for ev in evidence))
    sim = max(ev.similarity for ev in evidence)
    cov = coverage(question.focus_terms, all_stems)
    named = question.focus_named
    names = coverage(named, all_stems) if named else 1.0
    if named and names < thresholds.min_names and sim < thresholds.strong_similarity + 0.1:
        return Decision(False, "names/numbers not in sources", sim, cov, names)
    if sim >= thresholds.strong_similarity:
        return Decision(True, "strong similarity", sim, cov, names)
    if sim >= min_similarity and cov >= thresholds.min_coverage:
        return Decision(True, "similarity and word overlap", sim, cov, names)
    return Decision(False, "weak evidence", sim, cov, names)


def select_for_model(evidence: Sequence[Evidence], top_k: int) -> list[Evidence]:
    """The passages worth showing, best first (a small model reads the first ones best)."""
    if not evidence:
        return []
    floor = evidence[0].relevance * 0.5
    chosen = [ev for ev in evidence if ev.relevance >= floor]
    return chosen[: max(1, top_k)]


def excerpt(ev: Evidence, max_chars: int) -> str:
    """The passage's best sentences, in text order, within ``max_chars`` (small context models).

    Only the model's view is shortened: quotes are chosen by code from the whole passage.
    """
    article = ev.passage.article
    assert article is not None
    ranked = sorted(ev.sentences, key=lambda x: -x[2])
    keep: list[tuple[int, int, float]] = []
    used = 0
    for s, e, score in ranked:
        if keep and used + (e - s) > max_chars:
            continue
        keep.append((s, e, score))
        used += e - s + 1
    keep.sort()
    return " ".join(article.text[s:e] for s, e, _ in keep)
