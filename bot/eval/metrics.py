"""Scoring, independent of any store or model: MultiHop-RAG queries, article-level retrieval
metrics and answer metrics.

- ``any_hit@k``: at least one gold article in the top k;
- ``all_evidence@k``: every gold article in the top k (what a multi-hop answer needs);
- ``recall@k``: share of gold articles in the top k;
- ``mrr@10``: 1 / rank of the first gold article (0 when none in the top 10).

Answers: MultiHop-RAG's lenient accuracy rule (the prediction contains the gold answer,
case-insensitively) beside a strict one on the short answer (``strict_correct``: yes/no gold
must open it, other gold must appear in it as whole words), abstention on null queries, false abstention on answerable ones, quote
fidelity (the quote equals the stored text at its span), citation precision (quotes that overlap
a gold fact) and recall (gold facts quoted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RETRIEVAL_METRICS = (
    "any_hit@4",
    "any_hit@10",
    "all_evidence@4",
    "all_evidence@10",
    "recall@4",
    "recall@10",
    "mrr@10",
)
ANSWER_METRICS = (
    "accuracy",
    "strict_accuracy",
    "abstention_on_null",
    "false_abstention",
    "quote_fidelity",
    "citation_precision",
    "citation_recall",
)
NULL_TYPE = "null_query"


@dataclass(frozen=True)
class EvalQuery:
    id: str
    query: str
    question_type: str
    answer: str
    evidence_urls: tuple[str, ...]
    facts: tuple[str, ...]

    @property
    def is_null(self) -> bool:
        return self.question_type == NULL_TYPE or not self.evidence_urls


def load_queries(path: str | Path) -> list[EvalQuery]:
    """MultiHop-RAG query records (``id, query, question_type, answer, evidence_list``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for i, item in enumerate(data):
        evidence = item.get("evidence_list") or []
        out.append(
            EvalQuery(
                id=str(item.get("id", i)),
                query=item["query"],
                question_type=item.get("question_type") or "unknown",
                answer=str(item.get("answer") or ""),
                evidence_urls=tuple(dict.fromkeys(e["url"] for e in evidence if e.get("url"))),
                facts=tuple(e["fact"] for e in evidence if e.get("fact")),
            )
        )
    return out


def retrieval_metrics(
    ranked: Sequence[str], gold: Sequence[str], ks: Sequence[int] = (4, 10)
) -> dict[str, float]:
    """Metrics of one query: ``ranked`` are distinct article keys (URLs) best first."""
    gold_set = set(gold)
    if not gold_set:
        raise ValueError("retrieval metrics need at least one gold article")
    ranked = list(dict.fromkeys(ranked))
    out: dict[str, float] = {}
    for k in ks:
        top = set(ranked[:k])
        found = len(top & gold_set)
        out[f"any_hit@{k}"] = float(found > 0)
        out[f"all_evidence@{k}"] = float(found == len(gold_set))
        out[f"recall@{k}"] = found / len(gold_set)
    rr = 0.0
    for rank, key in enumerate(ranked[:10], start=1):
        if key in gold_set:
            rr = 1.0 / rank
            break
    out["mrr@10"] = rr
    return out


def mean_metrics(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Per-metric mean over queries (empty input gives an empty dict)."""
    if not rows:
        return {}
    return {name: sum(r[name] for r in rows) / len(rows) for name in rows[0]}


def answer_correct(prediction: str, gold: str) -> bool:
    """MultiHop-RAG's rule: the prediction contains the gold answer (case-insensitive)."""
    gold = gold.strip().lower()
    return bool(gold) and gold in prediction.lower()


_YES_NO = {"yes", "no"}


def strict_correct(short_answer: str | None, gold: str) -> bool:
    """The stricter rule on ``Answer.short_answer``: for yes/no gold, the short answer starts
    with that word; for other gold, the gold appears in it as whole words (case-insensitive,
    a trailing full stop of the gold ignored). No short answer is never correct."""
    if not short_answer:
        return False
    gold = gold.strip().rstrip(".").strip().lower()
    short = short_answer.strip().lower()
    if not gold:
        return False
    if gold in _YES_NO:
        return re.match(rf"{gold}\b", short) is not None
    return re.search(rf"(?<!\w){re.escape(gold)}(?!\w)", short) is not None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile ``q`` (0..1) of ``values`` (None when empty)."""
    ordered = sorted(values)
    if not ordered:
        return None
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def quote_overlaps_fact(quote: str, fact: str) -> bool:
    """A quote supports a gold fact when one contains the other (whitespace ignored), or they
    share a run of at least 40 characters (quotes are whole sentences, facts may be longer)."""
    q, f = _squash(quote), _squash(fact)
    if not q or not f:
        return False
    if q in f or f in q:
        return True
    window = 40
    if len(q) < window or len(f) < window:
        return False
    grams = {f[i : i + window] for i in range(0, len(f) - window + 1)}
    return any(q[i : i + window] in grams for i in range(0, len(q) - window + 1))


@dataclass
class AnswerRecord:
    """One query's answer outcome (the ``--json`` per-query shape of ``eval answers``)."""

    id: str
    question_type: str
    correct: bool | None
    abstained: bool
    quotes: int
    quotes_faithful: int
    quotes_on_gold: int
    facts: int
    facts_quoted: int
    seconds: float
    answer: str = ""
    error: str | None = None
    strict: bool | None = None
    """The strict rule (:func:`strict_correct`) on the short answer; None for null queries."""
    short_answer: str | None = None


def score_answer(query: EvalQuery, answer: Any, articles: dict[str, Any]) -> AnswerRecord:
    """Score one ``bot.types.Answer`` against the gold record; ``articles`` maps id → Article."""
    citations = list(getattr(answer, "citations", []) or [])
    faithful = 0
    on_gold = 0
    quoted_facts: set[int] = set()
    for cit in citations:
        article = articles.get(cit.article_id)
        if article is not None and article.text[cit.start : cit.end] == cit.quote:
            faithful += 1
        hits = [i for i, fact in enumerate(query.facts) if quote_overlaps_fact(cit.quote, fact)]
        if hits:
            on_gold += 1
            quoted_facts.update(hits)
    abstained = bool(getattr(answer, "abstained", False))
    text = getattr(answer, "answer", "") or ""
    short = getattr(answer, "short_answer", None)
    return AnswerRecord(
        id=query.id,
        question_type=query.question_type,
        correct=None
        if query.is_null
        else (not abstained and answer_correct(f"{short or ''} {text}", query.answer)),
        abstained=abstained,
        quotes=len(citations),
        quotes_faithful=faithful,
        quotes_on_gold=on_gold,
        facts=len(query.facts),
        facts_quoted=len(quoted_facts),
        seconds=0.0,
        answer=text,
        strict=None if query.is_null else (not abstained and strict_correct(short, query.answer)),
        short_answer=short,
    )


def summarise_answers(records: Sequence[AnswerRecord]) -> dict[str, float | int | None]:
    """Aggregate answer metrics (None where a metric has no denominator)."""

    def ratio(num: float, den: float) -> float | None:
        return num / den if den else None

    answerable = [r for r in records if r.correct is not None]
    null = [r for r in records if r.correct is None]
    quotes = sum(r.quotes for r in answerable) + sum(r.quotes for r in null)
    seconds = [r.seconds for r in records if r.error is None]
    return {
        "accuracy": ratio(sum(bool(r.correct) for r in answerable), len(answerable)),
        "strict_accuracy": ratio(sum(bool(r.strict) for r in answerable), len(answerable)),
        "short_answered": ratio(
            sum(r.short_answer is not None for r in answerable), len(answerable)
        ),
        "abstention_on_null": ratio(sum(r.abstained for r in null), len(null)),
        "false_abstention": ratio(sum(r.abstained for r in answerable), len(answerable)),
        "quote_fidelity": ratio(
            sum(r.quotes_faithful for r in records), sum(r.quotes for r in records)
        ),
        "citation_precision": ratio(
            sum(r.quotes_on_gold for r in answerable), sum(r.quotes for r in answerable)
        ),
        "citation_recall": ratio(
            sum(r.facts_quoted for r in answerable), sum(r.facts for r in answerable)
        ),
        "quotes": quotes,
        "errors": sum(r.error is not None for r in records),
        "answerable": len(answerable),
        "null": len(null),
        "mean_seconds": ratio(sum(r.seconds for r in records), len(records)),
        "p50_seconds": percentile(seconds, 0.5),
        "p95_seconds": percentile(seconds, 0.95),
    }
