"""``briefbot digest --since 24h [--out FILE] [--json]``: what is new in the collection, as
stories with their outlets and one verified quote each."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.common import CliError, print_json, since_argument
from bot.redact import terminal_safe


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "digest",
        help="what is new in the collection, grouped into stories with verified quotes",
        description="Articles published in the window (undated ones: ingested in it), "
        "syndicated copies and near-duplicates folded into stories with their count of "
        "outlets, each with its best verbatim quote and its sources.",
    )
    p.add_argument(
        "--since",
        type=since_argument,
        default="24h",
        help="window: a duration back from now (24h, 7d) or a date YYYY-MM-DD (default 24h)",
    )
    p.add_argument("--out", type=Path, help="also write it: .md, .pdf or .docx")
    p.add_argument("--json", action="store_true", help="print the digest as JSON")
    p.set_defaults(func=cmd_digest)


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.digest import build_digest
    from bot.export.digest import DIGEST_SUFFIXES, export_digest
    from bot.service import Briefbot

    out: Path | None = args.out
    if out is not None and out.suffix.lower() not in DIGEST_SUFFIXES:
        raise CliError(f"--out must end in .md, .pdf or .docx, got {out.name!r}")
    digest = build_digest(Briefbot(), args.since)
    written = None
    if out is not None:
        try:
            written = export_digest(digest, out)
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    if args.json:
        data = digest.to_dict()
        if written is not None:
            data["path"] = str(written.path)
        print_json(data)
        return 0
    from bot.export.digest_markdown import digest_summary, outlets_line

    print(terminal_safe(digest_summary(digest)))
    for number, story in enumerate(digest.stories, start=1):
        print()
        print(f"{number}. {terminal_safe(story.headline)}")
        print(f"   {terminal_safe(outlets_line(story))}")
        if story.quote:
            print(f"   “{terminal_safe(story.quote.quote)}” [{story.quote.marker}]")
        for s in story.sources:
            print(
                f"   - {terminal_safe(s.outlet)}: {terminal_safe(s.title)} {terminal_safe(s.url or '')}"
            )
    if digest.omitted_stories:
        print(f"\n(and {digest.omitted_stories} less reported stories)")
    if written is not None:
        print(f"\nwrote {written.path}", file=sys.stderr)
    return 0
