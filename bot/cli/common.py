"""Helpers shared by CLI commands: filters from flags, JSON output, error reporting, progress."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import date

from bot.types import SearchFilters


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", action="append", default=[], help="only this publisher (repeatable)"
    )
    parser.add_argument(
        "--since",
        type=since_argument,
        help="only articles published on/after YYYY-MM-DD, or within a duration back from now "
        "(24h, 7d)",
    )
    parser.add_argument(
        "--until", type=date.fromisoformat, help="only articles published on/before YYYY-MM-DD"
    )


def since_argument(text: str) -> date:
    """``--since``: a date or a duration (``bot.digest.window.parse_since``)."""
    from bot.digest.window import parse_since

    try:
        return parse_since(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def filters_from_args(args: argparse.Namespace) -> SearchFilters:
    return SearchFilters(sources=tuple(args.source or ()), since=args.since, until=args.until)


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


class CliError(Exception):
    """An expected failure with a message for the user (exit code 1, no traceback)."""


@contextlib.contextmanager
def report_errors() -> Iterator[None]:
    """Known failures become one clear line on stderr and exit code 1; secrets never printed."""
    from pydantic import ValidationError

    from bot.llm import ModelUnavailable
    from bot.redact import redact
    from vectorstore.store import StoreUnavailable

    try:
        yield
    except (CliError, StoreUnavailable, ModelUnavailable) as exc:
        print(f"briefbot: {redact(str(exc))}", file=sys.stderr)
        raise SystemExit(1) from None
    except ValidationError as exc:  # a bad setting: its own message, one line
        first = exc.errors()[0] if exc.errors() else {"msg": str(exc)}
        where = ".".join(str(x) for x in first.get("loc", ()))
        message = str(first.get("msg", "")).removeprefix("Value error, ")
        print(f"briefbot: invalid setting {where}: {redact(message)}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        print("briefbot: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:  # anything else: one redacted line, never a traceback quoting secrets
        print(
            f"briefbot: unexpected error: {redact(f'{type(exc).__name__}: {exc}')}", file=sys.stderr
        )
        raise SystemExit(1) from None
