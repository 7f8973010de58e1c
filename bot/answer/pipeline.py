"""Cited answers: retrieve, decide, let the model write, then let code check every word it can.

``answer_question`` runs in this order:

1. **Standalone query** — a follow-up ("and what did the South say?") is joined by code with the
   previous user question(s); the tiny embedded model is not trusted to rewrite questions.
   The question is read once into a :class:`~bot.answer.question.Question` that travels down.
2. **Retrieve** with ``bot.retriever.retrieve`` (hybrid dense + BM25, filters).
3. **Abstain early** when the evidence is weak: every passage sentence is scored against the
   question (MiniLM similarity) and the question's content words, names and numbers are looked up
   in the passages. Names/numbers the sources never mention, or low similarity with little word
   overlap, mean the sources do not answer — the model is not called.
4. **Short answer by code** (``bot.answer.short.settle``): by the question's kind (who, which,
   when, how many, yes/no, compare, before/after, what X said) code reads the answer off the
   verified quotes (names, figures, dates, speakers) or the claim checker run per side; when it
   settles, the answer is the short answer (``on_short``) and the quotes it comes from, and the
   model is not called; the quotes shown are chosen per clause of the question and per source it
   names (``bot.answer.citing.requote``). Otherwise:
5. **Model** (``ANSWER_PROMPT | llm``, streamed) sees numbered, neutralised ``<passage>`` blocks
   (as many, and as long, as its declared ``bot.llm.ModelProfile`` allows).
6. **Code checks each sentence** as it completes, with the one claim checker
   (``bot.claims.checker.check`` over the shown passages): it is kept only when supported —
   each of its claims rests on a verbatim quote (content words, every number, date, name and
   negation, the speaker) — looked for first in the passages its ``[n]`` markers name (markers
   to missing passages are ignored), then in the others; a sentence joining two sources gets a
   quote for each, a wrong marker is replaced by the passage that supports it, a contradicted
   sentence is dropped. A sentence whose trailing clause is unsupported is cut back to its
   supported part. Talk about "the
   passages", sentences off the question and sentences repeating an injected instruction are
   dropped; quotation marks around words no source contains are removed and the words reported in
   ``flagged_quotes``. Each distinct quote is one marker, numbered 1..N in order of first use.
   Accepted sentences stream to ``on_token`` as they pass, so what streams is ``Answer.answer``.
7. **Extractive fallback**: when no model sentence survives, the answer is built by code from
   the best-supporting passage sentences that hold the question's names, quoted (quotation
   marks balanced), with their markers. When the model says the
   sources do not answer, the answer abstains. Every citation is verified verbatim
   (``bot.claims.make_citation``); an unverified one is never returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.answer.citing import requote
from bot.answer.evidence import assess, decide, excerpt, select_for_model
from bot.answer.extractive import extractive_answer
from bot.answer.question import Question
from bot.answer.sentences import AnswerBuilder
from bot.answer.short import settle
from bot.claims import make_citation
from bot.llm.prompts import ANSWER_PROMPT, NO_ANSWER, format_passages
from bot.types import Answer, Citation, SearchFilters
from vectorstore.models import ScoredChunk

if TYPE_CHECKING:
    from bot.service import Briefbot

log = logging.getLogger(__name__)

STOP_SEQUENCES = ["</passage>", "<passage", "<p>", "\nQuestion:", "Passages (data"]
"""Where the model's answer ends: it must not start writing passages or questions itself."""


def _abstain(question: str, on_token: Callable[[str], None] | None) -> Answer:
    if on_token:
        on_token(NO_ANSWER)
    return Answer(question=question, answer=NO_ANSWER, abstained=True)


def retrieve_for(
    bot: Briefbot, question: Question, filters: SearchFilters | None
) -> list[ScoredChunk]:
    """Passages for the (standalone) query; a follow-up also searches its own words alone, so
    that "and the South?" finds the South even when the earlier topic dominates the joined query.
    """
    k = bot.settings.top_k
    found = bot.retriever.retrieve(question.query, k=k, filters=filters)
    if question.query != question.text and question.terms:
        seen = {p.chunk.id for p in found}
        found += [
            p
            for p in bot.retriever.retrieve(question.text, k=k, filters=filters)
            if p.chunk.id not in seen
        ]
    return [p for p in found if p.article is not None]


