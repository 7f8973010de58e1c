"""Answer evaluation: every query (null ones included) answered by ``bot.answer`` over a fresh
store, then scored (``bot.eval.metrics``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.eval.environment import EvalEnvironment, fresh_environment
from bot.eval.metrics import AnswerRecord, EvalQuery, load_queries, score_answer, summarise_answers

if TYPE_CHECKING:
    from bot.settings import Settings

Progress = Callable[[int, int], None]


def _default_answer_fn() -> Callable[..., Any]:
    from bot.answer import answer_question

    return answer_question


def run_answers(
    env: EvalEnvironment,
    queries: Sequence[EvalQuery],
    progress: Progress | None = None,
    answer_fn: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Answer every query (null ones included) with ``bot.answer.answer_question``."""
    answer_fn = answer_fn or _default_answer_fn()
    articles = env.store.get_articles(list(env.url_of))
    records: list[AnswerRecord] = []
    for done, q in enumerate(queries):
        t0 = time.perf_counter()
        try:
            answer = answer_fn(env.bot, q.query)
            record = score_answer(q, answer, articles)
        except Exception as exc:  # one failing question must not lose the run
            record = AnswerRecord(
                id=q.id,
                question_type=q.question_type,
                correct=None if q.is_null else False,
                abstained=False,
                quotes=0,
                quotes_faithful=0,
                quotes_on_gold=0,
                facts=len(q.facts),
                facts_quoted=0,
                seconds=0.0,
                error=f"{type(exc).__name__}: {exc}",
                strict=None if q.is_null else False,
            )
        record.seconds = time.perf_counter() - t0
        records.append(record)
        if progress:
            progress(done + 1, len(queries))
    groups: dict[str, list[AnswerRecord]] = {}
    for r in records:
        groups.setdefault(r.question_type, []).append(r)
    return {
        "briefbot": summarise_answers(records),
        "by_type": {t: summarise_answers(rs) for t, rs in sorted(groups.items())},
        "queries": len(records),
        "model": f"{env.bot.settings.provider}:{env.bot.settings.llm_model or 'default'}",
        "per_query": [r.__dict__ for r in records],
    }


def evaluate_answers(
    articles_path: str | Path,
    queries_path: str | Path,
    limit: int | None = None,
    progress: Progress | None = None,
    settings: Settings | None = None,
    llm: Any = None,
    answer_fn: Callable[..., Any] | None = None,
) -> dict[str, Any]:
    """Ingest into a fresh store, then answer and score every query (``limit``: first N)."""
    queries = load_queries(queries_path)
    if limit is not None:
        queries = queries[:limit]
    with fresh_environment(articles_path, settings) as env:
        if llm is not None:
            env.bot.__dict__["llm"] = llm
        return run_answers(env, queries, progress=progress, answer_fn=answer_fn)
