"""``briefbot feeds add | list | remove``, ``briefbot refresh`` and ``briefbot watch``: the feeds
a collection follows, and bringing in their new entries."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime

from bot.cli.common import CliError, print_json
from bot.redact import terminal_safe


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feeds", help="the RSS/Atom feeds this collection follows")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser("add", help="follow a feed (fetched by `briefbot refresh`)")
    q.add_argument("url", metavar="URL")
    q.set_defaults(func=cmd_add)
    q = actions.add_parser("list", help="followed feeds with their last refresh and error")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)
    q = actions.add_parser("remove", help="stop following a feed (its articles stay)")
    q.add_argument("url", metavar="URL")
    q.set_defaults(func=cmd_remove)

    p = sub.add_parser(
        "refresh",
        help="fetch every followed feed and ingest its new entries",
        description="Conditional GET per feed (ETag, Last-Modified); only entries not read "
        "before are fetched; a failing feed is reported and never stops the others.",
    )
    p.add_argument(
        "--json", action="store_true", help='print {"feeds": [{url, new, skipped, error}], "added"}'
    )
    p.set_defaults(func=cmd_refresh)

    p = sub.add_parser("watch", help="refresh in a loop, in the foreground (Ctrl-C stops)")
    p.add_argument("--every", default="30m", help="interval between refreshes (30m, 1h, ...)")
    p.add_argument("--json", action="store_true", help="one JSON report per line")
    p.set_defaults(func=cmd_watch)


def _bot():  # type: ignore[no-untyped-def]
    from bot.service import Briefbot

    return Briefbot()


def cmd_add(args: argparse.Namespace) -> int:
    from bot.feeds import FeedError

    bot = _bot()
    try:
        feed = bot.feeds.add(args.url)
    except FeedError as exc:
        raise CliError(str(exc)) from None
    print(f"following {terminal_safe(feed.url)} in collection {bot.settings.collection}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    feeds = _bot().feeds.feeds()
    if args.json:
        print_json([f.to_dict() for f in feeds])
        return 0
    if not feeds:
        print("no feeds followed (add one with `briefbot feeds add URL`)")
    for f in feeds:
        state = (
            f"last refresh {f.last_refresh}, {f.last_new} new"
            if f.last_refresh
            else "never refreshed"
        )
        print(terminal_safe(f.url))
        print(f"  {state}")
        if f.last_error:
            print(f"  last error: {terminal_safe(f.last_error)}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from bot.feeds import FeedError

    try:
        _bot().feeds.remove(args.url)
    except FeedError as exc:
        raise CliError(str(exc)) from None
    print(f"no longer following {terminal_safe(args.url.strip())}")
    return 0


def _refresh_once(bot, as_json: bool) -> int:  # type: ignore[no-untyped-def]
    from bot.feeds import RefreshBusy

    show = None
    if not as_json and sys.stderr.isatty():

        def show(message: str) -> None:
            print(terminal_safe(message), file=sys.stderr)

    try:
        report = bot.refresh(progress=show)
    except RefreshBusy as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json(report.to_dict())
    else:
        if not report.feeds:
            print("no feeds followed (add one with `briefbot feeds add URL`)")
        for f in report.feeds:
            line = f"{terminal_safe(f.url)}: {f.new} new, {f.skipped} skipped"
            if f.not_modified:
                line += " (not modified)"
            print(line)
            if f.error:
                print(f"  error: {terminal_safe(f.error)}")
        print(f"added {report.added}")
    failed = [f for f in report.feeds if f.error and not f.new]
    return 2 if report.feeds and len(failed) == len(report.feeds) else 0


def cmd_refresh(args: argparse.Namespace) -> int:
    return _refresh_once(_bot(), args.json)


def cmd_watch(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Refresh now and then every ``--every``; Ctrl-C (or ``stop``) ends it between or during
    refreshes (what a refresh already stored stays stored)."""
    from bot.digest.window import parse_duration

    try:
        every = parse_duration(args.every)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    stop = stop or threading.Event()
    bot = _bot()
    try:
        while not stop.is_set():
            started = time.monotonic()
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            if not args.json:
                print(f"[{stamp}] refreshing collection {bot.settings.collection}", flush=True)
            try:
                _refresh_once(bot, args.json)
            except CliError as exc:  # e.g. another refresh running: try again next time
                print(f"briefbot: {exc}", file=sys.stderr, flush=True)
            sys.stdout.flush()
            stop.wait(max(0.0, every.total_seconds() - (time.monotonic() - started)))
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0
