"""``briefbot eval retrieval | answers``: MultiHop-RAG evaluation on a fresh temporary store."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.cli.common import CliError, print_json, stdout_is_terminal


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="measure retrieval and answers on MultiHop-RAG-style data")
    eval_sub = p.add_subparsers(dest="eval_command", required=True)

    r = eval_sub.add_parser(
        "retrieval",
        help="article-level retrieval metrics (any_hit, all_evidence, MRR) per question type",
    )
    _common(r)
    r.add_argument(
        "--baseline",
        action="store_true",
        help="also run plain LangChain + Chroma similarity search with the same embeddings",
    )
    r.add_argument(
        "--per-query", action="store_true", help="include per-query metrics in --json output"
    )
    r.set_defaults(func=cmd_retrieval)

    a = eval_sub.add_parser(
        "answers",
        help="answer accuracy, abstention, quote fidelity and citation precision/recall",
    )
    _common(a)
    a.add_argument(
        "--per-query", action="store_true", help="include per-query records in --json output"
    )
    a.set_defaults(func=cmd_answers)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", required=True, type=Path, help="articles .jsonl to ingest")
    parser.add_argument("--queries", required=True, type=Path, help="queries .json")
    parser.add_argument("--limit", type=int, help="only the first N queries")
    parser.add_argument("--json", action="store_true", help="print results as JSON")


def _check_files(args: argparse.Namespace) -> None:
    for path in (args.articles, args.queries):
        if not path.is_file():
            raise CliError(f"no such file: {path}")
    if args.limit is not None and args.limit < 1:
        raise CliError("--limit must be at least 1")


def _progress(label: str):  # type: ignore[no-untyped-def]
    """A tqdm bar on a terminal (stderr), nothing otherwise."""
    if not stdout_is_terminal():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=0, unit="query", desc=label, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def cmd_retrieval(args: argparse.Namespace) -> int:
    from bot.eval import evaluate_retrieval

    return _run(
        args,
        "retrieval",
        lambda update: evaluate_retrieval(
            args.articles, args.queries, baseline=args.baseline, limit=args.limit, progress=update
        ),
        print_retrieval_table,
    )


def cmd_answers(args: argparse.Namespace) -> int:
    from bot.eval import evaluate_answers

    return _run(
        args,
        "answers",
        lambda update: evaluate_answers(
            args.articles, args.queries, limit=args.limit, progress=update
        ),
        print_answers_table,
    )


def _run(
    args: argparse.Namespace,
    label: str,
    evaluate: Callable[[Any], dict[str, Any]],
    print_table: Callable[[dict[str, Any]], None],
) -> int:
    """Check the files, run ``evaluate`` with a progress bar (none with ``--json``), print."""
    _check_files(args)
    update, close = _progress(label) if not args.json else (None, lambda: None)
    try:
        result = evaluate(update)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise CliError(f"evaluation failed: {exc}") from exc
    finally:
        close()
    if args.json:
        if not args.per_query:
            result.pop("per_query", None)
        print_json(result)
    else:
        print_table(result)
    return 0


# ---- human output ----------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def print_retrieval_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from bot.eval import RETRIEVAL_METRICS

    has_baseline = "baseline" in result
    table = Table(
        title=(
            f"Article-level retrieval, {result['queries']} queries "
            f"({result['skipped_null']} null queries skipped)"
        )
    )
    table.add_column("question type")
    table.add_column("n", justify="right")
    for metric in RETRIEVAL_METRICS:
        if has_baseline:
            table.add_column(f"{metric}\nbriefbot", justify="right")
            table.add_column(f"{metric}\nbaseline", justify="right")
        else:
            table.add_column(metric, justify="right")
    counts: dict[str, int] = {}
    for row in result.get("per_query", []):
        counts[row["type"]] = counts.get(row["type"], 0) + 1

    def add(label: str, ours: dict, theirs: dict | None, n: int | str) -> None:
        cells = [label, str(n)]
        for metric in RETRIEVAL_METRICS:
            cells.append(_fmt(ours.get(metric)))
            if has_baseline:
                cells.append(_fmt((theirs or {}).get(metric)))
        table.add_row(*cells)

    for qtype, group in result["by_type"].items():
        add(qtype, group["briefbot"], group.get("baseline"), counts.get(qtype, "?"))
    add("overall", result["briefbot"], result.get("baseline"), result["queries"])
    console = Console()
    console.print(table)
    seconds = result["seconds"]
    console.print(
        f"corpus: {result['corpus']['articles']} articles, {result['corpus']['chunks']} passages; "
        f"ingest {seconds['ingest']:.1f} s; briefbot {seconds['briefbot_per_query'] * 1000:.0f} "
        "ms/query"
        + (
            f", baseline {seconds['baseline_per_query'] * 1000:.0f} ms/query"
            if "baseline_per_query" in seconds
            else ""
        ),
        markup=False,
    )


def print_answers_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from bot.eval import ANSWER_METRICS

    table = Table(title=f"Answers, {result['queries']} queries, model {result['model']}")
    table.add_column("question type")
    for metric in ANSWER_METRICS:
        table.add_column(metric, justify="right")
    for qtype, metrics in result["by_type"].items():
        table.add_row(qtype, *(_fmt(metrics.get(m)) for m in ANSWER_METRICS))
    table.add_row("overall", *(_fmt(result["briefbot"].get(m)) for m in ANSWER_METRICS))
    console = Console()
    console.print(table)
    overall = result["briefbot"]
    console.print(
        f"{overall['quotes']} quotes, {overall['errors']} errors; short answer given on "
        f"{_fmt(overall['short_answered'])} of answerable questions; seconds per answer: mean "
        f"{_fmt(overall['mean_seconds'])}, p50 {_fmt(overall['p50_seconds'])}, "
        f"p95 {_fmt(overall['p95_seconds'])}",
        markup=False,
    )
    console.print(
        "accuracy = MultiHop-RAG's lenient rule (gold anywhere in the answer); strict_accuracy "
        "= on the short answer (yes/no gold opens it, other gold in it as whole words)",
        markup=False,
    )
