"""Evaluation metrics on hand-made cases, and ``briefbot eval`` end to end on the real files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli import main
from bot.eval import (
    RETRIEVAL_METRICS,
    EvalQuery,
    answer_correct,
    load_queries,
    mean_metrics,
    percentile,
    quote_overlaps_fact,
    retrieval_metrics,
    score_answer,
    strict_correct,
    summarise_answers,
)
from tests.helpers import MULTIHOP

ARTICLES = MULTIHOP / "articles.jsonl"
QUERIES = MULTIHOP / "queries_dev.json"


# ---- retrieval metrics -------------------------------------------------------------------------


def test_retrieval_metrics_all_found_in_top_four() -> None:
    m = retrieval_metrics(["g1", "x", "g2", "y", "z"], ["g1", "g2"])
    assert m["any_hit@4"] == m["all_evidence@4"] == m["all_evidence@10"] == 1.0
    assert m["recall@4"] == 1.0 and m["mrr@10"] == 1.0


def test_retrieval_metrics_partial_and_late() -> None:
    ranked = ["a", "b", "c", "g1", "d", "e", "f", "h", "i", "g2", "g3"]
    m = retrieval_metrics(ranked, ["g1", "g2", "g3"])
    assert m["any_hit@4"] == 1.0
    assert m["all_evidence@4"] == 0.0
    assert m["recall@4"] == pytest.approx(1 / 3)
    assert m["all_evidence@10"] == 0.0  # g3 is 11th
    assert m["recall@10"] == pytest.approx(2 / 3)
    assert m["mrr@10"] == pytest.approx(1 / 4)


def test_retrieval_metrics_miss_and_duplicates() -> None:
    m = retrieval_metrics(["a", "a", "b"], ["g"])
    assert all(m[name] == 0.0 for name in RETRIEVAL_METRICS)
    # a duplicated key counts once: g is the 2nd distinct article, not the 3rd entry
    assert retrieval_metrics(["a", "a", "g"], ["g"])["mrr@10"] == pytest.approx(1 / 2)
    with pytest.raises(ValueError):
        retrieval_metrics(["a"], [])


def test_mean_metrics() -> None:
    rows = [{"x": 1.0, "y": 0.0}, {"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 1.0}]
    assert mean_metrics(rows) == {"x": pytest.approx(2 / 3), "y": pytest.approx(1 / 3)}
    assert mean_metrics([]) == {}


# ---- answer metrics ----------------------------------------------------------------------------


def test_answer_correct_is_containment_case_insensitive() -> None:
    assert answer_correct("It was Sam Bankman-Fried.", "sam bankman-fried")
    assert answer_correct("Yes, both did.", "Yes")
    assert not answer_correct("No.", "Yes")
    assert not answer_correct("Google", "")


def test_quote_overlaps_fact() -> None:
    fact = "The prosecution painted Bankman-Fried as someone who knowingly committed fraud."
    assert quote_overlaps_fact("painted Bankman-Fried as someone who knowingly committed", fact)
    assert quote_overlaps_fact(fact + " He denied it.", fact)  # quote longer than the fact
    assert quote_overlaps_fact(fact.replace(" ", "\n"), fact)  # whitespace ignored
    assert not quote_overlaps_fact("Google unveiled the Pixel 8 at its hardware event.", fact)
    assert not quote_overlaps_fact("", fact)


@dataclass
class _Citation:
    quote: str
    start: int
    end: int
    article_id: str


@dataclass
class _Answer:
    answer: str
    abstained: bool = False
    citations: list = field(default_factory=list)
    short_answer: str | None = None


@dataclass
class _Article:
    text: str


def _query(qtype: str = "inference_query", answer: str = "Google") -> EvalQuery:
    return EvalQuery(
        id="q",
        query="Which company?",
        question_type=qtype,
        answer=answer,
        evidence_urls=() if qtype == "null_query" else ("u1", "u2"),
        facts=() if qtype == "null_query" else ("Google pays Apple billions.", "Google won."),
    )


def test_score_answer_fidelity_precision_recall() -> None:
    text = "Intro. Google pays Apple billions. Other news."
    articles = {"a": _Article(text)}
    good = _Citation("Google pays Apple billions.", 7, 34, "a")
    wrong_span = _Citation("Google pays Apple billions.", 0, 27, "a")  # text differs there
    off_topic = _Citation("Other news.", 35, 46, "a")
    record = score_answer(
        _query(), _Answer("It is Google [1].", citations=[good, wrong_span, off_topic]), articles
    )
    assert record.correct is True and not record.abstained
    assert (record.quotes, record.quotes_faithful, record.quotes_on_gold) == (3, 2, 2)
    assert (record.facts, record.facts_quoted) == (2, 1)
    summary = summarise_answers([record])
    assert summary["quote_fidelity"] == pytest.approx(2 / 3)
    assert summary["citation_precision"] == pytest.approx(2 / 3)
    assert summary["citation_recall"] == pytest.approx(1 / 2)
    assert summary["accuracy"] == 1.0 and summary["false_abstention"] == 0.0
    assert summary["abstention_on_null"] is None


def test_strict_rule_reads_only_the_short_answer() -> None:
    assert strict_correct("Yes", "Yes") and strict_correct("yes, both report it", "Yes")
    assert not strict_correct("No", "Yes") and not strict_correct("Yesterday", "yes")
    assert strict_correct("No.", "no") and not strict_correct("Not settled", "No")
    assert strict_correct("Sam Bankman-Fried", "Sam Bankman-Fried")
    assert strict_correct("Google", "Google.")  # the gold's full stop is not part of it
    assert not strict_correct("Bankman-Fried", "Sam Bankman-Fried")
    assert not strict_correct("Googleplex", "Google")  # whole words only
    assert not strict_correct(None, "Google") and not strict_correct("", "Yes")


def test_strict_and_lenient_accuracy_side_by_side_with_latency() -> None:
    quote = "Google pays Apple billions."
    articles = {"a": _Article(quote)}
    cited = [_Citation(quote, 0, len(quote), "a")]
    records = [
        # lenient: gold anywhere in the answer; strict: not in the (absent) short answer
        score_answer(
            _query(), _Answer("“Google pays Apple billions.” [1]", citations=cited), articles
        ),
        score_answer(
            _query(), _Answer("quote [1]", citations=cited, short_answer="Google"), articles
        ),
        score_answer(_query("comparison_query", "Yes"), _Answer("x", short_answer="No"), articles),
        score_answer(_query("null_query"), _Answer("", True), {}),
    ]
    for seconds, record in zip((1.0, 2.0, 3.0, 10.0), records, strict=True):
        record.seconds = seconds
    assert [r.correct for r in records] == [True, True, False, None]
    assert [r.strict for r in records] == [False, True, False, None]
    summary = summarise_answers(records)
    assert summary["accuracy"] == pytest.approx(2 / 3)
    assert summary["strict_accuracy"] == pytest.approx(1 / 3)
    assert summary["short_answered"] == pytest.approx(2 / 3)
    assert summary["p50_seconds"] == pytest.approx(2.5)
    assert summary["p95_seconds"] == pytest.approx(percentile([1.0, 2.0, 3.0, 10.0], 0.95))
    assert percentile([], 0.5) is None and percentile([4.0], 0.95) == 4.0


def test_abstention_counts() -> None:
    records = [
        score_answer(_query("null_query", "Insufficient information."), _Answer("", True), {}),
        score_answer(_query("null_query"), _Answer("Google", False), {}),
        score_answer(_query(), _Answer("", True), {}),
        score_answer(_query(), _Answer("Microsoft", False), {}),
    ]
    assert [r.correct for r in records] == [None, None, False, False]
    summary = summarise_answers(records)
    assert summary["abstention_on_null"] == 0.5
    assert summary["false_abstention"] == 0.5
    assert summary["accuracy"] == 0.0
    assert summary["quote_fidelity"] is None  # no quotes at all


def test_load_queries_reads_the_dev_file() -> None:
    queries = load_queries(QUERIES)
    assert len(queries) == 250
    null = [q for q in queries if q.is_null]
    assert len(null) == 31 and all(not q.evidence_urls for q in null)
    assert all(q.facts and q.evidence_urls for q in queries if not q.is_null)


# ---- end to end ------------------------------------------------------------------------------


def test_eval_retrieval_cli_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "retrieval", "--articles", str(ARTICLES), "--queries", str(QUERIES)]
    assert main([*argv, "--limit", "20", "--baseline", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= {"briefbot", "baseline", "by_type", "queries"}
    assert result["queries"] == 19 and result["skipped_null"] == 1  # one null in the first 20
    assert result["corpus"]["articles"] == 326
    for side in ("briefbot", "baseline"):
        assert set(RETRIEVAL_METRICS) <= set(result[side])
        assert all(0.0 <= result[side][m] <= 1.0 for m in RETRIEVAL_METRICS)
    assert set(result["by_type"]) == {"comparison_query", "inference_query", "temporal_query"}
    for group in result["by_type"].values():
        assert set(group) == {"briefbot", "baseline"}
    ours, theirs = result["briefbot"], result["baseline"]
    assert ours["all_evidence@10"] >= theirs["all_evidence@10"]
    assert ours["all_evidence@4"] >= theirs["all_evidence@4"]
    assert "per_query" not in result


def test_eval_answers_plumbing_with_a_fake_answer_function(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``eval answers`` with a recording fake in place of ``bot.answer.answer_question``: quotes
    are cut from the real stored text, so fidelity must be 1 and precision/recall computable."""
    from bot.eval import answers as evaluation

    small = tmp_path / "articles.jsonl"
    queries = load_queries(QUERIES)[:3]
    wanted = {u for q in queries for u in q.evidence_urls}
    rows = [json.loads(line) for line in ARTICLES.read_text().splitlines()]
    small.write_text("\n".join(json.dumps(r) for r in rows if r["url"] in wanted) + "\n")
    seen: list[str] = []

    def fake_answer(bot, question, filters=None, history=(), on_token=None):  # type: ignore[no-untyped-def]
        from bot.types import Answer, Citation

        seen.append(question)
        passages = bot.retriever.retrieve(question, k=2)
        citations = []
        for n, p in enumerate(passages, 1):
            article = p.article
            end = article.text.find(".", p.chunk.start) + 1 or p.chunk.end
            citations.append(
                Citation(
                    n,
                    article.text[p.chunk.start : end],
                    article.id,
                    article.title,
                    article.source,
                    article.published_at,
                    article.url,
                    p.chunk.start,
                    end,
                    True,
                )  # fmt: skip
            )
        return Answer(question=question, answer="Google [1]", abstained=False, citations=citations)

    monkeypatch.setattr(evaluation, "_default_answer_fn", lambda: fake_answer)
    result = evaluation.evaluate_answers(small, QUERIES, limit=3)
    assert seen == [q.query for q in queries]
    overall = result["briefbot"]
    assert overall["quote_fidelity"] == 1.0
    assert overall["quotes"] == 6
    assert overall["accuracy"] == pytest.approx(1 / 2)  # answers: "no", "Google"; q 4 is null
    assert overall["strict_accuracy"] == 0.0  # the fake gives no short answer
    assert overall["p95_seconds"] is not None
    assert overall["abstention_on_null"] == 0.0
    assert overall["citation_precision"] is not None and overall["citation_precision"] > 0
    assert {r["id"] for r in result["per_query"]} == {q.id for q in queries}
    assert all(isinstance(r, dict) and "error" in r for r in result["per_query"])
    assert not any(r["error"] for r in result["per_query"])
