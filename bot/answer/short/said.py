"""What did X say: X's own words on the question, never the narrator's report of them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answer.evidence import Evidence
from bot.answer.extractive import balanced_span
from bot.answer.question import Question
from bot.answer.short.settled import Sentence, Settled, article_sentences, quote_lines
from bot.text.speech import (
    same_actor,
)
from bot.text.speech import span_speakers as speakers_of
from bot.text.untrusted import looks_like_instruction
from bot.text.words import (
    claim_stems,
    coverage,
)


def settle_said(question: Question, evidence: Sequence[Evidence]) -> Settled | None:
    """X's own words on the question: sentences anywhere in the best articles whose speaker is
    X and which hold the question's other words; X's own words (a sentence that is mostly
    quotation) before the narrator's report of them. The short answer stays None (what someone
    said is not a few words); the quote is the answer."""
    speaker = question.speaker
    if not speaker:
        return None
    speaker_stems = claim_stems(speaker)
    topic = [t for t in question.focus_terms if t.stem not in speaker_stems]
    if not topic:
        return None
    picks: list[tuple[float, float, Sentence]] = []
    for ev, start, end in article_sentences(evidence, 6):
        article = ev.passage.article
        assert article is not None
        text = article.text[start:end]
        on_topic = coverage(topic, claim_stems(text))
        if on_topic <= 0 or looks_like_instruction(text):
            continue
        if any(same_actor(speaker, who) for who in speakers_of(article.text, start, end)):
            pick = Sentence(ev.passage, start, end, on_topic)
            picks.append((on_topic, _quoted_share(pick), pick))
    if not picks:
        return None
    best = max(p[0] for p in picks)
    ranked = sorted((p for p in picks if p[0] >= best * 0.8), key=lambda p: (-p[1], -p[0]))
    body, citations, used = quote_lines([p[2] for p in ranked], limit=1, focus=question.focus)
    if not citations:
        return None
    return Settled(None, body, citations, used)


def _quoted_share(sentence: Sentence) -> float:
    """How much of the sentence (balanced within its paragraph) is inside quotation marks."""
    article = sentence.passage.article
    assert article is not None
    span = balanced_span(article.text, sentence.start, sentence.end) or (
        sentence.start,
        sentence.end,
    )
    text = article.text[span[0] : span[1]]
    inside = sum(len(m.group()) for m in re.finditer(r"“[^”]*”|\"[^\"]*\"", text))
    return round(inside / max(1, len(text)), 1)
