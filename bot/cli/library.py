"""``briefbot ingest | articles | show | remove``: the article library."""

from __future__ import annotations

import argparse

from bot.cli.common import CliError, print_json, stdout_is_terminal
from bot.redact import terminal_safe
from bot.service import Briefbot


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ingest", help="add files, folders, article URLs or feed URLs")
    p.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("articles", help="list stored articles")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_articles)

    p = sub.add_parser("show", help="one article's metadata and clean text")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("remove", help="delete an article and its passages")
    p.add_argument("id")
    p.set_defaults(func=cmd_remove)


def cmd_ingest(args: argparse.Namespace) -> int:
    bot = Briefbot()
    if stdout_is_terminal() and not args.json:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="file", desc="ingest")

        def progress(done: int, total: int, label: str) -> None:
            bar.total = total
            bar.n = done
            bar.set_postfix_str(label[-40:])
            bar.refresh()

        try:
            report = bot.ingest(args.sources, progress=progress)
        finally:
            bar.close()
    else:
        report = bot.ingest(args.sources)
    if args.json:
        print_json(report.to_dict())
    else:
        print(
            f"added {report.added}, replaced {report.replaced}, skipped {report.skipped} "
            f"(already stored), {report.chunks} passages, {len(report.failed)} failed"
        )
        for dup in report.near_duplicates:
            title = terminal_safe(dup["title"])
            print(f"  near-duplicate: {title!r} resembles {dup['duplicate_of']}")
        for failure in report.failed:
            print(f"  failed: {terminal_safe(failure.path)}: {terminal_safe(failure.error)}")
    return 0 if report.added + report.replaced + report.skipped > 0 or not report.failed else 2


def cmd_articles(args: argparse.Namespace) -> int:
    articles = Briefbot().articles()
    if args.json:
        print_json(
            [
                {
                    "id": a.id,
                    "title": a.title,
                    "source": a.source,
                    "published_at": a.published_at,
                    "url": a.url,
                    "chunks": a.chunk_count,
                }
                for a in articles
            ]
        )
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "title", "source", "published", "chunks")
    for a in articles:
        # markup=False semantics: pass Text objects so article text is never parsed as markup
        from rich.text import Text

        table.add_row(
            a.id,
            Text(terminal_safe(a.title)),
            Text(terminal_safe(a.source or "—")),
            terminal_safe(a.published_at or "—"),
            str(a.chunk_count),
        )
    Console().print(table)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    article = Briefbot().article(args.id)
    if article is None:
        raise CliError(f"no article with id {args.id}")
    if args.json:
        data = article.to_dict()
        data["chunks"] = data.pop("chunk_count")
        print_json(data)
    else:
        print(terminal_safe(article.title))
        header = " · ".join(x for x in (article.source, article.published_at, article.url) if x)
        print(terminal_safe(header))
        print()
        print(terminal_safe(article.text))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    if not Briefbot().remove(args.id):
        raise CliError(f"no article with id {args.id}")
    print(f"removed {args.id}")
    return 0
