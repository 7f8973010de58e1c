"""``briefbot collections list | create | delete``: named, isolated sets of articles and feeds."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import CliError, print_json
from bot.redact import terminal_safe


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("collections", help="list, create or delete collections")
    actions = p.add_subparsers(dest="action", required=True)

    q = actions.add_parser("list", help="every collection with its article and feed counts")
    q.add_argument("--json", action="store_true", help='print [{"name", "articles", "feeds"}]')
    q.set_defaults(func=cmd_list)

    q = actions.add_parser("create", help="create an empty collection")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(func=cmd_create)

    q = actions.add_parser(
        "delete", help="delete a collection: its articles, passages, feeds and indexes"
    )
    q.add_argument("name", metavar="NAME")
    q.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    q.set_defaults(func=cmd_delete)


def _settings():  # type: ignore[no-untyped-def]
    from bot.settings import load_settings

    return load_settings()


def cmd_list(args: argparse.Namespace) -> int:
    from bot.collections import summaries

    settings = _settings()
    found = summaries(settings)
    if args.json:
        print_json([c.to_dict() for c in found])
        return 0
    if not found:
        print("no collections yet (the first ingest creates one)")
    for c in found:
        mark = "*" if c.name == settings.collection else " "
        print(f"{mark} {terminal_safe(c.name)}  {c.articles} articles, {c.feeds} feeds")
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    from bot.collections import CollectionError, create

    try:
        create(_settings(), args.name)
    except CollectionError as exc:
        raise CliError(str(exc)) from None
    print(f"created collection {args.name}")
    return 0


def confirmed(question: str) -> bool:
    """Ask on a terminal; anything but y/yes is no."""
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def cmd_delete(args: argparse.Namespace) -> int:
    from bot.collections import CollectionError, check_name, delete

    try:
        check_name(args.name)
    except CollectionError as exc:
        raise CliError(str(exc)) from None
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(
                f"refusing to delete collection {args.name} without confirmation: "
                "run it on a terminal or pass --yes"
            )
        if not confirmed(
            f"Delete collection {args.name} with all its articles, passages and feeds?"
        ):
            print("not deleted")
            return 1
    try:
        delete(_settings(), args.name)
    except CollectionError as exc:
        raise CliError(str(exc)) from None
    print(f"deleted collection {args.name}")
    return 0
