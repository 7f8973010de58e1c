"""``briefbot check DRAFT|-``: each sentence of a draft marked supported, unsupported or
contradicted, with its verbatim quote; ``--claims FILE.jsonl`` checks one claim a line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.common import CliError, add_filter_arguments, filters_from_args, print_json
from bot.redact import terminal_safe
from bot.service import Briefbot

MARKS = {"supported": "✓", "unsupported": "✗", "contradicted": "≠"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="check each sentence of a draft against the stored articles",
        description="Mark each sentence of a draft (a file, or - for standard input) as "
        "supported, unsupported or contradicted by the stored articles, with the verbatim "
        "quote behind each verdict.",
    )
    p.add_argument("draft", metavar="DRAFT", nargs="?", help="a text/Markdown file, or -")
    p.add_argument("--claims", metavar="FILE.jsonl", help='one {"claim": "..."} per line')
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    add_filter_arguments(p)
    p.set_defaults(func=cmd_check)


def read_text(name: str) -> str:
    """The text of a file, or of standard input for ``-``; one clear error otherwise."""
    if name == "-":
        return sys.stdin.read()
    path = Path(name)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {name}: {exc.strerror or exc}") from None
    if b"\x00" in data[:4096]:
        raise CliError(f"{name} is not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CliError(f"{name} is not UTF-8 text") from None


def read_claims(name: str) -> list[str]:
    claims = []
    for number, line in enumerate(read_text(name).splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CliError(f"{name} line {number}: not JSON ({exc.msg})") from None
        claim = record.get("claim") if isinstance(record, dict) else None
        if not isinstance(claim, str) or not claim.strip():
            raise CliError(f'{name} line {number}: expected {{"claim": "..."}}')
        claims.append(claim)
    return claims


def _one_line(text: str) -> str:
    return terminal_safe(" ".join(text.split()))


def cmd_check(args: argparse.Namespace) -> int:
    from bot.claims.checker import check
    from bot.claims.draft import check_draft

    if (args.draft is None) == (args.claims is None):
        raise CliError("give a DRAFT file (or - for standard input), or --claims FILE.jsonl")
    bot = Briefbot()
    filters = filters_from_args(args)
    if args.claims is not None:
        claims = read_claims(args.claims)
        if not claims:
            raise CliError(f"{args.claims} holds no claims")
        for claim in claims:
            result = check(claim, bot, filters=filters).to_dict()
            record = {"claim": claim, "verdict": result["verdict"]}
            record["citations"] = result["citations"]
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        return 0
    results = check_draft(bot, read_text(args.draft), filters)
    if not results:
        raise CliError("the draft is empty: nothing to check")
    if args.json:
        print_json({"sentences": [r.to_dict() for r in results]})
        return 0
    out = sys.stdout
    for r in results:
        out.write(f"{MARKS[r.verdict.value]} {r.verdict.value:<12} {_one_line(r.sentence)}\n")
        for c in r.citations:
            out.write(f"    “{_one_line(c.quote)}”\n")
            meta = " · ".join(x for x in (c.title, c.source, (c.published_at or "")[:10]) if x)
            out.write(f"      {_one_line(meta)}\n")
        if r.reason and r.verdict.value != "supported":
            out.write(f"    ({_one_line(r.reason)})\n")
    counts = {v: sum(r.verdict.value == v for r in results) for v in MARKS}
    out.write(", ".join(f"{n} {v}" for v, n in counts.items()) + "\n")
    out.flush()
    return 0
