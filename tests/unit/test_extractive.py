"""The code-only answer (bot.answer.extractive): one quote per sentence, copies folded."""

from __future__ import annotations

from bot.answer.evidence import Evidence
from bot.answer.extractive import extractive_answer
from bot.answer.question import Question
from vectorstore.chunking import chunk_article
from vectorstore.ingest import build_article
from vectorstore.models import ParsedDocument, ScoredChunk

TRIAL = (
    "Monday's trial hearing revealed that Google spent $26.3 billion making itself the default "
    "search engine across platforms in 2021, and that it tried to have Chrome preinstalled."
)
OTHER = (
    "Google is on trial because the Justice Department says it kept rivals off phones and "
    "browsers by paying for default search placement."
)


def _evidence(text: str, source: str, url: str) -> Evidence:
    article = build_article(
        ParsedDocument(
            text=text, title="Google trial", source=source, url=url, published_at="2023-10-30"
        )
    )
    chunk = chunk_article(article.id, article.text, max_chars=400)[0]
    return Evidence(ScoredChunk(chunk, 1.0, article), similarity=0.8, coverage=0.8)


def test_a_syndicated_sentence_is_quoted_once() -> None:
    evidence = [
        _evidence(TRIAL, "TechCrunch", "https://example.com/a"),
        _evidence(TRIAL.replace("Monday's", "Monday’s"), "Yahoo News", "https://example.com/b"),
        _evidence(OTHER, "The Verge", "https://example.com/c"),
    ]
    question = Question.read("Why is Google on trial?")
    text, citations, used = extractive_answer(evidence, question, None, extra_quote_ratio=0.0)
    assert len(citations) == 2, text
    copies = {evidence[0].passage.chunk.article_id, evidence[1].passage.chunk.article_id}
    quoted = [c.article_id for c in citations]
    assert sum(i in copies for i in quoted) == 1
    assert evidence[2].passage.chunk.article_id in quoted
    assert all(c.verified for c in citations)
    assert text.count("26.3 billion") == 1
