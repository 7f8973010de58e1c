"""Benchmarks' scoring (MultiHop-RAG): ``metrics`` (queries, retrieval and answer metrics),
``environment`` (a fresh store of the articles), ``retrieval`` and ``answers`` (the runs)."""

from bot.eval.answers import evaluate_answers, run_answers
from bot.eval.environment import EvalEnvironment, fresh_environment
from bot.eval.metrics import (
    ANSWER_METRICS,
    NULL_TYPE,
    RETRIEVAL_METRICS,
    AnswerRecord,
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
from bot.eval.retrieval import DenseBaseline, evaluate_retrieval, run_retrieval

__all__ = [
    "ANSWER_METRICS",
    "NULL_TYPE",
    "RETRIEVAL_METRICS",
    "AnswerRecord",
    "DenseBaseline",
    "EvalEnvironment",
    "EvalQuery",
    "answer_correct",
    "evaluate_answers",
    "evaluate_retrieval",
    "fresh_environment",
    "load_queries",
    "mean_metrics",
    "percentile",
    "quote_overlaps_fact",
    "retrieval_metrics",
    "run_answers",
    "run_retrieval",
    "score_answer",
    "strict_correct",
    "summarise_answers",
]
