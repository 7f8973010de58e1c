"""``briefbot ask "QUESTION"``: a cited answer, streamed on a terminal, or ``--json``."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import (
    CliError,
    add_filter_arguments,
    filters_from_args,
    print_json,
    stdout_is_terminal,
)
from bot.service import Briefbot
from bot.types import Answer


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask",
        help="answer a question from the stored articles, with verbatim quotes",
        description="Answer a question from the stored articles. Every quote is checked word "
        "for word against its article; when the sources do not answer, it says so.",
    )
    p.add_argument("question", metavar="QUESTION")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    add_filter_arguments(p)
    p.set_defaults(func=cmd_ask)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def print_citations(answer: Answer) -> None:
    """Numbered citations as plain text (article text is never interpreted as markup)."""
    if not answer.citations:
        return
    out = sys.stdout
    out.write("\nSources:\n")
    for c in answer.citations:
        out.write(f"[{c.marker}] “{_one_line(c.quote)}”\n")
        meta = " · ".join(x for x in (c.title, c.source, (c.published_at or "")[:10]) if x)
        out.write(f"    {_one_line(meta)}\n")
        if c.url:
            out.write(f"    {c.url}\n")
    if answer.flagged_quotes:
        out.write("\nNot found in any source (shown without quotation marks):\n")
        for q in answer.flagged_quotes:
            out.write(f"  - {_one_line(q)}\n")
    out.flush()


def print_short_answer(short: str, bold: bool) -> None:
    """The short answer first, on its own line: bold on a terminal, labelled otherwise."""
    if bold:
        from rich.console import Console
        from rich.text import Text

        Console().print(Text(short, style="bold"))  # Text: article words are never markup
    else:
        sys.stdout.write(f"Short answer: {_one_line(short)}\n")
    sys.stdout.flush()


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.answer import answer_question
    from bot.llm import ModelUnavailable

    question = (args.question or "").strip()
    if not question:
        raise CliError("the question is empty")
    bot = Briefbot()
    bot.warm_in_background()  # both vector indexes load side by side, not one after the other
    filters = filters_from_args(args)
    stream = stdout_is_terminal() and not args.json

    def on_token(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    def on_short(text: str) -> None:  # settled by code before any sentence streams
        print_short_answer(text, bold=True)

    try:
        answer = answer_question(
            bot,
            question,
            filters=filters,
            on_token=on_token if stream else None,
            on_short=on_short if stream else None,
        )
    except ModelUnavailable as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print_json(answer.to_dict())
        return 0
    if stream:
        sys.stdout.write("\n")
    else:
        if answer.short_answer:
            print_short_answer(answer.short_answer, bold=False)
        sys.stdout.write(answer.answer + "\n")
    print_citations(answer)
    return 0
