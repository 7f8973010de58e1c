"""``briefbot brief "TOPIC" --out FILE.pdf|FILE.md|FILE.docx``: a one-page briefing with verified
quotes; ``--json`` prints the whole briefing (``Briefing.to_dict``: bottom line sentences with
their citations, developments with corroboration and confidence, positions, disagreements,
what to watch, sources) and, with ``--out``, the file written."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.cli.common import (
    CliError,
    add_filter_arguments,
    filters_from_args,
    print_json,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "brief",
        help="write a one-page policy briefing (PDF, Markdown or DOCX) on a topic",
        description=(
            "Gathers the stored articles on TOPIC and writes a briefing: bottom line, dated "
            "developments, who said what, disagreements between sources, what to watch, and "
            "sources. Every quote is checked word for word against its article."
        ),
    )
    p.add_argument("topic", metavar="TOPIC")
    add_filter_arguments(p)
    p.add_argument(
        "--out",
        type=Path,
        help="output file: .pdf (one page), .md (Markdown) or .docx (Word); optional with --json",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the whole briefing as JSON on stdout (with the file's path, pages and "
        "citations as numbered in it when --out is given)",
    )
    p.add_argument(
        "--no-model",
        action="store_true",
        help="do not ask the language model for the bottom line (quote the top sources instead)",
    )
    p.set_defaults(func=cmd_brief)


@contextlib.contextmanager
def stage_display(enabled: bool) -> Iterator[Callable[[str], None]]:
    """Stage names as a spinner on stderr when it is a terminal, else nothing."""
    if not enabled:
        yield lambda _stage: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("Starting…") as status:

        def show(stage: str) -> None:
            status.update(f"{stage}…")

        yield show


def cmd_brief(args: argparse.Namespace) -> int:
    from bot.briefing import generate_briefing
    from bot.export import export_briefing
    from bot.service import Briefbot

    out: Path | None = args.out
    if out is None and not args.json:
        raise CliError("give --out FILE.pdf|.md|.docx, or --json to print the briefing")
    if out is not None and out.suffix.lower() not in (".pdf", ".md", ".markdown", ".docx"):
        raise CliError(f"--out must end in .pdf, .md or .docx, got {out.name!r}")
    if not args.topic.strip():
        raise CliError("the topic is empty")
    bot = Briefbot()
    if bot.store.article_count() == 0:
        raise CliError("the library is empty: add articles with `briefbot ingest` first")
    filters = filters_from_args(args)
    try:
        with stage_display(sys.stderr.isatty()) as progress:
            briefing = generate_briefing(
                bot,
                args.topic,
                filters if not filters.is_empty() else None,
                progress=progress,
                use_model=not args.no_model,
            )
            result = None
            if out is not None:
                progress("Writing file")
                result = export_briefing(briefing, out)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    if args.json:
        data = briefing.to_dict()
        if result is not None:
            data["file"] = {
                "path": str(result.path),
                "pages": result.pages,
                "citations": [c.to_dict() for c in result.citations],
            }
        print_json(data)
    elif result is not None:
        pages = (
            f"{result.pages} page{'s' if result.pages != 1 else ''}, "
            if result.pages is not None
            else ""
        )
        print(
            f"wrote {result.path} ({pages}"
            f"{len(result.citations)} verified quotes from {briefing.source_count} sources)"
        )
        for note in briefing.notes:
            print(f"  note: {note}", file=sys.stderr)
    return 0
