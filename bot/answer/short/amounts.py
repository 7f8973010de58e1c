"""How many / when: the figure or date of the best sentences that the question does not give."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answer.evidence import Evidence
from bot.answer.question import Question
from bot.answer.short.settled import Sentence, Settled, best_sentences, quote_lines
from bot.text.dates import display_label, find_dates, parse_article_date
from bot.text.figures import figure_contexts, figures
from bot.text.words import (
    claim_stems,
)


def settle_number(question: Question, evidence: Sequence[Evidence]) -> Settled | None:
    """The figure that counts what the question asks about: among the best sentences' figures,
    the one whose neighbouring words share most stems with the question ("how many homes" →
    "4,000 homes"), earlier sentences first on a tie."""
    given = set(figures(question.text))
    asked = claim_stems(question.text)
    best: tuple[tuple[int, int, int], str, Sentence] | None = None
    for rank, s in enumerate(best_sentences(evidence)[:6]):
        for order, (raw, _value, context) in enumerate(figure_contexts(s.text)):
            if raw in given or re.fullmatch(r"(19|20)\d\d", raw):
                continue
            key = (-len(context & asked), rank, order)
            if best is None or key < best[0]:
                best = (key, raw, s)
    if best is None:
        return None
    _, found, s = best
    body, citations, used = quote_lines([s], limit=1, focus=question.focus)
    if not citations:
        return None
    return Settled(found, body, citations, used)


def settle_date(question: Question, evidence: Sequence[Evidence]) -> Settled | None:
    asked = {d.label.lower() for d in find_dates(question.text)}
    for s in best_sentences(evidence)[:6]:
        article = s.passage.article
        assert article is not None
        day = parse_article_date(article.published_at)
        found = [d for d in find_dates(s.text, day) if d.label.lower() not in asked]
        if found:
            label = display_label(found[0])
            body, citations, used = quote_lines([s], limit=1, focus=question.focus)
            if citations:
                return Settled(label, body, citations, used)
    return None