def answer_question(
    bot: Briefbot,
    question: str,
    filters: SearchFilters | None = None,
    history: Sequence[tuple[str, str]] = (),
    on_token: Callable[[str], None] | None = None,
    on_short: Callable[[str], None] | None = None,
) -> Answer:
    """A cited answer to ``question`` from the articles in ``bot``'s store.

    ``history`` holds earlier turns as ``(role, text)`` or ``(question, answer)`` pairs.
    ``on_token`` receives the answer text as it becomes final: each model sentence once code has
    checked it (so what streams is exactly ``Answer.answer``), or an extractive answer or the
    abstention in one piece. Every returned citation is verified verbatim.
    ``on_short`` receives the short answer (``Answer.short_answer``) before any text streams,
    when code settles one; it is not part of ``Answer.answer``: displays show it first, in bold.
    """
    read = Question.read(question, history)
    question = read.text
    if not question:
        return _abstain(question, on_token)
    settings = bot.settings
    thresholds = settings.answer
    retrieved = retrieve_for(bot, read, filters)
    embeddings = bot.store.embeddings
    evidence = assess(retrieved, read, bot.sentence_embeddings) if retrieved else []
    decision = decide(evidence, read, thresholds, settings.min_relevance)
    log.info(
        "question %r: %s (sim %.2f, cover %.2f, names %.2f)",
        question,
        decision.reason,
        decision.similarity,
        decision.coverage,
        decision.names,
    )
    if not decision.answerable:
        return _abstain(question, on_token)

    settled = settle(bot, read, evidence, filters)
    if settled is not None and settled.citations:
        log.info("settled by code: %r", settled.short_answer)
        settled = requote(bot, read, evidence, settled)
        if on_short and settled.short_answer:
            on_short(settled.short_answer)
        if on_token:
            on_token(settled.text)
        first = {p.chunk.id: p for p in settled.used}
        shown = list(first.values()) + [
            ev.passage for ev in evidence if ev.passage.chunk.id not in first
        ]
        return Answer(
            question, settled.text, False, settled.citations, [], shown, settled.short_answer
        )

    llm = bot.llm
    # A model's profile (declared in bot.llm, never probed) says how many passages and characters
    # it reads well: the small embedded model gets fewer, shortened ones.
    profile = bot.model_profile
    max_passages = profile.max_passages or settings.top_k
    chosen = select_for_model(evidence, min(settings.top_k, max_passages))
    passages = [ev.passage for ev in chosen]
    budget = profile.passage_chars
    views = [excerpt(ev, budget) for ev in chosen] if budget else None
    builder = AnswerBuilder(
        passages, read, on_token, bot.sentence_embeddings, thresholds, settings.claims
    )
    max_tokens = min(settings.llm_max_tokens, thresholds.max_tokens)
    chain = ANSWER_PROMPT | llm.bind(stop=STOP_SEQUENCES, max_tokens=max_tokens)
    stream = chain.stream({"passages": format_passages(passages, views), "question": question})
    try:
        for chunk in stream:
            builder.feed(chunk.content if isinstance(chunk.content, str) else "")
            if builder.done:
                break
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    builder.finish()
    log.debug("model output: %r", builder.raw)

    if builder.model_abstained and not builder.accepted:
        return _abstain(question, on_token)

    if not builder.accepted:
        text, citations, used = extractive_answer(
            evidence, read, embeddings, thresholds.extra_quote_ratio
        )
        if not citations:
            return _abstain(question, on_token)
        if on_token:
            on_token(text)
        rest = [p for p in passages if p not in used]
        return Answer(question, text, False, citations, [], used + rest)

    citations: list[Citation] = []
    text = builder.text
    for marker, support in enumerate(builder.supports, start=1):
        passage = passages[support.passage]
        assert passage.article is not None
        citation = make_citation(marker, passage.article, support.start, support.end)
        if not citation.verified:  # cannot happen short of a bug; never show it if it does
            log.error("dropping unverified citation [%d] of %s", marker, passage.article.id)
            text = text.replace(f"[{marker}]", "")
            continue
        citations.append(citation)
    if not citations:
        return _abstain(question, on_token)
    order = list(dict.fromkeys(s.passage for s in builder.supports))
    shown = [passages[i] for i in order] + [p for i, p in enumerate(passages) if i not in order]
    return Answer(question, text, False, citations, list(dict.fromkeys(builder.flagged)), shown)
